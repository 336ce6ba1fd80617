#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine with Swift 6: install the system packages, build, and train a
# model on built-in synthetic Lorenz data (about a minute on 2 cores). Results land in runs/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product spikesae
export OPENBLAS_NUM_THREADS=1
.build/release/spikesae train --config configs/quickstart.yaml --out runs/quickstart --force
echo
echo "Outputs: runs/quickstart/{params.h5,rates.h5,metrics.json,history.csv}"
