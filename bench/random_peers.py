"""numpy's Generator and JAX's random next to cotangent-bench's RNG workload.

Times 10^7 float64 standard normals and 10^7 gammas (shape 2.5), single thread, median of the
calls after a warm-up (JAX's first call compiles), and prints one JSON record per line in
cotangent-bench's schema (workload "RNG", phase "call"). Run by bench/random.sh, which pins
it and cotangent-bench to the same core in one run.
"""
import json
import statistics
import sys
import time

N = 10_000_000
REPS = 7


def timed(call):
    call()
    times = []
    for _ in range(REPS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def record(system, case, seconds):
    median, low, high = seconds
    return {"workload": "RNG", "case": case, "system": system, "variant": "", "phase": "call", "n": N,
            "dtype": "float64", "threads": 1, "median_seconds": median, "min": low, "max": high,
            "reps": REPS, "status": "ok"}


def main():
    import numpy as np
    rng = np.random.default_rng(2026)
    out = [record("numpy", "standard_normal", timed(lambda: rng.standard_normal(N))),
           record("numpy", "gamma_2.5", timed(lambda: rng.standard_gamma(2.5, N)))]
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        key = jax.random.key(2026)
        normal = jax.jit(lambda k: jax.random.normal(k, (N,), dtype=jnp.float64))
        gamma = jax.jit(lambda k: jax.random.gamma(k, 2.5, (N,), dtype=jnp.float64))
        out.append(record("jax", "standard_normal", timed(lambda: normal(key).block_until_ready())))
        out.append(record("jax", "gamma_2.5", timed(lambda: gamma(key).block_until_ready())))
    except ImportError as error:
        print(f"random_peers: JAX not available ({error}); numpy only", file=sys.stderr)
    for item in out:
        print(json.dumps(item))


if __name__ == "__main__":
    main()
