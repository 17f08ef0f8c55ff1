"""The command line: help, environment variables, and errors that say what to fix."""
import json
import socket
import subprocess
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
                   "--max-requests-per-connection", "--drain-timeout-ms"]:
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
    assert "/nonexistent/model.json" in out.stderr
    assert "cannot open" in out.stderr


def test_invalid_option_values_are_rejected():
    out = subprocess.run([binary(), "serve", "--threshold", "1.5"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "--threshold must be between 0 and 1" in out.stderr
