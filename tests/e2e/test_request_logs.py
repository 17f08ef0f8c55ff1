"""Per-request JSON log lines on stdout: request ids (taken from or written to X-Request-Id),
traceparent passed through, sampling (every 5xx regardless), and no transaction data in logs."""
import http.client
import json
import re

from conftest import REPO

BODY = (REPO / "examples/sample_request.json").read_bytes()
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def post(conn, headers=None, body=BODY, path="/predict"):
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


def access(server):
    return server.entries(logger="fraudscore.access")


def test_request_id_from_the_client_is_echoed_and_logged(start_server):
    server = start_server("--port", "0", "--access-log-sample-rate", "1")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    status, headers, _ = post(conn, {"X-Request-Id": "order-7781/attempt-2", "traceparent": TRACEPARENT})
    assert status == 200
    assert headers["x-request-id"] == "order-7781/attempt-2"
    assert headers["traceparent"] == TRACEPARENT
    assert server.stop() == 0
    [line] = access(server)
    assert line["request_id"] == "order-7781/attempt-2"
    assert line["traceparent"] == TRACEPARENT
    assert (line["method"], line["path"], line["status"], line["protocol"]) == ("POST", "/predict", 200, "HTTP/1.1")
    assert line["bytes_in"] == len(BODY)
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])


def test_a_request_without_id_gets_a_fresh_one_in_header_and_log(start_server):
    server = start_server("--port", "0", "--access-log-sample-rate", "1")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ids = [post(conn)[1]["x-request-id"] for _ in range(3)]
    for rid in ids:
        assert re.fullmatch(r"[0-9a-f]{16}", rid), rid
    assert len(set(ids)) == 3
    assert server.stop() == 0
    assert [line["request_id"] for line in access(server)] == ids


def test_unsafe_ids_and_malformed_traceparents_are_replaced_or_dropped(start_server):
    server = start_server("--port", "0", "--access-log-sample-rate", "1")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    bad_ids = ['evil" "status":200', "x" * 129]
    bad_traces = ["00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
                  "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
                  "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"]  # upper case
    for rid, tp in zip(bad_ids + ["ok-id"] * 3, ["ok"] * 2 + bad_traces):
        status, headers, _ = post(conn, {"X-Request-Id": rid, "traceparent": tp})
        assert status == 200
        assert headers["x-request-id"] != rid or rid == "ok-id"
        assert "traceparent" not in headers
    assert server.stop() == 0
    lines = access(server)
    assert len(lines) == 5
    assert all("traceparent" not in line for line in lines)
    assert all(line["status"] == 200 for line in lines)  # no forged field got through


def test_no_transaction_values_reach_the_logs(start_server):
    server = start_server("--port", "0", "--access-log-sample-rate", "1")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    # Values distinctive enough that finding one in the logs cannot be a coincidence.
    tx = dict(json.loads(BODY), transaction_id=918273645546, customer_id=987654321, terminal_id=192837465,
              tx_amount=31337.77, tx_datetime="2018-08-08 13:57:31")
    assert post(conn, body=json.dumps(tx).encode())[0] == 200
    bad = dict(tx, tx_amount="not a number")
    assert post(conn, body=json.dumps(bad).encode())[0] == 422
    assert server.stop() == 0
    text = "".join(server.logs)
    assert len(access(server)) == 2
    for field in ("customer_id", "terminal_id", "tx_amount", "tx_datetime", "transaction_id"):
        assert field not in text, f"{field} appears in the logs"
        value = str(tx[field])
        assert value not in text, f"the value of {field} ({value}) appears in the logs"
    assert "not a number" not in text


def test_sampling_logs_a_share_of_requests(start_server):
    server = start_server("--port", "0", "--access-log-sample-rate", "0.5")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(400):
        assert post(conn)[0] == 200
    assert server.stop() == 0
    # Binomial(400, 0.5): mean 200, sd 10; these bounds are 8 sd away.
    assert 120 <= len(access(server)) <= 280


def test_rate_zero_logs_no_success_but_every_server_error(start_server):
    # Storage that refuses connections: the server starts unready and answers /predict with 503.
    server = start_server("--port", "0", "--access-log-sample-rate", "0", "--model", "s3://models/fraud/",
                          "--s3-endpoint", "http://127.0.0.1:1", env={"AWS_ACCESS_KEY_ID": "x",
                                                                      "AWS_SECRET_ACCESS_KEY": "y"})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(20):
        conn.request("GET", "/health/live")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
    status, headers, _ = post(conn, {"X-Request-Id": "during-outage"})
    assert status == 503
    assert server.stop() == 0
    [line] = access(server)
    assert (line["request_id"], line["status"], line["level"]) == ("during-outage", 503, "error")


def test_lifecycle_events_are_json_lines_on_stdout(tmp_path):
    import os
    import signal
    import subprocess

    from conftest import binary

    err = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen([binary(), "serve", "--host", "127.0.0.1", "--port", "0"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=err, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("FRAUDSCORE_")})
    entries = []
    for line in proc.stdout:
        entries.append(json.loads(line))
        if entries[-1]["msg"] == "listening":
            break
    proc.send_signal(signal.SIGTERM)
    entries += [json.loads(line) for line in proc.stdout]
    assert proc.wait(30) == 0
    err.seek(0)
    assert err.read() == ""
    messages = [e["msg"] for e in entries]
    for event in ("model version serving", "listening", "shutting down", "draining", "stopped"):
        assert event in messages, messages
    assert all({"ts", "level", "logger", "msg"} <= e.keys() for e in entries)
