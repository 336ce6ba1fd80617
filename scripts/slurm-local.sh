#!/usr/bin/env bash
# A real single-node Slurm on this machine (slurmctld + slurmd + munged), for trying the sbatch
# templates in slurm/ and for scripts/test-slurm.sh. Follows docs docs/hpc.md §7 (verified on Debian 12,
# Slurm 22.05.8, MUNGE 0.5.15, as root).
#
#   bash scripts/slurm-local.sh start    # install slurm-wlm + munge if missing, start, wait until the node is idle
#   bash scripts/slurm-local.sh status   # which daemons run, and the node's state; exit 0 only if all run
#   bash scripts/slurm-local.sh stop     # stop the daemons by their PID files
#
# Idempotent: start leaves running daemons alone (and makes them re-read a changed slurm.conf), stop
# does nothing when nothing runs. Needs root (it writes /etc/slurm/slurm.conf, the path sbatch reads).
# State, spool, logs and PID files go to $SLURM_LOCAL_DIR (default /tmp/slurm-local).
#
# Differences from a production cluster, on purpose: one node named localhost with this machine's
# CPUs, no cgroups, no accounting database (no sacct: use `scontrol show job ID`, kept for 300 s),
# and faster requeueing: a requeued job may start again only cred_expire s later (AuthInfo; default
# 120 s, so about 2 min 20 s in all), here 20 s (values below 20 made no difference in 22.05.8), and
# the schedulers look at pending jobs every 5 s instead of 30-60 s, so a requeued job runs again about
# 22 s after `scontrol requeue`. SLURM_LOCAL_CRED_EXPIRE and SLURM_LOCAL_SCHED_INTERVAL change them.
set -euo pipefail

S=${SLURM_LOCAL_DIR:-/tmp/slurm-local}
CONF=/etc/slurm/slurm.conf
MUNGE_PID=/run/munge/munged.pid
CRED_EXPIRE=${SLURM_LOCAL_CRED_EXPIRE:-20}
SCHED_INTERVAL=${SLURM_LOCAL_SCHED_INTERVAL:-5}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
MARKER="# Written by scripts/slurm-local.sh: a single-node test cluster. Not for production."
# Never take over a machine whose Slurm someone else configured (a real cluster node).
ours() {
  [ ! -e "$CONF" ] || [ "$(head -n1 "$CONF")" = "$MARKER" ] || [ "${SLURM_LOCAL_FORCE:-0}" = 1 ] && return 0
  echo "slurm-local: $CONF was not written by this script; refusing to touch this machine's Slurm (SLURM_LOCAL_FORCE=1 overrides)" >&2
  exit 1
}
need_root() { [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (it writes $CONF and starts daemons)" >&2; exit 1; }; }

node_state() { timeout 10 sinfo -h -n localhost -o %T 2>/dev/null | head -n1 || true; }

write_conf() {
  mkdir -p "$S/state" "$S/spool" /etc/slurm
  cat > "$CONF.new.$$" <<CONF
$MARKER
ClusterName=local
SlurmctldHost=$(hostname -s)
SlurmUser=root
AuthType=auth/munge
AuthInfo=cred_expire=$CRED_EXPIRE
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=$SCHED_INTERVAL,bf_interval=$SCHED_INTERVAL
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  if cmp -s "$CONF.new.$$" "$CONF" 2>/dev/null; then rm -f "$CONF.new.$$"; return 1; fi
  mv "$CONF.new.$$" "$CONF"
  return 0
}

start() {
  need_root
  ours
  # 1. Packages (apt starts no daemons here: no systemd).
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
     || ! command -v sbatch >/dev/null; then
    echo "slurm-local: installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi

  # 2. MUNGE authentication: munged runs as user munge and daemonizes itself.
  install -d -o munge -g munge -m 0755 /run/munge
  [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  alive "$MUNGE_PID" || runuser -u munge -- /usr/sbin/munged
  timeout 10 bash -c 'munge -n | unmunge >/dev/null' || { echo "slurm-local: munge does not work" >&2; exit 1; }

  # 3. Config; 4. daemons (both daemonize; -N names the node slurmd serves).
  local changed=0
  write_conf && changed=1
  if [ "$changed" = 1 ] && alive "$S/slurmctld.pid"; then timeout 30 scontrol reconfigure || true; fi
  alive "$S/slurmctld.pid" || slurmctld
  alive "$S/slurmd.pid" || slurmd -N localhost

  # 5. Wait (at most 60 s) for the node to take jobs.
  local st=""
  for _ in $(seq 60); do
    st=$(node_state)
    case "$st" in
      idle*|mixed*|allocated*|completing*) echo "slurm-local: ready (localhost $st, $(nproc) CPUs, logs in $S)"; return 0;;
      down*|drain*) timeout 10 scontrol update NodeName=localhost State=RESUME 2>/dev/null || true;;
    esac
    sleep 1
  done
  echo "slurm-local: the node did not become ready (state '${st:-none}'); see $S/slurmctld.log and $S/slurmd.log" >&2
  return 1
}

# Sends SIGTERM to the daemon in PID file $1 and waits (at most 20 s) for it to go, then SIGKILL.
stop_one() {
  local pidfile=$1 name=$2 pid
  alive "$pidfile" || { echo "slurm-local: $name not running"; return 0; }
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || { echo "slurm-local: stopped $name ($pid)"; return 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  echo "slurm-local: killed $name ($pid) after 20 s"
}

stop() {
  ours
  stop_one "$S/slurmd.pid" slurmd
  stop_one "$S/slurmctld.pid" slurmctld
  stop_one "$MUNGE_PID" munged
}

status() {
  local ok=0 st
  for d in "slurmctld:$S/slurmctld.pid" "slurmd:$S/slurmd.pid" "munged:$MUNGE_PID"; do
    if alive "${d#*:}"; then echo "${d%%:*}: running (pid $(cat "${d#*:}"))"; else echo "${d%%:*}: not running"; ok=1; fi
  done
  if [ "$ok" = 0 ]; then st=$(node_state); echo "node localhost: ${st:-unknown}"; fi
  return "$ok"
}

case "${1:-}" in
  start) start;;
  stop) stop;;
  status) status;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2;;
esac
