import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

@Suite("Reduction derivatives and batching")
struct ReduceGradTests {
    static let cases: [GradCase] = {
        var cases: [GradCase] = []
        let axesChoices: [(String, [Int]?)] = [("all", nil), ("0", [0]), ("1", [1]), ("-1", [-1]), ("0,2", [0, 2])]
        for kind in [Reduce.Kind.sum, .prod, .max, .min] {
            for (label, axes) in axesChoices {
                for keepDims in [false, true] {
                    let name = "\(kind) axes=\(label)\(keepDims ? " keepdims" : "")"
                    cases.append(.init(name, [[2, 3, 4]]) { xs in
                        sqr(xs[0].reduced(kind, axes: axes, keepDims: keepDims))
                    })
                }
            }
        }
        cases += [
            .init("sum of a vector", [[5]]) { $0[0].sum() * $0[0] },
            .init("prod of a 0-d", [[]]) { $0[0].prod() * 3 },
            // numpy accepts axis 0 (or -1) of a 0-d array and reduces nothing.
            .init("sum over axis 0 of a 0-d", [[]]) { sqr($0[0].sum(axis: 0)) },
            .init("max over axis -1 of a 0-d", [[]]) { $0[0].max(axis: -1) * 3 },
            .init("sum over empty axis", [[0, 3]]) { $0[0].sum(axis: 0) },
            .init("prod over static-1 axis", [[1, 3]]) { $0[0].prod(axis: 0) },
            .init("mean", [[3, 4]]) { sqr($0[0].mean(axis: 1)) },
            .init("mean all", [[3, 4]]) { $0[0].mean() * $0[0] },
        ]
        return cases
    }()

    /// Kernel, static shape and gradient agree on the reduced axes of a 0-d input: axis 0
    /// reduces nothing, so value, type and gradient are those of the input itself.
    @Test func axisZeroOfZeroDimensionalInputReducesNothing() throws {
        let x = Tensor.scalar("x")
        for reduced in [x.sum(axis: 0), x.prod(axis: 0), x.max(axis: -1), x.min(axis: 0)] {
            #expect(reduced.type.shape == [])
            #expect(try reduced.eval(["x": NDArray(2.5)]).item(Double.self) == 2.5)
            let g = grad(reduced * 3, wrt: x)
            #expect(g.type.shape == [])
            let value = try g.eval(["x": NDArray(2.5)])
            #expect(value.shape == [])
            #expect(value.item(Double.self) == 3)
        }
    }

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 1000))
    }

    @Test(arguments: cases)
    func float32PullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 1100, dtype: .float32))
    }

    @Test(arguments: cases)
    func pushforwardAgreesWithPullback(_ spec: GradCase) throws {
        try verifyPushforward(spec.build, at: spec.point(seed: 1200))
    }

    @Test(arguments: cases)
    func vectorizedJacobianMatchesRows(_ spec: GradCase) throws {
        let point = spec.point(seed: 1300)
        try T.checkJacobians(spec.build, at: point)
        try T.checkJacobians(spec.build, at: point, staticShapes: false)
    }

    @Test(arguments: cases)
    func vectorizeGraphMatchesStackedEvaluations(_ spec: GradCase) throws {
        let stack = (0..<3).map { T.random(spec.shapes[0], seed: 1400 + UInt64($0)) }
        let point = spec.point(seed: 1500)
        try T.checkVectorizeGraph(spec.build, at: point, batched: 0, stack: stack)
        try T.checkVectorizeGraph(spec.build, at: point, batched: 0, stack: stack, staticShapes: false)
    }

    @Test(arguments: cases)
    func derivativesOfThePullback(_ spec: GradCase) throws {
        let function: ([Variable]) -> Variable = { xs in
            let output = spec.build(xs)
            return pullback(output, wrt: xs[0], cotangent: cos(output))
        }
        try verifyPushforward(function, at: spec.point(seed: 1600))
        // max/min pullbacks are piecewise constant in x; finite differences see them away from ties.
        try verifyGrad(function, at: spec.point(seed: 1700))
    }

    // MARK: Products with zeros

    @Test(arguments: [
        // One zero in the reduced slice: its gradient is the product of the others.
        ([0.0, 2, 3, 4, 5, 6], [1], [[6.0, 0, 0], [30, 24, 20]]),
        // Two zeros in one row: the whole row has gradient 0; the other row is ordinary.
        ([0.0, 2, 0, 4, 5, 6], [1], [[0.0, 0, 0], [30, 24, 20]]),
        // Over every axis with one zero.
        ([1.0, 2, 3, 4, 0, 6], nil, [[0.0, 0, 0], [0, 144, 0]]),
    ] as [([Double], [Int]?, [[Double]])])
    func prodGradientWithZeros(_ values: [Double], _ axes: [Int]?, _ expected: [[Double]]) throws {
        let x = Tensor.matrix("x", shape: [2, 3])
        let g = try checked { grad(x.prod(axes: axes ?? [0, 1]).sum(), wrt: x) }
        let point = NDArray(shape: [2, 3], elements: values)
        #expect(try g.eval([x: point]).asArray(Double.self) == expected.flatMap { $0 })
        // The one-sided differences of a product are exact, so verifyGrad holds at the zeros too.
        try verifyGrad({ $0[0].prod(axes: axes ?? [0, 1]) }, at: [point])
    }

    @Test func maxGradientGoesToEveryTiedElement() throws {
        let x = Tensor.matrix("x", shape: [2, 3])
        let g = try checked { grad(x.max(axis: 1).sum() + x.min(axis: 0).sum(), wrt: x) }
        let value = try g.eval([x: NDArray(shape: [2, 3], elements: [1.0, 5, 5, 2, 2, 0])])
        // Row maxima tie: 5 at (0, 1), (0, 2) and 2 at (1, 0), (1, 1). Column minima: 1 at (0, 0),
        // 2 at (1, 1), 0 at (1, 2).
        let expected: [Double] = [1, 1, 1, 1, 2, 1]
        #expect(value.asArray(Double.self) == expected)
    }

    @Test func sumPullbackIsSecondOfExpandDims() throws {
        let x = Tensor.matrix("x")
        let v = Tensor.vector("v")
        let vjp = try checked { pullback(x.sum(axis: 1), wrt: x, cotangent: v) }
        #expect(vjp.dprint() == """
            Second [id A]
             ├─ x [id B]
             └─ ExpandDims{axis=1} [id C]
                └─ v [id D]
            """)
    }

    @Test func hessianOfProd() throws {
        // ∂²/∂xᵢ∂xⱼ ∏x = ∏x / (xᵢ xⱼ) off the diagonal, 0 on it.
        let x = Tensor.vector("x", shape: [3])
        let H = try checked { hessian(x.prod(), wrt: x) }
        let value = try H.eval([x: NDArray([2.0, 3, 5])])
        let expected: [Double] = [0, 5, 3, 5, 0, 2, 3, 2, 0]
        #expect(zip(value.asArray(Double.self), expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    }

    @Test func hessianOfProdAtZeros() throws {
        // The product of the others, not ∏x / x: second derivatives stay exact where x has zeros
        // (jax.hessian of Σ u·prod(x, axis=1) and of prod(v), float64).
        let x = Tensor.matrix("x", shape: [2, 3])
        let u = Tensor.vector("u", shape: [2])
        let values: [Variable: NDArray] = [x: [[0.5, 0.0, -1.5], [2.0, 0.0, 0.0]], u: [1.0, -2.0]]
        let g = try checked { grad((u * x.prod(axis: 1)).sum(), wrt: x) }
        #expect(try g.eval(values).asArray(Double.self) == [0.0, -0.75, 0.0, 0.0, 0.0, 0.0])
        let H = try checked { hessian((u * x.prod(axis: 1)).sum(), wrt: x) }
        let h = try H.eval(values)
        #expect(h.shape == [2, 3, 2, 3] && h.dtype == .float64)
        var expected = [Double](repeating: 0, count: 36)
        for (index, value) in [(1, -1.5), (6, -1.5), (8, 0.5), (13, 0.5), (29, -4.0), (34, -4.0)] { expected[index] = value }
        #expect(h.asArray(Double.self) == expected)
        let v = Tensor.matrix("v", shape: [2, 2])
        let all = try checked { hessian(v.prod(), wrt: v) }.eval([v: [[0.5, 0.0], [-1.5, 2.0]]])
        #expect(all.asArray(Double.self) == [0.0, -3.0, 0.0, 0.0, -3.0, 0.0, 1.0, -0.75, 0.0, 1.0, 0.0, 0.0,
                                             0.0, -0.75, 0.0, 0.0])
        // Pushforward against pullback through the zeros, and the looped Jacobian of the gradient.
        try verifyPushforward({ $0[0].prod(axes: [0, 1]) }, at: [values[x]!])
        try SignalGradTesting.expectJacobiansAgree(grad(x.prod(axis: 0).sum(), wrt: x).flattened(), wrt: x, ["x": values[x]!])
    }

    // MARK: Batching rules

    @Test(arguments: [
        (nil, [1, 2, 3]), ([0], [1]), ([2], [3]), ([0, 2], [1, 3]), ([-1], [3]),
    ] as [([Int]?, [Int])])
    func reductionAxesShiftPastTheBatchDims(_ axes: [Int]?, _ shifted: [Int]) throws {
        let x = Tensor.tensor3("x", shape: [2, 3, 4])
        let batch = Variable(type: TensorType(dtype: .float64, shape: [5, 2, 3, 4]), name: "b")
        for kind in Reduce.Kind.allCases {
            let reduced = x.reduced(kind, axes: axes, keepDims: false)
            let out = vectorizeGraph([reduced], replacing: [x: batch])[0]
            let op = try #require(out.owner?.op as? Reduce)
            #expect(op.kind == kind)
            #expect(op.axes == shifted)
        }
        let arg = vectorizeGraph([x.argmax(axes: axes ?? [0, 1, 2])], replacing: [x: batch])[0]
        #expect((arg.owner?.op as? Argmax)?.axes == shifted)
    }

    @Test(arguments: [nil, [0], [1], [0, 1]] as [[Int]?])
    func argmaxAndBooleanReductionsVectorize(_ axes: [Int]?) throws {
        let stack = (0..<3).map { T.random([3, 4], seed: 1800 + UInt64($0)) }
        let point = [T.random([3, 4], seed: 1900)]
        let functions: [([Variable]) -> Variable] = [
            { xs in axes.map { xs[0].argmax(axes: $0) } ?? xs[0].argmax() },
            { xs in axes.map { xs[0].argmin(axes: $0) } ?? xs[0].argmin() },
            { xs in (xs[0] .> 0).all(axes: axes ?? [0, 1]) },
            { xs in (xs[0] .> 0.5).any(axes: axes ?? [0, 1]) },
            { xs in xs[0].prod(axes: axes ?? [0, 1]) },
        ]
        for function in functions {
            try T.checkVectorizeGraph(function, at: point, batched: 0, stack: stack)
        }
        // Argmax and comparisons carry no gradient.
        let x = Tensor.matrix("x")
        let cost = x.sum() + x.argmax().cast(to: .float64)
        let g = try checked { grad(cost, wrt: x) }
        #expect(try g.eval([x: point[0]]).asArray(Double.self) == Array(repeating: 1, count: 12))
    }

    @Test func zeroDimReductionVectorizes() throws {
        // A 0-d input reduced over "axis 0" reduces nothing: batched, it stays elementwise.
        let x = Tensor.scalar("x")
        let batch = Tensor.vector("b", shape: [3])
        let out = vectorizeGraph([x.sum(axis: 0) * 2], replacing: [x: batch])[0]
        #expect(try out.eval([batch: NDArray([1.0, 2, 3])]).asArray(Double.self) == [2, 4, 6])
    }
}
