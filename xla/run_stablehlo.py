#!/usr/bin/env python3
"""Compile and run a StableHLO module exported by Cotangent (`exportStableHLO`, `cotangent export`)
with XLA, through jaxlib.

    run_stablehlo.py MODULE.mlir [INPUT.npy ...] [--out DIR]      one module; outputs as DIR/output_K.npy
    run_stablehlo.py MODULE.mlir --inputs DIR                      its arguments from DIR/input_K.npy
    run_stablehlo.py --batch DIR                                   every DIR/*/module.mlir with its input_K.npy

Options:
    --platform cpu|gpu|tpu   XLA backend (default cpu; gpu and tpu where jaxlib finds them)
    --devices N              N virtual CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count=N),
                             to run a sharded module (mhlo.num_partitions = N) on one machine
    --repeat K               time K calls after one warm-up call and print compile and call times (ms)
    --distributed            call jax.distributed.initialize() first (one process per host; see README)

A module with `mhlo.num_partitions = P` is compiled with XLA's SPMD partitioner (Shardy) for the
first P devices; each argument is laid out as its `sdy.sharding` says and each output is gathered
to the host. Needs numpy and jax with jaxlib (`pip install jax`).
"""
import argparse
import os
import re
import sys
import time


def input_files(folder):
    """folder/input_K.npy in the order of K."""
    names = [p for p in os.listdir(folder) if re.fullmatch(r"input_\d+\.npy", p)]
    return [os.path.join(folder, p) for p in sorted(names, key=lambda p: int(p[6:-4]))]


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("module", nargs="?", help="the .mlir file")
    parser.add_argument("inputs", nargs="*", help="one .npy file per argument of @main")
    parser.add_argument("--inputs", help="folder of input_K.npy files (instead of listing them)")
    parser.add_argument("--out", help="folder for output_K.npy (default: print the outputs)")
    parser.add_argument("--batch", help="folder of cases: */module.mlir and */input_K.npy")
    parser.add_argument("--platform", default="cpu", choices=["cpu", "gpu", "cuda", "rocm", "tpu"])
    parser.add_argument("--devices", type=int, default=0, help="virtual CPU devices")
    parser.add_argument("--repeat", type=int, default=0, help="timed calls")
    parser.add_argument("--distributed", action="store_true", help="jax.distributed.initialize()")
    options = parser.parse_args(argv)
    if not options.batch and not options.module:
        parser.error("give a module or --batch DIR")
    if options.inputs:
        options.inputs = input_files(options.inputs)
    return options


options = parse_arguments(sys.argv[1:])
if options.devices:
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={options.devices}").strip()

import numpy as np  # noqa: E402
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)  # float64 and int64 arguments stay 64-bit
from jax._src import xla_bridge  # noqa: E402
from jax._src.lib import xla_client  # noqa: E402
from jax._src.sharding_impls import GSPMDSharding  # noqa: E402

if options.distributed:
    jax.distributed.initialize()


def compile_module(text, backend):
    """The loaded executable and the devices it runs on."""
    match = re.search(r"mhlo\.num_partitions\s*=\s*(\d+)", text)
    partitions = int(match.group(1)) if match else 1
    devices = backend.devices()[:partitions]
    if len(devices) < partitions:
        raise SystemExit(
            f"the module is partitioned over {partitions} devices, but {backend.platform} has {len(devices)}; "
            f"on CPU pass --devices {partitions}")
    compile_options = xla_client.CompileOptions()
    compile_options.num_replicas = 1
    compile_options.num_partitions = partitions
    build = compile_options.executable_build_options
    build.num_partitions = partitions
    if partitions > 1:
        build.use_spmd_partitioning = True
        build.use_shardy_partitioner = True
        build.device_assignment = xla_client.DeviceAssignment.create(
            np.array([d.id for d in devices]).reshape(1, partitions))
    executable = backend.compile_and_load(text, xla_client.DeviceList(tuple(devices)), compile_options)
    return executable, devices


def sharding_of(op_sharding, devices):
    """A jax sharding for XLA's (None for an unpartitioned module on one device)."""
    if op_sharding is None:
        return jax.sharding.SingleDeviceSharding(devices[0])
    return GSPMDSharding(tuple(devices), op_sharding)


def place(arrays, executable, devices):
    """The arguments laid out on the devices as the compiled module expects."""
    placed = []
    shardings = executable.get_parameter_shardings() or [None] * len(arrays)  # None: one device
    for array, op_sharding in zip(arrays, shardings):
        sharding = sharding_of(op_sharding, devices)
        placed.append(jax.make_array_from_callback(array.shape, sharding, lambda index, a=array: a[index]))
    return placed


def run(executable, devices, arguments, shapes):
    """One call: the outputs as host numpy arrays."""
    results = executable.execute_sharded(arguments).disassemble_into_single_device_arrays()
    outputs = []
    shardings = executable.get_output_shardings() or [None] * len(shapes)
    for shards, op_sharding, shape in zip(results, shardings, shapes):
        sharding = sharding_of(op_sharding, devices)
        array = jax.make_array_from_single_device_arrays(shape, sharding, shards)
        if array.is_fully_addressable:
            outputs.append(np.asarray(array))
        else:
            from jax.experimental import multihost_utils
            outputs.append(np.asarray(multihost_utils.process_allgather(array, tiled=True)))
    return outputs


def output_shapes(text):
    """The result shapes of @main, from its signature."""
    signature = re.search(r"func\.func public @main\(.*?\)\s*->\s*\((.*?)\)\s*\{", text, re.S)
    types = re.findall(r"tensor<([^>]*)>", signature.group(1))
    return [tuple(int(d) for d in t.split("x")[:-1]) for t in types]


def run_module(path, input_paths, out, repeat, backend):
    with open(path) as handle:
        text = handle.read()
    start = time.perf_counter()
    executable, devices = compile_module(text, backend)
    compile_ms = (time.perf_counter() - start) * 1e3
    arrays = [np.load(p) for p in input_paths]
    arguments = place(arrays, executable, devices)
    shapes = output_shapes(text)
    outputs = run(executable, devices, arguments, shapes)
    if repeat:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            results = executable.execute_sharded(arguments).disassemble_into_single_device_arrays()
            for shards in results:
                for shard in shards:
                    shard.block_until_ready()
            times.append((time.perf_counter() - start) * 1e3)
        print(f"compile_ms {compile_ms:.3f} call_ms_median {float(np.median(times)):.6f} "
              f"call_ms_min {min(times):.6f} devices {len(devices)}")
    if out:
        os.makedirs(out, exist_ok=True)
        for k, output in enumerate(outputs):
            np.save(os.path.join(out, f"output_{k}.npy"), output)
    elif not repeat:
        for k, output in enumerate(outputs):
            print(f"output {k}: {output.dtype} {output.shape}\n{output}")


def main():
    backend = xla_bridge.get_backend(options.platform)
    if options.batch:
        failures = 0
        for case in sorted(os.listdir(options.batch)):
            folder = os.path.join(options.batch, case)
            module = os.path.join(folder, "module.mlir")
            if not os.path.isfile(module):
                continue
            try:
                run_module(module, input_files(folder), folder, 0, backend)
            except Exception as error:  # one failing case does not stop the others
                failures += 1
                with open(os.path.join(folder, "error.txt"), "w") as handle:
                    handle.write(f"{type(error).__name__}: {error}\n")
        print(f"ran {options.batch}: {failures} failed")
    else:
        run_module(options.module, options.inputs, options.out, options.repeat, backend)


main()
