// A whole-array float sum split over threads without changing a bit: the pairwise tree's
// subtrees are summed concurrently and added up in the tree's order.

extension ReduceKernel {
    /// The sum of every element of a contiguous float array as ``pairwiseSum(_:count:stride:)``
    /// computes it (in double, `0.0 +` the total as the reduction folds into its identity),
    /// split over the elementwise thread count in effect; nil when the array is not such a sum's
    /// subject or stays on one thread (then the ordinary reduction runs).
    package static func parallelFullSum(_ x: NDArray, axes: [Int]) -> Double? {
        guard x.dtype == .float64 || x.dtype == .float32, axes.count == x.ndim, x.isContiguous else { return nil }
        let count = x.count
        let parts = ElementwiseThreading.parts(elements: count)
        guard parts > 1 else { return nil }
        let depth = PairwiseTree.depth(forParts: parts)
        let subtrees = PairwiseTree.subtrees(from: 0, count: count, depth: depth, leaf: 128)
        let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: subtrees.count)
        defer { totals.deallocate() }
        let job = SubtreeSums(array: x, subtrees: subtrees, totals: totals)
        ParallelProduct.runConcurrently(subtrees.count) { job.run($0) }
        return 0.0 + PairwiseTree.combine(count: count, depth: depth, leaf: 128) { [totals[$0]] }[0]
    }
}

/// The subtrees of one split sum. Sendable because each part reads the array (kept alive by
/// the caller) and writes only its own slot of `totals`.
private struct SubtreeSums: @unchecked Sendable {
    let array: NDArray
    let subtrees: [(from: Int, count: Int)]
    let totals: UnsafeMutableBufferPointer<Double>

    func run(_ index: Int) {
        let (from, count) = subtrees[index]
        totals[index] = array.dtype == .float32
            ? pairwiseSum(UnsafePointer(array.basePointer(as: Float.self) + from), count: count)
            : pairwiseSum(UnsafePointer(array.basePointer(as: Double.self) + from), count: count)
    }
}
