#!/usr/bin/env bash
# Regenerates Sources/DLGONNX/Protobuf/onnx.pb.swift from onnx.proto beside it. Only needed
# after changing the .proto: the generated file is committed, so builds never run protoc.
# Needs protoc (Debian: protobuf-compiler) and builds swift-protobuf's plugin (about a minute
# and a half) at the version Package.swift resolves, in its own build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || apt-get install -y -qq protobuf-compiler >/dev/null
swift package resolve
plugin_dir=.build/checkouts/swift-protobuf
swift build -c release --package-path "$plugin_dir" --scratch-path .build-protoc \
  --product protoc-gen-swift
protoc --plugin=protoc-gen-swift=.build-protoc/release/protoc-gen-swift \
  --swift_opt=Visibility=Public --swift_out=Sources/DLGONNX/Protobuf \
  --proto_path=Sources/DLGONNX/Protobuf Sources/DLGONNX/Protobuf/onnx.proto
echo "wrote Sources/DLGONNX/Protobuf/onnx.pb.swift"
