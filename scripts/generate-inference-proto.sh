#!/usr/bin/env bash
# Regenerates Sources/InferenceProto/grpc_predict_v2.pb.swift from grpc_predict_v2.proto. Run once
# when the .proto changes, then commit both files; builds and CI never run protoc. Checks first
# that the .proto's messages have the field numbers and types of KServe's published descriptor
# (kserve's grpc_predict_v2_pb2), then runs protoc (from grpcio-tools) with protoc-gen-swift built
# from the swift-protobuf version Package.swift pins (about a minute).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${SWIFT_PROTOBUF_VERSION:-1.39.0}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --disable-pip-version-check grpcio-tools==1.81.1 protobuf==6.33.6 kserve==0.21.0
"$WORK/venv/bin/python" "$ROOT/scripts/check_inference_proto.py" "$ROOT/Sources/InferenceProto/grpc_predict_v2.proto"
git clone -q --depth 1 --branch "$VERSION" https://github.com/apple/swift-protobuf "$WORK/swift-protobuf"
(cd "$WORK/swift-protobuf" && swift build -c release --product protoc-gen-swift >/dev/null)
cd "$ROOT/Sources/InferenceProto"
"$WORK/venv/bin/python" -m grpc_tools.protoc -I. \
  --plugin=protoc-gen-swift="$WORK/swift-protobuf/.build/release/protoc-gen-swift" \
  --swift_out=. --swift_opt=Visibility=Public grpc_predict_v2.proto
echo "generated Sources/InferenceProto/grpc_predict_v2.pb.swift"
