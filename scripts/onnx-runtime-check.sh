#!/usr/bin/env bash
# Every model in graphs/ exported to ONNX (after two training steps on random data, by the
# test suite's ExportTests) and run in ONNX Runtime on the same inputs as dlg: each file must
# pass onnx.checker and match dlg's outputs to within 1e-4. Then the PyTorch LeNet, CIFAR CNN and
# Fashion-MNIST CNN peers, exported by torch.onnx.export, run in `dlg predict` and must match
# ONNX Runtime to within 1e-4 too (docs/onnx.md).
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/onnx-venv.sh)
folder=.build/onnx-check
rm -rf "$folder" && mkdir -p "$folder"
DLG_ONNX_CHECK_DIR="$PWD/$folder" swift test --filter ExportTests >/dev/null
"$python" scripts/onnx_runtime_check.py "$folder"

bench/peers/setup.sh pytorch
torch_folder=.build/onnx-check-torch
rm -rf "$torch_folder"
bench/.venv/bin/python -W ignore bench/peers/torch_onnx_export.py "$torch_folder"
dlg=${DLG:-.build/debug/dlg}
[ -x "$dlg" ] || swift build --product dlg >/dev/null
for model in "$torch_folder"/*.onnx; do
  name=${model%.onnx}
  "$dlg" predict "$model" --input "$name.input.npy" -o "$name.output.npy" 2>/dev/null
done
"$python" scripts/onnx_runtime_check.py "$torch_folder"
