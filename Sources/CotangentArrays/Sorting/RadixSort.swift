/// Lanes this short are sorted by insertion: a radix sort's histograms cost more than the
/// quadratic compares there.
let insertionSortLimit = 32

/// The digits of a least-significant-digit radix sort over keys of a given width.
struct RadixPlan {
    /// Bits per digit: 11 (2048 buckets, whose counters still fit in L1) for wide keys of long
    /// lanes, where saving passes pays; 8 otherwise.
    let digitBits: Int
    /// Digits per key (the top one may be narrower).
    let passCount: Int

    init(keyBits: Int, count: Int) {
        digitBits = keyBits >= 32 && count >= 1 << 16 ? 11 : 8
        passCount = (keyBits + digitBits - 1) / digitBits
    }

    /// Buckets per digit.
    var radix: Int { 1 << digitBits }
}

/// Writes into `indices` (every `indicesStep` elements) the permutation that sorts `count`
/// elements read from `source` (every `sourceStep` elements) stably by
/// ``SortableElement/sortKey``: ascending, or descending with equal keys still in index order.
package func stableArgsort<T: SortableElement>(
    from source: UnsafePointer<T>, step sourceStep: Int, order: SortOrder,
    to indices: UnsafeMutablePointer<Int64>, step indicesStep: Int,
    count: Int, scratch: SortScratch
) {
    // Descending: the complemented key sorts in reverse, and stability keeps ties in index order.
    let flip: T.SortKey = order == .descending ? .max : 0
    if count <= insertionSortLimit {
        let regions = scratch.regions([
            count * MemoryLayout<T.SortKey>.stride, count * MemoryLayout<Int64>.stride,
        ])
        let keys = regions[0].bindMemory(to: T.SortKey.self, capacity: count)
        let order = regions[1].bindMemory(to: Int64.self, capacity: count)
        for i in 0..<count {
            keys[i] = source[i * sourceStep].sortKey ^ flip
            order[i] = Int64(i)
        }
        insertionSort(order, count: count) { keys[Int($0)] < keys[Int($1)] }
        for i in 0..<count { indices[i * indicesStep] = order[i] }
        return
    }
    let plan = RadixPlan(keyBits: T.SortKey.bitWidth, count: count)
    let keyBytes = count * MemoryLayout<T.SortKey>.stride
    let indexBytes = count * MemoryLayout<Int64>.stride
    let regions = scratch.regions([
        plan.passCount * plan.radix * MemoryLayout<Int>.stride,
        keyBytes, keyBytes, indexBytes, indexBytes,
    ])
    let counts = regions[0].bindMemory(to: Int.self, capacity: plan.passCount * plan.radix)
    let keys = [
        regions[1].bindMemory(to: T.SortKey.self, capacity: count),
        regions[2].bindMemory(to: T.SortKey.self, capacity: count),
    ]
    let order = [
        regions[3].bindMemory(to: Int64.self, capacity: count),
        regions[4].bindMemory(to: Int64.self, capacity: count),
    ]
    // The keys are computed once, into the first key buffer, while counting digits.
    let firstKeys = keys[0]
    let passes = countDigits(
        plan, count: count, counts: counts, firstKey: source[0].sortKey ^ flip
    ) { i in
        let key = source[i * sourceStep].sortKey ^ flip
        firstKeys[i] = key
        return key
    }
    if passes.isEmpty {
        for i in 0..<count { indices[i * indicesStep] = Int64(i) }
        return
    }
    let mask = T.SortKey(plan.radix - 1)
    for (n, pass) in passes.enumerated() {
        let (fromKeys, toKeys) = (keys[n % 2], keys[(n + 1) % 2])
        let offsets = counts + pass * plan.radix
        let shift = pass * plan.digitBits
        if n == 0 {
            // The first pass reads the identity permutation implicitly.
            if passes.count == 1 {
                for i in 0..<count {
                    let digit = Int(truncatingIfNeeded: (fromKeys[i] &>> shift) & mask)
                    indices[offsets[digit] * indicesStep] = Int64(i)
                    offsets[digit] += 1
                }
                return
            }
            let toOrder = order[1]
            for i in 0..<count {
                let key = fromKeys[i]
                let digit = Int(truncatingIfNeeded: (key &>> shift) & mask)
                let slot = offsets[digit]
                toKeys[slot] = key
                toOrder[slot] = Int64(i)
                offsets[digit] = slot + 1
            }
        } else if n == passes.count - 1 {
            let fromOrder = order[n % 2]
            for i in 0..<count {
                let digit = Int(truncatingIfNeeded: (fromKeys[i] &>> shift) & mask)
                indices[offsets[digit] * indicesStep] = fromOrder[i]
                offsets[digit] += 1
            }
        } else {
            let (fromOrder, toOrder) = (order[n % 2], order[(n + 1) % 2])
            for i in 0..<count {
                let key = fromKeys[i]
                let digit = Int(truncatingIfNeeded: (key &>> shift) & mask)
                let slot = offsets[digit]
                toKeys[slot] = key
                toOrder[slot] = fromOrder[i]
                offsets[digit] = slot + 1
            }
        }
    }
}

/// Counts every digit of every key (`key(i)` for `i` in `0..<count`) in one read, turns the
/// counts into each bucket's first slot, and returns the passes that move anything (a digit
/// that all keys share, such as the exponent bits of similar floats, needs no pass).
@inline(__always)
private func countDigits<Key: FixedWidthInteger & UnsignedInteger>(
    _ plan: RadixPlan, count: Int, counts: UnsafeMutablePointer<Int>, firstKey: Key,
    key: (Int) -> Key
) -> [Int] {
    let radix = plan.radix
    counts.initialize(repeating: 0, count: plan.passCount * radix)
    let mask = Key(radix - 1)
    for i in 0..<count {
        let k = key(i)
        for pass in 0..<plan.passCount {
            counts[pass * radix + Int(truncatingIfNeeded: (k &>> (pass * plan.digitBits)) & mask)] += 1
        }
    }
    var passes: [Int] = []
    for pass in 0..<plan.passCount {
        let bucket = counts + pass * radix
        let firstDigit = Int(truncatingIfNeeded: (firstKey &>> (pass * plan.digitBits)) & mask)
        if bucket[firstDigit] == count { continue }
        passes.append(pass)
        var start = 0
        for digit in 0..<radix {
            let size = bucket[digit]
            bucket[digit] = start
            start += size
        }
    }
    return passes
}

/// Stable insertion sort of `count` elements in place.
@inline(__always)
func insertionSort<E>(
    _ elements: UnsafeMutablePointer<E>, count: Int, by areInIncreasingOrder: (E, E) -> Bool
) {
    guard count > 1 else { return }
    for i in 1..<count {
        let item = elements[i]
        var j = i
        // Strict comparison: an element never passes an equal one, which keeps the sort stable.
        while j > 0 && areInIncreasingOrder(item, elements[j - 1]) {
            elements[j] = elements[j - 1]
            j -= 1
        }
        elements[j] = item
    }
}
