import Testing

@testable import Cotangent
@testable import CotangentGraph
@testable import CotangentOps

/// Shapes, reductions, products and indexing on XLA: each op's lowering run by XLA gives
/// Cotangent's own values, dtypes and shapes.
@Suite(.enabled(if: XLARunner.isEnabled))
struct ShapeIndexReduceExportTests {
    /// Every case of the suite (the coverage test reads them).
    static func allCases() throws -> [XLARunner.Case] {
        try shapesAndConstructionCases() + reductionsAndProductsCases() + basicIndexingCases() + advancedIndexingCases()
    }

    static let x = Tensor.matrix("x")
    static let v = Tensor.vector("v")
    static let xs = NDArray(shape: [3, 4], elements: [0.5, -1.0, 2.0, 3.5, 4.0, -0.25, 6.0, 1.0, -2.0, 9.0, 0.75, -3.0])
    static let vs = NDArray([1.5, -2.0, 0.25, 3.0])

    @Test func shapesAndConstruction() throws { try XLARunner.check(Self.shapesAndConstructionCases()) }

    static func shapesAndConstructionCases() throws -> [XLARunner.Case] {
        let (x, v, xs, vs) = (Self.x, Self.v, Self.xs, Self.vs)
        let s = Tensor.scalar("s")
        let n = Tensor.scalar("n", dtype: .int64)
        let cases = [
            try XLARunner.graphCase("transpose", inputs: [x], outputs: [x.T * 2], values: [xs]),
            try XLARunner.graphCase("expand+squeeze", inputs: [x], outputs: [x.expandingDims([0, 2]) + 1, x.expandingDims([1]).squeezed(axes: [1])], values: [xs]),
            try XLARunner.graphCase("reshape", inputs: [x], outputs: [x.reshaped(to: [2, 6]), x.flattened()], values: [xs]),
            try XLARunner.graphCase("alloc", inputs: [s, v], outputs: [alloc(s, shape: [2, 3]), full(shape: [3, 4], value: v)], values: [NDArray(scalar: 2.5), vs]),
            try XLARunner.graphCase("makeVector+join", inputs: [s, v], outputs: [stack([s, s * 2, s - 1]), concatenate([v, v * 2]), stack([v, v], axis: 1)], values: [NDArray(scalar: 2.5), vs]),
            try XLARunner.graphCase("eye+arange", inputs: [s], outputs: [eye(4, 3, k: 1) * s, arange(Variable(constant: 2.0), Variable(constant: 7.0), step: Variable(constant: 0.5)) * s], values: [NDArray(scalar: 2.5)]),
            // Large enough not to be folded into constants at export.
            try XLARunner.graphCase("eye+arange lowered", inputs: [s], outputs: [eye(80, 70, k: -3) * s, arange(Variable(constant: NDArray(scalar: Int64(5000)))).cast(to: .float64) * s], values: [NDArray(scalar: 1.5)]),
            try XLARunner.graphCase(
                "assert, specified shape, gradient control, scalar conversions", inputs: [v, s],
                outputs: [assert(v * 2, [s .> 0], message: "s must be positive"), v.specifyingShape([4]) + 1,
                    zeroGrad(v) + disconnectedGrad(v), tensorFromScalar(scalarFromTensor(s)) * 3],
                values: [vs, NDArray(scalar: 2.5)]),
            try XLARunner.graphCase("shape arithmetic", inputs: [x, n], outputs: [alloc(Variable(constant: 1.0), shape: [x.shape[1] * 2]), x.reshaped(to: [x.shape[0] * x.shape[1]]) * x.shape[0].cast(to: .float64)], values: [xs, NDArray(scalar: Int64(3))]),
        ]
        return cases
    }

    @Test func reductionsAndProducts() throws { try XLARunner.check(Self.reductionsAndProductsCases()) }

    static func reductionsAndProductsCases() throws -> [XLARunner.Case] {
        let (x, v, xs, vs) = (Self.x, Self.v, Self.xs, Self.vs)
        let i = Tensor.matrix("i", dtype: .int32)
        let f = Tensor.matrix("f", dtype: .float32)
        let ints = NDArray(shape: [2, 3], elements: [Int32(4), -7, 2, 9, 0, -1])
        let floats = NDArray(shape: [2, 3], elements: [Float(1.5), -2, 0.25, 3, 5, -1])
        let cases = [
            try XLARunner.graphCase("sum/prod/max/min", inputs: [x], outputs: [x.sum(), x.sum(axis: 0), x.prod(axis: 1), x.max(axis: 1), x.min(), x.mean(axis: 0)], values: [xs]),
            try XLARunner.graphCase("all/any", inputs: [x], outputs: [(x .> 0).all(axis: 1), (x .> 5).any(axis: 0), (x .> -10).all()], values: [xs]),
            try XLARunner.graphCase("argmax", inputs: [x], outputs: [x.argmax(), x.argmax(axis: 0), x.argmax(axis: 1), (-x).argmax(axis: 1)], values: [xs]),
            try XLARunner.graphCase("integer reductions", inputs: [i], outputs: [i.sum(axis: 1), i.max(axis: 0), i.min(), i.argmax(axis: 1)], values: [ints]),
            try XLARunner.graphCase("float32 sum", inputs: [f], outputs: [f.sum(axis: 1), f.max()], values: [floats], rtol: 1e-6),
            try XLARunner.graphCase("dot", inputs: [x, v], outputs: [dot(x, v), dot(v, v), matmul(x.T, x), dot(x[0], x.T)], values: [xs, vs]),
        ]
        return cases
    }

    @Test func basicIndexing() throws { try XLARunner.check(Self.basicIndexingCases()) }

    static func basicIndexingCases() throws -> [XLARunner.Case] {
        let (x, v, xs, vs) = (Self.x, Self.v, Self.xs, Self.vs)
        let k = Tensor.scalar("k", dtype: .int64)
        let y = Tensor.matrix("y")
        let ys = NDArray(shape: [2, 2], elements: [10.0, 20, 30, 40])
        let cases = [
            try XLARunner.graphCase("slices", inputs: [x], outputs: [x[1], x[-1, 1..<3], x[.all, .stride(by: -1)], x[.all, .stride(by: 2)], x[.all, 0]], values: [xs]),
            try XLARunner.graphCase("run-time index", inputs: [x, k], outputs: [x[k], x[.all, k], x[k, 1..<3]], values: [xs, NDArray(scalar: Int64(-2))]),
            try XLARunner.graphCase("set/inc", inputs: [x, y], outputs: [x.incremented(at: [1..<3, .stride(by: 2)], by: y), x.setting(at: [0..<2, 2..<4], to: y), x.setting(at: [-1], to: Variable(constant: 7.0))], values: [xs, ys]),
            try XLARunner.graphCase("inc at run-time index", inputs: [x, v, k], outputs: [x.incremented(at: [k], by: v), x.setting(at: [k], to: v)], values: [xs, vs, NDArray(scalar: Int64(1))]),
            try XLARunner.graphCase("reversed set", inputs: [x, y], outputs: [x.setting(at: [.stride(by: -2), 1..<3], to: y)], values: [xs, ys]),
        ]
        return cases
    }

    @Test func advancedIndexing() throws { try XLARunner.check(Self.advancedIndexingCases()) }

    static func advancedIndexingCases() throws -> [XLARunner.Case] {
        let (x, v, xs, vs) = (Self.x, Self.v, Self.xs, Self.vs)
        let i = Tensor.vector("i", dtype: .int64)
        let j = Tensor.vector("j", dtype: .int64)
        let w = Tensor.vector("w")
        let idx = NDArray([Int64(2), 0, -1, 2])
        let jdx = NDArray([Int64(1), 3, 0, 1])
        let ws = NDArray([1.0, 2, 3, 4])
        let mask = Variable(constant: NDArray([true, false, true]))
        let cases = [
            try XLARunner.graphCase("gather rows", inputs: [x, i, v], outputs: [x[i], v[i]], values: [xs, idx, vs]),
            try XLARunner.graphCase("gather pairs and slices", inputs: [x, i, j], outputs: [x[i, j], x[.all, j], x[i, 1..<3], x[mask]], values: [xs, idx, jdx]),
            try XLARunner.graphCase("scatter add rows", inputs: [x, i, v], outputs: [x.incremented(at: i, by: v), x.setting(at: Variable(constant: NDArray([Int64(0), 2])), to: v)], values: [xs, idx, vs]),
            try XLARunner.graphCase("scatter pairs", inputs: [x, i, j, w], outputs: [x.incremented(at: [i, j], by: w), x.incremented(at: [.all, j], by: Variable(constant: 1.0)), x.setting(at: [mask], to: Variable(constant: -1.0))], values: [xs, idx, jdx, ws]),
        ]
        return cases
    }
}

extension ShapeIndexReduceExportTests {
    /// `ElemwiseSum` (made by the engine's reduction fusion, which export does not run) lowered
    /// as the elementwise ops and a float64-accumulated sum.
    @Test func fusedSums() throws { try XLARunner.check(Self.fusedSumCases()) }

    static func fusedSumCases() throws -> [XLARunner.Case] {
        let op = try ReductionFusionTests.composite()
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let outputs = buildOutputs(ElemwiseSum(op, summed: [true, false]), [x, y], outputCount: 2)
        let f = Tensor.vector("f", dtype: .float32)
        let single = buildOutputs(ElemwiseSum(.mul, summed: [true]), [f, f])
        return [
            try XLARunner.graphCase(
                "fused sum", inputs: [x, y], outputs: outputs,
                values: [NDArray([0.5, -1.25, 2.0, 0.0]), NDArray([1.5, 0.25, -3.0, 4.0])]),
            try XLARunner.graphCase(
                "fused float32 sum", inputs: [f], outputs: single,
                values: [NDArray(shape: [3], elements: [Float(1.5), -2, 0.25])], rtol: 1e-6),
        ] + (try fusedIncrementCases())
    }

    /// `ElemwiseIncSubtensor` (made by the engine's increment fusion) lowered as the
    /// elementwise ops and the increment or set.
    static func fusedIncrementCases() throws -> [XLARunner.Case] {
        let x = Tensor.vector("x", shape: [5])
        let a = Tensor.vector("a", shape: [4])
        let b = Tensor.vector("b", shape: [4])
        let one = Variable(constant: NDArray(scalar: Int64(1)))
        let slice = [IndexEntry.slice(hasStart: true, hasStop: false, hasStep: false)]
        func fused(set: Bool, position: Int) -> [Variable] {
            let op = ElemwiseIncSubtensor(
                IncSubtensor(idxList: slice, setInstead: set), of: IncrementFusionTests.composite(), position: position,
                elementwiseInputCount: 2)
            return buildOutputs(op, [x, a, b, one], outputCount: 2)
        }
        let values = [
            NDArray([0.5, -1.25, 2.0, 0.0, 3.0]), NDArray([1.5, 0.25, -3.0, 4.0]), NDArray([-0.5, 2.0, 1.0, 0.125]),
        ]
        return [
            try XLARunner.graphCase("fused increment", inputs: [x, a, b], outputs: fused(set: false, position: 0), values: values),
            try XLARunner.graphCase("fused set", inputs: [x, a, b], outputs: fused(set: true, position: 1), values: values),
        ]
    }
}
