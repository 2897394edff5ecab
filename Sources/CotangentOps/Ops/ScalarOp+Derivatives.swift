import CotangentArrays
import CotangentGraph

// Derivative rules of the scalar ops, at tensor level.
//
// An elementwise op's Jacobian with respect to each input is diagonal, so one rule serves both
// directions: `partials(g)` returns, per input, `∂z/∂xᵢ ⊙ g`. The pullback applies it to the
// output cotangent (then sums over broadcast dimensions, in Elemwise); the pushforward applies
// it to each input's tangent and adds the terms. Rules follow PyTensor's forms where the seed
// prints them (log's is `g / x`).

private let ln2 = 0.6931471805599453
private let ln10 = 2.302585092994046
private let twoOverSqrtPi = 1.1283791670955126

extension ScalarOp {
    /// Which inputs the output depends on differentiably.
    package var connectedInputs: [Bool] {
        switch self {
        case .switch: [false, true, true]
        case .second: [false, true]
        case _ where isComparison || isBitwise: Array(repeating: false, count: arity)
        default: Array(repeating: true, count: arity)
        }
    }

    /// Per input, `∂z/∂xᵢ ⊙ g` for the output `z = op(x…)`, or nil where the input is not
    /// connected. `g` has the output's shape (or broadcasts to it).
    package func partials(_ g: Variable, inputs x: [Variable], output z: Variable) -> [InputGradient] {
        func value(_ v: Variable) -> InputGradient { .value(v) }
        func constant(_ c: Double) -> Variable { Variable(constant: NDArray.full([], value: c, dtype: z.dtype)) }
        let zeros = { (v: Variable) -> InputGradient in .value(zerosLike(v, dtype: z.dtype)) }
        switch self {
        case .add:
            return x.map { _ in value(g) }
        case .sub:
            return [value(g), value(-g)]
        case .mul:
            return x.indices.map { i in
                let others = x.indices.filter { $0 != i }.map { x[$0] }
                return value(others.isEmpty ? g : elemwise(.mul, [g] + others))
            }
        case .trueDiv:
            return [value(g / x[1]), value(-(g * x[0]) / (x[1] * x[1]))]
        case .intDiv, .floor, .ceil, .round, .sign:
            return x.map(zeros)
        case .mod:
            return [value(g), value(-CotangentOps.intDiv(x[0], x[1]) * g)]
        case .neg:
            return [value(-g)]
        case .reciprocal:
            return [value(-g / (x[0] * x[0]))]
        case .pow:
            let base = g * x[1] * CotangentOps.pow(x[0], x[1] - 1)
            let exponent = CotangentOps.select(x[0] .== 0, 0, g * CotangentOps.log(x[0]) * z)
            return [value(base), value(exponent)]
        case .sqr:
            return [value(g * x[0] * 2)]
        case .sqrt:
            return [value((g * 0.5) / z)]
        case .abs:
            return [value(g * CotangentOps.sign(x[0]))]
        case .maximum, .minimum:
            return [value(g * (z .== x[0]).cast(to: z.dtype)), value(g * (z .== x[1]).cast(to: z.dtype))]
        case .clip:
            let inside = (x[0] .>= x[1]) & (x[0] .<= x[2])
            return [
                value(CotangentOps.select(inside, g, 0)), value(CotangentOps.select(x[0] .< x[1], g, 0)),
                value(CotangentOps.select(x[0] .> x[2], g, 0)),
            ]
        case .exp:
            return [value(g * z)]
        case .exp2:
            return [value(g * z * constant(ln2))]
        case .expm1:
            return [value(g * (z + 1))]
        case .log:
            return [value(g / x[0])]
        case .log2:
            return [value(g / (x[0] * constant(ln2)))]
        case .log10:
            return [value(g / (x[0] * constant(ln10)))]
        case .log1p:
            return [value(g / (x[0] + 1))]
        case .sin:
            return [value(g * CotangentOps.cos(x[0]))]
        case .cos:
            return [value(-g * CotangentOps.sin(x[0]))]
        case .tan:
            return [value(g / CotangentOps.sqr(CotangentOps.cos(x[0])))]
        case .arcsin:
            return [value(g / CotangentOps.sqrt(1 - CotangentOps.sqr(x[0])))]
        case .arccos:
            return [value(-g / CotangentOps.sqrt(1 - CotangentOps.sqr(x[0])))]
        case .arctan:
            return [value(g / (CotangentOps.sqr(x[0]) + 1))]
        case .arctan2:
            let r2 = CotangentOps.sqr(x[0]) + CotangentOps.sqr(x[1])
            return [value(g * x[1] / r2), value(-g * x[0] / r2)]
        case .sinh:
            return [value(g * CotangentOps.cosh(x[0]))]
        case .cosh:
            return [value(g * CotangentOps.sinh(x[0]))]
        case .tanh:
            return [value(g * (1 - CotangentOps.sqr(z)))]
        case .arcsinh:
            return [value(g / CotangentOps.sqrt(CotangentOps.sqr(x[0]) + 1))]
        case .arccosh:
            return [value(g / CotangentOps.sqrt(CotangentOps.sqr(x[0]) - 1))]
        case .arctanh:
            return [value(g / (1 - CotangentOps.sqr(x[0])))]
        case .sigmoid:
            return [value(g * z * (1 - z))]
        case .softplus:
            return [value(g * CotangentOps.sigmoid(x[0]))]
        case .erf:
            return [value(g * constant(twoOverSqrtPi) * CotangentOps.exp(-CotangentOps.sqr(x[0])))]
        case .erfc:
            return [value(-g * constant(twoOverSqrtPi) * CotangentOps.exp(-CotangentOps.sqr(x[0])))]
        case .gammaln:
            return [value(g * CotangentOps.psi(x[0]))]
        case .psi:
            return [value(g * CotangentOps.trigamma(x[0]))]
        case .trigamma:
            return [.undefined("polygamma of order 2 (the derivative of trigamma) is not implemented")]
        case .switch:
            return [.disconnected, value(CotangentOps.select(x[0], g, 0)), value(CotangentOps.select(x[0], 0, g))]
        case .second:
            return [.disconnected, value(g)]
        case .identity:
            return [value(g)]
        case .cast:
            return [x[0].dtype.isFloat ? value(g.cast(to: x[0].dtype)) : .disconnected]
        case .eq, .neq, .lt, .le, .gt, .ge, .and, .or, .xor, .invert, .isnan, .isinf:
            return x.map { _ in .disconnected }
        case .composite:
            // Elemwise differentiates a composite through its expansion (Composite.swift).
            return x.map { _ in .undefined("a composite's partials come from its inner graph") }
        }
    }
}

extension Elemwise {
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        if case .composite(let graph) = scalarOp { return graph.connectionPattern(inputs: node.inputs.map(\.dtype)) }
        let connected = scalarOp.isVariadic
            ? Array(repeating: true, count: node.inputs.count) : scalarOp.connectedInputs
        return connected.map { [$0 && node.outputTypes[0].dtype.isFloat] }
    }

    /// Each input's term, summed over the dimensions where the input is statically 1 but the
    /// output is not (broadcasting copied the input there, so its cotangent adds up).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        if case .composite(let graph) = scalarOp { return graph.pullback(node, cotangents: cotangents) }
        guard let g = cotangents[0] else { return node.inputs.map { _ in .disconnected } }
        let output = node.output(0)
        return scalarOp.partials(g, inputs: node.inputs, output: output).enumerated().map { i, term in
            guard case .value(let gradient) = term else { return term }
            let input = node.inputs[i]
            guard input.dtype.isFloat else { return .disconnected }
            return .value(reduceToBroadcastPattern(gradient, of: input, output: output))
        }
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        if case .composite(let graph) = scalarOp { return graph.pushforward(node, tangents: tangents) }
        let output = node.output(0)
        var total: Variable? = nil
        for (i, tangent) in tangents.enumerated() {
            guard let tangent else { continue }
            let terms = scalarOp.partials(tangent, inputs: node.inputs, output: output)
            guard case .value(let term) = terms[i] else { continue }
            total = total.map { $0 + term } ?? term
        }
        // A tangent of inputs that broadcast (statically 1 where the output is not) is still
        // shaped like them: stretch it to the output's shape, as the tangent of the output.
        if let sum = total, zip(sum.type.shape, output.type.shape).contains(where: { $0 == 1 && $1 != 1 }) {
            total = second(output, sum)
        }
        return [total]
    }
}

/// Sums a cotangent of the output's shape over the dimensions that broadcasting stretched for
/// `input` (statically 1 in the input, not in the output), keeping them as length 1.
package func reduceToBroadcastPattern(_ gradient: Variable, of input: Variable, output: Variable) -> Variable {
    let axes = input.type.shape.indices.filter { axis in
        input.type.shape[axis] == 1 && output.type.shape[axis] != 1
    }
    let reduced = axes.isEmpty ? gradient : gradient.sum(axes: axes, keepDims: true)
    return reduced.dtype == input.dtype ? reduced : reduced.cast(to: input.dtype)
}
