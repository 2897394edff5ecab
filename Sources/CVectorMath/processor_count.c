// sched_getaffinity and CPU_COUNT need _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE 1
#include "CProcessorCount.h"

#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

int cotangent_available_cpus(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}
