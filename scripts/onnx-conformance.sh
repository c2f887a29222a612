#!/usr/bin/env bash
# ONNX's backend tests through dlg (docs/onnx.md): writes every node test and the
# pytorch-converted and pytorch-operator sets into .build/onnx-tests, runs them with
# `dlg conformance`, and prints the per-op table docs/onnx.md shows (the last line sums it up).
# It fails when any case fails (an unsupported case is not a failure). With --subset, it also
# refreshes the passing cases the test suite keeps (Tests/DLGONNXTests/NodeTests).
set -euo pipefail
cd "$(dirname "$0")/.."
dlg=${DLG:-.build/release/dlg}
[ -x "$dlg" ] || swift build -c release --product dlg >/dev/null
python=$(scripts/onnx-venv.sh)
out=.build/onnx-tests
rm -rf "$out"
"$python" scripts/onnx_conformance.py generate "$out" >&2
status=0
"$dlg" conformance "$out/node" "$out/pytorch-converted" "$out/pytorch-operator" --json \
  > "$out/results.jsonl" || status=$?
"$python" scripts/onnx_conformance.py table "$out" "$out/results.jsonl" "$dlg"
if [ "${1:-}" = "--subset" ]; then
  rm -rf Tests/DLGONNXTests/NodeTests
  "$python" scripts/onnx_conformance.py subset "$out" Tests/DLGONNXTests/NodeTests \
    "$out/results.jsonl" $("$dlg" conformance --supported-ops) >&2
fi
if [ "$status" -ne 0 ]; then
  grep '"outcome":"failed"' "$out/results.jsonl" >&2 || true
  echo "some ONNX backend test cases failed" >&2
fi
exit "$status"
