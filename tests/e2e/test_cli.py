"""The command line: help, environment variables, and errors that say what to fix."""
import json
import socket
import subprocess
import urllib.error
import urllib.request

from conftest import REPO, binary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_documents_every_option_and_the_environment():
    out = subprocess.run([binary(), "serve", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ["--host", "--port", "--model", "--threads", "--threshold", "--allow-missing-features",
                   "--max-header-bytes", "--max-header-count", "--max-uri-bytes", "--max-body-bytes",
                   "--header-timeout-ms", "--body-timeout-ms", "--idle-timeout-ms", "--max-connections",
                   "--max-requests-per-connection", "--drain-timeout-ms", "--drain-accept-grace-ms",
                   "--access-log-sample-rate", "--config"]:
        assert option in out, option
    assert "FRAUDSCORE_" in out


def test_environment_variables_configure_the_server(start_server):
    port = free_port()
    server = start_server(env={"FRAUDSCORE_PORT": str(port), "FRAUDSCORE_THRESHOLD": "0.001",
                               "FRAUDSCORE_ALLOW_MISSING_FEATURES": "true"})
    assert server.port == port
    body = json.dumps({"transaction_id": 5, "tx_amount": 55.0}).encode()
    req = urllib.request.Request(server.url + "/predict", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        reply = json.loads(r.read())
    # Absent features are missing values (allowed by the environment), and the low threshold flags it.
    assert reply["transaction_id"] == 5
    assert reply["is_fraud"] is (reply["fraud_probability"] >= 0.001)
    with urllib.request.urlopen(server.url + "/health", timeout=5) as r:
        assert json.loads(r.read())["threshold"] == 0.001
    assert server.stop() == 0


def test_command_line_wins_over_environment(start_server):
    port = free_port()
    server = start_server("--port", str(port), env={"FRAUDSCORE_PORT": "1"})
    assert server.port == port
    assert server.stop() == 0


def test_unloadable_model_exits_2_naming_the_file():
    out = subprocess.run([binary(), "serve", "--model", "/nonexistent/model.json"], capture_output=True,
                         text=True, cwd=REPO, timeout=30)
    assert out.returncode == 2
    # The server logs JSON lines on stdout.
    assert "/nonexistent/model.json" in out.stdout
    assert "cannot open" in out.stdout


def test_invalid_option_values_are_rejected():
    out = subprocess.run([binary(), "serve", "--threshold", "1.5"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "--threshold must be between 0 and 1" in out.stderr
    out = subprocess.run([binary(), "serve", "--max-header-bytes", str(2**31)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "--max-header-bytes must be at most 1073741824 (1 GiB), got 2147483648" in out.stderr


def test_check_model_scores_the_validation_rows(tmp_path):
    out = subprocess.run([binary(), "check-model", "models/default"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "format:     xgboost-json (xgboost 3.2.0)" in out.stdout
    assert "validation: 50 rows" in out.stdout and "50 exact" in out.stdout
    # One expected value off by a little: the check must fail and say which line.
    rows = (REPO / "models/default/validation.jsonl").read_text().splitlines()
    first = json.loads(rows[0])
    first["expected_prob"] = first["expected_prob"] + 1e-9
    bad = tmp_path / "validation.jsonl"
    bad.write_text("\n".join([json.dumps(first)] + rows[1:]) + "\n")
    out = subprocess.run([binary(), "check-model", "models/default", "--validation", str(bad)],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 1
    assert "line 1:" in out.stderr and "1 validation row(s) disagree" in out.stderr


def test_check_model_refuses_an_unrecognised_file(tmp_path):
    junk = tmp_path / "model.bin"
    junk.write_bytes(b"\x00\x01not a model")
    out = subprocess.run([binary(), "check-model", str(junk)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "unrecognised model file" in out.stderr


def test_predict_scores_jsonl_and_csv_like_the_server(start_server, tmp_path):
    rows = [json.loads(l) for l in (REPO / "models/default/validation.jsonl").read_text().splitlines()]
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "expected_prob"}) + "\n" for r in rows))
    out = subprocess.run([binary(), "predict", "--input", str(jsonl)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    results = [json.loads(l) for l in out.stdout.splitlines()]
    assert [r["fraud_probability"] for r in results] == [r["expected_prob"] for r in rows]

    columns = [k for k in rows[0] if k != "expected_prob"]
    csv = tmp_path / "rows.csv"
    csv.write_text(",".join(columns) + "\n" + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in rows))
    out_file = tmp_path / "out.jsonl"
    out = subprocess.run([binary(), "predict", "--input", str(csv), "--output", str(out_file)],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [json.loads(l)["fraud_probability"] for l in out_file.read_text().splitlines()] == \
        [r["expected_prob"] for r in rows]


def test_an_empty_model_uri_is_refused_saying_what_to_set():
    import os
    out = subprocess.run([binary(), "serve", "--port", "0"], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "FRAUDSCORE_MODEL": ""})
    assert out.returncode == 64
    assert "--model is empty: set the model repository (--model or FRAUDSCORE_MODEL)" in out.stderr
    assert "FRAUDSCORE_MODEL" in out.stderr.splitlines()[-1]


def test_model_name_names_the_model_in_health_metrics_and_the_inference_protocol(start_server):
    server = start_server("--port", "0", "--model-name", "fraud-detector")
    with urllib.request.urlopen(server.url + "/health", timeout=5) as r:
        assert json.loads(r.read())["model"]["name"] == "fraud-detector"
    with urllib.request.urlopen(server.url + "/v2/models/fraud-detector/ready", timeout=5) as r:
        assert r.status == 200
    try:
        urllib.request.urlopen(server.url + "/v2/models/fraud-default/ready", timeout=5)
        raise AssertionError("the model's own name still answers")
    except urllib.error.HTTPError as e:
        assert e.code == 404
    with urllib.request.urlopen(server.url + "/metrics", timeout=5) as r:
        assert 'fraudscore_model_info{name="fraud-detector"' in r.read().decode()


def test_healthcheck_exits_0_on_a_ready_server_and_1_otherwise(start_server):
    import os
    server = start_server("--port", "0")
    ok = subprocess.run([binary(), "healthcheck", "--port", str(server.port)], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    # The port from the environment, as the image's HEALTHCHECK finds it.
    env_ok = subprocess.run([binary(), "healthcheck"], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "FRAUDSCORE_PORT": str(server.port)})
    assert env_ok.returncode == 0, env_ok.stderr
    wrong_path = subprocess.run([binary(), "healthcheck", "--port", str(server.port), "--path", "/nope"],
                                capture_output=True, text=True, timeout=30)
    assert wrong_path.returncode == 1 and "answered HTTP/1.1 404 Not Found" in wrong_path.stderr
    server.stop()
    down = subprocess.run([binary(), "healthcheck", "--port", str(server.port)], capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "cannot connect" in down.stderr
