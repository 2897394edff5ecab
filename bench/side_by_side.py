#!/usr/bin/env python3
"""Ratio table of cotangent-bench runs of two builds, run alternately in one session.

    bench/side_by_side.py 'BASELINE_GLOB' 'CANDIDATE_GLOB' [--label-a A] [--label-b B]

Each glob names the JSONL record files of one build (one file per round). A row is one
(workload, case, variant, phase, n, dtype); its value per build is the median over rounds of
the records' `median_seconds`; the ratio is candidate / baseline (above 1: the candidate is
slower). Prints a Markdown table sorted by ratio and a summary per phase. Stdlib only.
"""
import argparse
import glob
import json
import statistics
import sys
from collections import defaultdict


def load(pattern):
    rows = defaultdict(list)
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if r.get("status") != "ok" or r.get("median_seconds") is None:
                    continue
                key = (r["workload"], r.get("case", ""), r.get("variant", ""), r["phase"],
                       str(r.get("n", "-")), r.get("dtype", ""))
                rows[key].append(r["median_seconds"])
    return rows


def show(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def main(argv):
    parser = argparse.ArgumentParser(description="candidate / baseline ratio table of cotangent-bench records")
    parser.add_argument("baseline", help="glob of the baseline build's JSONL files (one per round)")
    parser.add_argument("candidate", help="glob of the candidate build's JSONL files")
    parser.add_argument("--label-a", default="baseline")
    parser.add_argument("--label-b", default="candidate")
    options = parser.parse_args(argv[1:])
    labels = {"a": options.label_a, "b": options.label_b}
    positional = [options.baseline, options.candidate]
    base, cand = load(positional[0]), load(positional[1])
    table = []
    for key in sorted(set(base) & set(cand)):
        a, b = statistics.median(base[key]), statistics.median(cand[key])
        table.append((b / a, key, a, b, len(base[key]), len(cand[key])))
    table.sort()
    print(f"| ratio | workload | variant | phase | n | dtype | {labels['a']} | {labels['b']} | rounds |")
    print("|---:|---|---|---|---|---|---:|---:|---:|")
    for ratio, key, a, b, na, nb in table:
        workload, _, variant, phase, n, dtype = key
        print(f"| {ratio:.2f} | {workload} | {variant or '-'} | {phase} | {n} | {dtype} | {show(a)} | {show(b)} | {na}/{nb} |")
    by_phase = defaultdict(list)
    for ratio, key, *_ in table:
        by_phase[key[3]].append(ratio)
    print()
    print("| phase | rows | median ratio | range | rows > 1.05 |")
    print("|---|---:|---:|---|---:|")
    for phase, ratios in sorted(by_phase.items()):
        print(f"| {phase} | {len(ratios)} | {statistics.median(ratios):.2f} | "
              f"{min(ratios):.2f}–{max(ratios):.2f} | {sum(r > 1.05 for r in ratios)} |")
    ratios = [t[0] for t in table]
    if ratios:
        print(f"\n{len(ratios)} rows; median {statistics.median(ratios):.2f}; "
              f"{sum(r > 1.05 for r in ratios)} above 1.05; {sum(r < 0.95 for r in ratios)} below 0.95")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
