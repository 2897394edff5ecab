import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The stabilize rewrites of softmax forms written out, `log(exp(a) + exp(b))` and the log of
/// a mean of exponentials: they fire, keep values on random inputs, are idempotent, leave
/// alone the stable forms (`softmax`, `logSoftmax`, `logsumexp` build those), and are finite
/// where the written-out forms overflow.
@Suite("Stable reduction rewrites")
struct StableReductionRewriteTests {
    typealias T = RewriteTesting

    static let random34 = SplitMix64(seed: 11).uniform(shape: [3, 4], low: -20, high: 20)

    // MARK: local_softmax_stabilize

    @Test func softmaxWrittenOutIsShiftedByItsMax() throws {
        let m = Tensor.matrix("m")
        for (axis, keepDims) in [(1, true), (0, true)] {
            let y = exp(m) / exp(m).sum(axis: axis, keepDims: keepDims)
            let r = T.expectRewrite(y, fires: ["local_softmax_stabilize": 1])
            #expect(T.opNames(r).contains("Max{axis=\(axis)}"))
            #expect(r.type == y.type)
            T.expectSameValues(y, r, ["m": Self.random34])
            // The rewritten graph is the one softmax builds.
            T.expectSameValues(softmax(m, axis: axis), r, ["m": Self.random34], tolerance: 1e-15)
        }
        // Overflow: NaN written out, exact after.
        let y = exp(m) / exp(m).sum(axis: 1, keepDims: true)
        let r = T.expectRewrite(y, fires: ["local_softmax_stabilize": 1])
        let big = NDArray(shape: [2, 2], elements: [1000.0, 1000, -1000, -.infinity])
        #expect(try T.run(y, ["m": big]).asArray(Double.self).prefix(2).allSatisfy(\.isNaN))
        #expect(try T.run(r, ["m": big]).asArray(Double.self) == [0.5, 0.5, 1, 0])
        // A vector, float32, and the sum over every axis.
        let x = Tensor.vector("x", dtype: .float32)
        let v = exp(x) / exp(x).sum()
        let rv = T.expectRewrite(v, fires: ["local_softmax_stabilize": 1])
        #expect(rv.dtype == .float32)
        T.expectSameValues(v, rv, ["x": T.values(7, low: -5, high: 5, dtype: .float32)], tolerance: 1e-6)
        let all = exp(m) / exp(m).sum(axes: [0, 1], keepDims: true)
        T.expectSameValues(all, T.expectRewrite(all, fires: ["local_softmax_stabilize": 1]), ["m": Self.random34])
    }

    @Test func stableSoftmaxFormsAreLeftAlone() throws {
        let m = Tensor.matrix("m")
        let other = Tensor.matrix("o")
        // softmax's own graph, a softmax shifted by its row max written out, a quotient that is
        // not a softmax, and a sum that does not broadcast back along its axis.
        let shifted = m - m.max(axis: 1, keepDims: true)
        for y in [softmax(m, axis: 1), exp(shifted) / exp(shifted).sum(axis: 1, keepDims: true),
                  exp(m) / exp(other).sum(axis: 1, keepDims: true), exp(m) / exp(m).sum(axis: 1)] {
            T.expectNoRewrite(y, "local_softmax_stabilize")
        }
        // Shifted by the max over the other axis: rows far below it would underflow, so the
        // rewrite shifts by the row max.
        let wrongShift = m - m.max(axis: 0, keepDims: true)
        let y = exp(wrongShift) / exp(wrongShift).sum(axis: 1, keepDims: true)
        let r = T.expectRewrite(y, fires: ["local_softmax_stabilize": 1])
        // Row 1 is [-2000, -2002] after the column shift: 0/0 written out.
        let rows = NDArray(shape: [2, 2], elements: [0.0, 1.0, -2000, -2001])
        #expect(try T.run(y, ["m": rows]).asArray(Double.self)[2].isNaN)
        let stable = try? T.run(r, ["m": rows]).asArray(Double.self)
        #expect(stable.map { Swift.abs($0[2] - 0.8807970779778823) < 1e-15 } == true, "\(String(describing: stable))")
    }

    // MARK: local_sub_log_sum_exp, local_log_softmax

    @Test func logSoftmaxWrittenOutSubtractsTheMaxFirst() throws {
        let m = Tensor.matrix("m")
        let forms = [m - log(exp(m).sum(axis: 1, keepDims: true)), m - log(exp(m).sum(axis: 1)).expandingDims([1])]
        for y in forms {
            let r = T.expectRewrite(y, fires: ["local_sub_log_sum_exp": 1, "local_log_sum_exp": 0])
            #expect(r.type == y.type)
            T.expectSameValues(y, r, ["m": Self.random34], tolerance: 1e-13)
            T.expectSameValues(logSoftmax(m, axis: 1), r, ["m": Self.random34], tolerance: 1e-15)
            // Entries near 1e10: the max is subtracted before the log-sum is, so nothing
            // rounds away (local_log_sum_exp alone leaves an error near 1e-6).
            let large = NDArray(shape: [1, 2], elements: [1e10, 1e10 + 1])
            let value = try T.run(r, ["m": large]).asArray(Double.self)
            #expect(Swift.abs(value[0] + 1.3132616875182228) < 1e-15 && Swift.abs(value[1] + 0.31326168751822286) < 1e-15,
                    "\(value)")
            let (unshifted, _) = T.rewrite(y, exclude: ["local_sub_log_sum_exp"])
            let rounded = try T.run(unshifted, ["m": large]).asArray(Double.self)
            #expect(Swift.abs(rounded[0] + 1.3132616875182228) > 1e-8, "\(rounded)")
            // −inf entries stay −inf; a row of 1000s is finite.
            let edges = NDArray(shape: [2, 2], elements: [-Double.infinity, 0, 1000, 1000])
            #expect(try T.run(r, ["m": edges]).asArray(Double.self) == [-.infinity, 0, -Foundation.log(2.0), -Foundation.log(2.0)])
        }
        let x = Tensor.vector("x")
        let v = x - log(exp(x).sum())
        T.expectSameValues(v, T.expectRewrite(v, fires: ["local_sub_log_sum_exp": 1]), ["x": T.values(6, low: -4, high: 4)])
        // Left alone: logSoftmax's own graph, another tensor's log-sum, a log-sum that does not
        // come back along its axis.
        let other = Tensor.matrix("o")
        for y in [logSoftmax(m, axis: 1), m - log(exp(other).sum(axis: 1, keepDims: true)),
                  m - log(exp(m).sum(axis: 1)).expandingDims([0])] {
            T.expectNoRewrite(y, "local_sub_log_sum_exp")
        }
    }

    @Test func logOfTheSoftmaxKeepsItsShift() {
        let m = Tensor.matrix("m")
        let y = log(softmax(m, axis: 1))
        let r = T.expectRewrite(y, fires: ["local_log_softmax": 1])
        #expect(T.opNames(r).filter { $0 == "Max{axis=1}" }.count == 1, "\(r.dprint())")
        T.expectSameValues(logSoftmax(m, axis: 1), r, ["m": Self.random34], tolerance: 1e-15)
        let spread = NDArray(shape: [1, 2], elements: [0.0, -800])
        #expect((try? T.run(r, ["m": spread]).asArray(Double.self)) == [0, -800])
    }

    // MARK: local_log_add_exp

    @Test func logOfASumOfExponentialsIsLogaddexp() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let two = log(exp(x) + exp(y))
        let r = T.expectRewrite(two, fires: ["local_log_add_exp": 1])
        #expect(T.opNames(r) == ["Logaddexp", "x", "y"], "\(r.dprint())")
        let inputs = ["x": T.values(8, low: -30, high: 30, seed: 1), "y": T.values(8, low: -30, high: 30, seed: 2)]
        T.expectSameValues(two, r, inputs)
        // Overflow and underflow: inf or −inf written out, exact after.
        let edges = ["x": NDArray([1000.0, -1000, -.infinity, 800]), "y": NDArray([1000.0, -1000, -.infinity, -800])]
        #expect(try T.run(two, edges).asArray(Double.self).prefix(2) == [.infinity, -.infinity])
        let value = try T.run(r, edges).asArray(Double.self)
        #expect(Swift.abs(value[0] - (1000 + Foundation.log(2.0))) < 1e-12 && Swift.abs(value[1] - (-1000 + Foundation.log(2.0))) < 1e-12
                && value[2] == -.infinity && value[3] == 800, "\(value)")
        // Three terms, broadcasting, float32.
        let m = Tensor.matrix("m", dtype: .float32)
        let x32 = Tensor.vector("x", dtype: .float32)
        let three = log(exp(m) + exp(x32) + exp(x32 * 2))
        let r3 = T.expectRewrite(three, fires: ["local_log_add_exp": 1])
        #expect(r3.type == three.type)
        T.expectSameValues(three, r3, [
            "m": SplitMix64(seed: 12).uniform(shape: [2, 3], low: -5, high: 5, dtype: .float32),
            "x": T.values(3, low: -5, high: 5, dtype: .float32),
        ], tolerance: 1e-6)
        // Left alone: a term that is not an exponential.
        T.expectNoRewrite(log(exp(x) + y), "local_log_add_exp")
    }

    // MARK: local_log_sum_exp of a mean

    @Test func logOfAMeanOfExponentialsIsShifted() throws {
        let m = Tensor.matrix("m")
        let s = Tensor.matrix("s", shape: [3, 4])
        for (y, input) in [(log(exp(m).mean(axis: 1)), "m"), (log(exp(m).mean(axis: 0, keepDims: true)), "m"),
                           (log(exp(s).mean()), "s"), (log(exp(s).mean(axis: 1, keepDims: true)), "s")] {
            let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
            #expect(r.type == y.type)
            T.expectSameValues(y, r, [input: Self.random34], tolerance: 1e-13)
            // exp(1000) overflows written out; the rewritten value is 1000 + log(mean(exp(x − 1000))).
            let big = try T.run(r, [input: NDArray.full([3, 4], value: 1000)]).asArray(Double.self)
            #expect(big.allSatisfy { Swift.abs($0 - 1000) < 1e-12 }, "\(big)")
        }
        let x = Tensor.vector("x", dtype: .float32)
        let y = log(exp(x).mean())
        let r = T.expectRewrite(y, fires: ["local_log_sum_exp": 1])
        #expect(r.dtype == .float32)
        T.expectSameValues(y, r, ["x": T.values(9, low: -5, high: 5, dtype: .float32)], tolerance: 1e-6)
        // A quotient or product whose sum is not of exponentials is left alone.
        T.expectNoRewrite(log(exp(x) / x.sum()), "local_log_sum_exp")
        T.expectNoRewrite(log(x.sum() * x[0]), "local_log_sum_exp")
        // A product with a run-time factor: plus its log (NaN where the factor is negative,
        // as written out).
        let c = Tensor.scalar("c")
        let scaled = log(exp(x.cast(to: .float64)).sum() * c)
        let rs = T.expectRewrite(scaled, fires: ["local_log_sum_exp": 1])
        for factor in [2.5, -1.0, 0.0] {
            T.expectSameValues(scaled, rs, ["x": T.values(4, low: -3, high: 3, dtype: .float32), "c": NDArray(scalar: factor)])
        }
    }
}
