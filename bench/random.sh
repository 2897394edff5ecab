#!/usr/bin/env bash
# The RNG workload (10^7 standard normals, 10^7 gammas of shape 2.5, float64, one thread):
# cotangent-bench next to numpy's Generator and JAX in one run, pinned to one core, and the
# ratios (peer time / Cotangent time; above 1: Cotangent faster).
#
#   bench/random.sh        needs the reference virtualenv (../shared/bench/setup-reference.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${REF_VENV:-$HOME/.cache/cotangent-reference-venv}/bin/python"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
cd "$ROOT"
swift build -c release --product cotangent-bench 2>&1 | tail -1
BIN="$(swift build -c release --show-bin-path)/cotangent-bench"
PIN=(taskset -c 0 env OMP_NUM_THREADS=1 "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
"${PIN[@]}" "$BIN" --workloads RNG > "$OUT/random-cotangent.jsonl"
"${PIN[@]}" "$PY" bench/random_peers.py > "$OUT/random-peers.jsonl"
python3 - "$OUT/random-cotangent.jsonl" "$OUT/random-peers.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip()]
calls = {(r["system"], r["case"]): r["median_seconds"] for r in rows if r.get("phase") == "call" and r.get("median_seconds")}
print("| case | Cotangent (s) | numpy (s) | JAX (s) | numpy / Cotangent | JAX / Cotangent |")
print("|---|---|---|---|---|---|")
for case in ["standard_normal", "gamma_2.5"]:
    c = calls.get(("cotangent", case)); n = calls.get(("numpy", case)); j = calls.get(("jax", case))
    fmt = lambda v: f"{v:.4f}" if v else "-"
    ratio = lambda p: f"{p / c:.2f}" if p and c else "-"
    print(f"| {case} | {fmt(c)} | {fmt(n)} | {fmt(j)} | {ratio(n)} | {ratio(j)} |")
PY
