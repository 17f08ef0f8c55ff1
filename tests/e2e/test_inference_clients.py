"""The Open Inference Protocol as KServe and Triton users speak it: tritonclient's HTTP client with
its defaults (binary tensor data both ways) and with JSON, its gRPC client (raw_input_contents),
KServe's REST and gRPC clients (binary and JSON, raw and typed contents), over h2c and over TLS with
ALPN h2. Every answer is XGBoost's own prediction for the 2,000 golden rows, to the last bit. The clients
run in .venv-oip (tests/requirements-oip.txt) through oip_clients.py."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import xgboost as xgb

from conftest import FIXTURES, REPO
from test_tls import make_cert

FEATURES = json.loads((FIXTURES / "models/features.json").read_text())
ROWS = [json.loads(line) for line in (FIXTURES / "golden/golden_test_2000.jsonl").read_text().splitlines()]
MODEL = FIXTURES / "models/xgb_model.json"
OIP_PYTHON = REPO / os.environ.get("FRAUDSCORE_OIP_VENV", ".venv-oip") / "bin/python"


def run_clients(tmp_path, *args):
    spec = tmp_path / "rows.json"
    spec.write_text(json.dumps({"features": FEATURES, "rows": [[r[f] for f in FEATURES] for r in ROWS]}))
    assert OIP_PYTHON.exists(), f"{OIP_PYTHON} is missing: scripts/venv.sh makes it"
    done = subprocess.run([str(OIP_PYTHON), str(REPO / "tests/e2e/oip_clients.py"), "--rows", str(spec), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_every_client_and_transport_gives_xgboosts_predictions(start_server, tmp_path):
    cert, key = make_cert(tmp_path, "localhost")
    plain = start_server("--port", "0", "--model", str(MODEL), "--access-log-sample-rate", "1")
    tls = start_server("--port", "0", "--model", str(MODEL), "--tls-cert", str(cert), "--tls-key", str(key))
    name = json.loads(__import__("urllib.request").request.urlopen(plain.url + "/health").read())["model"]["name"]
    got = run_clients(tmp_path, "--client", "triton", "--http", f"127.0.0.1:{plain.port}", "--model", name,
                      "--grpc-tls", f"localhost:{tls.port}", "--ca", str(cert))
    got.update(run_clients(tmp_path, "--client", "kserve", "--http", f"127.0.0.1:{plain.port}", "--model", name))

    golden = [r["xgb_prob"] for r in ROWS]
    answers = {k: v for k, v in got.items() if isinstance(v, dict) and "predictions" in v}
    assert set(answers) == {
        "triton_http_binary_FP64", "triton_http_binary_FP32", "triton_http_json_per_feature", "triton_http_binary_INT32",
        "triton_grpc_raw_FP64", "triton_grpc_raw_FP32", "triton_grpc_tls_raw_FP64",
        "kserve_rest_json", "kserve_rest_binary", "kserve_grpc_typed", "kserve_grpc_raw"}
    for mode, answer in answers.items():
        if mode == "triton_http_binary_INT32":
            continue
        assert answer["predictions"] == golden, f"{mode} differs from XGBoost"
    # Whole-number INT32 rows, scored by XGBoost itself.
    booster = xgb.Booster(model_file=str(MODEL))
    ints = np.array(answers["triton_http_binary_INT32"]["rows"])
    want = booster.predict(xgb.DMatrix(ints, feature_names=FEATURES)).astype(np.float64).tolist()
    assert answers["triton_http_binary_INT32"]["predictions"] == want
    # Request ids come back; health, readiness and metadata answer on both transports.
    assert answers["triton_http_binary_FP64"]["id"] == "triton-http"
    assert answers["triton_grpc_raw_FP64"]["id"] == "triton-grpc"
    assert answers["kserve_grpc_typed"]["id"] == answers["kserve_grpc_raw"]["id"] == "kserve-grpc"
    assert got["live"] and got["ready"] and got["triton_grpc_live"] and got["triton_grpc_model_ready"]
    assert got["kserve_grpc_live"] and got["kserve_grpc_model_ready"]
    assert got["extensions"] == got["triton_grpc_extensions"] == ["binary_tensor_data"]
    assert got["inputs"] == got["triton_grpc_inputs"] == ["input-0", *FEATURES]

    # The same metrics and access log as REST: gRPC calls counted under their route.
    metrics = __import__("urllib.request").request.urlopen(plain.url + "/metrics").read().decode()
    assert 'route="/inference.GRPCInferenceService/*",method="POST",status="200"' in metrics
    calls = plain.entries(logger="fraudscore.access", path="/inference.GRPCInferenceService/ModelInfer")
    assert len(calls) >= 4 and {c["status"] for c in calls} == {200}
    assert plain.stop() == 0 and tls.stop() == 0
