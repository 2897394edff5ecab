"""Issue 17's speed report, the Python half: for W2 (n = 10^6, value and gradient), W5 (float64,
value and gradient) and W8 (Hessian, n = 100), the call time of Cotangent's exported module on
XLA CPU, of JAX's jit of the same computation, and JAX's lowering time (trace + lower to
StableHLO, the counterpart of Cotangent's export). Prints JSON lines; bench/export.sh runs it next
to cotangent-bench and `cotangent export --time` and prints the ratios.

    python bench/export_peers.py DIR     DIR/<case>/module.mlir and DIR/<case>/input_K.npy
"""
import json
import os
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "xla"))
from jax._src import xla_bridge  # noqa: E402
from jax._src.lib import xla_client  # noqa: E402


def w2(x, y):
    f = lambda x, y: jnp.sum(jnp.exp(-x ** 2) * jnp.log1p(y * y) + jnp.tanh(x * y))
    value, grads = jax.value_and_grad(f, argnums=(0, 1))(x, y)
    return (value,) + grads


def w5(X, y, W1, b1, W2, b2):
    def loss(W1, b1, W2, b2):
        h = jnp.tanh(X @ W1 + b1)
        logp = jax.nn.log_softmax(h @ W2 + b2, axis=1)
        return -jnp.mean(logp[jnp.arange(X.shape[0]), y])
    value, grads = jax.value_and_grad(loss, argnums=(0, 1, 2, 3))(W1, b1, W2, b2)
    return (value,) + grads


def w8(x):
    rosen = lambda x: jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return jax.hessian(rosen)(x)


PEERS = {"elementwise": w2, "mlp": w5, "hessian": w8}


def median_time(call, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def emit(case, system, phase, seconds):
    print(json.dumps({"case": case, "system": system, "phase": phase, "median_seconds": seconds}), flush=True)


def main(folder):
    backend = xla_bridge.get_backend("cpu")
    device = backend.devices()[0]
    for case, peer in PEERS.items():
        path = os.path.join(folder, case)
        text = open(os.path.join(path, "module.mlir")).read()
        names = sorted((p for p in os.listdir(path) if p.startswith("input_")), key=lambda p: int(p[6:-4]))
        arrays = [np.load(os.path.join(path, p)) for p in names]
        reps = 30 if case != "hessian" else 300
        # Cotangent's module on XLA: compile once, then time calls on device-resident inputs.
        options = xla_client.CompileOptions()
        executable = backend.compile_and_load(text, xla_client.DeviceList((device,)), options)
        arguments = [jax.device_put(a, device) for a in arrays]

        def call_module():
            for out in executable.execute_sharded(arguments).disassemble_into_single_device_arrays():
                for shard in out:
                    shard.block_until_ready()
        call_module()
        emit(case, "cotangent_xla", "call", median_time(call_module, reps))
        # JAX: jit of the same computation.
        jitted = jax.jit(peer)
        jax.block_until_ready(jitted(*arguments))
        emit(case, "jax", "call", median_time(lambda: jax.block_until_ready(jitted(*arguments)), reps))
        # JAX's lowering (trace + lower), a fresh jit each time so nothing is cached.
        emit(case, "jax", "lower", median_time(lambda: jax.jit(lambda *a: peer(*a)).lower(*arguments).as_text(), 10))


main(sys.argv[1])
