#!/usr/bin/env bash
# ONNX's backend tests through dlg (docs/onnx.md): writes every node test and the
# pytorch-converted and pytorch-operator sets into .build/onnx-tests, runs them with
# `dlg conformance`, and prints the per-op table docs/onnx.md shows. With --subset, also
# refreshes the passing cases the test suite keeps (Tests/DLGONNXTests/NodeTests).
set -euo pipefail
cd "$(dirname "$0")/.."
dlg=${DLG:-.build/release/dlg}
[ -x "$dlg" ] || swift build -c release --product dlg >/dev/null
python=$(scripts/onnx-venv.sh)
out=.build/onnx-tests
rm -rf "$out"
"$python" scripts/onnx_conformance.py generate "$out"
"$dlg" conformance "$out/node" "$out/pytorch-converted" "$out/pytorch-operator" --json \
  > "$out/results.jsonl" || true
"$python" scripts/onnx_conformance.py table "$out" "$out/results.jsonl" "$dlg"
if [ "${1:-}" = "--subset" ]; then
  rm -rf Tests/DLGONNXTests/NodeTests
  "$python" scripts/onnx_conformance.py subset "$out" Tests/DLGONNXTests/NodeTests \
    "$out/results.jsonl" $("$dlg" conformance --supported-ops)
fi
