#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/onnx-ml.pb.swift from Sources/ONNXProto/onnx-ml.proto (taken from the
# onnx 1.23.2 wheel: onnx/onnx-ml.proto). Run once when the .proto changes, then commit both files;
# builds and CI never run protoc. Needs protoc (apt: protobuf-compiler) and builds protoc-gen-swift
# from the swift-protobuf version Package.swift depends on (about a minute).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${SWIFT_PROTOBUF_VERSION:-1.39.0}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
git clone -q --depth 1 --branch "$VERSION" https://github.com/apple/swift-protobuf "$WORK/swift-protobuf"
(cd "$WORK/swift-protobuf" && swift build -c release --product protoc-gen-swift >/dev/null)
cd "$ROOT/Sources/ONNXProto"
protoc --plugin=protoc-gen-swift="$WORK/swift-protobuf/.build/release/protoc-gen-swift" \
  --swift_out=. --swift_opt=Visibility=Public onnx-ml.proto
echo "generated Sources/ONNXProto/onnx-ml.pb.swift"
