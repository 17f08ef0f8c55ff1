"""Bad input is refused with a 422 that names the problem, wherever it stands in the body: numbers
too large for a Double, invalid UTF-8 or escapes (also in fields the decoder skips); and a large
invalid batch cannot make a larger error body."""
import json

from conftest import REPO
from modelrepo import http

SAMPLE = json.loads((REPO / "examples/sample_request.json").read_text())


def post(server, body: bytes):
    return http("POST", server.url + "/predict", body)


def test_a_number_too_large_for_a_double_is_refused_naming_the_field(start_server):
    server = start_server("--port", "0")
    text = json.dumps(SAMPLE).replace('"tx_amount": 55.48', '"tx_amount": 1e400')
    status, body = post(server, text.encode())
    assert status == 422
    assert body["detail"] == [{"type": "finite_number", "loc": ["body", "tx_amount"],
                               "msg": "Input should be a finite number (send null for a missing value)"}]
    status, body = post(server, text.replace("1e400", '"-1e400"').encode())
    assert status == 422 and body["detail"][0]["loc"] == ["body", "tx_amount"]
    assert post(server, json.dumps(SAMPLE).encode())[0] == 200


def test_invalid_utf8_and_escapes_are_refused_even_in_skipped_fields(start_server):
    server = start_server("--port", "0")
    base = json.dumps(SAMPLE)[:-1]
    cases = {
        b', "note": "caf\xc3"}': "Invalid UTF-8",
        b', "note": "\xed\xa0\x80"}': "Invalid UTF-8",
        b', "note": "\\x41"}': "Invalid \\escape",
        b', "note": "\\uD800"}': "Unpaired surrogate in \\u escape",
    }
    for tail, error in cases.items():
        status, body = post(server, base.encode() + tail)
        assert status == 422, tail
        [detail] = body["detail"]
        assert detail["type"] == "json_invalid" and detail["ctx"]["error"] == error, (tail, detail)
        assert isinstance(detail["loc"][1], int)
    # Valid escapes and multi-byte text in an unknown field are fine.
    status, body = post(server, base.encode() + ', "note": "caf\u00e9 \\u00e9 \\uD83D\\uDE00"}'.encode())
    assert status == 200, body


def test_a_large_invalid_batch_gets_a_bounded_error_body(start_server):
    server = start_server("--port", "0")
    status, body = post(server, b"[" + b",".join([b"{}"] * 1000) + b"]")
    assert status == 422
    assert len(body["detail"]) == 100
    assert body["errors_total"] == 1000 * 16  # per item: transaction_id and the 15 features
    assert body["detail"][0]["loc"] == ["body", 0, "transaction_id"]
    assert len(json.dumps(body)) < 20_000
    server2 = start_server("--port", "0", "--max-error-details", "3")
    status, body = post(server2, b"[{}, {}]")
    assert status == 422 and len(body["detail"]) == 3 and body["errors_total"] == 32
    # A body within the limit lists every error and no total.
    status, body = post(server2, json.dumps({**SAMPLE, "tx_amount": "lots"}).encode())
    assert status == 422 and len(body["detail"]) == 1 and "errors_total" not in body
