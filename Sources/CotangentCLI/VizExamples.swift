import Cotangent

/// The graphs `cotangent viz` draws: the seed tour's (by its block names) and the export
/// examples', each with input values to profile it on.
enum VizExamples {
    /// A graph to draw: its inputs, outputs and a value per input.
    struct Example {
        let inputs: [Variable]
        let outputs: [Variable]
        let values: [NDArray]
    }

    /// The names `cotangent viz` takes, with a line each.
    static let catalog: [(name: String, summary: String)] = [
        ("jacobian_log", "tour: the Jacobian of log(x), x = [1, 2, 3]"),
        ("pullback_log", "tour: the vector-Jacobian product of log(x) with v"),
        ("jacobian_cumsum", "tour: the Jacobian of cumsum(x)"),
        ("pullback_cumsum", "tour: the vector-Jacobian product of cumsum(x) with v"),
        ("jacobian_convolve1d", "tour: the Jacobian of a full convolution of x and y in y (a Blockwise convolution)"),
        ("pullback_convolve1d", "tour: the vector-Jacobian product of the convolution in y"),
        ("jacobian_transpose", "tour: the Jacobian of the raveled transpose of A, as a 6×6 matrix"),
        ("pullback_transpose", "tour: the vector-Jacobian product of the transpose of A with V"),
        ("grad_sum_cumsum_log", "tour: the gradient of sum(cumsum(log(x)))"),
        ("chained_pullbacks", "tour: the same gradient as two chained pullbacks"),
    ] + ExportExamples.catalog.map { ($0.name, "export: " + $0.summary) }

    /// The example of that name.
    static func named(_ name: String) -> Example? {
        let x = Tensor.vector("x"), v = Tensor.vector("v")
        let x3: NDArray = [1.0, 2.0, 3.0]
        switch name {
        case "jacobian_log": return Example(inputs: [x], outputs: [jacobian(log(x), wrt: x)], values: [x3])
        case "pullback_log":
            return Example(inputs: [x, v], outputs: [pullback(log(x), wrt: x, cotangent: v)], values: [x3, [4.0, 5.0, 6.0]])
        case "jacobian_cumsum": return Example(inputs: [x], outputs: [jacobian(cumsum(x), wrt: x)], values: [x3])
        case "pullback_cumsum":
            return Example(inputs: [x, v], outputs: [pullback(cumsum(x), wrt: x, cotangent: v)], values: [x3, [1.0, 1.0, 1.0]])
        case "jacobian_convolve1d", "pullback_convolve1d":
            let y = Tensor.vector("y", shape: [2])
            let conv = convolve1d(x, y, mode: .full)
            let xs: NDArray = [0.0, 1.0, 2.0], ys: NDArray = [1.0, -1.0]
            if name == "jacobian_convolve1d" {
                return Example(inputs: [x, y], outputs: [jacobian(conv, wrt: y)], values: [xs, ys])
            }
            let w = Tensor.vector("v", shape: [4])
            return Example(
                inputs: [x, y, w], outputs: [pullback(conv, wrt: y, cotangent: w)], values: [xs, ys, [1.0, 2.0, 3.0, 4.0]])
        case "jacobian_transpose", "pullback_transpose":
            let A = Tensor.matrix("A", shape: [2, nil])
            let a: NDArray = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
            if name == "jacobian_transpose" {
                return Example(inputs: [A], outputs: [jacobian(A.T.flattened(), wrt: A).reshaped(to: [6, 6])], values: [a])
            }
            let V = Tensor.matrix("V", shape: [3, 2])
            return Example(
                inputs: [A, V], outputs: [pullback(A.T, wrt: A, cotangent: V)], values: [a, [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]])
        case "grad_sum_cumsum_log": return Example(inputs: [x], outputs: [grad(cumsum(log(x)).sum(), wrt: x)], values: [x3])
        case "chained_pullbacks":
            let logX = log(x), cumsumLogX = cumsum(logX)
            let g = pullback(logX, wrt: x, cotangent: pullback(cumsumLogX, wrt: logX, cotangent: onesLike(cumsumLogX)))
            return Example(inputs: [x], outputs: [g], values: [x3])
        default:
            guard let example = ExportExamples.named(name, devices: 4) else { return nil }
            return Example(inputs: example.inputs, outputs: example.outputs, values: example.values)
        }
    }

    /// The example names with a line each.
    static func catalogText() -> String {
        "examples:\n" + catalog.map { "  \($0.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.summary)" }
            .joined(separator: "\n")
    }
}
