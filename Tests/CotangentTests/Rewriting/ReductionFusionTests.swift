import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Compiled with every fast_run rewrite, or with all but the reduction fusion (the reference:
/// the same composites, summed by the reduction kernel).
private func compiled(_ inputs: [Variable], _ outputs: [Variable], fusingSums: Bool) throws -> CompiledFunction {
    try compiledFastRun(inputs, outputs, excluding: fusingSums ? nil : "reduction_fusion")
}

/// The nodes of a compiled function's graph whose op is `ElemwiseSum`.
private func fusedSums(_ f: CompiledFunction) -> [ElemwiseSum] { ops(ElemwiseSum.self, in: f) }

private func reduces(_ f: CompiledFunction) -> Int {
    GraphTraversal.toposort(f.outputs).filter { $0.op is Reduce }.count
}

/// The W2 expression, `sum(exp(-x²) · log1p(y²) + tanh(x·y))`.
private func w2(_ x: Variable, _ y: Variable) -> Variable {
    (exp(-x * x) * log1p(y * y) + tanh(x * y)).sum()
}

@Suite("Reduction fusion")
struct ReductionFusionTests {
    /// Lengths around every boundary of the pairwise tree and of the leaves (8, 128, 2048) and
    /// past the threading threshold.
    static let lengths = [0, 1, 7, 8, 9, 127, 128, 129, 255, 2047, 2048, 2049, 4097, 5000, 100_003, 300_001]

    @Test func fusedSumEqualsTheUnfusedSumBitForBit() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let fused = try compiled([x, y], [w2(x, y)], fusingSums: true)
        let reference = try compiled([x, y], [w2(x, y)], fusingSums: false)
        #expect(fusedSums(fused).count == 1 && reduces(fused) == 0, "\(fused.outputs[0].dprint())")
        #expect(reduces(reference) == 1 && fusedSums(reference).isEmpty)
        for n in Self.lengths {
            let xs = AutodiffTesting.random([n], seed: 201, low: -2, high: 2)
            let ys = AutodiffTesting.random([n], seed: 202, low: -2, high: 2)
            let got = try fused(xs, ys)[0]
            let want = try reference(xs, ys)[0]
            #expect(got.dtype == .float64 && got.shape == [])
            #expect(got.asArray(Double.self)[0].bitPattern == want.asArray(Double.self)[0].bitPattern, "n = \(n): \(got) vs \(want)")
        }
    }

    @Test func threadCountsGiveTheSameBits() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let f = try compiled([x, y], [w2(x, y)], fusingSums: true)
        let xs = AutodiffTesting.random([300_001], seed: 5, low: -2, high: 2)
        let ys = AutodiffTesting.random([300_001], seed: 6, low: -2, high: 2)
        let one = try KernelOptions(elementwiseThreads: 1).withCurrent { try f(xs, ys)[0] }
        for threads in [2, 3, 4, 8] {
            let many = try KernelOptions(elementwiseThreads: threads).withCurrent { try f(xs, ys)[0] }
            #expect(many.asArray(Double.self)[0].bitPattern == one.asArray(Double.self)[0].bitPattern, "\(threads) threads")
        }
    }

    @Test func wholeArraySumsSplitOverThreadsBitForBit() throws {
        // The reduction kernel's own split (an unfused sum of an input array).
        for dtype in [DType.float64, .float32] {
            let x = Tensor.matrix("x", dtype: dtype)
            let f = try function(inputs: [x], outputs: [x.sum()])
            let xs = AutodiffTesting.random([301, 1001], seed: 31, dtype: dtype)
            let one = try KernelOptions.singleThreaded.withCurrent { try f(xs)[0] }
            // The single-threaded value is numpy's pairwise sum.
            let pairwise = xs.reshaped([301 * 1001]).asArray(Double.self).withUnsafeBufferPointer {
                pairwiseSum($0.baseAddress!, count: $0.count)
            }
            #expect(one.converted(to: .float64).asArray(Double.self)[0] == (dtype == .float32 ? Double(Float(pairwise)) : pairwise))
            for threads in [2, 3, 7] {
                let many = try KernelOptions(threads: threads).withCurrent { try f(xs)[0] }
                #expect(many == one, "\(dtype), \(threads) threads")
            }
        }
    }

    @Test func optionsDefaultToEveryCore() {
        #expect(KernelSettings.defaultThreads >= 1)
        #expect(KernelOptions() == KernelOptions(threads: KernelSettings.defaultThreads))
        #expect(KernelOptions.singleThreaded == KernelOptions(elementwiseThreads: 1, matrixProductThreads: 1))
        #expect(KernelOptions(elementwiseThreads: 3).matrixProductThreads == KernelSettings.defaultThreads)
    }

    @Test func siblingSumsAndArraysComeFromOnePass() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let e = exp(x) * y
        let outputs = [(e + x).sum(), (e * x).sum(), e - x]
        let fused = try compiled([x, y], outputs, fusingSums: true)
        let reference = try compiled([x, y], outputs, fusingSums: false)
        let sums = fusedSums(fused)
        #expect(sums.count == 1 && sums[0].summed.filter { $0 }.count == 2, "\(fused.outputs.map { $0.dprint() })")
        for n in [3, 3000, 70_001] {
            let xs = AutodiffTesting.random([n], seed: 7)
            let ys = AutodiffTesting.random([n], seed: 8)
            let got = try fused(xs, ys)
            let want = try reference(xs, ys)
            #expect(got == want, "n = \(n)")
            #expect(got[2].shape == [n] && got[0].shape == [])
        }
    }

    @Test func float32SumsRoundEachElementFirst() throws {
        let x = Tensor.vector("x", dtype: .float32)
        let outputs = [(exp(x) * x).sum()]
        let fused = try compiled([x], outputs, fusingSums: true)
        let reference = try compiled([x], outputs, fusingSums: false)
        #expect(fusedSums(fused).count == 1)
        for n in [5, 2049, 100_000] {
            let xs = AutodiffTesting.random([n], seed: 9, dtype: .float32)
            let got = try fused(xs)[0]
            let want = try reference(xs)[0]
            #expect(got.dtype == .float32 && got == want, "n = \(n)")
        }
    }

    @Test func broadcastAndMatrixInputsMatchToo() throws {
        let a = Tensor.matrix("a")
        let v = Tensor.vector("v")
        let outputs = [(exp(a) * v).sum(), (a * a).sum()]
        let fused = try compiled([a, v], outputs, fusingSums: true)
        let reference = try compiled([a, v], outputs, fusingSums: false)
        #expect(!fusedSums(fused).isEmpty)
        for (rows, columns) in [(1, 1), (3, 5), (40, 130), (300, 301)] {
            let values = [AutodiffTesting.random([rows, columns], seed: 10), AutodiffTesting.random([columns], seed: 11)]
            let want = try reference.call(values)
            #expect(try fused.call(values) == want, "\(rows) × \(columns)")
            // A transposed (strided) matrix takes the materialising path: same values.
            let transposed = AutodiffTesting.random([columns, rows], seed: 12).transposed([1, 0])
            let wantTransposed = try reference.call([transposed, values[1]])
            #expect(try fused.call([transposed, values[1]]) == wantTransposed)
        }
    }

    @Test func partialIntegerAndSharedSumsAreNotFused() throws {
        let x = Tensor.matrix("x")
        let i = Tensor.vector("i", dtype: .int64)
        let e = exp(x)
        let shared = try compiled([x], [(e * 2).sum(axis: 0)], fusingSums: true)
        #expect(fusedSums(shared).isEmpty, "a sum over some axes stays a reduction")
        let integer = try compiled([i], [(i * 2).sum()], fusingSums: true)
        #expect(fusedSums(integer).isEmpty, "integer sums are not fused")
        let reused = x * 3
        let both = try compiled([x], [reused.sum(), reused], fusingSums: true)
        #expect(fusedSums(both).isEmpty, "an array someone else reads is kept, and its sum stays")
    }

    @Test func printsTheComputationAndItsSummedOutputs() throws {
        let x = Tensor.vector("x")
        let f = try compiled([x], [(exp(x) * 2).sum()], fusingSums: true)
        let printed = f.outputs[0].dprint()
        #expect(printed.hasPrefix("Sum{Composite{(2.0 * exp(i0))}, outputs=(0,)} [id A]"), "\(printed)")
    }

    // MARK: The op's own rules (it is built here directly; graphs are not built with it)

    /// A two-output composite: `exp(x)·y` and `exp(x) + tanh(y)` (its inputs in the order
    /// fusion gave them).
    static func composite() throws -> ScalarOp {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        var report = RewriteReport()
        let e = exp(x)
        let fused = rewriteGraph([e * y, e + tanh(y)], include: ["fast_run"], exclude: ["inplace"], report: &report)
        let node = try #require(fused[0].owner)
        let op = try #require(node.op as? Elemwise)
        #expect(node.outputs.count == 2)
        return op.scalarOp
    }

    /// `sum(out₀) · out₁` of that composite, with the sum fused.
    static func fusedFunction(_ op: ScalarOp) -> ([Variable]) -> Variable {
        { xs in
            let outputs = buildOutputs(ElemwiseSum(op, summed: [true, false]), xs, outputCount: 2)
            return outputs[0] * outputs[1]
        }
    }

    @Test func derivativesAreThoseOfTheUnfusedGraph() throws {
        let op = try Self.composite()
        let f = Self.fusedFunction(op)
        let point = [AutodiffTesting.random([4], seed: 21), AutodiffTesting.random([4], seed: 22)]
        try verifyGrad(f, at: point)
        try verifyGrad({ f($0).sum() }, at: point)
        try verifyPushforward(f, at: point)
        for wrt in 0..<2 {
            try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt)
            try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt, staticShapes: false)
        }
        try AutodiffTesting.checkDerivativeTypes(f, at: point)
        try AutodiffTesting.checkVectorizeGraph(
            f, at: point, batched: 0, stack: [AutodiffTesting.random([4], seed: 23), AutodiffTesting.random([4], seed: 24)])
        // Values and derivatives equal the unfused graph's.
        let xs = AutodiffTesting.inputs(for: point, staticShapes: true)
        let feed = Dictionary(uniqueKeysWithValues: zip(xs, point))
        let arrays = buildOutputs(Elemwise(op), xs, outputCount: 2)
        let unfused = arrays[0].sum() * arrays[1]
        let fusedOutput = f(xs)
        #expect(arraysMatch(try fusedOutput.eval(feed), try unfused.eval(feed), tolerance: 1e-14))
        let h = try checked { hessian(fusedOutput.sum(), wrt: xs[0]) }.eval(feed)
        let hUnfused = try checked { hessian(unfused.sum(), wrt: xs[0]) }.eval(feed)
        #expect(h.shape == [4, 4] && arraysMatch(h, hUnfused, tolerance: 1e-12))
    }

    @Test func badBuildsThrow() throws {
        let op = try Self.composite()
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        #expect(throws: CotangentError.self) { try ElemwiseSum(op, summed: [true]).makeNode([x, x]) }
        #expect(throws: CotangentError.self) { try ElemwiseSum(op, summed: [true, false]).makeNode([x, m]) }
        let i = Tensor.vector("i", dtype: .int64)
        #expect(throws: CotangentError.self) { try ElemwiseSum(.mul, summed: [true]).makeNode([i, i]) }
    }

    @Test func mismatchedLengthsAreARunTimeError() throws {
        let op = try Self.composite()
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let outputs = buildOutputs(ElemwiseSum(op, summed: [true, false]), [x, y], outputCount: 2)
        let f = try function(inputs: [x, y], outputs: outputs)
        #expect(throws: CotangentError.self) { try f(NDArray([1.0, 2.0]), NDArray([1.0, 2.0, 3.0])) }
    }
}
