/// Sorts `count` elements read from `source` (every `sourceStep` elements) into `destination`
/// (every `destinationStep` elements; a negative step writes backwards), stably by
/// ``SortableElement/sortKey``.
///
/// The elements move as they are, so `-0.0`/`+0.0` and NaN payloads keep their input order.
/// Source and destination must not overlap.
///
/// A most-significant-digit radix sort: each level splits a run into up to 2048 buckets by
/// `(key - min) >> shift`, which spreads the run's actual key range (not fixed bit fields)
/// over the buckets, so clustered keys such as floats of one sign and a few exponents still
/// split evenly; the first level's buckets fit in cache, where the next level runs, and runs
/// of at most ``insertionSortLimit`` end in an insertion sort. Each level narrows the key range
/// by at least 2^3, so depth stays below 22 whatever the data; runs of equal keys stop at once.
/// (A least-significant-digit sort needs six scatters over the whole array for float64, each
/// missing the cache once the array outgrows it.)
package func stableSort<T: SortableElement>(
    from source: UnsafePointer<T>, step sourceStep: Int,
    to destination: UnsafeMutablePointer<T>, step destinationStep: Int,
    count: Int, scratch: SortScratch
) {
    if count <= insertionSortLimit {
        let buffer = scratch.regions([count * MemoryLayout<T>.stride])[0]
            .bindMemory(to: T.self, capacity: count)
        for i in 0..<count { buffer[i] = source[i * sourceStep] }
        insertionSort(buffer, count: count) { $0.sortKey < $1.sortKey }
        for i in 0..<count { destination[i * destinationStep] = buffer[i] }
        return
    }
    let direct = destinationStep == 1
    let countsSize = maximumSplitDepth * (maximumBuckets + 1)
    let regions = scratch.regions([
        countsSize * MemoryLayout<Int>.stride,
        count * MemoryLayout<T>.stride, direct ? 0 : count * MemoryLayout<T>.stride,
    ])
    let counts = regions[0].bindMemory(to: Int.self, capacity: countsSize)
    let first = regions[1].bindMemory(to: T.self, capacity: count)
    // The run's final home: the destination itself when it is contiguous and forwards.
    let second = direct ? destination : regions[2].bindMemory(to: T.self, capacity: count)

    var low = T.SortKey.max
    var high = T.SortKey.min
    for i in 0..<count {
        let key = source[i * sourceStep].sortKey
        low = min(low, key)
        high = max(high, key)
    }
    if low == high {
        for i in 0..<count { destination[i * destinationStep] = source[i * sourceStep] }
        return
    }
    let split = BucketSplit(low: low, high: high, count: count)
    let ends = counts
    split.distribute(from: source, step: sourceStep, to: first, count: count, counts: ends)
    var start = 0
    for bucket in 0..<split.bucketCount {
        let end = ends[bucket]
        if end == start + 1 {
            // A single element is sorted: it only needs to reach the result buffer.
            second[start] = first[start]
        } else if end > start {
            sortRun(
                first + start, scratch: second + start, count: end - start, resultInScratch: true,
                counts: counts + (maximumBuckets + 1))
        }
        start = end
    }
    if !direct {
        for i in 0..<count { destination[i * destinationStep] = second[i] }
    }
}

/// Sorts the run `data[0..<count]` stably, leaving the result in `data` or, when
/// `resultInScratch`, in `scratch` (either may be overwritten). `counts` has room for this level's
/// bucket counts and every deeper level's.
private func sortRun<T: SortableElement>(
    _ data: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>, count: Int,
    resultInScratch: Bool, counts: UnsafeMutablePointer<Int>
) {
    if count <= insertionSortLimit {
        insertionSort(data, count: count) { $0.sortKey < $1.sortKey }
        if resultInScratch { scratch.update(from: data, count: count) }
        return
    }
    var low = T.SortKey.max
    var high = T.SortKey.min
    for i in 0..<count {
        let key = data[i].sortKey
        low = min(low, key)
        high = max(high, key)
    }
    if low == high {
        if resultInScratch { scratch.update(from: data, count: count) }
        return
    }
    let split = BucketSplit(low: low, high: high, count: count)
    split.distribute(from: data, step: 1, to: scratch, count: count, counts: counts)
    // The buckets now sit in `scratch`: there the roles of the two buffers swap.
    var start = 0
    for bucket in 0..<split.bucketCount {
        let end = counts[bucket]
        if end == start + 1 {
            // Most buckets of the deepest level hold one element: skip the call.
            if !resultInScratch { data[start] = scratch[start] }
        } else if end > start {
            sortRun(
                scratch + start, scratch: data + start, count: end - start,
                resultInScratch: !resultInScratch, counts: counts + (maximumBuckets + 1))
        }
        start = end
    }
}

/// At most this many buckets per split (2^11: the counters still fit in L1).
let maximumBuckets = 1 << 11
/// Levels of splits a sort can reach: the key range shrinks by at least 2^3 per level.
let maximumSplitDepth = 24

/// How one level of the most-significant-digit sort splits a run: bucket `(key - low) >> shift`.
struct BucketSplit<Key: FixedWidthInteger & UnsignedInteger> {
    let low: Key
    let shift: Int
    /// Buckets in use: `(high - low) >> shift + 1`.
    let bucketCount: Int

    /// A split of keys in `low...high` (with `low < high`) for a run of `count` elements:
    /// about one bucket per two elements, between 2^4 and 2^11 buckets.
    init(low: Key, high: Key, count: Int) {
        let digitBits = min(11, max(4, Int.bitWidth - count.leadingZeroBitCount - 1))
        let range = high - low
        let rangeBits = Key.bitWidth - range.leadingZeroBitCount
        self.low = low
        shift = max(0, rangeBits - digitBits)
        bucketCount = Int(truncatingIfNeeded: range &>> shift) + 1
    }

    /// Moves the elements stably into their buckets and leaves in `counts[b]` the end of
    /// bucket `b` (its start is the previous bucket's end, or 0).
    @inline(__always)
    func distribute<T: SortableElement>(
        from source: UnsafePointer<T>, step: Int, to target: UnsafeMutablePointer<T>, count: Int,
        counts: UnsafeMutablePointer<Int>
    ) where T.SortKey == Key {
        counts.initialize(repeating: 0, count: bucketCount)
        for i in 0..<count { counts[bucket(source[i * step].sortKey)] += 1 }
        var start = 0
        for b in 0..<bucketCount {
            let size = counts[b]
            counts[b] = start
            start += size
        }
        for i in 0..<count {
            let value = source[i * step]
            let b = bucket(value.sortKey)
            target[counts[b]] = value
            counts[b] += 1
        }
    }

    @inline(__always)
    func bucket(_ key: Key) -> Int { Int(truncatingIfNeeded: (key &- low) &>> shift) }
}
