import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Every computation of the seed tutorial, before any rewriting, evaluates to the seed's values
/// (`../shared/seed/expected_outputs.txt`).
@Suite("Seed values")
struct SeedValuesTests {
    @Test func jacobianOfLog() throws {
        let x = Tensor.vector("x")
        let J = try checked { jacobian(log(x), wrt: x) }
        #expect(try J.eval(["x": [1.0, 2.0, 3.0]]).description == """
            array([[1.        , 0.        , 0.        ],
                   [0.        , 0.5       , 0.        ],
                   [0.        , 0.        , 0.33333333]])
            """)
    }

    @Test func pullbackOfLog() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let vjp = pullback(log(x), wrt: x, cotangent: v)
        #expect(try vjp.eval(["x": [1.0, 2.0, 3.0], "v": [4.0, 5.0, 6.0]]).description == "array([4. , 2.5, 2. ])")
    }

    @Test func cumsumAndItsDerivatives() throws {
        let x = Tensor.vector("x")
        let c = cumsum(x)
        #expect(try c.eval(["x": [1.0, 2.0, 3.0]]).description == "array([1., 3., 6.])")
        let J = try checked { jacobian(c, wrt: x) }
        #expect(try J.eval(["x": [1.0, 2.0, 3.0]]).converted(to: .int64).description == """
            array([[1, 0, 0],
                   [1, 1, 0],
                   [1, 1, 1]])
            """)
        let v = Tensor.vector("v")
        let vjp = try checked { pullback(c, wrt: x, cotangent: v) }
        #expect(try vjp.eval(["x": [1.0, 2.0, 3.0], "v": [1, 1, 1]]).description == "array([3., 2., 1.])")
    }

    @Test func convolutionAndItsDerivatives() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let conv = convolve1d(x, y, mode: .full)
        #expect(try conv.eval(["x": [0, 1, 2], "y": [1, -1]]).description == "array([ 0.,  1.,  1., -2.])")
        let J = try checked { jacobian(conv, wrt: y) }
        #expect(try J.eval(["x": [0, 1, 2]]).description == """
            array([[0., 0.],
                   [1., 0.],
                   [2., 1.],
                   [0., 2.]])
            """)
        let v = Tensor.vector("v", shape: [4])
        let vjp = try checked { pullback(conv, wrt: y, cotangent: v) }
        #expect(try vjp.eval(["v": [1, 2, 3, 4], "x": [0, 1, 2]]).description == "array([ 8., 11.])")
    }

    @Test func transposeAndItsDerivatives() throws {
        let A = Tensor.matrix("A", shape: [2, nil])
        let transposed = A.T
        #expect(StaticShape(transposed.type.shape).description == "(None, 2)")
        let a: NDArray = [[0, 1, 2], [3, 4, 5]]
        #expect(try transposed.flattened().eval(["A": a]).description == "array([0., 3., 1., 4., 2., 5.])")
        let J = try checked { jacobian(transposed.flattened(), wrt: A).reshaped(to: [6, 6]) }
        let zeros = NDArray.zeros([2, 3])
        #expect(try J.eval(["A": zeros]).description == """
            array([[1., 0., 0., 0., 0., 0.],
                   [0., 0., 0., 1., 0., 0.],
                   [0., 1., 0., 0., 0., 0.],
                   [0., 0., 0., 0., 1., 0.],
                   [0., 0., 1., 0., 0., 0.],
                   [0., 0., 0., 0., 0., 1.]])
            """)
        let V = Tensor.matrix("V", shape: [3, 2])
        let naive = matmul(V.flattened(), J).reshaped(to: V.shape[.stride(by: -1)])
        let values: [String: NDArray] = ["V": [[0, 1], [2, 3], [4, 5]], "A": zeros]
        #expect(try naive.eval(values).description == """
            array([[0., 2., 4.],
                   [1., 3., 5.]])
            """)
        #expect(pullback(transposed, wrt: A, cotangent: V).dprint() == """
            Transpose{axes=[1, 0]} [id A]
             └─ V [id B]
            """)
    }

    @Test func gradientOfSumOfCumsumOfLog() throws {
        let x = Tensor.vector("x")
        let logX = log(x)
        let cumsumLogX = cumsum(logX)
        let g = try checked { grad(cumsumLogX.sum(), wrt: x) }
        let expected = [3.0, 1.0, 1.0 / 3.0]
        #expect(try g.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == expected)
        let chained = try checked {
            pullback(logX, wrt: x, cotangent: pullback(cumsumLogX, wrt: logX, cotangent: onesLike(cumsumLogX)))
        }
        #expect(try chained.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == expected)
    }
}
