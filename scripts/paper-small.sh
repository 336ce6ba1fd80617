#!/usr/bin/env bash
# The small version of the paper reproduction (docs/results.md): a random search on synthetic
# Lorenz data with coordinated dropout and one without, at 4 dataset sizes (1040 → 104 training
# trials), then one report across both. About 30-60 min on a 2-core machine.
#   bash scripts/paper-small.sh [OUT_DIR]        (default runs/paper-small)
# The full version runs configs/paper/{lorenz,chaotic}-{cd,nocd}.yaml on a cluster through
# slurm/search-multinode.sbatch; see docs/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/paper-small}
NP=${NP:-3}                      # world rank 0 coordinates, the others train one model each
bash scripts/install-deps.sh >/dev/null
bash scripts/build.sh
BIN=.build/release/spikesae
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
over=""
[ "$NP" -gt "$(nproc)" ] && over="--oversubscribe"
mkdir -p "$OUT"
for cond in cd nocd; do
  start=$(date +%s)
  if [ -f "$OUT/lorenz-$cond/search_state.json" ]; then
    args=(--resume "$OUT/lorenz-$cond")
  else
    args=(--config "configs/paper/lorenz-$cond-small.yaml" --out "$OUT/lorenz-$cond")
  fi
  mpirun -np "$NP" $over "$BIN" search "${args[@]}" | tee "$OUT/lorenz-$cond.log"
  echo "lorenz-$cond: $(( $(date +%s) - start )) s" | tee -a "$OUT/timing.txt"
done
"$BIN" report "$OUT/lorenz-cd" "$OUT/lorenz-nocd" --out "$OUT/report"
echo "report: $OUT/report/index.html"
