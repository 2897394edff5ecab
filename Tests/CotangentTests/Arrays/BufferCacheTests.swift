import Synchronization
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Buffer cache")
struct BufferCacheTests {
    @Test func sizeClassesCoverTheCachedRangeWithAtMostAQuarterRounding() throws {
        #expect(BufferCache.sizeClass(forBytes: BufferCache.minimumBytes - 1) == nil)
        #expect(BufferCache.sizeClass(forBytes: BufferCache.maximumBytes) == nil)
        #expect(BufferCache.sizeClass(forBytes: 0) == nil)
        var lastIndex = -1
        var lastBytes = 0
        var size = BufferCache.minimumBytes
        while size < BufferCache.maximumBytes {
            // The last quarter of the top octave would round up to the uncached maximum.
            guard let sizeClass = BufferCache.sizeClass(forBytes: size) else {
                #expect(size > BufferCache.maximumBytes / 8 * 7)
                size += size / 7 + 1
                continue
            }
            #expect(sizeClass.bytes >= size)
            #expect(Double(sizeClass.bytes) <= 1.25 * Double(size))
            // Larger requests never land in a smaller class.
            #expect(sizeClass.index >= lastIndex)
            #expect(sizeClass.bytes >= lastBytes)
            // A class always holds the same number of bytes.
            if sizeClass.index == lastIndex { #expect(sizeClass.bytes == lastBytes) }
            (lastIndex, lastBytes) = (sizeClass.index, sizeClass.bytes)
            size += size / 7 + 1
        }
    }

    /// Odd size classes no other test uses, so parallel tests do not take their buffers.
    let bytes = 3 * (1 << 20) + 12_345
    let otherBytes = 2 * (1 << 20) + 54_321

    @Test func aFreedBufferIsReusedAndZerosAreStillZero() throws {
        let sizeClass = try #require(BufferCache.sizeClass(forBytes: bytes))
        let count = bytes / 8
        // The cache is process-wide and other tests fill it in parallel (a full cache frees
        // instead of keeping): empty it first, and try again if it refilled in between.
        var reused = false
        for _ in 0..<20 where !reused {
            BufferCache.removeAll()
            var address: UnsafeMutableRawPointer?
            do {
                let first = NDArray(shape: [count], filledWith: 7.5)
                address = first.storage.pointer
            }
            guard BufferCache.cachedCount(sizeClass: sizeClass.index) >= 1 else { continue }
            let second = NDArray.zeros([count])
            reused = second.storage.pointer == address
            // Recycled or not, zeros wrote over all of the memory.
            #expect(second.asArray(Double.self).allSatisfy { $0 == 0 })
        }
        #expect(reused)
    }

    @Test func theCacheKeepsAFewBuffersPerClassAndABoundedTotal() throws {
        let sizeClass = try #require(BufferCache.sizeClass(forBytes: otherBytes))
        do {
            let arrays = (0..<20).map { _ in NDArray.uninitialized(dtype: .uint8, shape: [otherBytes]) }
            #expect(Set(arrays.map { Int(bitPattern: $0.storage.pointer) }).count == 20)
        }
        #expect(BufferCache.cachedCount(sizeClass: sizeClass.index) <= BufferCache.buffersPerClass)
        #expect(BufferCache.cachedBytes <= BufferCache.capacityBytes)
    }

    @Test func concurrentAllocationsNeverShareABuffer() async throws {
        // Tasks allocate, fill with their own value, and check it after others have run.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var good = true
                    for round in 0..<50 {
                        let value = Double(task * 1000 + round)
                        let array = NDArray(shape: [1000 + round * 37], filledWith: value)
                        await Task.yield()
                        good = good && array.asArray(Double.self).allSatisfy { $0 == value }
                    }
                    return good
                }
            }
            for try await good in group { #expect(good) }
        }
    }
}
