"""Writes the request bodies of scripts/bench_oip.sh for one feature row (the first golden row):
  infer.json     the Open Inference Protocol's REST body: one input "input-0", FP64 [1, 15]
  modelinfer.bin a gRPC ModelInfer call's body: 5-byte prefix + ModelInferRequest, the same tensor
                 in raw_input_contents
and prints the row's XGBoost probability from the golden file, for the answers to be checked against.

    python3 scripts/bench/oip_bodies.py OUT_DIR MODEL_NAME"""
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/e2e"))
from protowire import field, framed, tensor  # noqa: E402


def main(out, model):
    features = json.loads((ROOT / "tests/fixtures/models/features.json").read_text())
    row = json.loads((ROOT / "tests/fixtures/golden/golden_test_2000.jsonl").read_text().splitlines()[0])
    values = [float(row[f]) for f in features]
    out = Path(out)
    (out / "infer.json").write_text(json.dumps(
        {"inputs": [{"name": "input-0", "datatype": "FP64", "shape": [1, len(values)], "data": values}]}))
    message = field(1, model) + field(5, tensor("input-0", "FP64", [1, len(values)])) \
        + field(7, struct.pack(f"<{len(values)}d", *values))
    (out / "modelinfer.bin").write_bytes(framed(message))
    print(repr(row["xgb_prob"]))


if __name__ == "__main__":
    main(*sys.argv[1:])
