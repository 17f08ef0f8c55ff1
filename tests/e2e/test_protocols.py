"""MLflow scoring and Open Inference Protocol v2, in the JSON shapes those protocols document,
give the same numbers as /predict for the same rows."""
import json
import urllib.error
import urllib.request

from conftest import REPO

ROWS = [json.loads(l) for l in (REPO / "models/default/validation.jsonl").read_text().splitlines()][:10]
META = json.loads((REPO / "models/default/model_meta.json").read_text())
FEATURES = META["features"]


def call(url, path, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw.strip() else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def expected(url):
    return [call(url, "/predict", {k: v for k, v in r.items() if k != "expected_prob"})[1]["fraud_probability"]
            for r in ROWS]


def test_mlflow_invocations_all_input_formats(start_server):
    server = start_server("--port", "0")
    want = expected(server.url)
    assert want == [r["expected_prob"] for r in ROWS]
    assert urllib.request.urlopen(server.url + "/ping", timeout=5).status == 200
    split = {"dataframe_split": {"columns": FEATURES, "data": [[r[f] for f in FEATURES] for r in ROWS]}}
    records = {"dataframe_records": [{f: r[f] for f in FEATURES} for r in ROWS]}
    instances = {"instances": [{f: r[f] for f in reversed(FEATURES)} for r in ROWS]}
    positional = {"inputs": [[r[f] for f in FEATURES] for r in ROWS]}
    columns = {"inputs": {f: [r[f] for r in ROWS] for f in FEATURES}}
    for body in [split, records, instances, positional, columns]:
        status, reply = call(server.url, "/invocations", body)
        assert status == 200, (list(body), reply)
        assert reply == {"predictions": want}, list(body)


def test_mlflow_errors(start_server):
    server = start_server("--port", "0")
    status, reply = call(server.url, "/invocations", {"dataframe_records": [{"tx_amount": 1}]})
    assert status == 400 and reply["error_code"] == "BAD_REQUEST"
    assert "tx_during_weekend" in reply["message"]
    status, reply = call(server.url, "/invocations", {"columns": []})
    assert status == 400 and "dataframe_split, dataframe_records, instances or inputs" in reply["message"]
    status, reply = call(server.url, "/invocations", {"inputs": [[1, 2]]})
    assert status == 400 and "the model takes 15" in reply["message"]
    status, reply = call(server.url, "/invocations", {"dataframe_records": [{f: "x" for f in FEATURES}]})
    assert status == 400 and "must be a number or null" in reply["message"]


def test_open_inference_protocol(start_server):
    server = start_server("--port", "0")
    want = expected(server.url)
    name, version = META["name"], META["model_version"]
    assert call(server.url, "/v2/health/live") == (200, {"live": True})
    assert call(server.url, "/v2/health/ready") == (200, {"ready": True})
    assert call(server.url, f"/v2/models/{name}/ready") == (200, {"ready": True})
    status, meta = call(server.url, f"/v2/models/{name}")
    assert status == 200 and meta["name"] == name and meta["versions"] == [version]
    assert meta["inputs"][0] == {"name": "input-0", "datatype": "FP64", "shape": [-1, len(FEATURES)]}
    assert [i["name"] for i in meta["inputs"][1:]] == FEATURES
    assert meta["outputs"] == [{"name": "fraud_probability", "datatype": "FP64", "shape": [-1]}]

    matrix = {"id": "req-1", "inputs": [{"name": "input-0", "shape": [len(ROWS), len(FEATURES)], "datatype": "FP64",
                                         "data": [r[f] for r in ROWS for f in FEATURES]}]}
    for path in [f"/v2/models/{name}/infer", f"/v2/models/{name}/versions/{version}/infer"]:
        status, reply = call(server.url, path, matrix)
        assert status == 200, reply
        assert reply == {"model_name": name, "model_version": version, "id": "req-1",
                         "outputs": [{"name": "fraud_probability", "datatype": "FP64", "shape": [len(ROWS)], "data": want}]}
    per_feature = {"inputs": [{"name": f, "shape": [len(ROWS)], "datatype": "FP64", "data": [r[f] for r in ROWS]}
                              for f in FEATURES]}
    status, reply = call(server.url, f"/v2/models/{name}/infer", per_feature)
    assert status == 200 and reply["outputs"][0]["data"] == want
    # Nested data in FP32: narrowed to float32 as a client's float32 array is; XGBoost scores float32 anyway.
    nested = {"inputs": [{"name": "input-0", "shape": [len(ROWS), len(FEATURES)], "datatype": "FP32",
                          "data": [[r[f] for f in FEATURES] for r in ROWS]}]}
    assert call(server.url, f"/v2/models/{name}/infer", nested)[1]["outputs"][0]["data"] == want


def test_open_inference_protocol_errors(start_server):
    server = start_server("--port", "0")
    name = META["name"]
    status, reply = call(server.url, "/v2/models/other/infer", {"inputs": []})
    assert status == 404 and "unknown model" in reply["error"].lower()
    status, reply = call(server.url, f"/v2/models/{name}/versions/9/infer", {"inputs": []})
    assert status == 404 and "version" in reply["error"]
    status, reply = call(server.url, f"/v2/models/{name}/infer", {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]})
    assert status == 400 and "needs 15 columns" in reply["error"]
    status, reply = call(server.url, f"/v2/models/{name}/infer", {"inputs": [{"name": "input-0", "shape": [2, 15], "datatype": "FP64", "data": [0] * 29}]})
    assert status == 400 and "shape says 30 values, data has 29" in reply["error"]
    status, reply = call(server.url, f"/v2/models/{name}/infer", {"inputs": [{"name": "input-0", "shape": [1, 15], "datatype": "BYTES", "data": ["a"] * 15}]})
    assert status == 400 and "datatype" in reply["error"]
    status, _ = call(server.url, f"/v2/models/{name}/infer", method="GET")
    assert status == 405
