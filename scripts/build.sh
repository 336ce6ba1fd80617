#!/usr/bin/env bash
# Builds the release binary (.build/release/spikesae) for the CPU it runs on, as HPC codes are built:
# -target-cpu native lets the element-wise loops use AVX2/AVX-512 and FMA (docs/performance.md).
#   bash scripts/build.sh                 for this machine's CPU (the default)
#   SPIKESAE_CPU=x86-64-v3 bash scripts/build.sh
#                                         for a cluster with mixed CPU generations: any AVX2+FMA CPU
#                                         (Haswell or Zen and newer); x86-64 gives baseline SSE2
# A binary built for one CPU may stop with "illegal instruction" on an older one, so build where it
# runs (on a compute node, or with the oldest CPU's level).
set -euo pipefail
cd "$(dirname "$0")/.."
CPU=${SPIKESAE_CPU:-native}
echo "building spikesae (release, -target-cpu $CPU)"
swift build -c release --product spikesae -Xswiftc -target-cpu -Xswiftc "$CPU" "$@"
