import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// `linearRecurrence` (`y[i] = a[i]·y[i-1] + b[i]`), the op cumprod's derivatives are written in.
/// Expected values: `jax.lax.scan` of the same step, float64.
@Suite("Linear recurrence")
struct LinearRecurrenceTests {
    let a: NDArray = [[0.5, -1.0], [2.0, 0.0], [-0.25, 1.5]]
    let b: NDArray = [[1.0, 2.0], [-1.0, 0.5], [0.25, -3.0]]

    @Test func valuesForwardAndReversed() throws {
        let (x, y) = (Tensor.matrix("a"), Tensor.matrix("b"))
        let forward = linearRecurrence(x, y, axis: 0)
        let reversed = linearRecurrence(x, y, axis: 0, reverse: true)
        #expect("\(forward.owner!.op)" == "LinearRecurrence{0}")
        #expect("\(reversed.owner!.op)" == "LinearRecurrence{0, reverse}")
        let values = ["a": a, "b": b]
        #expect(try forward.eval(values).asArray(Double.self) == [1.0, 2.0, 1.0, 0.5, 0.0, -2.25])
        #expect(try reversed.eval(values).asArray(Double.self) == [0.75, 1.5, -0.5, 0.5, 0.25, -3.0])
        // Along the last axis of the transpose: the same numbers, transposed.
        let along = linearRecurrence(x.transposed(), y.transposed(), axis: -1)
        #expect(try along.eval(values).asArray(Double.self) == [1.0, 1.0, 0.0, 2.0, 0.5, -2.25])
        // float32 stays float32; an int multiplier recurs in the float dtype.
        let f = linearRecurrence(Tensor.vector("f", dtype: .float32), Tensor.vector("g", dtype: .float32), axis: 0)
        #expect(f.dtype == .float32)
        #expect(try f.eval(["f": NDArray([Float(2), 3]), "g": NDArray([Float(1), 1])]).asArray(Float.self) == [1, 4])
        // Empty along the axis.
        #expect(try forward.eval(["a": NDArray.zeros([0, 2]), "b": NDArray.zeros([0, 2])]).shape == [0, 2])
    }

    @Test func pullbackMatchesJax() throws {
        let (x, y) = (Tensor.matrix("a"), Tensor.matrix("b"))
        let w: NDArray = [[0.3, -1.2], [1.1, 0.4], [-0.8, 0.5]]
        let loss = (Tensor.constant(w) * linearRecurrence(x, y, axis: 0, reverse: true)).sum()
        let (ga, gb) = try checked { (grad(loss, wrt: x), grad(loss, wrt: y)) }
        let values = ["a": a, "b": b]
        let gaValue = try ga.eval(values), gbValue = try gb.eval(values)
        #expect(gaValue.shape == [3, 2] && gaValue.dtype == .float64)
        #expect(try gaValue.allClose(NDArray(shape: [3, 2], elements: [-0.15, -0.6, 0.3125, -4.800000000000001, 0.0, 0.0]),
                                     rtol: 1e-15, atol: 0))
        #expect(gbValue.asArray(Double.self) == [0.3, -1.2, 1.25, 1.6, 1.7, 0.5])
    }

    @Test func derivativesAgreeEverywhere() throws {
        let point = [a, b]
        for reverse in [false, true] {
            let f = { (v: [Variable]) in linearRecurrence(v[0], v[1], axis: 0, reverse: reverse) }
            try verifyGrad(f, at: point)
            try verifyPushforward(f, at: point)
            // Second derivatives: the rules are recurrences themselves.
            try verifyGrad({ v in grad((linearRecurrence(v[0], v[1], axis: 1, reverse: reverse) * v[0]).sum(), wrt: v[0]) },
                           at: point)
        }
        let (x, y) = (Tensor.matrix("a"), Tensor.matrix("b"))
        try SignalGradTesting.expectJacobiansAgree(linearRecurrence(x, y, axis: 0).flattened(), wrt: x, ["a": a, "b": b])
        try SignalGradTesting.expectJacobiansAgree(linearRecurrence(x, y, axis: 1, reverse: true).flattened(), wrt: y, ["a": a, "b": b])
    }

    @Test func batchingShiftsTheAxis() throws {
        let (x, y) = (Tensor.vector("a"), Tensor.vector("b"))
        let batchedA = Variable(type: TensorType(dtype: .float64, shape: [nil, nil]), name: "A")
        let batchedB = Variable(type: TensorType(dtype: .float64, shape: [nil, nil]), name: "B")
        let out = vectorizeGraph([linearRecurrence(x, y, axis: 0)], replacing: [x: batchedA, y: batchedB])[0]
        #expect("\(out.owner!.op)" == "LinearRecurrence{1}")
        let value = try out.eval(["A": a.transposed([1, 0]).contiguous(), "B": b.transposed([1, 0]).contiguous()])
        #expect(value.asArray(Double.self) == [1.0, 1.0, 0.0, 2.0, 0.5, -2.25])
    }

    @Test func badInputs() throws {
        let m = Tensor.matrix("m")
        #expect(throws: CotangentError.self) { try checked { build(LinearRecurrence(axis: 2, reverse: false), m, m) } }
        #expect(throws: CotangentError.self) { try checked { build(LinearRecurrence(axis: -1, reverse: false), m, m) } }
        #expect(throws: CotangentError.self) {
            try checked { build(LinearRecurrence(axis: 0, reverse: false), m, Tensor.vector("v")) }
        }
        #expect(throws: CotangentError.self) {
            try checked { build(LinearRecurrence(axis: 0, reverse: false), Tensor.vector("i", dtype: .int64), Tensor.vector("j", dtype: .int64)) }
        }
        // Run-time shapes that differ.
        let (u, v) = (Tensor.vector("u"), Tensor.vector("v"))
        let error = #expect(throws: CotangentError.self) {
            try build(LinearRecurrence(axis: 0, reverse: false), u, v).eval(["u": [1.0, 2.0], "v": [1.0]])
        }
        #expect(error?.message.contains("LinearRecurrence") == true)
    }
}
