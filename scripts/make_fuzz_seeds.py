"""Writes the fuzz targets' seed corpora (Fuzz/corpus/<target>/): a few well-formed inputs of each
shape a client sends, and small models of each format (trained here: the fixtures' are too big for
libFuzzer to mutate quickly), for libFuzzer to start from. Deterministic with the pinned packages;
run it again after changing it. The models need the test venv's xgboost, lightgbm, catboost and onnx:

    .venv/bin/python scripts/make_fuzz_seeds.py"""
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz/corpus"
sys.path.insert(0, str(ROOT / "tests/e2e"))
from protowire import field, framed as grpc, tensor, varint  # noqa: E402


def infer_body(doc, binary=b"", header=True):
    text = json.dumps(doc, separators=(",", ":")).encode()
    return struct.pack(">H", len(text) if header else 0xFFFF) + text + binary


def small_models():
    """An XGBoost model (JSON and UBJSON), a LightGBM one and a logistic regression as ONNX, each a
    few trees or weights over 15 features with missing values in training."""
    import numpy as np
    import lightgbm as lgb
    import xgboost as xgb
    rng = np.random.default_rng(20261207)
    x = rng.normal(size=(400, 15))
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 3]) > 0.5).astype(int)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1, "seed": 1},
                        xgb.DMatrix(x, label=y), num_boost_round=3)
    out = {"xgboost.json": bytes(booster.save_raw("json")), "xgboost.ubj": bytes(booster.save_raw("ubj"))}
    lgbm = lgb.train({"objective": "binary", "num_leaves": 4, "verbose": -1, "num_threads": 1, "deterministic": True,
                      "seed": 1}, lgb.Dataset(x, label=y), num_boost_round=3)
    out["lightgbm.txt"] = lgbm.model_to_string().encode()
    out["logistic.onnx"] = (ROOT / "tests/fixtures/models/lr_pipeline.onnx").read_bytes()
    out.update(small_catboost_models(x, y))
    return out


def small_catboost_models(x, y):
    """CatBoost models of 3 trees of depth 2, nan_mode Min and Max, as .cbm and JSON. catboost stamps
    each save with a fresh guid and time: they are fixed through a JSON round trip."""
    import tempfile
    import catboost
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("Min", "Max"):
            model = catboost.CatBoostClassifier(iterations=3, depth=2, nan_mode=mode, random_seed=1, thread_count=1,
                                                verbose=0, allow_writing_files=False)
            model.fit(catboost.Pool(x, y, feature_names=[f"f{i}" for i in range(x.shape[1])]))
            path = Path(tmp) / "m.json"
            model.save_model(str(path), format="json")
            doc = json.loads(path.read_text())
            doc["model_info"] = {"params": doc["model_info"]["params"], "model_guid": "seed", "train_finish_time": "seed"}
            path.write_text(json.dumps(doc))
            fixed = catboost.CatBoost()
            fixed.load_model(str(path), format="json")
            fixed.save_model(str(Path(tmp) / "m.cbm"))
            fixed.save_model(str(path), format="json")
            out[f"catboost_{mode.lower()}.cbm"] = (Path(tmp) / "m.cbm").read_bytes()
            out[f"catboost_{mode.lower()}.json"] = path.read_bytes()
    return out


def main():
    row = [float(i) / 7 for i in range(15)]
    seeds = {
        "FuzzGRPCRequest": {
            "raw_fp64": grpc(field(1, "fraud") + field(3, "r1") + field(5, tensor("input-0", "FP64", [1, 15]))
                             + field(6, field(1, "fraud_probability")) + field(7, struct.pack("<15d", *row))),
            "raw_fp32_two_rows": grpc(field(1, "fraud") + field(5, tensor("input-0", "FP32", [2, 15]))
                                      + field(7, struct.pack("<30f", *(row + row)))),
            "typed_fp64": grpc(field(1, "fraud") + field(2, "1")
                               + field(5, tensor("input-0", "FP64", [1, 15], field(7, struct.pack("<15d", *row))))),
            "typed_ints_per_feature": grpc(field(1, "fraud") + field(5, tensor("a", "INT32", [2], field(2, varint(3) + varint(2**64 - 5))))
                                           + field(5, tensor("b", "UINT64", [1], field(5, varint(2**63))))
                                           + field(5, tensor("c", "BOOL", [1], field(1, varint(1))))),
            "fp16_raw": grpc(field(1, "fraud") + field(5, tensor("x", "FP16", [2])) + field(7, b"\x00\x3c\xff\x7b")),
            "parameters_skipped": grpc(field(1, "fraud") + field(4, field(1, "k") + field(2, field(1, varint(1), wire=0)))
                                       + field(5, tensor("x", "INT64", [1], field(3, varint(7))))),
        },
        "FuzzInferBody": {
            "json_matrix": infer_body({"id": "1", "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [1, 15],
                                                               "data": row}]}, header=False),
            "json_nested_fp32": infer_body({"inputs": [{"name": "input-0", "datatype": "FP32", "shape": [1, 15],
                                                        "data": [row]}], "outputs": [{"name": "fraud_probability"}]},
                                           header=False),
            "binary_fp64": infer_body({"inputs": [{"name": "input-0", "datatype": "FP64", "shape": [1, 15],
                                                   "parameters": {"binary_data_size": 120}}],
                                       "parameters": {"binary_data_output": True}}, struct.pack("<15d", *row)),
            "binary_mixed": infer_body({"inputs": [{"name": "a", "datatype": "INT8", "shape": [2], "parameters": {"binary_data_size": 2}},
                                                   {"name": "b", "datatype": "UINT16", "shape": [2], "data": [1, 2]},
                                                   {"name": "c", "datatype": "FP16", "shape": [2], "parameters": {"binary_data_size": 4}}],
                                        "outputs": [{"name": "fraud_probability", "parameters": {"binary_data": True}}]},
                                       b"\x01\xff" + b"\x00\x3c\xff\x7b"),
        },
    }
    seeds["FuzzHTTP1"] = {
        "get": b"\x10GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
        "post_length": b"\x08POST /predict HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 7\r\n\r\n{\"a\":1}",
        "chunked_pipelined": b"\x20POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\nGET /q?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "expect_continue": b"\x04PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
    }
    seeds["FuzzJSON"] = {
        "sample_request": (ROOT / "examples/sample_request.json").read_bytes(),
        "numbers": b"[0, -0.0, 1e400, 2.2250738585072011e-308, 4.9e-324, 0.1, 123456789012345678901234567890, 1E-7]",
        "number_long": b"52.029999999999994",
        "strings": b'{"a\\u00e9\\ud83d\\ude00": "\\n\\t\\"x", "b": [true, false, null, {}]}',
    }
    sample = (ROOT / "examples/sample_request.json").read_bytes()
    seeds["FuzzTransaction"] = {
        "sample_request": b"\x00" + sample,
        "sample_request_missing_allowed": b"\x02" + sample,
        "raw_transaction_online": b"\x01" + json.dumps({"transaction_id": 7, "tx_datetime": "2018-05-01T10:00:00Z",
                                                         "customer_id": 1, "terminal_id": 2, "tx_amount": "12.5"}).encode(),
        "nulls_and_strings": b"\x02" + json.dumps({"tx_amount": None, "tx_datetime": 1525168800,
                                                     "customer_id_nb_tx_1day_window": "3", "unknown": [1, {"a": True}]}).encode(),
    }
    settings = bytes.fromhex("000000040000000000")
    headers = bytes.fromhex("000005010500000001") + b"\x82\x86\x84\x41\x01"  # HEADERS END_STREAM|END_HEADERS
    data = bytes.fromhex("000003000100000003") + b"abc"
    priority_self = bytes.fromhex("0000050200000000030000000310")
    seeds["FuzzHTTP2Frames"] = {
        "settings_headers_data": b"\x07" + settings + headers + data,
        "priority_self_dependency": b"\x00" + settings + priority_self,
        "one_byte_reads": b"\x00" + settings + headers + bytes.fromhex("000008060000000000") + b"12345678",
    }
    seeds["FuzzModels"] = small_models()
    seeds["FuzzCatBoost"] = {k: v for k, v in seeds["FuzzModels"].items() if k.startswith("catboost")}
    for target, files in seeds.items():
        d = CORPUS / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
        print(f"{d.relative_to(ROOT)}: {len(files)} seeds")


if __name__ == "__main__":
    main()
