// How many CPUs this process may run on, for the kernels' default thread count.

#ifndef COTANGENT_PROCESSOR_COUNT_H
#define COTANGENT_PROCESSOR_COUNT_H

#ifdef __cplusplus
extern "C" {
#endif

/// The CPUs in the calling thread's affinity mask (what `taskset` and container CPU sets
/// restrict) on Linux, else the online CPUs; at least 1.
int cotangent_available_cpus(void);

#ifdef __cplusplus
}
#endif

#endif
