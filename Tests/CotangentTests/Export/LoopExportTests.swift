import Testing

@testable import Cotangent

/// Loops and branches on XLA: scans (with carries, sequences, non-sequences, reversed, with
/// histories for a gradient), maps, while loops, branches and linear recurrences, against
/// Cotangent's values.
@Suite(.enabled(if: XLARunner.isEnabled))
struct LoopExportTests {
    let x = Tensor.vector("x")
    let w = Tensor.vector("w")
    let s = Tensor.scalar("s")
    let xs = NDArray([0.3, -1.2, 2.5, 4.0, -0.7, 0.1])
    let ws = NDArray([0.5, -0.25, 0.75, 1.5, -1.0, 0.2])

    @Test func scans() throws {
        let zero = Variable(constant: NDArray(scalar: 0.0))
        // A cumulative sum (carry and output), forward and reversed.
        let cumulative = scan(initial: zero, over: x) { c, v in (c + v, c + v) }
        let backward = scan(initial: zero, over: x, reverse: true) { c, v in (c * 0.5 + v, c) }
        // An RNN step h ← tanh(w ⊙ h + x_t) over a sequence of rows (w a captured non-sequence).
        let X = Tensor.matrix("X")
        let h0 = Tensor.vector("h0")
        let rnn = scan(initial: h0, over: X) { h, row in
            let next = tanh(w * h + row)
            return (next, next * 2)
        }
        // Two carries, two sequences, a length.
        let pair = scan(initial: [zero, Variable(constant: NDArray(scalar: 1.0))], over: [x, w]) { c, v in
            ([c[0] + v[0] * v[1], c[1] * v[1]], [c[0] - c[1]])
        }
        let counted = scan(initial: [s], length: Variable(constant: NDArray(scalar: Int64(4)))) { c, _ in ([c[0] * 2 + 1], [c[0]]) }
        let Xs = NDArray(shape: [4, 6], elements: (0..<24).map { (Double($0) * 0.37).truncatingRemainder(dividingBy: 1.7) - 0.8 })
        try XLARunner.check([
            XLARunner.graphCase("cumsum", inputs: [x], outputs: [cumulative.0, cumulative.1], values: [xs]),
            XLARunner.graphCase("reverse", inputs: [x], outputs: [backward.0, backward.1], values: [xs]),
            XLARunner.graphCase(
                "rnn", inputs: [X, h0, w], outputs: [rnn.0, rnn.1], values: [Xs, NDArray(Array(repeating: 0.1, count: 6)), ws]),
            XLARunner.graphCase("pair", inputs: [x, w], outputs: pair.0 + pair.1, values: [xs, ws]),
            XLARunner.graphCase("length", inputs: [s], outputs: counted.0 + counted.1, values: [NDArray(scalar: 0.5)]),
        ])
    }

    @Test func mapsAndWhileLoops() throws {
        let mapped = map(over: [x, w]) { v in [exp(v[0]) * v[1], v[0] .> v[1]] }
        // Halve until below 0.01 (a data-dependent number of steps), counting the steps.
        let halved = whileLoop(
            initial: [s, Variable(constant: NDArray(scalar: Int64(0)))], while: { c in abs(c[0]) .> 0.01 },
            body: { c in [c[0] / 2, c[1] + 1] })
        let bounded = whileLoop(initial: [s], maxIterations: 3, while: { c in c[0] .< 1000 }, body: { c in [c[0] * 3] })
        try XLARunner.check([
            XLARunner.graphCase("map", inputs: [x, w], outputs: mapped, values: [xs, ws]),
            XLARunner.graphCase("while", inputs: [s], outputs: halved, values: [NDArray(scalar: 37.5)]),
            XLARunner.graphCase("while none", inputs: [s], outputs: halved, values: [NDArray(scalar: 0.005)]),
            XLARunner.graphCase("while bounded", inputs: [s], outputs: bounded, values: [NDArray(scalar: 2.0)]),
        ])
    }

    @Test func scanGradient() throws {
        // d h_T / d(x, s, h0) for h ← tanh(s · h + x_t): the pullback is a reverse scan over the
        // stored carries.
        let h0 = Tensor.scalar("h0")
        let final = scan(initial: h0, over: x) { h, v in
            let next = tanh(s * h + v)
            return (next, next)
        }.0
        let gradients = grad(final, wrt: [x, s, h0])
        try XLARunner.check([
            XLARunner.graphCase(
                "scan gradient", inputs: [x, s, h0], outputs: gradients,
                values: [xs, NDArray(scalar: 0.8), NDArray(scalar: 0.2)], rtol: 1e-10)
        ])
    }

    @Test func whileLoopOutputsOfUnknownLengthAreNotExportable() throws {
        // A while loop read through its gradient stores the carries of the steps that ran.
        let halved = whileLoop(initial: [s], while: { c in abs(c[0]) .> 0.01 }, body: { c in [c[0] * c[0] / 4] })[0]
        let g = grad(halved, wrt: s)
        #expect {
            try exportStableHLO(inputs: [s], outputs: [g], inputShapes: [[]])
        } throws: { error in
            "\(error)".contains("as long as the steps that ran")
        }
    }

    @Test func branches() throws {
        let n = Tensor.scalar("n", dtype: .int64)
        let branch = ifElse(n .> 0, then: [exp(x) * 2, x .> 0], else: [x * w, w .> x])
        let floatCondition = ifElse(s, then: x + 1, else: x - 1)
        var cases: [XLARunner.Case] = []
        for taken in [Int64(3), -2] {
            cases.append(
                try XLARunner.graphCase("if \(taken)", inputs: [n, x, w], outputs: branch, values: [NDArray(scalar: taken), xs, ws]))
        }
        for value in [0.0, 0.5] {
            cases.append(try XLARunner.graphCase("if float \(value)", inputs: [s, x], outputs: [floatCondition], values: [NDArray(scalar: value), xs]))
        }
        try XLARunner.check(cases)
    }

    /// `OpFromGraph` nodes lowered as their inner graphs, with a shared variable read inside and
    /// the gradient through a hand-written pullback.
    @Test func opsFromGraphs() throws {
        let v = Tensor.vector("v")
        let scale = Tensor.shared(NDArray([2.0, -1.0, 0.5, 1.5, 3.0, -0.25]), name: "scale")
        let op = opFromGraph(inputs: [v], outputs: [exp(v) * scale, v.sum()])
        let softplus = opFromGraph(
            inputs: [v], outputs: [log1p(exp(v))], pullback: { inputs, _, g in [g[0] * sigmoid(inputs[0])] })
        let applied = op(x)
        let gradient = grad(softplus(x * w)[0].sum(), wrt: x)
        try XLARunner.check([
            XLARunner.graphCase("op from graph", inputs: [x], outputs: applied + op(applied[0]), values: [xs]),
            XLARunner.graphCase("custom pullback", inputs: [x, w], outputs: [gradient], values: [xs, ws]),
        ])
    }

    @Test func linearRecurrences() throws {
        let A = Tensor.matrix("A")
        let B = Tensor.matrix("B")
        let a = NDArray(shape: [3, 4], elements: [0.5, -1.0, 2.0, 0.25, 1.5, .infinity, 0.0, -0.5, 0.75, 1.25, -2.0, 3.0])
        let b = NDArray(shape: [3, 4], elements: (0..<12).map { Double($0) * 0.3 - 1 })
        let finite = NDArray(shape: [3, 4], elements: (0..<12).map { 0.1 * Double($0) - 0.4 })
        try XLARunner.check([
            XLARunner.graphCase("axis 0", inputs: [A, B], outputs: [linearRecurrence(A, B, axis: 0)], values: [finite, b]),
            XLARunner.graphCase("axis 1", inputs: [A, B], outputs: [linearRecurrence(A, B, axis: 1)], values: [finite, b]),
            XLARunner.graphCase(
                "axis 0 reversed", inputs: [A, B], outputs: [linearRecurrence(A, B, axis: 0, reverse: true)], values: [a, b]),
            XLARunner.graphCase(
                "axis 1 reversed", inputs: [A, B], outputs: [linearRecurrence(A, B, axis: 1, reverse: true)], values: [finite, b]),
        ])
    }
}
