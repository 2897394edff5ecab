// The process-wide thread defaults, and how many cores "all" is.

import CVectorMath
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide defaults of Cotangent's kernels: the options in effect outside every
/// `KernelOptions/withCurrent(_:)` scope and for compiled functions without options of their
/// own. Code that runs concurrently with other code (tests, libraries) should scope its thread
/// counts with ``KernelOptions`` instead of changing these.
///
/// Both start at ``defaultThreads``: large kernels use every core the process may run on,
/// unless the environment variable `COTANGENT_NUM_THREADS` says otherwise (as
/// `OMP_NUM_THREADS` does for OpenMP programs). Results never depend on the thread count.
public enum KernelSettings {
    /// The thread count kernels use unless told otherwise: `COTANGENT_NUM_THREADS` when it is
    /// a positive integer, else the CPUs in the process's affinity mask (so `taskset -c 0`
    /// gives 1), else the online CPUs. Read once, at first use.
    public static let defaultThreads: Int = {
        if let text = getenv("COTANGENT_NUM_THREADS").map({ String(cString: $0) }), let count = Int(text), count > 0 {
            return count
        }
        return Int(cotangent_available_cpus())
    }()

    private static let productThreads = Atomic<Int>(defaultThreads)
    private static let elementwiseThreadCount = Atomic<Int>(defaultThreads)

    /// How many threads a large elementwise kernel (a fused `Composite` or a single op) or a
    /// large whole-array float sum may use (default ``defaultThreads``). With 2 or more,
    /// kernels over at least 2^16 elements whose operands walk memory in one line (contiguous
    /// arrays of any rank) split it into that many parts; results are identical to one thread.
    /// Values below 1 count as 1.
    public static var elementwiseThreads: Int {
        get { elementwiseThreadCount.load(ordering: .relaxed) }
        set { elementwiseThreadCount.store(max(1, newValue), ordering: .relaxed) }
    }

    /// How many threads a large float matrix product may use (default ``defaultThreads``).
    /// With 2 or more, products of at least ~4 M multiply-adds split their rows into that many
    /// parts computed concurrently; results are identical to one thread (each element is
    /// summed in the same order). Values below 1 count as 1.
    public static var matrixProductThreads: Int {
        get { productThreads.load(ordering: .relaxed) }
        set { productThreads.store(max(1, newValue), ordering: .relaxed) }
    }
}
