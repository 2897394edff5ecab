import Synchronization

/// Recently freed element buffers of medium size, handed to the next allocation of the same
/// size class.
///
/// A compiled function allocates and frees the same intermediate buffers on every call. Freed
/// blocks of tens of kilobytes coalesce at the top of the C heap, which then returns them to the
/// kernel, and the next call faults the same pages back in: for a function of a few 100×100
/// arrays that costs more than its arithmetic. Keeping a few freed buffers per size class avoids
/// both. Buffers from 4 MiB on (huge-page backed, see ``ArrayStorage``) and below 4 KiB (which
/// malloc recycles cheaply) are not cached.
package enum BufferCache {
    /// The smallest and largest (exclusive) cached buffer sizes, in bytes.
    package static let minimumBytes = 1 << 12
    package static let maximumBytes = 1 << 22
    /// At most this many bytes are held in total, and this many buffers per size class.
    package static let capacityBytes = 32 << 20
    package static let buffersPerClass = 8

    /// Size classes: four per power of two (at most 25% rounding), from `minimumBytes` to
    /// `maximumBytes`.
    private static let classesPerOctave = 4
    private static let classCount = (maximumBytes.trailingZeroBitCount - minimumBytes.trailingZeroBitCount) * classesPerOctave

    private struct State: ~Copyable {
        /// Per size class, the addresses of free buffers (as integers, which are `Sendable`).
        package var free: [[Int]] = Array(repeating: [], count: BufferCache.classCount)
        package var cachedBytes = 0
    }

    private static let state = Mutex(State())

    /// The size class of a request and the bytes a buffer of that class holds, or nil when
    /// requests of this size are not cached.
    package static func sizeClass(forBytes byteCount: Int) -> (index: Int, bytes: Int)? {
        guard byteCount >= minimumBytes, byteCount < maximumBytes else { return nil }
        // The octave [2^e, 2^(e+1)) is cut into quarters of 2^(e-2) bytes.
        let exponent = Int.bitWidth - 1 - byteCount.leadingZeroBitCount
        let quarter = 1 << (exponent - 2)
        let steps = (byteCount + quarter - 1) / quarter  // 4...8
        let index = (exponent - minimumBytes.trailingZeroBitCount) * classesPerOctave + (steps - classesPerOctave)
        // steps == 8 is the first class of the next octave, which the index formula reaches too.
        guard index < classCount else { return nil }
        return (index, steps * quarter)
    }

    /// A buffer of the class's size from the cache, or a fresh one.
    package static func allocate(sizeClass: (index: Int, bytes: Int)) -> UnsafeMutableRawPointer {
        let cached = state.locked { state -> Int? in
            guard let address = state.free[sizeClass.index].popLast() else { return nil }
            state.cachedBytes -= sizeClass.bytes
            return address
        }
        if let cached, let pointer = UnsafeMutableRawPointer(bitPattern: cached) { return pointer }
        return .allocate(byteCount: sizeClass.bytes, alignment: 64)
    }

    /// Frees every cached buffer.
    package static func removeAll() {
        let addresses = state.locked { state -> [Int] in
            let all = state.free.flatMap { $0 }
            state.free = Array(repeating: [], count: classCount)
            state.cachedBytes = 0
            return all
        }
        for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// How many buffers of a size class are waiting for reuse (for tests).
    package static func cachedCount(sizeClass index: Int) -> Int {
        state.locked { $0.free[index].count }
    }

    /// Bytes held by the cache (for tests).
    package static var cachedBytes: Int { state.locked { $0.cachedBytes } }

    /// Keeps `pointer` (a buffer of the class's size from ``allocate(sizeClass:)``) for reuse,
    /// or frees it when the cache is full.
    package static func release(_ pointer: UnsafeMutableRawPointer, sizeClass: (index: Int, bytes: Int)) {
        let kept = state.locked { state -> Bool in
            guard state.free[sizeClass.index].count < buffersPerClass,
                state.cachedBytes + sizeClass.bytes <= capacityBytes
            else { return false }
            state.free[sizeClass.index].append(Int(bitPattern: pointer))
            state.cachedBytes += sizeClass.bytes
            return true
        }
        if !kept { pointer.deallocate() }
    }
}
