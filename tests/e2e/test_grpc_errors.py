"""gRPC calls a client gets wrong, sent frame by frame over h2c (h2conformance's raw connection):
each gets the gRPC status a client library maps to the right exception, and a grpc-message that
names the problem. The HTTP/2 answers around gRPC (wrong content-type, HTTP/1.1) are HTTP errors,
as the gRPC spec asks."""
import json
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import FIXTURES  # noqa: E402
from h2conformance.client import Target  # noqa: E402
from h2conformance.frames import DATA, HEADERS  # noqa: E402
from protowire import field, framed, tensor  # noqa: E402

MODEL = FIXTURES / "models/xgb_model.json"
PREFIX = "/inference.GRPCInferenceService/"


def infer_request(model, shape, datatype="FP64", raw=None, fp64=None):
    contents = field(7, struct.pack(f"<{len(fp64)}d", *fp64)) if fp64 is not None else None
    message = field(1, model) + field(5, tensor("input-0", datatype, shape, contents))
    return message + (field(7, raw) if raw is not None else b"")


def call(port, method, body, extra=(), content_type="application/grpc", delay=None):
    """One call on a fresh connection: (response headers, body, trailers), all as dicts/bytes."""
    target = Target("127.0.0.1", port, timeout=5)
    conn = target.open()
    try:
        headers = target.request(PREFIX + method, "POST", [("content-type", content_type), ("te", "trailers"), *extra])
        conn.send_headers(1, headers, end_stream=False)
        if delay:
            time.sleep(delay)  # the request's body arrives late: what the deadline is about
        conn.send_data(1, body, end_stream=True)
        blocks, data = [], b""
        while True:
            f = conn.until(lambda f: f.stream == 1 and f.type in (HEADERS, DATA))
            assert f is not None, f"no answer on stream 1; got {conn.got}"
            if f.type == HEADERS:
                blocks.append(dict(f.headers))
            else:
                data += bytes(f.payload)
            if f.flags & 0x1:  # END_STREAM
                break
        head = blocks[0]
        trailers = blocks[1] if len(blocks) > 1 else head  # Trailers-Only: one block holds both
        return head, data, trailers
    finally:
        target.close_all()


def status(trailers):
    return int(trailers["grpc-status"]), urllib.parse.unquote(trailers.get("grpc-message", ""))


@pytest.fixture
def server(start_server):
    return start_server("--port", "0", "--model", str(MODEL), "--max-body-bytes", "4096", "--access-log-sample-rate", "1")


def model_name(server):
    return json.loads(urllib.request.urlopen(server.url + "/health").read())["model"]["name"]


def test_a_good_call_and_the_framing_of_its_answer(server):
    row = [0.0] * 15
    head, data, trailers = call(server.port, "ModelInfer", framed(infer_request(model_name(server), [1, 15], fp64=row)))
    assert head[":status"] == "200" and head["content-type"] == "application/grpc"
    assert "content-length" not in head and head["x-request-id"]
    assert trailers["grpc-status"] == "0"
    assert data[0] == 0 and struct.unpack(">I", data[1:5])[0] == len(data) - 5
    # raw_output_contents (field 6) closes the message: one little-endian FP64 probability.
    assert data[-10:-8] == bytes([6 << 3 | 2, 8]) and 0 < struct.unpack("<d", data[-8:])[0] < 1


@pytest.mark.parametrize("case, body, code, words", [
    ("truncated frame", b"\x00\x00\x00\x00\x64" + b"x" * 10, 13, "truncated gRPC frame: the prefix says 100 bytes, 10 arrived"),
    ("prefix cut short", b"\x00\x00\x00", 13, "truncated gRPC frame: 3 bytes"),
    ("compressed", b"\x01\x00\x00\x00\x00", 12, "compressed messages are not accepted"),
    ("two messages", framed(b"") + framed(b""), 12, "more than one message in a unary call"),
    ("broken protobuf", framed(b"\x0a\xff"), 3, "protobuf: truncated varint"),
    ("field past the end", framed(b"\x0a\x10abc"), 3, "runs past the end of the message"),
    ("no inputs", framed(field(1, "m")), 3, "ModelInferRequest has no inputs"),
])
def test_malformed_frames_and_messages(server, case, body, code, words):
    _, data, trailers = call(server.port, "ModelInfer", body)
    assert data == b""
    assert status(trailers)[0] == code and words in status(trailers)[1], (case, status(trailers))


def test_tensors_that_do_not_match_their_shape(server):
    name = model_name(server)
    cases = [
        (infer_request(name, [1, 15], raw=b"\x00" * 119), "input \"input-0\": FP64 [1, 15] needs 120 bytes, got 119"),
        (infer_request(name, [2, 15], fp64=[0.0] * 15), "shape [2, 15] holds 30 values, contents have 15"),
        (infer_request(name, [1, 15], datatype="FP32", fp64=[0.0] * 15), "FP32 values go in fp32_contents"),
        (infer_request(name, [1, 3], fp64=[0.0] * 3), "needs 15 columns"),
        (infer_request(name, [1 << 40, 1 << 40], raw=b""), "holds more elements than the request carries"),
        (infer_request(name, [1, 15], datatype="BYTES", raw=b""), "datatype \"BYTES\" must be"),
    ]
    for message, words in cases:
        code, text = status(call(server.port, "ModelInfer", framed(message))[2])
        assert code == 3 and words in text, (words, code, text)


def test_unknown_model_method_and_limits(server):
    assert status(call(server.port, "ModelInfer", framed(infer_request("other", [1, 15], fp64=[0.0] * 15)))[2])[0] == 5
    code, text = status(call(server.port, "RepositoryIndex", framed(b""))[2])
    assert code == 12 and "ModelInfer" in text
    code, text = status(call(server.port, "ModelInfer", framed(b"\x00" * 5000))[2])
    assert code == 8 and "--max-body-bytes" in text
    code, text = status(call(server.port, "ServerLive", framed(b""), extra=[("grpc-encoding", "gzip")])[2])
    assert code == 12 and "grpc-encoding gzip" in text
    code, text = status(call(server.port, "ServerLive", framed(b""), extra=[("grpc-timeout", "soon")])[2])
    assert code == 3 and "grpc-timeout" in text
    # The deadline counts from the request's HEADERS: a body that arrives after it is not scored.
    message = framed(infer_request(model_name(server), [1, 15], fp64=[0.0] * 15))
    code, text = status(call(server.port, "ModelInfer", message, extra=[("grpc-timeout", "100m")], delay=0.3)[2])
    assert code == 4 and "deadline" in text
    assert status(call(server.port, "ModelInfer", message, extra=[("grpc-timeout", "5S")], delay=0.3)[2])[0] == 0
    # Errors count in the request metrics under the HTTP status that says the same.
    metrics = urllib.request.urlopen(server.url + "/metrics").read().decode()
    for http_status in (404, 501, 400, 504):
        assert f'route="{PREFIX}*",method="POST",status="{http_status}"' in metrics, http_status
    assert 'route="none",method="POST",status="429"' in metrics  # a limit's answer, before routing


def test_what_is_not_grpc_gets_an_http_answer(server):
    head, _, _ = call(server.port, "ServerLive", framed(b""), content_type="application/json")
    assert head[":status"] == "415"
    req = urllib.request.Request(server.url + PREFIX + "ServerLive", data=framed(b""),
                                 headers={"Content-Type": "application/grpc"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 505 and "HTTP/2" in json.loads(e.value.read())["detail"]


def test_with_online_features_inference_wants_raw_transactions_over_rest(start_server):
    """The feature store computes features from raw transactions (strings and ids): gRPC's ModelInfer
    and binary tensors carry feature matrices, so each says where to send transactions instead."""
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
    name = model_name(server)
    code, text = status(call(server.port, "ModelInfer", framed(infer_request(name, [1, 15], fp64=[0.0] * 15)))[2])
    assert code == 9 and "--feature-store" in text and f"/v2/models/{name}/infer" in text
    header = json.dumps({"inputs": [{"name": "tx_amount", "datatype": "FP64", "shape": [1],
                                     "parameters": {"binary_data_size": 8}}]}).encode()
    req = urllib.request.Request(server.url + f"/v2/models/{name}/infer", data=header + struct.pack("<d", 1.0),
                                 headers={"Inference-Header-Content-Length": str(len(header))})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400 and "binary_data=False" in json.loads(e.value.read())["error"]
    # The rest of the service still answers over gRPC.
    assert status(call(server.port, "ServerLive", framed(b""))[2])[0] == 0
