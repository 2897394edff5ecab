#!/usr/bin/env python3
"""Peak resident memory of one benchmark process, as a JSON line.

    bench/peak_rss.py --workload W2 --system cotangent --label "W2 (all cases)" -- CMD ARGS...

Runs CMD (its stdout is discarded, stderr passes through) and prints one record with the
process's peak resident set size (`ru_maxrss` of the finished child; Linux reports KiB).
A baseline is the same program started with no workload, so `peak - baseline` is what the
workload itself held at its peak: inputs, intermediates, outputs and compiled state.
"""
import argparse
import json
import resource
import subprocess
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", required=True)
    p.add_argument("--system", required=True)
    p.add_argument("--label", default="")
    p.add_argument("--run-id", default="")
    p.add_argument("--mode", default="full")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("no command")
    rc = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({
        "workload": args.workload, "case": "peak_rss", "system": args.system, "variant": args.label,
        "phase": "memory", "peak_rss_bytes": peak_kib * 1024, "exit_status": rc,
        "status": "ok" if rc == 0 else "error", "mode": args.mode, "run_id": args.run_id,
        "command": " ".join(command)}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
