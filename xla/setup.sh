#!/usr/bin/env bash
# Makes a Python virtualenv with jax/jaxlib and numpy for xla/run_stablehlo.py and the XLA test
# suites, and prints its python path. Usage: bash xla/setup.sh [VENV_DIR] (default .xla-venv).
set -euo pipefail
VENV="${1:-.xla-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import jax, numpy" 2>/dev/null; then
  if ! command -v python3 >/dev/null; then
    apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv >&2
  fi
  python3 -m venv "$VENV" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2 && python3 -m venv "$VENV" >&2; }
  "$VENV/bin/pip" install -q --upgrade pip >&2
  "$VENV/bin/pip" install -q "jax[cpu]==0.10.2" numpy >&2
fi
echo "$VENV/bin/python"
