#!/usr/bin/env bash
# Every model in graphs/ exported to ONNX (after two training steps on random data, by the
# test suite's ExportTests) and run in ONNX Runtime on the same inputs as dlg: each file must
# pass onnx.checker and match dlg's outputs to within 1e-4 (docs/onnx.md).
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/onnx-venv.sh)
folder=.build/onnx-check
rm -rf "$folder" && mkdir -p "$folder"
DLG_ONNX_CHECK_DIR="$PWD/$folder" swift test --filter ExportTests >/dev/null
"$python" scripts/onnx_runtime_check.py "$folder"
