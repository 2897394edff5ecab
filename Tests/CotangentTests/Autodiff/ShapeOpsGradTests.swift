import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// DimShuffle, SpecifyShape, Shape/Shape_i: forward values, static shapes, inferShape, and
/// derivative and batching rules; plus vectorized-vs-looped Jacobians for every Elemwise op.
@Suite("Shape op derivatives")
struct ShapeOpsGradTests {
    let matrix = SplitMix64(seed: 5).uniform(shape: [2, 3], low: -1, high: 1)

    @Test func dimShuffleForwardValuesShapesAndInferShape() throws {
        let a = Tensor.matrix("a", shape: [2, nil])
        let cases: [(Variable, [Int?], [Int], [Double])] = [
            (a.T, [nil, 2], [3, 2], [0, 3, 1, 4, 2, 5]),
            (a.expandingDims([0]), [1, 2, nil], [1, 2, 3], [0, 1, 2, 3, 4, 5]),
            (a.expandingDims([1]).squeezed(axes: [1]), [2, nil], [2, 3], [0, 1, 2, 3, 4, 5]),
            (a.dimShuffled([1, nil, 0]), [nil, 1, 2], [3, 1, 2], [0, 3, 1, 4, 2, 5]),
        ]
        let value: NDArray = [[0.0, 1, 2], [3, 4, 5]]
        for (y, staticShape, shape, elements) in cases {
            #expect(y.type.shape == staticShape)
            let result = try y.eval(["a": value])
            #expect(result.shape == shape)
            #expect(result.asArray(Double.self) == elements)
            let inferred = try y.symbolicShape.map { try Int($0.eval(["a": value]).item(Int64.self)) }
            #expect(inferred == shape)
        }
        #expect(a.T.owner.map { "\($0.op)" } == "Transpose{axes=[1, 0]}")
        #expect(a.dimShuffled([1, nil, 0]).owner.map { "\($0.op)" } == "DimShuffle{order=[1,x,0]}")
        #expect(throws: CotangentError.self) { try checked { a.squeezed(axes: [0]) } }
    }

    @Test func shapeOpsForwardAndErrors() throws {
        let a = Tensor.matrix("a", shape: [2, nil])
        #expect(try a.shape.eval(["a": matrix]).asArray(Int64.self) == [2, 3])
        #expect(try a.length(ofDimension: 1).eval(["a": matrix]).item(Int64.self) == 3)
        #expect(a.specifyingShape([2, 3]).type.shape == [2, 3])
        #expect { try a.specifyingShape([nil, 4]).eval(["a": matrix], mode: .unoptimized) } throws: { error in
            (error as? CotangentError)?.kind == .shapeMismatch && "\(error)".contains("(2, 3)")
        }
        #expect(throws: CotangentError.self) { try checked { a.specifyingShape([3, nil]) } }
        #expect(throws: CotangentError.self) { try checked { a.length(ofDimension: 5) } }
    }

    @Test func dimShuffleAndSpecifyShapeDerivatives() throws {
        let functions: [([Variable]) -> Variable] = [
            { $0[0].T * $0[0].T }, { exp($0[0].expandingDims([1])) }, { $0[0].dimShuffled([1, nil, 0]).sum(axis: 0) },
            { sin($0[0].specifyingShape([2, 3])) }, { $0[0].expandingDims([0]).squeezed(axes: [0]) * 2 },
        ]
        for function in functions {
            try verifyGrad(function, at: [matrix])
            try verifyPushforward(function, at: [matrix])
            try AutodiffTesting.checkJacobians(function, at: [matrix])
            try AutodiffTesting.checkJacobians(function, at: [matrix], staticShapes: false)
            try verifyGrad(function, at: [matrix.converted(to: .float32)])
        }
        // Shapes carry no gradient.
        let a = Tensor.matrix("a")
        #expect(throws: CotangentError.self) {
            try checked { grad(a.shape.cast(to: .float64).sum(), wrt: a) }
        }
    }

    @Test(arguments: ElemwiseGradCase.all)
    func elemwiseVectorizedAndLoopedJacobiansAgree(_ spec: ElemwiseGradCase) throws {
        let point = (0..<spec.arity).map { randomPoint([3], spec.domain, seed: UInt64(50 + $0)) }
        for wrt in 0..<spec.arity {
            try AutodiffTesting.checkJacobians(spec.build, at: point, wrt: wrt, tolerance: 1e-10)
        }
    }

    @Test func hessianIsSymmetricAndMatchesFiniteDifferencesOfTheGradient() throws {
        let x = Tensor.vector("x")
        let f = (exp(x) * sin(x.cumsum()) + sqr(x) * x.sum()).sum()
        let point = NDArray([0.3, -0.7, 1.1, 0.2])
        let H = try checked { hessian(f, wrt: x) }.eval([x: point])
        let g = try checked { grad(f, wrt: x) }
        let n = 4
        let h = H.asArray(Double.self)
        let eps = 1e-6
        for j in 0..<n {
            var shifted = point.asArray(Double.self)
            shifted[j] += eps
            let plus = try g.eval([x: NDArray(shifted)]).asArray(Double.self)
            shifted[j] -= 2 * eps
            let minus = try g.eval([x: NDArray(shifted)]).asArray(Double.self)
            for i in 0..<n {
                #expect(Swift.abs(h[i * n + j] - h[j * n + i]) < 1e-12)
                #expect(Swift.abs(h[i * n + j] - (plus[i] - minus[i]) / (2 * eps)) < 1e-6)
            }
        }
    }
}
