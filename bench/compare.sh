#!/usr/bin/env bash
# Cotangent vs PyTensor (C backend) vs JAX (CPU) on the reference workloads (../shared/bench).
#
#   bench/compare.sh [quick|full]          default quick
#
# 1. builds `cotangent-bench` in release mode;
# 2. runs it pinned to one core (taskset -c 0), one process per workload group (W1 … W8, so a
#    crash in one group cannot lose the others and `compile_first` is the first compile of a
#    fresh process), appending JSONL records to bench/out/cotangent-<mode>-<run_id>.jsonl;
#    with TWO_THREADS=1 also a 2-thread pass (taskset -c 0,1) over the big workloads;
# 3. runs the reference suite (pytensor_bench.py, jax_bench.py, numpy_bench.py) for the same
#    workloads in this same run if its virtualenv exists (it is never created here), else
#    compares against ../shared/bench/results.jsonl, labelled as numbers from RESULTS.md's run;
# 4. measures peak memory of W2 and W5 (one process per system, bench/peak_rss.py);
# 5. prints the ratio table, the memory-bandwidth fractions of W2/W3 and the peak-memory table
#    (bench/ratios.py) and writes them to bench/out/ratios-<mode>-<run_id>.md.
#
# Environment: WORKLOADS (default W1,W2,W3,W4,W5,W6,W7,W8), TWO_THREADS (0|1, default 0),
# REF_DIR (default ../shared/bench, or ../../shared/bench from a worktree), REF_VENV (default
# ~/.cache/cotangent-reference-venv, the path setup-reference.sh uses), RUN_PEERS (auto|0|1),
# MEMORY (1: also measure peak memory of W2 and W5 per system, bench/peak_rss.py; 0: skip).
set -euo pipefail

MODE="${1:-quick}"
case "$MODE" in quick|full) ;; *) echo "usage: $0 [quick|full]" >&2; exit 2 ;; esac
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The reference suite: ../shared/bench next to the main checkout (a worktree under wt/ has it
# two levels up).
if [ -z "${REF_DIR:-}" ]; then
  for d in "$ROOT/../shared/bench" "$ROOT/../../shared/bench"; do
    if [ -f "$d/WORKLOADS.md" ]; then REF_DIR="$(cd "$d" && pwd)"; break; fi
  done
fi
if [ -z "${REF_DIR:-}" ] || [ ! -f "$REF_DIR/results.jsonl" ]; then
  echo "cannot find the reference suite (../shared/bench with results.jsonl); set REF_DIR" >&2; exit 2
fi
REF_VENV="${REF_VENV:-$HOME/.cache/cotangent-reference-venv}"
WORKLOADS="${WORKLOADS:-W1,W2,W3,W4,W5,W6,W7,W8}"
TWO_THREADS="${TWO_THREADS:-0}"
RUN_PEERS="${RUN_PEERS:-auto}"
MEMORY="${MEMORY:-1}"
OUT_DIR="$ROOT/bench/out"
RUN_ID="$(date +%Y%m%dT%H%M%S)"
mkdir -p "$OUT_DIR"
CT_OUT="$OUT_DIR/cotangent-$MODE-$RUN_ID.jsonl"
LOG="$OUT_DIR/cotangent-$MODE-$RUN_ID.log"
REF_OUT="$OUT_DIR/reference-$MODE-$RUN_ID.jsonl"
REF_ENV="$OUT_DIR/reference-env-$MODE-$RUN_ID.jsonl"
TABLE="$OUT_DIR/ratios-$MODE-$RUN_ID.md"
START=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - START ))s] $*"; }

# Same process environment as the reference suite's run_all.sh.
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
T1=(taskset -c 0 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
    "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
T2=(taskset -c 0,1 env -u XLA_FLAGS OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2)
QUICK=()
[ "$MODE" = quick ] && QUICK=(--quick)

step "build cotangent-bench (release)"
cd "$ROOT"
swift build -c release --product cotangent-bench 2>&1 | tail -3
BIN="$(swift build -c release --show-bin-path)/cotangent-bench"

# One process per workload group; a crash is recorded as a status "error" record.
run_cotangent() {  # $1 = threads, $2 = taskset prefix array name
  local threads="$1"; shift
  local groups="$WORKLOADS"
  for w in ${groups//,/ }; do
    if [ "$threads" = 2 ] && ! [[ "$w" =~ ^W[2-6] ]]; then continue; fi
    set +e
    "${CLEAN[@]}" "$@" "$BIN" "${QUICK[@]}" --workloads "$w" --threads "$threads" --run-id "$RUN_ID" \
      --out "$CT_OUT" > /dev/null 2> >(tee -a "$LOG" >&2)
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then
      echo "!!! cotangent-bench exited with status $rc in $w (${threads}t)" | tee -a "$LOG" >&2
      printf '{"workload": "%s", "case": "", "system": "cotangent", "variant": "", "phase": "process", "n": null, "dtype": "", "threads": %s, "median_seconds": null, "min": null, "max": null, "reps": 0, "inner": 1, "cpu_util": null, "steal_s": null, "check": null, "status": "error", "params": null, "note": "cotangent-bench exited with status %s (crash?) while running %s; records of this group after the crash are missing", "mode": "%s", "run_id": "%s"}\n' \
        "$w" "$threads" "$rc" "$w" "$MODE" "$RUN_ID" >> "$CT_OUT"
    fi
  done
}

step "cotangent ($MODE, 1 thread, taskset -c 0): $WORKLOADS"
run_cotangent 1 "${T1[@]}"
if [ "$TWO_THREADS" = 1 ]; then
  step "cotangent ($MODE, 2-thread pass over W2-W6, taskset -c 0,1)"
  run_cotangent 2 "${T2[@]}"
fi

# Peers: only from an existing virtualenv (setup-reference.sh is never run from here).
PY="$REF_VENV/bin/python"
HAVE_VENV=0
if [ -x "$PY" ] && "$PY" -c "import pytensor, jax, numpy" 2>/dev/null; then HAVE_VENV=1; fi
if [ "$RUN_PEERS" = 1 ] && [ $HAVE_VENV = 0 ]; then
  echo "RUN_PEERS=1 but the reference virtualenv $REF_VENV is missing or incomplete" >&2; exit 1
fi
if [ $HAVE_VENV = 1 ] && [ "$RUN_PEERS" != 0 ]; then
  COMMON=(--mode "$MODE" --out "$REF_OUT" --env-out "$REF_ENV" --run-id "$RUN_ID" --only "$WORKLOADS")
  step "numpy / PyTensor (C backend) / JAX, same run, 1 thread (taskset -c 0)"
  ( cd "$REF_DIR"
    "${CLEAN[@]}" "${T1[@]}" "$PY" numpy_bench.py --threads 1 "${COMMON[@]}"
    ( ulimit -s 1048576 2>/dev/null || true
      "${CLEAN[@]}" "${T1[@]}" env PYTENSOR_FLAGS=linker=cvm "$PY" pytensor_bench.py --threads 1 "${COMMON[@]}" )
    "${CLEAN[@]}" "${T1[@]}" "$PY" jax_bench.py --threads 1 "${COMMON[@]}"
    if [ "$TWO_THREADS" = 1 ]; then
      "${CLEAN[@]}" "${T2[@]}" "$PY" numpy_bench.py --threads 2 --big-only "${COMMON[@]}"
      "${CLEAN[@]}" "${T2[@]}" env PYTENSOR_FLAGS=linker=cvm,openmp=True "$PY" pytensor_bench.py --threads 2 --big-only "${COMMON[@]}"
      "${CLEAN[@]}" "${T2[@]}" "$PY" jax_bench.py --threads 2 --big-only "${COMMON[@]}"
    fi )
  REF="$REF_OUT"
  LABEL="this run ($RUN_ID, $MODE mode, same machine, peers run right after Cotangent)"
else
  REF="$REF_DIR/results.jsonl"
  REF_RUN="$(python3 -c 'import json,sys; print(sorted({json.loads(l).get("run_id","?") for l in open(sys.argv[1]) if l.strip()})[-1])' "$REF" 2>/dev/null || echo '?')"
  LABEL="reference numbers from RESULTS.md's run (run $REF_RUN, full mode), not this run"
  step "no reference virtualenv at $REF_VENV"
  echo "The peers were not run. To run them in the same run, create the virtualenv once with"
  echo "    $REF_DIR/setup-reference.sh        # pip-installs pytensor 3.0.7, jax[cpu] 0.10.2, scipy"
  echo "and run this script again. Comparing against $REF instead:"
  echo "    $LABEL"
fi

# Peak memory of W2 and W5 (whole process, one process per system and workload, 1 thread), with
# a baseline process that loads the same runtime and runs nothing.
MEM_OUT="$OUT_DIR/memory-$MODE-$RUN_ID.jsonl"
if [ "$MEMORY" = 1 ]; then
  step "peak memory: W2, W5 (cotangent$( [ $HAVE_VENV = 1 ] && [ "$RUN_PEERS" != 0 ] && echo ', pytensor, jax'))"
  SCRATCH="$OUT_DIR/memory-scratch-$RUN_ID.jsonl"
  PEAK=(python3 "$ROOT/bench/peak_rss.py" --run-id "$RUN_ID" --mode "$MODE")
  for w in none W2 W5; do
    "${PEAK[@]}" --workload "$w" --system cotangent -- "${CLEAN[@]}" "${T1[@]}" "$BIN" "${QUICK[@]}" \
      --workloads "$( [ $w = none ] && echo NONE || echo $w )" --run-id "$RUN_ID" >> "$MEM_OUT"
    if [ $HAVE_VENV = 1 ] && [ "$RUN_PEERS" != 0 ]; then
      for system in pytensor jax; do
        ( cd "$REF_DIR"
          "${PEAK[@]}" --workload "$w" --system "$system" -- "${CLEAN[@]}" "${T1[@]}" "$PY" "${system}_bench.py" \
            --threads 1 --mode "$MODE" --out "$SCRATCH" --run-id "$RUN_ID" \
            --only "$( [ $w = none ] && echo NONE || echo $w )" ) >> "$MEM_OUT"
      done
    fi
  done
  rm -f "$SCRATCH"
fi

step "ratio table"
python3 "$ROOT/bench/ratios.py" --cotangent "$CT_OUT" --reference "$REF" --reference-label "$LABEL" \
  --memory "$( [ -s "$MEM_OUT" ] && echo "$MEM_OUT" )" --out "$TABLE"
ln -sf "$(basename "$CT_OUT")" "$OUT_DIR/cotangent-$MODE-latest.jsonl"
ln -sf "$(basename "$TABLE")" "$OUT_DIR/ratios-$MODE-latest.md"
echo
echo "records: $CT_OUT"
[ $HAVE_VENV = 1 ] && [ "$RUN_PEERS" != 0 ] && echo "peer records: $REF_OUT"
echo "table:   $TABLE"
echo "done in $(( $(date +%s) - START ))s"
