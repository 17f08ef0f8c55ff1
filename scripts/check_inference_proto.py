"""Checks that a .proto's messages match KServe's published Open Inference Protocol descriptor
(kserve.protocol.grpc.grpc_predict_v2_pb2): for every message it declares, the same fields with
the same numbers, types and labels, and the same RPCs on GRPCInferenceService.

Usage: python scripts/check_inference_proto.py Sources/InferenceProto/grpc_predict_v2.proto
(needs grpcio-tools and kserve: scripts/generate-inference-proto.sh installs them)."""
import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from grpc_tools import protoc
from kserve.protocol.grpc import grpc_predict_v2_pb2


def messages(prefix, descs, out):
    for m in descs:
        name = prefix + m.name
        if m.options.map_entry:
            continue
        out[name] = {(f.name, f.number, f.type, f.label, f.type_name.split(".")[-1]) for f in m.field}
        messages(name + ".", m.nested_type, out)
    return out


def main(path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        include = os.path.dirname(os.path.abspath(path))
        if protoc.main(["protoc", f"-I{include}", f"--descriptor_set_out={out}", os.path.basename(path)]) != 0:
            sys.exit(f"protoc could not compile {path}")
        ours = descriptor_pb2.FileDescriptorSet.FromString(open(out, "rb").read()).file[0]
    theirs = descriptor_pb2.FileDescriptorProto()
    grpc_predict_v2_pb2.DESCRIPTOR.CopyToProto(theirs)
    assert ours.package == theirs.package, (ours.package, theirs.package)
    a, b = messages("", ours.message_type, {}), messages("", theirs.message_type, {})
    problems = [f"{name}: {sorted(fields ^ b.get(name, set()))}" for name, fields in a.items() if fields != b.get(name)]
    rpcs = lambda f: {(m.name, m.input_type, m.output_type) for s in f.service for m in s.method}
    problems += [f"rpc not in KServe's service: {r}" for r in rpcs(ours) - rpcs(theirs)]
    if problems:
        sys.exit("differs from KServe's descriptor:\n" + "\n".join(problems))
    print(f"{path}: {len(a)} messages and {len(rpcs(ours))} RPCs match KServe's grpc_predict_v2 descriptor")


if __name__ == "__main__":
    main(sys.argv[1])
