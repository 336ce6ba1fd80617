#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine with Swift 6: install the system packages, build, and run the
# main job on built-in synthetic Lorenz data: a random search across 3 dataset sizes under mpirun
# (rank 0 coordinates, 2 ranks train), then a report. About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BIN=.build/release/spikesae
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
NP=${NP:-3}
over=""
[ "$NP" -gt "$(nproc)" ] && over="--oversubscribe"
mpirun -np "$NP" $over "$BIN" search --config configs/search-quickstart.yaml --out runs/search-quickstart --force
"$BIN" report runs/search-quickstart --out runs/search-quickstart/report
echo
h5dump -H runs/search-quickstart/results.h5 | grep -E 'DATASET|GROUP' | head -n 12
echo "..."
echo "Results: runs/search-quickstart/results.h5; report: runs/search-quickstart/report/index.html"
