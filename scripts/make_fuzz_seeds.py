"""Writes the fuzz targets' seed corpora (Fuzz/corpus/<target>/): a few well-formed inputs of each
shape a client sends, for libFuzzer to mutate from. Deterministic; run it again after changing it.

    python3 scripts/make_fuzz_seeds.py"""
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
    for target, files in seeds.items():
        d = CORPUS / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
        print(f"{d.relative_to(ROOT)}: {len(files)} seeds")


if __name__ == "__main__":
    main()
