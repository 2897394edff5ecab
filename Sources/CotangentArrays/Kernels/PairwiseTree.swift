// numpy's pairwise summation tree, cut into subtrees that threads (or a fused kernel's leaves)
// compute separately and that are added back up in the tree's own order, so the total is the
// same bits as one `pairwiseSum` over the whole range.

/// The shape of ``pairwiseSum(_:count:stride:)``'s recursion over a range of elements.
///
/// The tree depends only on the element count: a range of more than 128 elements splits at its
/// half rounded down to a multiple of 8. Any subtree summed alone by `pairwiseSum` gives the
/// value it has inside the whole sum, which is what lets a sum be split without changing a bit.
package enum PairwiseTree {
    /// The first half of a range of `count` (> 128) elements.
    @inline(__always)
    package static func split(_ count: Int) -> Int {
        let half = count / 2
        return half - half % 8
    }

    /// How many levels to cut for `parts` concurrent parts (the smallest depth with at least
    /// that many subtrees).
    package static func depth(forParts parts: Int) -> Int {
        parts > 1 ? Int.bitWidth - (parts - 1).leadingZeroBitCount : 0
    }

    /// The subtrees `depth` levels below the range `from..<from + count`, in order; ranges of
    /// at most `leaf` elements are not cut further.
    package static func subtrees(from: Int, count: Int, depth: Int, leaf: Int) -> [(from: Int, count: Int)] {
        guard depth > 0, count > leaf else { return [(from, count)] }
        let half = split(count)
        return subtrees(from: from, count: half, depth: depth - 1, leaf: leaf)
            + subtrees(from: from + half, count: count - half, depth: depth - 1, leaf: leaf)
    }

    /// The subtrees' totals (`totals(i)` for the `i`th subtree of
    /// ``subtrees(from:count:depth:leaf:)``, one value per summed quantity) added up the tree.
    package static func combine(
        count: Int, depth: Int, leaf: Int, _ totals: (Int) -> [Double]
    ) -> [Double] {
        var cursor = 0
        func walk(_ count: Int, _ depth: Int) -> [Double] {
            guard depth > 0, count > leaf else {
                defer { cursor += 1 }
                return totals(cursor)
            }
            let half = split(count)
            let left = walk(half, depth - 1)
            let right = walk(count - half, depth - 1)
            return zip(left, right).map { $0 + $1 }
        }
        return walk(count, depth)
    }

    /// The sum of `values(from, count)` over the range, cutting it as `pairwiseSum` would until
    /// a range has at most `leaf` elements: `values` must return the pairwise sums of those
    /// ranges (one per summed quantity).
    package static func sum(from: Int, count: Int, leaf: Int, _ values: (Int, Int) -> [Double]) -> [Double] {
        guard count > leaf else { return values(from, count) }
        let half = split(count)
        let left = sum(from: from, count: half, leaf: leaf, values)
        let right = sum(from: from + half, count: count - half, leaf: leaf, values)
        return zip(left, right).map { $0 + $1 }
    }
}
