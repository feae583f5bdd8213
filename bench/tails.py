#!/usr/bin/env python3
"""Summary of bench/tails.sh: per mode and phase, ours beside libmicrohttpd,
the median and the largest keep-alive p99 (ms) over every run and over the
clean ones (other programs at most 5% of CPU 0 and 20% of CPU 1), as a
Markdown table."""
import collections
import statistics
import sys


def cell(vals):
    if not vals:
        return "–"
    return "%.1f / %.1f (%d)" % (statistics.median(vals), max(vals), len(vals))


def main(path):
    rows = collections.defaultdict(lambda: ([], []))  # (mode, server, phase)
    modes = []
    with open(path) as f:
        next(f)
        for line in f:
            mode, server, phase, p99, _rps, _o0, _o1, clean = line.rstrip("\n").split("\t")
            if not p99:
                continue
            if mode not in modes:
                modes.append(mode)
            allv, cleanv = rows[(mode, server, phase)]
            allv.append(float(p99))
            if clean == "1":
                cleanv.append(float(p99))
    print("p99 in ms, median / max (runs); ours | libmicrohttpd\n")
    print("| mode | phase | ours, clean runs | libmhd, clean runs | ours, all runs | libmhd, all runs | median ours ≤ libmhd |")
    print("|---|---|---:|---:|---:|---:|---|")
    for mode in modes:
        for phase in ("fresh", "warm"):
            o = rows[(mode, "ours", phase)]
            m = rows[(mode, "mhd", phase)]
            verdict = "–"
            if o[0] and m[0]:
                verdict = "yes" if statistics.median(o[0]) <= statistics.median(m[0]) else "**no**"
            print("| %s | %s | %s | %s | %s | %s | %s |" % (
                mode, phase, cell(o[1]), cell(m[1]), cell(o[0]), cell(m[0]), verdict))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/tails.tsv")
