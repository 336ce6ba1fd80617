#!/usr/bin/env bash
# A real Slurm on this machine (slurmctld + slurmd + munged), for trying the sbatch templates in slurm/
# and for scripts/test-slurm.sh: a single-node cluster (docs/hpc.md §7) or, with --two-node, a
# two-node one whose nodes n1 and n2 are two slurmd daemons on this host (docs/hpc.md §8). Verified on
# Debian 12, Slurm 22.05.8, MUNGE 0.5.15, as root.
#
#   bash scripts/slurm-local.sh start              # install slurm-wlm + munge if missing, start, wait until the node is idle
#   bash scripts/slurm-local.sh start --two-node   # the same for nodes n1 and n2 (own config, ports, state)
#   bash scripts/slurm-local.sh status [--two-node]  # which daemons run, and the nodes' states; exit 0 only if all run
#   bash scripts/slurm-local.sh stop               # stop every daemon of both clusters and munged, by their PID files
#   bash scripts/slurm-local.sh stop --two-node    # stop only the two-node cluster (and munged unless the other runs)
#
# The two clusters do not collide and may run together: the single-node one uses /etc/slurm/slurm.conf
# (the path sbatch reads by default) and Slurm's default ports 6817/6818; the two-node one uses
# $SLURM_LOCAL_TWO_NODE_DIR/slurm.conf (default /tmp/slurm-local-2node/slurm.conf), slurmctld port
# 16817 and slurmd ports 17001 (n1) and 17002 (n2). Slurm commands reach the two-node cluster only with
# SLURM_CONF set to its file (`start --two-node` prints the export line); jobs inherit it from sbatch.
#
# Idempotent: start leaves running daemons alone (and makes them re-read a changed slurm.conf), and
# starts only those that are missing, so after a node's slurmd was killed `start --two-node` brings
# that node back. stop does nothing when nothing runs. Needs root (it writes /etc/slurm/slurm.conf).
# State, spool, logs and PID files go to $SLURM_LOCAL_DIR (default /tmp/slurm-local), for the two-node
# cluster to $SLURM_LOCAL_TWO_NODE_DIR.
#
# Differences from a production cluster, on purpose: the nodes are this machine (each two-node "node"
# claims SLURM_LOCAL_NODE_CPUS CPUs, default 4, more than this machine may have: fine for correctness
# tests, not for speed), no cgroups, no accounting database (no sacct: use `scontrol show job ID`, kept
# for 300 s), and faster requeueing: a requeued job may start again only cred_expire s later
# (AuthInfo; default 120 s, so about 2 min 20 s in all), here 20 s (values below 20 made no difference
# in 22.05.8), and the schedulers look at pending jobs every 5 s instead of 30-60 s, so a requeued job
# runs again about 22 s after `scontrol requeue`. SLURM_LOCAL_CRED_EXPIRE and SLURM_LOCAL_SCHED_INTERVAL
# change them. The two-node cluster also declares a node dead after SLURM_LOCAL_SLURMD_TIMEOUT s
# without an answer from its slurmd (default 10; production default 300), so that a killed slurmd
# fails its jobs quickly.
set -euo pipefail

S=${SLURM_LOCAL_DIR:-/tmp/slurm-local}
S2=${SLURM_LOCAL_TWO_NODE_DIR:-/tmp/slurm-local-2node}
CONF=/etc/slurm/slurm.conf
CONF2=$S2/slurm.conf
MUNGE_PID=/run/munge/munged.pid
CRED_EXPIRE=${SLURM_LOCAL_CRED_EXPIRE:-20}
SCHED_INTERVAL=${SLURM_LOCAL_SCHED_INTERVAL:-5}
NODE_CPUS=${SLURM_LOCAL_NODE_CPUS:-4}
SLURMD_TIMEOUT=${SLURM_LOCAL_SLURMD_TIMEOUT:-10}
NODES2=(n1 n2)

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
MARKER="# Written by scripts/slurm-local.sh: a single-node test cluster. Not for production."
MARKER2="# Written by scripts/slurm-local.sh: a two-node test cluster on one machine. Not for production."
# Never take over a machine whose Slurm someone else configured (a real cluster node).
ours() {   # ours CONF MARKER
  [ ! -e "$1" ] || [ "$(head -n1 "$1")" = "$2" ] || [ "${SLURM_LOCAL_FORCE:-0}" = 1 ] && return 0
  echo "slurm-local: $1 was not written by this script; refusing to touch this machine's Slurm (SLURM_LOCAL_FORCE=1 overrides)" >&2
  exit 1
}
need_root() { [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (it writes $CONF and starts daemons)" >&2; exit 1; }; }

# Lines shared by both clusters (docs/hpc.md §7).
common_conf() {
  cat <<CONF
SlurmUser=root
AuthType=auth/munge
AuthInfo=cred_expire=$CRED_EXPIRE
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
CONF
}

# install_conf NEW TARGET: returns 0 if TARGET changed.
install_conf() {
  if cmp -s "$1" "$2" 2>/dev/null; then rm -f "$1"; return 1; fi
  mv "$1" "$2"
}

write_conf() {
  mkdir -p "$S/state" "$S/spool" /etc/slurm
  { cat <<CONF
$MARKER
ClusterName=local
SlurmctldHost=$(hostname -s)
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
CONF
    common_conf
    cat <<CONF
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  } > "$CONF.new.$$"
  install_conf "$CONF.new.$$" "$CONF"
}

# Two slurmd daemons on one host (docs/hpc.md §8): each node has its own name, port, spool, PID and
# log file (%n is the node name); the controller has its own port and state, so this cluster runs
# beside the single-node one. config_overrides: the nodes may claim more CPUs than this host has
# (without it slurmctld marks them INVAL, "Low CPUs").
write_conf2() {
  mkdir -p "$S2/state" "$S2/spool-n1" "$S2/spool-n2"
  local host; host=$(hostname -s)
  { cat <<CONF
$MARKER2
ClusterName=local2
SlurmctldHost=$host
SlurmctldPort=16817
StateSaveLocation=$S2/state
SlurmdSpoolDir=$S2/spool-%n
SlurmctldPidFile=$S2/slurmctld.pid
SlurmdPidFile=$S2/slurmd-%n.pid
SlurmctldLogFile=$S2/slurmctld.log
SlurmdLogFile=$S2/slurmd-%n.log
SlurmdTimeout=$SLURMD_TIMEOUT
SlurmdParameters=config_overrides
CONF
    common_conf
    cat <<CONF
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 Port=17001 CPUs=$NODE_CPUS State=UNKNOWN
NodeName=n2 NodeHostname=$host NodeAddr=127.0.0.1 Port=17002 CPUs=$NODE_CPUS State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
CONF
  } > "$CONF2.new.$$"
  install_conf "$CONF2.new.$$" "$CONF2"
}

install_packages() {   # apt starts no daemons here: no systemd
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
     || ! command -v sbatch >/dev/null; then
    echo "slurm-local: installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
}

start_munge() {   # munged runs as user munge and daemonizes itself
  install -d -o munge -g munge -m 0755 /run/munge
  [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  alive "$MUNGE_PID" || runuser -u munge -- /usr/sbin/munged
  timeout 10 bash -c 'munge -n | unmunge >/dev/null' || { echo "slurm-local: munge does not work" >&2; exit 1; }
}

# wait_ready NODE...: at most 60 s for every node to take jobs (a down node is resumed).
wait_ready() {
  local st n pending
  for _ in $(seq 60); do
    pending=""
    for n in "$@"; do
      st=$(timeout 10 sinfo -h -n "$n" -o %T 2>/dev/null | head -n1 || true)
      case "$st" in
        idle*|mixed*|allocated*|completing*) ;;
        down*|drain*) pending+=" $n:$st"; timeout 10 scontrol update NodeName="$n" State=RESUME 2>/dev/null || true;;
        *) pending+=" $n:${st:-none}";;
      esac
    done
    if [ -z "$pending" ]; then return 0; fi
    sleep 1
  done
  echo "slurm-local: not ready:$pending" >&2
  return 1
}

start() {
  need_root
  ours "$CONF" "$MARKER"
  export SLURM_CONF=$CONF   # not the two-node cluster's, even if the caller exported that one
  install_packages
  start_munge
  # Config, then daemons (both daemonize; -N names the node slurmd serves).
  local changed=0
  write_conf && changed=1
  if [ "$changed" = 1 ] && alive "$S/slurmctld.pid"; then timeout 30 scontrol reconfigure || true; fi
  alive "$S/slurmctld.pid" || slurmctld
  alive "$S/slurmd.pid" || slurmd -N localhost
  if wait_ready localhost; then
    echo "slurm-local: ready (localhost $(timeout 10 sinfo -h -n localhost -o %T), $(nproc) CPUs, logs in $S)"; return 0
  fi
  echo "slurm-local: the node did not become ready; see $S/slurmctld.log and $S/slurmd.log" >&2
  return 1
}

start2() {
  need_root
  mkdir -p "$S2"
  ours "$CONF2" "$MARKER2"
  install_packages
  start_munge
  export SLURM_CONF=$CONF2   # every daemon and command below: this cluster, not /etc/slurm/slurm.conf
  local changed=0 n
  write_conf2 && changed=1
  if [ "$changed" = 1 ] && alive "$S2/slurmctld.pid"; then timeout 30 scontrol reconfigure || true; fi
  alive "$S2/slurmctld.pid" || slurmctld
  for n in "${NODES2[@]}"; do alive "$S2/slurmd-$n.pid" || slurmd -N "$n"; done
  if wait_ready "${NODES2[@]}"; then
    echo "slurm-local: two-node cluster ready (n1, n2: $NODE_CPUS CPUs each, logs in $S2)"
    echo "slurm-local: for its commands: export SLURM_CONF=$CONF2"
    return 0
  fi
  echo "slurm-local: the nodes did not become ready; see $S2/slurmctld.log and $S2/slurmd-n*.log" >&2
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

stop_two_node() {
  local n
  [ -e "$CONF2" ] && ours "$CONF2" "$MARKER2"
  for n in "${NODES2[@]}"; do stop_one "$S2/slurmd-$n.pid" "slurmd $n (two-node)"; done
  stop_one "$S2/slurmctld.pid" "slurmctld (two-node)"
}

stop() {
  ours "$CONF" "$MARKER"
  stop_two_node
  stop_one "$S/slurmd.pid" slurmd
  stop_one "$S/slurmctld.pid" slurmctld
  stop_one "$MUNGE_PID" munged
}

stop2() {
  stop_two_node
  if alive "$S/slurmctld.pid" || alive "$S/slurmd.pid"; then echo "slurm-local: munged left running for the single-node cluster"
  else stop_one "$MUNGE_PID" munged; fi
}

status() {   # status PIDFILE-LIST NODE...
  local ok=0 st d n
  for d in $1; do
    if alive "${d#*:}"; then echo "${d%%:*}: running (pid $(cat "${d#*:}"))"; else echo "${d%%:*}: not running"; ok=1; fi
  done
  shift
  if [ "$ok" = 0 ]; then
    for n in "$@"; do st=$(timeout 10 sinfo -h -n "$n" -o %T 2>/dev/null | head -n1 || true); echo "node $n: ${st:-unknown}"; done
  fi
  return "$ok"
}

case "${1:-} ${2:-}" in
  "start "|"start --single-node") start;;
  "start --two-node") start2;;
  "stop ") stop;;
  "stop --two-node") stop2;;
  "status "|"status --single-node")
    export SLURM_CONF=$CONF
    status "slurmctld:$S/slurmctld.pid slurmd:$S/slurmd.pid munged:$MUNGE_PID" localhost;;
  "status --two-node")
    export SLURM_CONF=$CONF2
    status "slurmctld:$S2/slurmctld.pid slurmd-n1:$S2/slurmd-n1.pid slurmd-n2:$S2/slurmd-n2.pid munged:$MUNGE_PID" "${NODES2[@]}";;
  *) echo "usage: $0 start|stop|status [--two-node]" >&2; exit 2;;
esac
