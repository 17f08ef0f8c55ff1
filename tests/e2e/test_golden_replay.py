"""The 2,000 golden rows replayed over HTTP give each library's own probabilities (XGBoost and
LightGBM exactly, skl2onnx models within 1e-6 of onnxruntime), and the FastAPI service's recorded
answers come back the same from fraudscore."""
import http.client
import json

import pytest

from conftest import FIXTURES

GOLDEN = FIXTURES / "golden/golden_test_2000.jsonl"
LABELS_AND_PREDICTIONS = {"tx_fraud", "tx_fraud_scenario", "xgb_prob", "xgb_margin", "lgbm_prob", "lgbm_raw",
                          "onnx_lr_prob", "onnx_rf_prob", "sklearn_lr_prob", "sklearn_rf_prob"}


def golden_rows():
    rows = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    assert len(rows) == 2000
    return rows


def replay(port, bodies):
    """POSTs each body to /predict on one keep-alive connection; returns the decoded answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    answers = []
    for body in bodies:
        conn.request("POST", "/predict", json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 200, r.read()
        answers.append(json.loads(r.read()))
    conn.close()
    return answers


@pytest.mark.parametrize("model, key, tolerance", [
    ("models/xgb_model.json", "xgb_prob", 0.0),
    ("models/xgb_model.ubj", "xgb_prob", 0.0),
    ("models/lgbm_model.txt", "lgbm_prob", 0.0),
    # skl2onnx's one input X [N, 15]: the column names come from features.json beside the file.
    ("models/rf.onnx", "onnx_rf_prob", 1e-6),
    ("models/lr_pipeline.onnx", "onnx_lr_prob", 1e-6),
    ("mlflow/xgboost", "xgb_prob", 0.0),
    ("mlflow/lightgbm", "lgbm_prob", 0.0),
])
def test_fixture_model_replays_the_library_predictions(start_server, model, key, tolerance):
    server = start_server("--port", "0", "--model", str(FIXTURES / model))
    rows = golden_rows()
    answers = replay(server.port, [{k: v for k, v in r.items() if k not in LABELS_AND_PREDICTIONS} for r in rows])
    worst = max(abs(a["fraud_probability"] - r[key]) for a, r in zip(answers, rows))
    assert worst <= tolerance, f"largest difference to {key}: {worst}"
    assert [a["transaction_id"] for a in answers] == [r["transaction_id"] for r in rows]
    # Both decisions occur, and each agrees with the library's probability at the 0.5 threshold.
    assert {a["is_fraud"] for a in answers} == {True, False}
    assert [a["is_fraud"] for a in answers] == [r[key] >= 0.5 for r in rows]
    assert server.stop() == 0


def test_fastapi_examples_are_answered_alike(start_server):
    """Request/response pairs of the FastAPI service, from fraudscore serving the same model: the
    same fields, the same probability to the last bit, the same decision."""
    pairs = [json.loads(line) for line in (FIXTURES / "golden/http_examples.jsonl").read_text().splitlines()]
    assert len(pairs) == 20
    server = start_server("--port", "0", "--model", str(FIXTURES / "models/xgb_model.json"),
                          "--model-version", pairs[0]["response"]["model_version"])
    answers = replay(server.port, [p["request"] for p in pairs])
    assert answers == [p["response"] for p in pairs]
    assert {p["response"]["is_fraud"] for p in pairs} == {True, False}
    assert server.stop() == 0
