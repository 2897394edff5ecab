import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Stabilize rewrites")
struct StabilizeRewriteTests {
    typealias T = RewriteTesting

    // MARK: local_log1p

    @Test func log1pFromOnePlusX() throws {
        let x = Tensor.vector("x")
        let y = log(1.0 + x)
        let r = T.expectRewrite(y, fires: ["local_log1p": 1])
        #expect(r.dprint() == """
            Log1p [id A]
             └─ x [id B]
            """)
        T.expectSameValues(y, r, ["x": T.values(50, low: -0.9, high: 10, edges: [0, -0.0, -1, .infinity, .nan, -2])])
        // The rewrite's point: 1 + 1e-20 rounds to 1, log1p keeps the value.
        #expect(try T.run(y, ["x": NDArray([1e-20])]).asArray(Double.self) == [0])
        #expect(try T.run(r, ["x": NDArray([1e-20])]).asArray(Double.self) == [1e-20])
    }

    @Test func log1pConstantInAnyPositionAndDtype() {
        let x = Tensor.vector("x")
        // x + 1 (constant second), an int8 one, a bool True, a constant matrix that broadcasts.
        for y in [log(x + 1.0), log(x + Variable(constant: NDArray(scalar: Int8(1)))),
                  log(Variable(constant: NDArray(scalar: true)) + x)] {
            let r = T.expectRewrite(y, fires: ["local_log1p": 1])
            #expect(T.opNames(r) == ["Log1p", "x"])
            T.expectSameValues(y, r, ["x": T.values(20, low: -0.5, high: 3, edges: [0, .infinity])])
        }
        let wide = log(Variable(constant: NDArray.full([2, 1], value: 1, dtype: .float32)) + x)
        let r = T.expectRewrite(wide, fires: ["local_log1p": 1])
        #expect(r.type.shape == [2, nil])
        T.expectSameValues(wide, r, ["x": T.values(5, low: 0, high: 3)])
    }

    @Test func log1pFromOneMinusX() {
        let x = Tensor.vector("x", dtype: .float32)
        let y = log(1.0 - x)
        let r = T.expectRewrite(y, fires: ["local_log1p": 1])
        #expect(T.opNames(r) == ["Log1p", "Neg", "x"])
        #expect(r.dtype == .float32)
        T.expectSameValues(y, r, ["x": T.values(40, low: -5, high: 0.99, edges: [0, 1, 2, -.infinity], dtype: .float32)],
                           tolerance: 1e-6)
    }

    @Test func log1pSeveralTermsAreAddedInTheOutputDtype() {
        // 0.5 + x + 0.5 with int8 x and y: the other terms add in float (no int8 wrapping).
        let x = Tensor.vector("x", dtype: .int8)
        let y = Tensor.vector("y", dtype: .int8)
        let graph = log(elemwise(.add, [Variable(0.5), x, Variable(0.5), y]))
        let r = T.expectRewrite(graph, fires: ["local_log1p": nil], include: ["stabilize"])
        T.expectSameValues(graph, r, ["x": NDArray([Int8(127), 100, -3]), "y": NDArray([Int8(127), 100, 2])])
    }

    @Test func log1pDoesNotFireOnIntegerOrNonOneConstants() {
        let x = Tensor.vector("x", dtype: .int8)
        // log(1 + x) with an int8 add wraps at 127: it must stay as is.
        T.expectNoRewrite(log(Variable(constant: NDArray(scalar: Int8(1))) + x), "local_log1p")
        let f = Tensor.vector("f")
        T.expectNoRewrite(log(2.0 + f), "local_log1p")
        T.expectNoRewrite(log(1.0000000000000002 + f), "local_log1p")
        T.expectNoRewrite(log(f - 1.0), "local_log1p")
    }

    // MARK: local_expm1

    @Test func expm1FromExpMinusOne() throws {
        let x = Tensor.vector("x")
        for y in [exp(x) - 1.0, -1.0 + exp(x), exp(x) + (-1.0)] {
            let r = T.expectRewrite(y, fires: ["local_expm1": 1], include: ["canonicalize"])
            #expect(r.dprint() == """
                Expm1 [id A]
                 └─ x [id B]
                """)
            T.expectSameValues(y, r, ["x": T.values(30, low: -5, high: 5, edges: [0, .infinity, -.infinity, .nan])],
                               tolerance: 1e-9)
        }
        let r = T.rewrite(exp(x) - 1.0, include: ["canonicalize"]).result
        #expect(try T.run(r, ["x": NDArray([1e-20])]).asArray(Double.self) == [1e-20])
        T.expectNoRewrite(exp(x) - 2.0, "local_expm1", include: ["canonicalize"])
        T.expectNoRewrite(1.0 - exp(x), "local_expm1", include: ["canonicalize"])
    }

    @Test func expm1KeepsTheAddDtype() {
        // exp of int8 is float32; a float64 vector 1 makes the sub float64: expm1 is cast.
        let x = Tensor.vector("x", dtype: .int8)
        let y = exp(x) - Variable(constant: NDArray([1.0]))
        #expect(y.dtype == .float64)
        let r = T.expectRewrite(y, fires: ["local_expm1": 1], include: ["canonicalize"])
        #expect(T.opNames(r) == ["Cast{float64}", "Expm1", "x"])
        T.expectSameValues(y, r, ["x": NDArray([Int8(-128), -3, 0, 2, 5])], tolerance: 1e-6)
    }

    // MARK: softplus

    @Test func logSigmoidToSoftplus() throws {
        let x = Tensor.vector("x")
        let y = log(sigmoid(x))
        let r = T.expectRewrite(y, fires: ["logsigm_to_softplus": 1])
        #expect(r.dprint() == """
            Neg [id A]
             └─ Softplus [id B]
                └─ Neg [id C]
                   └─ x [id D]
            """)
        T.expectSameValues(y, r, ["x": T.values(50, low: -30, high: 30, edges: [0, .infinity, .nan])], tolerance: 1e-9)
        // Where sigmoid underflows, log(sigmoid(x)) is -inf; the rewrite gives x.
        #expect(try T.run(y, ["x": NDArray([-1000.0])]).asArray(Double.self) == [-.infinity])
        #expect(try T.run(r, ["x": NDArray([-1000.0])]).asArray(Double.self) == [-1000])
    }

    @Test func logSigmoidOfIntegersNegatesInFloat() throws {
        let x = Tensor.vector("x", dtype: .int8)
        let y = log(sigmoid(x))
        let r = T.expectRewrite(y, fires: ["logsigm_to_softplus": 1])
        #expect(r.dtype == .float32)
        T.expectSameValues(y, r, ["x": NDArray([Int8(-80), -5, 0, 7, 127])], tolerance: 1e-6)
        // -(-128) wraps in int8 (softplus(-128) would give -0); the rewrite negates in float,
        // and is exact where the original's sigmoid underflows to 0 (log gives -inf).
        #expect(try T.run(r, ["x": NDArray([Int8(-128)])]).asArray(Double.self) == [-128])
    }

    @Test(arguments: ["log(1 - exp(x))", "log1p(-exp(x))", "log(-expm1(x))"])
    func logOneMinusExpToLog1mexp(_ form: String) throws {
        let x = Tensor.vector("x")
        let y = switch form {
        case "log(1 - exp(x))": log(1.0 - exp(x))
        case "log1p(-exp(x))": log1p(-exp(x))
        default: log(-expm1(x))
        }
        let r = T.expectRewrite(y, fires: ["local_log1mexp": 1])
        #expect(r.dprint() == """
            Log1mexp [id A]
             └─ x [id B]
            """)
        T.expectSameValues(y, r, ["x": T.values(50, low: -30, high: -0.01, edges: [0, -.infinity, .nan])], tolerance: 1e-9)
        // Where exp(x) rounds to 1 the original is -inf; log1mexp keeps log(-x).
        let tiny = try T.run(r, ["x": NDArray([-1e-20])]).asArray(Double.self)[0]
        #expect(abs(tiny - (-46.051701859880914)) < 1e-13)
    }

    @Test func logOneMinusSigmoidToSoftplus() throws {
        let x = Tensor.vector("x")
        let y = log(1.0 - sigmoid(x))
        let r = T.expectRewrite(y, fires: ["log1msigm_to_softplus": 1])
        #expect(r.dprint() == """
            Neg [id A]
             └─ Softplus [id B]
                └─ x [id C]
            """)
        // (Beyond x ≈ 10 the original loses digits to the cancellation in 1 − sigmoid(x).)
        T.expectSameValues(y, r, ["x": T.values(50, low: -30, high: 10, edges: [0, -.infinity, .nan])], tolerance: 1e-9)
        #expect(try T.run(r, ["x": NDArray([1000.0])]).asArray(Double.self) == [-1000])
        // log1p(-sigmoid(x)) (what local_log1p makes of it) too.
        let viaLog1p = log1p(-sigmoid(x))
        let r2 = T.expectRewrite(viaLog1p, fires: ["log1msigm_to_softplus": 1])
        #expect(r2.dprint() == r.dprint())
        T.expectNoRewrite(log(2.0 - sigmoid(x)), "log1msigm_to_softplus")
    }

    // MARK: local_log_sum_exp

    @Test func logSumExpIsShiftedByTheMax() throws {
        let x = Tensor.vector("x")
        let y = log(exp(x).sum())
        let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
        #expect(T.opNames(r).contains("Max{axes=None}"))
        T.expectSameValues(y, r, ["x": T.values(20, low: -20, high: 20)], tolerance: 1e-12)
        // Overflow: the original is inf; the shifted form is exact.
        #expect(try T.run(y, ["x": NDArray([1000.0, 1000])]).asArray(Double.self) == [.infinity])
        let big = try T.run(r, ["x": NDArray([1000.0, 1000])]).item(Double.self)
        #expect(big.isFinite && Swift.abs(big - (1000 + Foundation.log(2.0))) < 1e-12)
        // Infinite maxima are not used as shifts (no inf - inf).
        let edges: [[Double]] = [[-.infinity, -.infinity], [.infinity, 1], [.nan, 1], [-.infinity, 2]]
        for edge in edges {
            T.expectSameValues(y, r, ["x": NDArray(edge)])
        }
    }

    @Test func logSumExpOverAxesAndKeepDims() {
        let m = Tensor.matrix("m")
        let inputs = ["m": SplitMix64(seed: 3).uniform(shape: [3, 4], low: -10, high: 10)]
        for axis in [0, 1] {
            for keep in [false, true] {
                let y = log(exp(m).sum(axis: axis, keepDims: keep))
                let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
                #expect(r.type.shape == y.type.shape)
                T.expectSameValues(y, r, inputs)
            }
        }
        let t = Tensor.tensor3("t")
        let y = log(exp(t).sum(axes: [0, 2], keepDims: true))
        let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
        T.expectSameValues(y, r, ["t": SplitMix64(seed: 4).uniform(shape: [2, 3, 4], low: -5, high: 5)])
    }

    @Test func logSumExpOfFloat32AndIntegers() {
        let x = Tensor.vector("x", dtype: .float32)
        let y = log(exp(x).sum())
        let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
        #expect(r.dtype == .float32)
        T.expectSameValues(y, r, ["x": T.values(10, low: -5, high: 5, dtype: .float32)], tolerance: 1e-6)
        let i = Tensor.vector("i", dtype: .int8)
        let yi = log(exp(i).sum())
        let ri = T.expectRewrite(yi, fires: ["local_log_sum_exp": 1])
        T.expectSameValues(yi, ri, ["i": NDArray([Int8(-128), 3, 5])], tolerance: 1e-6)
    }

    // MARK: local_log_softmax

    @Test func logSoftmaxIsStable() throws {
        let m = Tensor.matrix("m")
        let y = log(exp(m) / exp(m).sum(axis: 1, keepDims: true))
        let r = T.expectRewrite(y, fires: ["local_log_softmax": 1])
        #expect(!T.opNames(r).contains("True_div"))
        T.expectSameValues(y, r, ["m": SplitMix64(seed: 5).uniform(shape: [3, 4], low: -20, high: 20)], tolerance: 1e-11)
        // Large inputs: exp overflows in the original (nan); the rewrite is exact.
        let big = NDArray(shape: [1, 2], elements: [1000.0, 1000])
        #expect(try T.run(y, ["m": big]).asArray(Double.self).allSatisfy(\.isNaN))
        let stable = try T.run(r, ["m": big]).asArray(Double.self)
        #expect(stable.allSatisfy { Swift.abs($0 + Foundation.log(2.0)) < 1e-12 })
        // An element far below the others: log(0) = -inf in the original, finite after.
        let spread = NDArray(shape: [1, 2], elements: [0.0, -800])
        #expect(try T.run(r, ["m": spread]).asArray(Double.self) == [0, -800])
        T.expectSameValues(y, r, ["m": NDArray(shape: [1, 2], elements: [-Double.infinity, 0])])
    }

    @Test func logSoftmaxOverAVectorAndAxis0() {
        let x = Tensor.vector("x")
        let y = log(exp(x) / exp(x).sum())
        let r = T.expectRewrite(y, fires: ["local_log_softmax": 1])
        T.expectSameValues(y, r, ["x": T.values(6, low: -3, high: 3)])
        let m = Tensor.matrix("m")
        let y0 = log(exp(m) / exp(m).sum(axis: 0, keepDims: true))
        let r0 = T.expectRewrite(y0, fires: ["local_log_softmax": 1])
        T.expectSameValues(y0, r0, ["m": SplitMix64(seed: 6).uniform(shape: [3, 2], low: -3, high: 3)])
        // Not a softmax: the sum is of another exp.
        let other = Tensor.matrix("o")
        T.expectNoRewrite(log(exp(m) / exp(other).sum(axis: 1, keepDims: true)), "local_log_softmax")
    }
}
