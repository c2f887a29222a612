#!/usr/bin/env bash
# How fast the front end is: generates a model of 10,000 layers and times `dlg check` on it
# (parse, lower, shape inference), then a 5,000-layer `dlg viz` to SVG. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
for name, count in (("big10k", 10000), ("big5k", 5000)):
    with open(f"{sys.argv[1]}/{name}.dlg", "w") as f:
        f.write("neuralnet sequential\n  Input[64]\n")
        f.write("  Dense[64, relu]\n" * count)
PY
time_of() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); python3 -c "print(f'{$end - $start:.2f}')"; }
echo "dlg check, 10,000 layers: $(time_of .build/release/dlg check "$work/big10k.dlg") s (goal: under 1 s)"
echo "dlg viz,    5,000 layers: $(time_of .build/release/dlg viz "$work/big5k.dlg" -o "$work/big.svg") s (goal: under 30 s)"
