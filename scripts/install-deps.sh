#!/usr/bin/env bash
# Installs the system packages dlg builds and runs with (Debian; run as root, or with sudo).
set -euo pipefail
packages=(libopenblas-dev libgraphviz-dev zlib1g-dev pkg-config dataset-fashion-mnist fonts-noto-cjk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
