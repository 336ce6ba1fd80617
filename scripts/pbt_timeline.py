#!/usr/bin/env python3
"""Idle time of a search's model groups from its timeline (docs/scaling.md §11).

A search run under mpirun with SPIKESAE_SEARCH_TIMELINE=FILE.csv writes one line per row: the
group it ran on and when it was handed out and came back (seconds from the start of dispatching).

    python3 scripts/pbt_timeline.py RUN.csv [RUN2.csv ...]
    python3 scripts/pbt_timeline.py --groups 2,3,4,8 RUN.csv    # one trace's lengths on other W

prints per run: groups W, rows, wall from the first dispatch to the last result, idle fraction
(idle group-seconds / (W x wall)) split into waiting for an item and after a group's last item,
the mean spread (max - min) of the interval lengths within a generation, and two predictions for
the same interval lengths on W dedicated groups with zero coordinator latency: the generation
barrier (sync) and per-member scheduling (async). Standard library only.
"""
import csv
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        rows = [dict(r) for r in csv.DictReader(f)]
    for r in rows:
        for k in ("row", "size_index", "member", "generation", "group"):
            r[k] = int(r[k])
        for k in ("dispatched", "returned"):
            r[k] = float(r[k])
        r["seconds"] = r["returned"] - r["dispatched"]
    return rows


def measured(rows):
    groups = sorted({r["group"] for r in rows})
    t0, t1 = min(r["dispatched"] for r in rows), max(r["returned"] for r in rows)
    wall, busy = t1 - t0, sum(r["seconds"] for r in rows)
    waiting = tail = 0.0
    for g in groups:
        mine = sorted((r for r in rows if r["group"] == g), key=lambda r: r["dispatched"])
        waiting += mine[0]["dispatched"] - t0
        waiting += sum(b["dispatched"] - a["returned"] for a, b in zip(mine, mine[1:]))
        tail += t1 - mine[-1]["returned"]
    total = len(groups) * wall
    return len(groups), wall, (total - busy) / total, waiting / total, tail / total, busy


def spread(rows):
    by = defaultdict(list)
    for r in rows:
        by[(r["size_index"], r["generation"])].append(r["seconds"])
    s = [max(v) - min(v) for v in by.values() if len(v) > 1]
    mean = sum(r["seconds"] for r in rows) / len(rows)
    return (sum(s) / len(s) if s else 0.0), mean


def simulate(rows, W, barrier):
    """List scheduling of the measured lengths on W groups: sync waits for a whole generation of a
    size; async only for the member's own previous interval."""
    length = {(r["size_index"], r["member"], r["generation"]): r["seconds"] for r in rows}
    free = [0.0] * W
    done = {}
    gens = sorted({k[2] for k in length})
    sizes = sorted({k[0] for k in length})
    if barrier:
        for g in gens:
            for s in sizes:
                ready = max([done[k] for k in done if k[0] == s and k[2] == g - 1], default=0.0)
                for m in sorted(k[1] for k in length if k[0] == s and k[2] == g):
                    i = min(range(W), key=lambda j: free[j])
                    start = max(free[i], ready)
                    free[i] = done[(s, m, g)] = start + length[(s, m, g)]
    else:
        pending = sorted(length, key=lambda k: (k[2], k[0], k[1]))
        while pending:
            i = min(range(W), key=lambda j: free[j])
            # The first queued interval whose member's previous one has finished by then, else the earliest ready.
            ready = lambda k: done.get((k[0], k[1], k[2] - 1), 0.0) if k[2] > 0 else 0.0
            cand = [k for k in pending if (k[2] == 0 or (k[0], k[1], k[2] - 1) in done)]
            k = min(cand, key=lambda k: (max(ready(k), free[i]), k[2], k[0], k[1]))
            pending.remove(k)
            start = max(free[i], ready(k))
            free[i] = done[k] = start + length[k]
    wall = max(done.values())
    return 1 - sum(length.values()) / (W * wall), wall


def main(paths):
    if paths and paths[0] == "--groups":
        ws = [int(w) for w in paths[1].split(",")]
        print("trace | W | model sync idle | model async idle | sync wall / async wall")
        for p in paths[2:]:
            rows = load(p)
            for W in ws:
                si, sw = simulate(rows, W, True)
                ai, aw = simulate(rows, W, False)
                print(f"{p} | {W} | {100*si:.1f}% | {100*ai:.1f}% | {sw/aw:.3f}")
        return
    print("run | W | rows | wall s | idle | waiting | tail | mean item s | gen spread s | model sync idle | model async idle")
    for p in paths:
        rows = load(p)
        W, wall, idle, waiting, tail, _ = measured(rows)
        sp, mean = spread(rows)
        si, _ = simulate(rows, W, True)
        ai, _ = simulate(rows, W, False)
        print(f"{p} | {W} | {len(rows)} | {wall:.1f} | {100*idle:.1f}% | {100*waiting:.1f}% | {100*tail:.1f}% | "
              f"{mean:.2f} | {sp:.2f} | {100*si:.1f}% | {100*ai:.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
