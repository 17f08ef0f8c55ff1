"""/openapi.json is a valid OpenAPI 3.1 document generated from the served model, /docs renders it
offline, and schemathesis, fuzzing the live server from that document, finds no 5xx, no response
that breaks the schema, and no accepted request that breaks it."""
import json
import shutil
import subprocess
import urllib.request

from openapi_spec_validator import validate

from conftest import FIXTURES, REPO


def test_document_is_valid_and_follows_the_model(start_server):
    server = start_server("--port", "0")
    with urllib.request.urlopen(server.url + "/openapi.json", timeout=5) as r:
        doc = json.loads(r.read())
    validate(doc)
    features = json.loads((REPO / "models/default/model_meta.json").read_text())["features"]
    schema = doc["components"]["schemas"]["Transaction"]
    assert set(features) <= set(schema["properties"])
    assert doc["info"]["version"] == "xgb-default-1.0.0"
    # The Open Inference Protocol: REST (JSON and binary tensors) in the paths, gRPC in the description.
    infer = doc["paths"]["/v2/models/{model_name}/infer"]["post"]
    assert set(infer["requestBody"]["content"]) == {"application/json", "application/octet-stream"}
    assert "Inference-Header-Content-Length" in [p["name"] for p in infer["parameters"]]
    assert "inference.GRPCInferenceService" in doc["info"]["description"]
    with urllib.request.urlopen(server.url + "/docs", timeout=5) as r:
        page = r.read().decode()
    assert "fetch('openapi.json')" in page
    assert "http://" not in page and "https://" not in page, "/docs must load nothing from outside"
    assert server.stop() == 0


def test_document_changes_with_the_model(start_server):
    model = FIXTURES / "models/lgbm_model.txt"
    server = start_server("--port", "0", "--model", str(model))
    with urllib.request.urlopen(server.url + "/openapi.json", timeout=5) as r:
        doc = json.loads(r.read())
    assert "(lightgbm-text)" in doc["info"]["description"]
    assert server.stop() == 0


def test_schemathesis_finds_no_failure(start_server, tmp_path):
    st = shutil.which("st") or shutil.which("schemathesis")
    assert st, "schemathesis is not installed (pip install -r tests/requirements.txt)"
    server = start_server("--port", "0")
    # The inference path's tensors (data that matches its shape) are beyond JSON Schema: Triton's and
    # KServe's clients test it (test_inference_clients.py).
    out = subprocess.run([st, "run", server.url + "/openapi.json", "--checks", "all", "--max-examples", "100",
                          "--exclude-path", "/v2/models/{model_name}/infer", "--seed", "20261122"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    print(out.stdout[-4000:], out.stderr[-2000:])
    assert out.returncode == 0
    assert server.stop() == 0


def test_schemathesis_finds_no_failure_with_online_features(start_server, tmp_path):
    st = shutil.which("st") or shutil.which("schemathesis")
    assert st, "schemathesis is not installed (pip install -r tests/requirements.txt)"
    server = start_server("--port", "0", "--feature-store", "memory")
    with urllib.request.urlopen(server.url + "/openapi.json", timeout=5) as r:
        doc = json.loads(r.read())
    transaction = doc["components"]["schemas"]["Transaction"]
    assert transaction["required"] == ["transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount"]
    assert "/feedback" in doc["paths"]
    out = subprocess.run([st, "run", server.url + "/openapi.json", "--checks", "all", "--max-examples", "100",
                          "--exclude-path", "/v2/models/{model_name}/infer", "--seed", "20261207"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    print(out.stdout[-4000:], out.stderr[-2000:])
    assert out.returncode == 0
    assert server.stop() == 0
