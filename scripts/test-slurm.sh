#!/usr/bin/env bash
# Tests the sbatch templates in slurm/ on a real single-node Slurm (scripts/slurm-local.sh):
#   * slurm/train.sbatch and slurm/search.sbatch complete (state COMPLETED, exit 0:0) and write
#     their results (metrics.json + params.h5; results.h5 with complete=1 + best/size*/params.h5);
#   * a training job (2 ranks, data parallel) and an MPI search job (slurm/search-multinode.sbatch
#     on 1 node: coordinator + 1 model group; its reference is the in-process search) with a 1-minute
#     time limit get SIGUSR1 before it, checkpoint, requeue themselves, resume (the test then raises
#     their limit so that one cycle suffices), and end with results identical to the unlimited
#     jobs' (h5diff of params.h5, rates.h5 and results.h5 datasets);
#   * a job on a finished OUTDIR exits 0 at once; a fresh job on a non-empty OUTDIR fails without
#     touching it; the templates refuse to run outside sbatch and pass `sbatch --test-only`.
# Prints one line per check and ends with `slurm: N passed, M failed`; exits 1 if any failed.
# Every wait is bounded; the whole run takes about 4-6 minutes on 2 cores (plus a release build of
# spikesae if .build/release/spikesae is missing). Needs root (it starts Slurm daemons).
#
# Environment:
#   SPIKESAE                   binary to test (default .build/release/spikesae, built if missing);
#                              copied into the work directory so a rebuild during the test is harmless
#   SLURM_TEST_DIR             work directory (default: a new /tmp/spikesae-slurm-test.XXXXXX; an
#                              existing one is reused only if this script made it; removed after a
#                              fully passing run unless SLURM_TEST_KEEP=1)
#   SLURM_TEST_TRAIN_TASKS     MPI ranks of the training jobs (default 2: data parallel)
#   SLURM_TEST_TARGET_SECONDS  how long each training and search job should run at least (default
#                              50; the work is sized by short timed runs before the jobs are submitted)
#   SLURM_TEST_EPOCHS          epochs of the training jobs (default: from the timed run)
#   SLURM_TEST_JOB_TIMEOUT     seconds to wait for all jobs (default 720)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
export SLURM_CONF=/etc/slurm/slurm.conf   # the single-node cluster, even if the two-node one's is exported
T0=$(date +%s)
PASS=0 FAIL=0
JOBS=()            # job ids submitted by this run, cancelled on exit
STARTED_SLURM=0

elapsed() { echo $(( $(date +%s) - T0 )); }
say() { echo "[slurm-test +$(elapsed)s] $*"; }
pass() { PASS=$((PASS + 1)); echo "ok    $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL  $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

W=${SLURM_TEST_DIR:-}
if [ -z "$W" ]; then W=$(mktemp -d /tmp/spikesae-slurm-test.XXXXXX)
elif [ -e "$W/.spikesae-slurm-test" ] || [ ! -e "$W" ]; then rm -rf "$W"; mkdir -p "$W"
else echo "slurm-test: $W exists and is not a directory of this script; choose another SLURM_TEST_DIR" >&2; exit 2; fi
touch "$W/.spikesae-slurm-test"
TRAIN_TASKS=${SLURM_TEST_TRAIN_TASKS:-2}
JOB_TIMEOUT=${SLURM_TEST_JOB_TIMEOUT:-720}

cleanup() {
  local id
  for id in "${JOBS[@]}"; do timeout 10 scancel "$id" 2>/dev/null; done
  if [ "$STARTED_SLURM" = 1 ]; then timeout 120 bash scripts/slurm-local.sh stop; fi
  if [ "$FAIL" = 0 ] && [ "${SLURM_TEST_KEEP:-0}" != 1 ]; then rm -rf "$W"; else echo "slurm-test: outputs and job logs kept in $W"; fi
  echo "slurm-test: $(elapsed) s in total"
  echo "slurm: $PASS passed, $FAIL failed"
}
finish() { cleanup; [ "$FAIL" = 0 ]; exit $?; }
trap 'echo "slurm-test: interrupted"; FAIL=$((FAIL + 1)); finish' INT TERM

# --- 0. Prerequisites: root, tools, the binary. ---
if [ "$(id -u)" != 0 ]; then fail "running as root (needed to start Slurm)"; finish; fi
for tool in mpirun h5dump h5diff; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (bash scripts/install-deps.sh)"; finish; }
done
SRC=${SPIKESAE:-$ROOT/.build/release/spikesae}
if [ ! -x "$SRC" ] && [ -z "${SPIKESAE:-}" ]; then
  say "building the release binary (bash scripts/build.sh)"
  # A second try only for quick failures (e.g. another build holding the lock).
  timeout 1800 bash "$ROOT/scripts/build.sh" \
    || { [ "$(elapsed)" -lt 120 ] && { say "build failed; retrying in 20 s"; sleep 20; timeout 1800 bash "$ROOT/scripts/build.sh"; }; }
fi
if [ ! -x "$SRC" ]; then fail "spikesae binary at $SRC"; finish; fi
mkdir -p "$W/bin" && cp "$SRC" "$W/bin/spikesae"
export SPIKESAE=$W/bin/spikesae
unset RANKS_PER_MODEL MPIRUN MPIRUN_ARGS

# --- 1. Templates outside Slurm. ---
for t in slurm/train.sbatch slurm/search.sbatch slurm/search-multinode.sbatch; do
  check "$t: bash syntax" bash -n "$t"
  out=$(env -u SLURM_JOB_ID bash "$t" a b 2>&1); rc=$?
  refused=1; [ "$rc" != 0 ] && grep -q 'submit this script with sbatch' <<<"$out" && refused=0
  check "$t: refuses to run outside sbatch (rc $rc)" test "$refused" = 0
done

# --- 2. Slurm. ---
if timeout 20 bash scripts/slurm-local.sh status >/dev/null 2>&1; then
  say "Slurm already runs; it is left running afterwards"
else
  STARTED_SLURM=1
fi
if ! timeout 600 bash scripts/slurm-local.sh start; then fail "local Slurm starts"; finish; fi
pass "local Slurm starts"
# Jobs left over from an interrupted earlier run would hold the node.
old=$(timeout 10 squeue -h -o '%i %j' 2>/dev/null | awk '$2 ~ /^spikesae-test-/ {print $1}')
[ -n "$old" ] && { say "cancelling leftover test jobs: $old"; timeout 10 scancel $old; sleep 2; }

test_only() { timeout 20 sbatch --test-only "$@" >/dev/null 2>&1; }
for t in "slurm/train.sbatch --ntasks=1" "slurm/search.sbatch --ntasks=2" "slurm/search-multinode.sbatch --nodes=1 --ntasks-per-node=2"; do
  set -- $t
  check "$1: sbatch --test-only accepts its #SBATCH lines" test_only "${@:2}" "$1" x y
done

# --- 3. Calibrate, then submit. ---
# Jobs ending in _lim have a 1-minute limit; SIGUSR1 is asked for 20 s before it. Slurm checks limits
# every 30 s and sends the signal as soon as less than 20 + 30 s remain, so it arrives 10-40 s into
# the run, and the time-limit kill (at the first check after 60 s) would come at least 30 s later.
# So a job must need clearly more than 40 s to be signalled at all: its work is sized from short
# timed runs (the fastest of two, as other load only makes the jobs slower) to take about TARGET
# seconds. After the first requeue the test raises the job's limit to 15 minutes, so that the resumed
# run finishes instead of being signalled every ~30 s (which only repeats the same cycle).
TARGET=${SLURM_TEST_TARGET_SECONDS:-50}
LIMIT=(--time=1 --signal=B:USR1@20)
TRAIN_CFG=configs/quickstart.yaml
SEARCH_CFG=configs/search-quickstart.yaml
SEARCH_EPOCHS=30
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
now() { date +%s.%N; }
minof() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || (a != "" && a + 0 < b + 0)) print a; else print b }'; }
calib_train() {   # seconds of training (metrics.json, start-up excluded) for 30 epochs
  rm -rf "$W/calib-train"
  timeout 120 mpirun -np "$TRAIN_TASKS" "$SPIKESAE" train --config "$TRAIN_CFG" --out "$W/calib-train" \
    --set max_epochs=30 --set early_stop_patience=30 >>"$W/calib.log" 2>&1
  grep -oE '"seconds": *[0-9.eE+-]+' "$W/calib-train/metrics.json" 2>/dev/null | sed 's/.*: *//'
}
calib_search() {   # calib_search EPOCHS: seconds for a search of one trial per size
  local a b; rm -rf "$W/calib-search"; a=$(now)
  timeout 120 "$SPIKESAE" search --config "$SEARCH_CFG" --out "$W/calib-search" \
    --set search.trials_per_size=1 --set "max_epochs=$1" --set "early_stop_patience=$1" >>"$W/calib.log" 2>&1 || return
  b=$(now); awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }'
}
TRAIN_S=$(minof "$(calib_train)" "$(calib_train)")
# The search: seconds per trial of SEARCH_EPOCHS epochs (its evaluation and results update included)
# from searches of 2 and of SEARCH_EPOCHS epochs, so their start-up costs cancel.
S2=$(minof "$(calib_search 2)" "$(calib_search 2)")
SFULL=$(minof "$(calib_search "$SEARCH_EPOCHS")" "$(calib_search "$SEARCH_EPOCHS")")
if [ -z "$TRAIN_S" ] || [ -z "$S2" ] || [ -z "$SFULL" ]; then fail "timed calibration runs (see $W/calib.log)"; finish; fi
if [ -n "${SLURM_TEST_EPOCHS:-}" ]; then EPOCHS=$SLURM_TEST_EPOCHS; else
  EPOCHS=$(awk -v s="$TRAIN_S" -v T="$TARGET" 'BEGIN { e = int(T * 30 / s); if (e < 150) e = 150; if (e > 5000) e = 5000; print e }')
fi
# A search of N trials per size costs about N * 3 sizes * (SFULL - S2) / 3.
TRIALS=$(awk -v a="$S2" -v b="$SFULL" -v T="$TARGET" 'BEGIN { u = (b - a) / 3; if (u <= 0.1) u = 0.1; n = int(T / (3 * u) + 0.999); if (n < 2) n = 2; if (n > 30) n = 30; print n }')
say "calibration: 30 epochs at $TRAIN_TASKS rank(s) trained in $TRAIN_S s; one-trial-per-size searches took $S2 s (2 epochs) and $SFULL s ($SEARCH_EPOCHS epochs): training jobs run $EPOCHS epochs, searches $TRIALS trials per size"
unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM   # the templates must set these themselves

submit() {   # submit NAME TEMPLATE SBATCH-OPTIONS... -- SCRIPT-ARGS...   (sets JOB_<NAME>)
  local name=$1 tpl=$2 id opts=(); shift 2
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  id=$(timeout 20 sbatch --parsable -J "spikesae-test-$name" --output="$W/$name-%j.out" --error="$W/$name-%j.out" \
       "${opts[@]}" "$tpl" "$@") || { fail "sbatch $name"; return 1; }
  id=${id%%;*}
  JOBS+=("$id"); printf -v "JOB_$name" '%s' "$id"
  say "submitted $name as job $id"
}
# The limited job of a pair is submitted first; its reference (same config, no limit) only once the
# limited job has been requeued. If the limited job finished before its first signal (this machine
# was faster than the timed runs said), the work is doubled and the limited job runs again (at most
# twice more). Neither costs time: a 2-rank job and its reference cannot share the 2 cores anyway.
lim_submit() {   # lim_submit train|search
  local a=${ATTEMPT[$1]}
  if [ "$1" = train ]; then
    LIM_DIR[train]=$W/train-lim$a
    submit train_lim slurm/train.sbatch --ntasks="$TRAIN_TASKS" "${LIMIT[@]}" -- \
      "$TRAIN_CFG" "${LIM_DIR[train]}" --set "max_epochs=$EPOCHS" --set "early_stop_patience=$EPOCHS"
  else
    LIM_DIR[search]=$W/search-lim$a
    submit search_lim slurm/search-multinode.sbatch --nodes=1 --ntasks-per-node=2 "${LIMIT[@]}" -- \
      "$SEARCH_CFG" "${LIM_DIR[search]}" --set "search.trials_per_size=$TRIALS" \
      --set "max_epochs=$SEARCH_EPOCHS" --set "early_stop_patience=$SEARCH_EPOCHS"
  fi
}
ref_submit() {   # ref_submit train|search
  if [ "$1" = train ]; then
    submit train_ref slurm/train.sbatch --ntasks="$TRAIN_TASKS" --time=15 -- \
      "$TRAIN_CFG" "$W/train-ref" --set "max_epochs=$EPOCHS" --set "early_stop_patience=$EPOCHS"
  else
    submit search_ref slurm/search.sbatch --ntasks=1 --time=15 -- \
      "$SEARCH_CFG" "$W/search-ref" --set "search.trials_per_size=$TRIALS" \
      --set "max_epochs=$SEARCH_EPOCHS" --set "early_stop_patience=$SEARCH_EPOCHS"
  fi
}

# --- 4. Submit and wait (bounded) until every job has ended, remembering its last record. ---
declare -A STATE EXITC RESTARTS ATTEMPT LIM_DIR REF_DONE
field() { grep -oE "(^| )$1=[^ ]*" <<<"$2" | head -n1 | cut -d= -f2-; }
terminal() { case "$1" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) return 0;; esac; return 1; }
poll() {   # poll: refresh the records of all unfinished jobs; returns how many are unfinished
  local id rec st left=0
  for id in "${JOBS[@]}"; do
    terminal "${STATE[$id]:-}" && continue
    rec=$(timeout 10 scontrol show job -o "$id" 2>/dev/null)
    st=$(field JobState "$rec")
    if [ -n "$st" ]; then STATE[$id]=$st; EXITC[$id]=$(field ExitCode "$rec"); RESTARTS[$id]=$(field Restarts "$rec"); fi
    terminal "${STATE[$id]:-}" || left=$((left + 1))
  done
  return "$left"
}
advance() {   # advance train|search: submit the reference or a longer limited job when it is time
  local p=$1 id
  [ -n "${REF_DONE[$p]:-}" ] && return
  id=$(eval echo "\${JOB_${p}_lim:-}")
  if [ -z "$id" ]; then REF_DONE[$p]=1; return; fi   # sbatch failed (already reported)
  if [ "${RESTARTS[$id]:-0}" -ge 1 ]; then
    timeout 10 scontrol update JobId="$id" TimeLimit=15 \
      && say "job $id (${p}_lim) was signalled and requeued: its time limit is now 15 minutes"
    REF_DONE[$p]=1; ref_submit "$p"
  elif terminal "${STATE[$id]:-}"; then
    if [ "${STATE[$id]}" = COMPLETED ] && [ "${ATTEMPT[$p]}" -lt 3 ]; then
      say "job $id (${p}_lim) finished before its time-limit signal: doubling its work and trying again"
      if [ "$p" = train ]; then EPOCHS=$((EPOCHS * 2)); else TRIALS=$((TRIALS * 2)); fi
      ATTEMPT[$p]=$((ATTEMPT[$p] + 1)); lim_submit "$p"
    else
      REF_DONE[$p]=1; ref_submit "$p"   # the checks below report what went wrong
    fi
  fi
}
mkdir -p "$W/occupied" && echo "not a run" > "$W/occupied/notes.txt"
submit refuse slurm/train.sbatch --ntasks=1 --time=10 -- "$TRAIN_CFG" "$W/occupied" --set max_epochs=5
ATTEMPT[train]=1 ATTEMPT[search]=1
lim_submit train
lim_submit search
limit=$(( $(date +%s) + JOB_TIMEOUT )) last=""
while :; do
  poll
  advance train; advance search
  line=""; for id in "${JOBS[@]}"; do line+=" $id:${STATE[$id]:-?}/r${RESTARTS[$id]:-0}"; done
  [ "$line" != "$last" ] && say "jobs:$line"; last=$line
  if [ -n "${REF_DONE[train]:-}" ] && [ -n "${REF_DONE[search]:-}" ]; then poll && break; fi
  if [ "$(date +%s)" -ge "$limit" ]; then fail "all jobs ended within $JOB_TIMEOUT s"; break; fi
  sleep 2
done

# A job on a finished OUTDIR: nothing to do, exit 0, results untouched.
done_sum=$(md5sum "$W/train-ref/params.h5" "$W/train-ref/metrics.json" 2>/dev/null)
submit again slurm/train.sbatch --ntasks=1 --time=10 -- "$TRAIN_CFG" "$W/train-ref"
limit=$(( $(date +%s) + 120 ))
until poll; do [ "$(date +%s)" -ge "$limit" ] && { fail "the job on a finished OUTDIR ended within 120 s"; break; }; sleep 2; done

# --- 5. Checks. ---
logof() { cat "$W/$1-$(eval echo "\${JOB_$1:-none}").out" 2>/dev/null; }
show_log() { echo "----- log of $1 (last 25 lines without epoch lines) -----"; logof "$1" | grep -v '^epoch' | tail -n 25; echo "-----"; }
completed() {   # completed NAME: state COMPLETED, exit 0:0
  local id; id=$(eval echo "\${JOB_$1:-none}")
  if [ "${STATE[$id]:-}" = COMPLETED ] && [ "${EXITC[$id]:-}" = 0:0 ]; then
    pass "$1 (job $id): COMPLETED, ExitCode 0:0, restarts ${RESTARTS[$id]:-0}"
  else
    fail "$1 (job $id): COMPLETED, ExitCode 0:0 (got ${STATE[$id]:-unknown} ${EXITC[$id]:-}, restarts ${RESTARTS[$id]:-0})"
    show_log "$1"
  fi
}
json_field() { grep -oE "\"$1\": *[^,}]*" "$2" 2>/dev/null | head -n1 | sed 's/.*: *//'; }
h5_complete() { h5dump -a /complete "$1" 2>/dev/null | grep -qE '^ *\(0\): 1$'; }
same_h5() { h5diff -q "$@" >/dev/null 2>&1; }
h5_readable() { h5dump -H "$1" >/dev/null 2>&1; }
restarts_of() { local id; id=$(eval echo "\${JOB_$1:-none}"); echo "${RESTARTS[$id]:-0}"; }
log_has() { local log; log=$(logof "$1"); shift; for pat in "$@"; do grep -qE -- "$pat" <<<"$log" || return 1; done; }
same_datasets() {   # same_datasets FILE1 FILE2 OBJECT...
  local f1=$1 f2=$2 d; shift 2
  for d in "$@"; do same_h5 "$f1" "$f2" "$d" "$d" || return 1; done
}
all_exist() { local f; for f in "$@"; do [ -s "$f" ] || return 1; done; }

# (a) training, no limit
completed train_ref
st=$(json_field status "$W/train-ref/metrics.json"); ep=$(json_field epochs "$W/train-ref/metrics.json")
check "train_ref: metrics.json status completed, $EPOCHS epochs (got $st, $ep)" test "$st" = '"completed"' -a "$ep" = "$EPOCHS"
check "train_ref: params.h5 readable (h5dump)" h5_readable "$W/train-ref/params.h5"
check "train_ref: rates.h5 readable (h5dump)" h5_readable "$W/train-ref/rates.h5"

# (b) search, no limit
completed search_ref
check "search_ref: results.h5 has complete=1 (h5dump)" h5_complete "$W/search-ref/results.h5"
check "search_ref: best/size{0,1,2}/params.h5 written" all_exist "$W"/search-ref/best/size{0,1,2}/params.h5

# training with a time limit: signalled, checkpointed, requeued, resumed, same model
completed train_lim
check "train_lim: requeued at least once (Restarts=$(restarts_of train_lim))" test "$(restarts_of train_lim)" -ge 1
check "train_lim: log shows SIGUSR1, the checkpoint, the requeue and the resume" \
  log_has train_lim 'SIGUSR1 \(time limit near\)' 'interrupted: checkpoint of epoch' 'requeueing' 'resuming from'
check "train_lim: params.h5 identical to train_ref's (h5diff)" same_h5 "${LIM_DIR[train]}/params.h5" "$W/train-ref/params.h5"
check "train_lim: rates.h5 rates and factors identical to train_ref's (h5diff)" \
  same_datasets "${LIM_DIR[train]}/rates.h5" "$W/train-ref/rates.h5" /train_rates /valid_rates /train_factors /valid_factors
for k in epochs best_epoch valid_nll valid_r2_pooled; do
  a=$(json_field "$k" "${LIM_DIR[train]}/metrics.json"); b=$(json_field "$k" "$W/train-ref/metrics.json")
  check "train_lim: metrics.json $k equal to train_ref's ($a vs $b)" test -n "$a" -a "$a" = "$b"
done

# search with a time limit (the multi-node template, on one node): same trials, same selected models
completed search_lim
check "search_lim: requeued at least once (Restarts=$(restarts_of search_lim))" test "$(restarts_of search_lim)" -ge 1
check "search_lim: log shows SIGUSR1, the checkpoint, the requeue and the resume" \
  log_has search_lim 'SIGUSR1 \(time limit near\)' 'checkpoint in .*search_state.json' 'requeueing' 'resuming from'
check "search_lim: ran under MPI as coordinator + 1 model group" \
  log_has search_lim '2 ranks: coordinator \+ 1 model group' 'world rank 0 coordinates'
check "search_lim: results.h5 has complete=1 (h5dump)" h5_complete "${LIM_DIR[search]}/results.h5"
ok=0; for i in 0 1 2; do same_h5 "${LIM_DIR[search]}/best/size$i/params.h5" "$W/search-ref/best/size$i/params.h5" || ok=1; done
check "search_lim: best/size{0,1,2}/params.h5 identical to search_ref's (h5diff)" test "$ok" = 0
check "search_lim: results.h5 trials (status, seed, hps, fitness) and best rates identical to search_ref's" \
  same_datasets "${LIM_DIR[search]}/results.h5" "$W/search-ref/results.h5" /trials/status /trials/seed /trials/hps /trials/fitness /best

# a job on a finished run, and a fresh job on an occupied directory
completed again
check "again: log says there is nothing to do" log_has again 'already holds a finished run'
check "again: train-ref outputs untouched" test "$done_sum" = "$(md5sum "$W/train-ref/params.h5" "$W/train-ref/metrics.json" 2>/dev/null)"
check "refuse: a fresh job on a non-empty OUTDIR fails with exit 1 (got ${STATE[$JOB_refuse]:-?} ${EXITC[$JOB_refuse]:-?})" \
  test "${STATE[$JOB_refuse]:-}" = FAILED -a "${EXITC[$JOB_refuse]:-}" = 1:0
check "refuse: the directory is untouched" test "$(ls "$W/occupied")" = notes.txt -a "$(cat "$W/occupied/notes.txt")" = "not a run"

finish
