// Splitting a large float product over threads, as the kernel options in effect allow.

import CVectorMath
import Synchronization

#if os(Linux)
    import Glibc
#else
    import Dispatch
#endif

/// When an elementwise kernel splits over threads.
package enum ElementwiseThreading {
    /// Kernels over fewer elements stay on one thread: a thread costs tens of microseconds to
    /// start, and 2^16 elements of a fused kernel take about 0.1–0.5 ms.
    package static let threshold = 1 << 16

    /// How many parts a row of `elements` splits into (each at least half the threshold).
    package static func parts(elements: Int) -> Int {
        // The size test first: reading the options (a task-local) costs more than the test.
        guard elements >= threshold else { return 1 }
        let threads = KernelOptions.current.elementwiseThreads
        guard threads > 1 else { return 1 }
        return max(1, min(threads, elements / (threshold / 2)))
    }
}

package enum ParallelProduct {
    /// Products with fewer multiply-adds than this stay on one thread (starting a thread costs
    /// tens of microseconds; 2^22 multiply-adds take about 0.4 ms here).
    package static let threadingThreshold = 1 << 22

    /// How many row ranges an `m × k × n` product splits into: one below the threshold, else
    /// up to the thread setting, each part at least two row blocks.
    package static func parts(m: Int, k: Int, n: Int, rowBlock: Int) -> Int {
        guard m &* n &* k >= threadingThreshold else { return 1 }
        let rowsPerPart = 2 &* rowBlock
        return max(1, min(KernelOptions.current.matrixProductThreads, (m &+ rowsPerPart &- 1) / rowsPerPart))
    }

    /// `c = a · b` (row-major `m × n`, `k > 0`) through the blocked GEMM with the vector kernel
    /// `kernel` (see ``BlockedProduct/multiply(_:_:m:k:n:into:cRowStride:accumulating:kernel:)``),
    /// its rows split over ``KernelOptions/matrixProductThreads`` threads (of the options in
    /// effect) when the product is large. Both kernels sum each element in an order that
    /// depends only on k, so the split never changes a result.
    package static func multiply<T: BlockedProductElement>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int, into c: UnsafeMutablePointer<T>,
        kernel: CotangentGemmKernel = VectorProduct.current
    ) {
        let parts = parts(m: m, k: k, n: n, rowBlock: T.rowBlock)
        guard parts > 1 else {
            BlockedProduct.multiply(a, b, m: m, k: k, n: n, into: c, cRowStride: n, kernel: kernel)
            return
        }
        // Equal row ranges, each a multiple of the register tile's height.
        let span = BlockedProduct.evenBlock(m, limit: (m &+ parts &- 1) / parts, multiple: T.tileRows)
        let job = RowSplit(a: a, b: b, c: c, m: m, k: k, n: n, span: span, kernel: kernel)
        runConcurrently(parts) { part in job.run(part: part) }
    }

    /// Runs `body(0)` … `body(count - 1)` concurrently and returns when all have finished.
    ///
    /// On Linux each part beyond the first gets a fresh POSIX thread (the first runs on the
    /// caller's): libdispatch's `concurrentPerform` ran its iterations one after the other on
    /// the 2-CPU machine this was measured on, while two pthreads ran in parallel.
    package static func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        #if os(Linux)
            final class Part: @unchecked Sendable {
                let body: @Sendable (Int) -> Void
                let index: Int
                init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) { (self.body, self.index) = (body, index) }
            }
            var threads: [pthread_t] = []
            for index in 1..<max(count, 1) {
                let part = Unmanaged.passRetained(Part(body, index)).toOpaque()
                var thread = pthread_t()
                let status = pthread_create(&thread, nil, { raw in
                    let part = Unmanaged<Part>.fromOpaque(raw!).takeRetainedValue()
                    part.body(part.index)
                    return nil
                }, part)
                if status == 0 {
                    threads.append(thread)
                } else {
                    // No thread available: run the part here.
                    Unmanaged<Part>.fromOpaque(part).release()
                    body(index)
                }
            }
            if count > 0 { body(0) }
            for thread in threads { pthread_join(thread, nil) }
        #else
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        #endif
    }
}

/// One product split into row ranges of `span` rows. Sendable because the parts only read `a`
/// and `b` (which the caller keeps alive and unchanged for the call) and write disjoint rows of `c`.
private struct RowSplit<T: BlockedProductElement>: @unchecked Sendable {
    package let a: StridedMatrix<T>
    package let b: StridedMatrix<T>
    package let c: UnsafeMutablePointer<T>
    package let m: Int, k: Int, n: Int, span: Int
    /// The caller's kernel choice: the threads run no task, so they cannot read its scope.
    package let kernel: CotangentGemmKernel

    package func run(part: Int) {
        let start = min(m, part &* span)
        let rows = min(span, m &- start)
        guard rows > 0 else { return }
        BlockedProduct.multiply(
            a.shifted(row: start, column: 0), b, m: rows, k: k, n: n, into: c + start &* n, cRowStride: n,
            kernel: kernel)
    }
}
