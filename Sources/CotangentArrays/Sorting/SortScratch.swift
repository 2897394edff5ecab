import Synchronization
#if os(Linux)
import Glibc
#endif

/// Scratch memory reused by the sorting kernels across the lanes of one call: the ping-pong
/// buffers of the radix passes, their digit histograms, the heaps of `topK`.
///
/// One allocation grows to the largest request and is freed with the object; kernels carve typed
/// regions out of it and must not keep them past the next request.
///
/// Calls borrow one from a small process-wide pool (``withReused(_:)``): a fresh allocation of
/// a large sort's scratch is paid in page faults on every call (the kernel zeroes each new
/// page), which cost as much as the sort itself for 10^6 float64s. A borrowed instance belongs
/// to one call, on one thread, until it is returned.
package final class SortScratch: @unchecked Sendable {
    private var memory: UnsafeMutableRawPointer?
    private var capacity = 0

    /// Empty scratch memory; the first request allocates.
    package init() {}

    deinit { memory?.deallocate() }

    /// Idle instances, at most ``poolLimit``; one larger than ``retainedBytes`` is not kept.
    private static let pool = Mutex<[SortScratch]>([])
    private static let poolLimit = 4
    private static let retainedBytes = 1 << 28

    /// Runs `body` with scratch memory borrowed from the pool (or new), and returns it after.
    package static func withReused<R>(_ body: (SortScratch) throws -> R) rethrows -> R {
        let scratch = pool.locked { $0.popLast() } ?? SortScratch()
        defer {
            if scratch.capacity <= retainedBytes {
                pool.locked { idle in if idle.count < poolLimit { idle.append(scratch) } }
            }
        }
        return try body(scratch)
    }

    /// Regions of the given byte sizes, each 64-byte aligned, valid until the next call.
    func regions(_ byteCounts: [Int]) -> [UnsafeMutableRawPointer] {
        let rounded = byteCounts.map { ($0 + 63) & ~63 }
        let total = max(rounded.reduce(0, +), 64)
        if total > capacity {
            memory?.deallocate()
            memory = .allocate(byteCount: total, alignment: 64)
            capacity = total
            #if os(Linux)
            // Radix passes scatter into as many pages as there are buckets; with 4 KiB pages
            // that misses the TLB on nearly every store. Ask for huge pages, as ``ArrayStorage``
            // does for large arrays.
            if total >= 1 << 21, let memory {
                let page = 1 << 21
                let start = (Int(bitPattern: memory) + page - 1) / page * page
                let end = (Int(bitPattern: memory) + total) / page * page
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
            }
            #endif
        }
        var pointers: [UnsafeMutableRawPointer] = []
        var start = 0
        for size in rounded {
            pointers.append(memory! + start)
            start += size
        }
        return pointers
    }
}
