#!/usr/bin/env bash
# Issue 17's speed report: for W2 (n = 10^6 value+grad), W5 (float64 value+grad) and W8 (Hessian),
# the exported module's call time on XLA CPU next to Cotangent's own engine and JAX's jit, and
# Cotangent's export time next to JAX's lowering time, in one run, pinned to one core.
#
#   bench/export.sh        needs the reference virtualenv (../shared/bench/setup-reference.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${REF_VENV:-$HOME/.cache/cotangent-reference-venv}/bin/python"
OUT="$ROOT/bench/out"
MODULES="$OUT/export-modules"
mkdir -p "$OUT" "$MODULES"
cd "$ROOT"
swift build -c release --product cotangent-bench 2>&1 | tail -1
swift build -c release --product cotangent 2>&1 | tail -1
BIN="$(swift build -c release --show-bin-path)"
PIN=(taskset -c 0 env OMP_NUM_THREADS=1 "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
: > "$OUT/export-cotangent.jsonl"
for case in elementwise mlp hessian; do
  mkdir -p "$MODULES/$case"
  "${PIN[@]}" "$BIN/cotangent" export "$case" -o "$MODULES/$case/module.mlir" --inputs "$MODULES/$case" --time 20 \
    >> "$OUT/export-cotangent.jsonl"
done
"${PIN[@]}" "$BIN/cotangent-bench" --workloads W2,W5,W8 --quick > "$OUT/export-engine.jsonl"
"${PIN[@]}" "$PY" bench/export_peers.py "$MODULES" > "$OUT/export-peers.jsonl"
python3 - "$OUT/export-cotangent.jsonl" "$OUT/export-engine.jsonl" "$OUT/export-peers.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip().startswith("{")]
value = {}
for r in rows:
    if r.get("system") in ("cotangent_xla", "jax") or r.get("phase") == "export":
        value[(r["system"], r["case"], r["phase"])] = r["median_seconds"]
# Cotangent's engine: the bench's one-thread call records of the same computations.
engine = {("elementwise", "W2", "value_grad", None, 1000000), ("mlp", "W5", "value_grad", "float64", None),
          ("hessian", "W8", "hessian", None, None)}
for r in rows:
    if r.get("phase") != "call" or r.get("threads", 1) != 1 or not r.get("median_seconds"):
        continue
    for case, workload, name, dtype, n in engine:
        if r.get("workload") == workload and r.get("case") == name and (dtype is None or r.get("dtype") == dtype) \
                and (n is None or r.get("n") == n) and r.get("variant") in (None, "", "hessian"):
            value[("cotangent", case, "call")] = r["median_seconds"]
ms = lambda v: f"{v * 1e3:.3f}" if v else "-"
ratio = lambda a, b: f"{a / b:.2f}" if a and b else "-"
print("| case | Cotangent engine call (ms) | exported on XLA call (ms) | JAX jit call (ms) | XLA / engine | JAX / engine | Cotangent export (ms) | JAX lower (ms) | JAX lower / export |")
print("|---|---|---|---|---|---|---|---|---|")
for case, label in [("elementwise", "W2 n=1e6 value+grad"), ("mlp", "W5 f64 value+grad"), ("hessian", "W8 Hessian n=100")]:
    e = value.get(("cotangent", case, "call")); x = value.get(("cotangent_xla", case, "call")); j = value.get(("jax", case, "call"))
    ex = value.get(("cotangent", case, "export")); lo = value.get(("jax", case, "lower"))
    print(f"| {label} | {ms(e)} | {ms(x)} | {ms(j)} | {ratio(x, e)} | {ratio(j, e)} | {ms(ex)} | {ms(lo)} | {ratio(lo, ex)} |")
PY
