#!/usr/bin/env bash
# Installs SpikeSAE's system packages (Debian/Ubuntu) when any is missing. Safe to re-run.
set -euo pipefail
# libxsmm-dev: JIT kernels for the small per-step GEMMs (docs/performance.md); the build falls back to
# OpenBLAS alone where it is missing.
pkgs=(libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-openmpi-dev hdf5-tools pkg-config libxsmm-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
