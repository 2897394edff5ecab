import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Compiled with every fast_run rewrite, or with all but the increment fusion (the reference:
/// the same composites, their values added into the regions by `IncSubtensor`).
private func compiled(_ inputs: [Variable], _ outputs: [Variable], fusing: Bool) throws -> CompiledFunction {
    try compiledFastRun(inputs, outputs, excluding: fusing ? nil : "increment_fusion")
}

/// The fused increments of a compiled function's graph.
private func fusedIncrements(_ f: CompiledFunction) -> [ElemwiseIncSubtensor] { ops(ElemwiseIncSubtensor.self, in: f) }

/// Whether two arrays have the same dtype, shape and bits.
private func sameBits(_ a: NDArray, _ b: NDArray) -> Bool {
    a.dtype == b.dtype && a.shape == b.shape
        && zip(a.converted(to: .float64).asArray(Double.self), b.converted(to: .float64).asArray(Double.self))
            .allSatisfy { $0.bitPattern == $1.bitPattern }
}

@Suite("Increment fusion")
struct IncrementFusionTests {
    @Test func sliceGradientsEqualTheUnfusedBitForBit() throws {
        for dtype in [DType.float64, .float32] {
            let x = Tensor.vector("x", dtype: dtype)
            let g = try checked { grad((exp(x[1...]) * sin(x[..<(-1)])).sum(), wrt: x) }
            let fused = try compiled([x], [g], fusing: true)
            let reference = try compiled([x], [g], fusing: false)
            #expect(!fusedIncrements(fused).isEmpty, "\(fused.outputs[0].dprint())")
            #expect(fusedIncrements(reference).isEmpty)
            // Lengths around one block (512) and past the threading threshold.
            for n in [1, 2, 3, 17, 511, 512, 513, 4097, 300_001] {
                let xs = AutodiffTesting.random([n], seed: 41, low: -2, high: 2, dtype: dtype)
                let got = try fused(xs)[0]
                #expect(sameBits(got, try reference(xs)[0]), "\(dtype), n = \(n)")
                #expect(got.dtype == dtype && got.shape == [n])
            }
        }
    }

    @Test func rosenbrockHessianBandsEqualTheUnfusedBitForBit() throws {
        // W8's graph: two shifted blocks of elementwise values added into a zero matrix.
        let x = Tensor.vector("x")
        let h = try checked { hessian(RosenbrockTests.rosenbrock(head: x[..<(-1)], tail: x[1...]), wrt: x) }
        let fused = try compiled([x], [h], fusing: true)
        let reference = try compiled([x], [h], fusing: false)
        #expect(!fusedIncrements(fused).isEmpty, "\(fused.outputs[0].dprint())")
        for n in [2, 3, 10, 100] {
            let xs = AutodiffTesting.random([n], seed: 42, low: -2, high: 2)
            #expect(sameBits(try fused(xs)[0], try reference(xs)[0]), "n = \(n)")
        }
        // And the Hessian is the known one.
        let point = RosenbrockTests.point
        let value = try fused(NDArray(point))[0].asArray(Double.self)
        let expected = RosenbrockTests.hessian(point).flatMap { $0 }
        #expect(zip(value, expected).allSatisfy(RosenbrockTests.close))
    }

    @Test func stridedRegionsSetsAndThreadCountsGiveTheSameBits() throws {
        // Column slices of a matrix are strided regions; a set writes without reading.
        let m = Tensor.matrix("m")
        let v = Tensor.vector("v")
        let g = try checked { grad((exp(m[.all, 1...]) * m[.all, ..<(-1)]).sum(), wrt: m) }
        let set = m.setting(at: [.all, 1...], to: tanh(m[.all, ..<(-1)]) * v)
        let fused = try compiled([m, v], [g, set], fusing: true)
        let reference = try compiled([m, v], [g, set], fusing: false)
        #expect(fusedIncrements(fused).count >= 2, "\(fused.outputs.map { $0.dprint() })")
        for (rows, columns) in [(1, 2), (3, 5), (40, 130), (300, 1001)] {
            let ms = AutodiffTesting.random([rows, columns], seed: 43)
            let argument = ms.asArray(Double.self)
            let vs = AutodiffTesting.random([columns - 1], seed: 44)
            let want = try reference(ms, vs)
            let one = try KernelOptions.singleThreaded.withCurrent { try fused(ms, vs) }
            for k in 0..<2 { #expect(sameBits(one[k], want[k]), "\(rows) × \(columns), output \(k)") }
            for threads in [2, 3] {
                let many = try KernelOptions(threads: threads).withCurrent { try fused(ms, vs) }
                for k in 0..<2 { #expect(sameBits(many[k], one[k]), "\(threads) threads") }
            }
            #expect(ms.asArray(Double.self) == argument, "the argument is never overwritten")
        }
    }

    @Test func argumentsAreNeverOverwritten() throws {
        let x = Tensor.vector("x")
        let a = Tensor.vector("a")
        let out = x.incremented(at: [1...], by: exp(a) * 2)
        let f = try compiled([x, a], [out], fusing: true)
        #expect(!fusedIncrements(f).isEmpty)
        let xs = NDArray([1.0, 2.0, 3.0])
        let before = xs.asArray(Double.self)
        let result = try f(xs, NDArray([0.0, 1.0]))[0]
        #expect(xs.asArray(Double.self) == before)
        #expect(result.asArray(Double.self) == [1.0, 2.0 + 2.0, 3.0 + 2.0 * 2.718281828459045])
    }

    @Test func anIncrementWhoseBaseReadsTheComputationIsNotFused() throws {
        // x is computed from the composite's other output: fusing would make a cycle.
        var builder = CompositeGraph.Builder(inputCount: 1)
        let outputs = [builder.add(.exp, [.input(0)]), builder.add(.sin, [.input(0)])]
        let op = ScalarOp.composite(builder.finish(outputs: outputs))
        let a = Tensor.vector("a")
        let pq = buildOutputs(Elemwise(op), [a], outputCount: 2)
        let out = pq[1].cumsum().incremented(at: [0...], by: pq[0])
        let f = try compiled([a], [out], fusing: true)
        #expect(fusedIncrements(f).isEmpty)
        let values = [0.5, -1.0, 2.0]
        var running = 0.0
        let expected = values.map { value -> Double in
            running += Foundation.sin(value)
            return running + Foundation.exp(value)
        }
        let got = try f(NDArray(values))[0].asArray(Double.self)
        #expect(zip(got, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-15 * Swift.max(1, Swift.abs($1)) }, "\(got)")
    }

    // MARK: The op's own rules (it is built here directly; graphs are not built with it)

    /// `exp(a)·b` and `exp(a) + tanh(b)` as one composite.
    static func composite() -> ScalarOp {
        var builder = CompositeGraph.Builder(inputCount: 2)
        let e = builder.add(.exp, [.input(0)])
        let product = builder.add(.mul, [e, .input(1)])
        let sum = builder.add(.add, [e, builder.add(.tanh, [.input(1)])])
        return .composite(builder.finish(outputs: [product, sum]))
    }

    /// `x[1:] += exp(a)·b` (or `=`), times the composite's other output summed.
    static func fusedFunction(set: Bool = false) -> ([Variable]) -> Variable {
        { xs in
            let op = ElemwiseIncSubtensor(
                IncSubtensor(idxList: [.slice(hasStart: true, hasStop: false, hasStep: false)], setInstead: set),
                of: composite(), position: 0, elementwiseInputCount: 2)
            let outputs = buildOutputs(op, [xs[0], xs[1], xs[2], Variable(constant: NDArray(scalar: Int64(1)))], outputCount: 2)
            return outputs[0] * outputs[1].sum()
        }
    }

    @Test func derivativesAreThoseOfTheUnfusedGraph() throws {
        for set in [false, true] {
            let f = Self.fusedFunction(set: set)
            let point = [
                AutodiffTesting.random([5], seed: 51), AutodiffTesting.random([4], seed: 52),
                AutodiffTesting.random([4], seed: 53),
            ]
            try verifyGrad(f, at: point)
            try verifyGrad({ f($0).sum() }, at: point)
            try verifyPushforward(f, at: point)
            for wrt in 0..<3 {
                try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt)
                try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt, staticShapes: false)
            }
            try AutodiffTesting.checkDerivativeTypes(f, at: point)
            try AutodiffTesting.checkVectorizeGraph(
                f, at: point, batched: 1,
                stack: [AutodiffTesting.random([4], seed: 54), AutodiffTesting.random([4], seed: 55)])
            // Values and second derivatives equal the unfused graph's.
            let xs = AutodiffTesting.inputs(for: point, staticShapes: true)
            let feed = Dictionary(uniqueKeysWithValues: zip(xs, point))
            let arrays = buildOutputs(Elemwise(Self.composite()), [xs[1], xs[2]], outputCount: 2)
            let updated = set ? xs[0].setting(at: [1...], to: arrays[0]) : xs[0].incremented(at: [1...], by: arrays[0])
            let unfused = updated * arrays[1].sum()
            let fusedOutput = f(xs)
            #expect(sameBits(try fusedOutput.eval(feed), try unfused.eval(feed)))
            for wrt in 0..<3 {
                let h = try checked { hessian(fusedOutput.sum(), wrt: xs[wrt]) }.eval(feed)
                let hUnfused = try checked { hessian(unfused.sum(), wrt: xs[wrt]) }.eval(feed)
                #expect(h.shape == [point[wrt].count, point[wrt].count] && arraysMatch(h, hUnfused, tolerance: 1e-12))
            }
        }
    }

    @Test func aValueBroadcastIntoTheRegionIsAddedTheUnfusedWay() throws {
        // Built directly with inputs of static length 1 along the rows: the elementwise shape is
        // (1, n), the region's (3, n), so the value is computed and broadcast in.
        let op = ElemwiseIncSubtensor(
            IncSubtensor(idxList: [.slice(hasStart: true, hasStop: false, hasStep: false)]),
            of: Self.composite(), position: 1, elementwiseInputCount: 2)
        let x = Tensor.matrix("x")
        let a = Variable(type: TensorType(dtype: .float64, shape: [1, nil]), name: "a")
        let outputs = buildOutputs(op, [x, a, a, Variable(constant: NDArray(scalar: Int64(1)))], outputCount: 2)
        let f = try function(inputs: [x, a], outputs: outputs)
        let xs = AutodiffTesting.random([4, 3], seed: 56)
        let row = AutodiffTesting.random([1, 3], seed: 57)
        let got = try f(xs, row)
        let arrays = buildOutputs(Elemwise(Self.composite()), [a, a], outputCount: 2)
        let reference = try function(
            inputs: [x, a], outputs: [x.incremented(at: [1...], by: arrays[1]), arrays[0]], mode: .unoptimized)
        let want = try reference(xs, row)
        #expect(sameBits(got[0], want[0]) && sameBits(got[1], want[1]))
        #expect(got[1].shape == [1, 3])
    }

    @Test func integerRegionsAreSetFusedAndIncrementedUnfused() throws {
        let x = Tensor.vector("x", dtype: .int8)
        let i = Tensor.vector("i", dtype: .int8)
        let j = Tensor.vector("j", dtype: .int8)
        let outputs = [x.setting(at: [..<2], to: i * i + 100), x.incremented(at: [..<2], by: j * j + 100)]
        let fused = try compiled([x, i, j], outputs, fusing: true)
        let reference = try compiled([x, i, j], outputs, fusing: false)
        #expect(fusedIncrements(fused).count == 1, "only the set: integer increments add in int64")
        let xs = NDArray(shape: [3], elements: [Int8(100), -7, 5])
        let values = NDArray(shape: [2], elements: [Int8(12), -3])
        #expect(try fused(xs, values, values) == reference(xs, values, values))
        // 12² + 100 = 244 wraps to -12 in int8, then 100 + (-12); (-3)² + 100 = 109.
        #expect(try fused(xs, values, values)[0].asArray(Int8.self) == [-12, 109, 5])
        #expect(try fused(xs, values, values)[1].asArray(Int8.self) == [88, 102, 5])
    }

    @Test func badBuildsAndInputsThrow() throws {
        let slice = IncSubtensor(idxList: [.slice(hasStart: true, hasStop: false, hasStep: false)])
        let op = ElemwiseIncSubtensor(slice, of: Self.composite(), position: 0, elementwiseInputCount: 2)
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        let one = Variable(constant: NDArray(scalar: Int64(1)))
        #expect(throws: CotangentError.self) { try op.makeNode([x, x, m, one]) }
        #expect(throws: CotangentError.self) { try op.makeNode([x, x]) }
        #expect(throws: CotangentError.self) {
            try ElemwiseIncSubtensor(slice, of: Self.composite(), position: 2, elementwiseInputCount: 2).makeNode([x, x, x, one])
        }
        #expect(throws: CotangentError.self) { try op.makeNode([x, m, m, one]) }
        // A composite of two inputs given one (an `Elemwise` of it too), and no elementwise input.
        #expect(throws: CotangentError.self) { try Elemwise(Self.composite()).makeNode([x]) }
        #expect(throws: CotangentError.self) {
            try ElemwiseIncSubtensor(slice, of: Self.composite(), position: 0, elementwiseInputCount: 1).makeNode([x, x, one])
        }
        #expect(throws: CotangentError.self) {
            try ElemwiseIncSubtensor(slice, of: .exp, position: 0, elementwiseInputCount: 0).makeNode([x, one])
        }
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        let f = try function(inputs: [x, a, b], outputs: buildOutputs(op, [x, a, b, one], outputCount: 2))
        // Elementwise inputs of different lengths, and a value that does not fit the region.
        #expect(throws: CotangentError.self) { try f(NDArray([1.0, 2.0, 3.0]), NDArray([1.0, 2.0]), NDArray([1.0])) }
        #expect(throws: CotangentError.self) { try f(NDArray([1.0, 2.0, 3.0]), NDArray([1.0, 2.0, 3.0]), NDArray([1.0, 2.0, 3.0])) }
        #expect(try f(NDArray([1.0, 2.0, 3.0]), NDArray([0.0, 0.0]), NDArray([2.0, 3.0]))[0].asArray(Double.self) == [1, 4, 6])
    }
}
