#!/usr/bin/env bash
# Makes .build/onnx-venv with onnx and onnxruntime (the versions docs/onnx.md names) and
# prints its python. ONNX tooling is for tests and docs only: dlg never needs Python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/onnx-venv
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet onnx==1.23.2 onnxruntime==1.31.1 numpy >&2
fi
echo "$venv/bin/python"
