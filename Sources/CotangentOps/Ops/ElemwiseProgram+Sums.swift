import CotangentArrays

// Outputs summed as they are computed: the kernel of ``ElemwiseSum``.
//
// A full float sum of an array is numpy's pairwise summation over its elements in memory
// order (``pairwiseSum(_:count:stride:)``), whose tree depends only on the element count: a
// range of more than 128 elements splits at its half rounded down to a multiple of 8. The fused
// kernel walks the same tree and, at every subtree of at most `leafLength` elements, computes
// just that range of the outputs into a small buffer and sums it with the same function. The
// result is the unfused sum bit for bit, without the full array ever existing; subtrees run on
// separate threads when the kernel splits, and their totals meet in the same tree order, so the
// thread count does not change a bit either.

extension ElemwiseProgram {
    /// Elements of the largest subtree computed into a buffer at once: small enough for a core's
    /// L2 with several summed outputs, large enough that the per-block dispatch is amortised.
    package static let leafLength = 2048

    /// Runs the program over `inputs` (each broadcastable to `shape`); the outputs flagged in
    /// `summed` come back as 0-d arrays holding the sum of all their elements (in their dtype,
    /// accumulated in double as `sum` does), the others as full contiguous arrays.
    ///
    /// Summed outputs must be float. When every input is contiguous and either full-sized or a
    /// single element, the summed outputs are never materialised; otherwise the outputs are
    /// computed in full and summed by the reduction kernel (the same values either way).
    package func runSummingOutputs(_ inputs: [NDArray], shape: [Int], summed: [Bool]) -> [NDArray] {
        var total = 1
        for length in shape { total &*= length }
        let dense = total > 0 && inputs.allSatisfy { ($0.count == total || $0.count == 1) && $0.isContiguous }
        guard dense else {
            let full = run(inputs, shape: shape)
            return full.indices.map { k in
                summed[k]
                    ? ReduceKernel.run(.sum, full[k], axes: Array(full[k].shape.indices), outputDType: outputDTypes[k])
                    : full[k]
            }
        }
        let outputs = outputDTypes.indices.map { k in
            NDArray.uninitialized(dtype: outputDTypes[k], shape: summed[k] ? [] : shape)
        }
        var steps: [Int] = inputs.map { $0.count == total ? 1 : 0 }
        steps += outputs.map { _ in 1 }
        let baseStarts = inputs.map(\.offset) + outputs.map { _ in 0 }
        let summedOutputs = summed.indices.filter { summed[$0] }
        let parts = ElementwiseThreading.parts(elements: total)
        let depth = PairwiseTree.depth(forParts: parts)
        let subtrees = PairwiseTree.subtrees(from: 0, count: total, depth: depth, leaf: Self.leafLength)
        // Each subtree's totals, one per summed output, in tree order.
        let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: subtrees.count * summedOutputs.count)
        defer { totals.deallocate() }
        let work = SummingWork(
            program: self, inputs: inputs, outputs: outputs, summedOutputs: summedOutputs, steps: steps,
            baseStarts: baseStarts, subtrees: subtrees, totals: totals)
        if subtrees.count > 1 {
            ParallelProduct.runConcurrently(subtrees.count) { work.run(subtree: $0) }
        } else {
            work.run(subtree: 0)
        }
        let sums = PairwiseTree.combine(count: total, depth: depth, leaf: Self.leafLength) { index in
            Array(totals[(index * summedOutputs.count)..<((index + 1) * summedOutputs.count)])
        }
        for (position, k) in summedOutputs.enumerated() {
            // `0.0 + sum`, as the reduction kernel folds into its identity (so -0.0 sums to 0.0).
            let value = 0.0 + sums[position]
            if outputDTypes[k] == .float32 {
                outputs[k].storage.pointer.assumingMemoryBound(to: Float.self).pointee = Float(value)
            } else {
                outputs[k].storage.pointer.assumingMemoryBound(to: Double.self).pointee = value
            }
        }
        return outputs
    }
}

/// One summing run's shared state: each subtree is computed by one thread into its own
/// buffers, and writes only its own slots of the outputs and of `totals`. The caller keeps the
/// arrays alive until every subtree has finished.
private struct SummingWork: @unchecked Sendable {
    let program: ElemwiseProgram
    let inputs: [NDArray]
    let outputs: [NDArray]
    let summedOutputs: [Int]
    let steps: [Int]
    let baseStarts: [Int]
    let subtrees: [(from: Int, count: Int)]
    let totals: UnsafeMutableBufferPointer<Double>

    /// Computes one subtree: its leaves' outputs into leaf buffers (summed outputs) or into the
    /// output arrays (the others), and its totals into `totals`.
    func run(subtree index: Int) {
        let leafLength = Swift.min(ElemwiseProgram.leafLength, subtrees[index].count)
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: max(summedOutputs.count, 1) * leafLength * 8, alignment: 64)
        defer { buffers.deallocate() }
        var outputBases = outputs.map { $0.storage.pointer }
        for (position, k) in summedOutputs.enumerated() { outputBases[k] = buffers + position * leafLength * 8 }
        let pass = ElemwiseProgram.Pass(
            program: program, inputBases: inputs.map { $0.storage.pointer }, outputBases: outputBases,
            steps: steps, aliased: .none, length: subtrees[index].count, lanes: ElemwiseProgram.blockSize)
        var starts = baseStarts
        let inputCount = inputs.count
        pass.withScratch { scratch, table, runner in
            // Walks the subtree as `pairwiseSum` would; a leaf writes its summed outputs from the
            // start of their buffers (their starts point `from` elements before them).
            func leaf(from: Int, count: Int) -> [Double] {
                for k in summedOutputs { starts[inputCount + k] = -from }
                pass.segment(starts: starts, from: from, to: from + count, scratch: scratch, table: table, runner: runner)
                return summedOutputs.map { k in
                    let buffer = outputBases[k]
                    return program.outputDTypes[k] == .float32
                        ? pairwiseSum(UnsafePointer(buffer.assumingMemoryBound(to: Float.self)), count: count)
                        : pairwiseSum(UnsafePointer(buffer.assumingMemoryBound(to: Double.self)), count: count)
                }
            }
            let result = PairwiseTree.sum(
                from: subtrees[index].from, count: subtrees[index].count, leaf: ElemwiseProgram.leafLength, leaf)
            for (position, value) in result.enumerated() { totals[index * summedOutputs.count + position] = value }
        }
    }
}
