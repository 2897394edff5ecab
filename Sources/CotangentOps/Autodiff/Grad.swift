import CotangentArrays
import CotangentGraph

/// What a derivative transform returns for a `wrt` the outputs do not depend on.
public enum DisconnectedInputs: Sendable, Hashable {
    /// Stop (or throw inside `checked`) with an error naming the input: PyTensor's default.
    case raise
    /// Return zeros shaped like the input.
    case zero
    /// Return nil (only from the transforms that return optionals, e.g. ``gradients(of:wrt:seeds:consideringConstant:disconnected:)``).
    case none
}

// MARK: - Public transforms

/// The gradient of a scalar cost: `∂cost/∂wrt`, a tensor shaped like `wrt`.
///
/// The seed cotangent is `ones_like(cost)` (printed `Second(cost, 1.0)`), then every node's
/// pullback runs once, outputs before inputs, and terms reaching a variable are summed.
/// Integer and bool variables carry no gradient; `consideringConstant` variables stop it.
///
/// A non-scalar or integer cost, an integer `wrt`, a `wrt` the cost does not depend on (with
/// `disconnected: .raise`) or an undefined gradient stops with a precise message; inside
/// `checked(_:)` it is thrown instead.
public func grad(
    _ cost: Variable, wrt: Variable, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> Variable {
    grad(cost, wrt: [wrt], consideringConstant: consideringConstant, disconnected: disconnected)[0]
}

/// Gradients of a scalar cost with respect to several inputs, in order.
public func grad(
    _ cost: Variable, wrt: [Variable], consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> [Variable] {
    let policy: DisconnectedInputs = disconnected == .none ? .zero : disconnected
    guard cost.ndim == 0 else {
        reportBuildError(
            CotangentError(
                .invalidGradient,
                "grad: the cost must be a scalar (0-d), got \(cost) of type \(cost.type); "
                    + "use pullback(_:wrt:cotangent:) or jacobian(_:wrt:) for non-scalar outputs"))
        return wrt.map { placeholderVariable($0.type) }
    }
    guard cost.dtype.isFloat else {
        reportBuildError(
            CotangentError(
                .invalidGradient,
                "grad: the cost \(cost) has dtype \(cost.dtype); gradients need a float cost (cast it)"))
        return wrt.map { placeholderVariable($0.type) }
    }
    let seed = onesLike(cost)
    return gradients(
        of: [cost], wrt: wrt, seeds: [seed], consideringConstant: consideringConstant,
        disconnected: policy
    ).enumerated().map { index, value in value ?? zerosLike(wrt[index]) }
}

/// The vector-Jacobian product `cotangentᵀ · ∂f/∂wrt` (PyTensor's `Lop`/`pullback`), shaped
/// like `wrt`, computed by the structured pullback rules without building the Jacobian.
public func pullback(
    _ f: Variable, wrt: Variable, cotangent: Variable, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> Variable {
    pullback([f], wrt: [wrt], cotangents: [cotangent], consideringConstant: consideringConstant,
             disconnected: disconnected)[0]
}

/// The vector-Jacobian product of one output with respect to several inputs, in order.
public func pullback(
    _ f: Variable, wrt: [Variable], cotangent: Variable, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> [Variable] {
    pullback([f], wrt: wrt, cotangents: [cotangent], consideringConstant: consideringConstant,
             disconnected: disconnected)
}

/// The vector-Jacobian product of several outputs (each with its cotangent) with respect to
/// several inputs: `Σₖ cotangentₖᵀ · ∂fₖ/∂wrtᵢ` for each `wrtᵢ`.
public func pullback(
    _ outputs: [Variable], wrt: [Variable], cotangents: [Variable],
    consideringConstant: [Variable] = [], disconnected: DisconnectedInputs = .raise
) -> [Variable] {
    let policy: DisconnectedInputs = disconnected == .none ? .zero : disconnected
    guard let seeds = checkCotangents(cotangents, for: outputs, transform: "pullback") else {
        return wrt.map { placeholderVariable($0.type) }
    }
    return gradients(
        of: outputs, wrt: wrt, seeds: seeds, consideringConstant: consideringConstant,
        disconnected: policy
    ).enumerated().map { index, value in value ?? zerosLike(wrt[index]) }
}

/// The general reverse-mode transform: gradients of `outputs` seeded with `seeds` (one
/// cotangent per output, already checked), with nil for disconnected inputs under
/// `disconnected: .none`.
public func gradients(
    of outputs: [Variable], wrt: [Variable], seeds: [Variable], consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> [Variable?] {
    for input in wrt where !input.dtype.isFloat {
        reportBuildError(
            CotangentError(
                .invalidGradient,
                "gradient with respect to \(input) of type \(input.type): integer and bool inputs "
                    + "have no gradient"))
        return wrt.map { placeholderVariable($0.type) }
    }
    var accumulator = GradientAccumulator(
        outputs: outputs, wrt: wrt, constants: Set(consideringConstant))
    for (output, seed) in zip(outputs, seeds) { accumulator.addTerm(seed, to: output) }
    accumulator.propagate()
    return wrt.map { input in
        switch accumulator.total(for: input) {
        case .value(let gradient): return gradient
        case .undefined(let reason):
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "the gradient with respect to \(input) of type \(input.type) is undefined: \(reason)"))
            return placeholderVariable(input.type)
        case .disconnected:
            switch disconnected {
            case .raise:
                reportBuildError(
                    CotangentError(
                        .invalidGradient,
                        "the outputs do not depend on \(input) of type \(input.type) (it is not part "
                            + "of their graph, or only through integer values or constants); pass "
                            + "disconnected: .zero to get zeros"))
                return placeholderVariable(input.type)
            case .zero: return zerosLike(input)
            case .none: return nil
            }
        }
    }
}

/// Checks one cotangent per output (same rank, compatible static shape), casting float
/// cotangents to the output's dtype.
package func checkCotangents(_ cotangents: [Variable], for outputs: [Variable], transform: String) -> [Variable]? {
    guard cotangents.count == outputs.count else {
        reportBuildError(
            CotangentError(
                .invalidGradient,
                "\(transform): \(outputs.count) outputs but \(cotangents.count) cotangents"))
        return nil
    }
    var checked: [Variable] = []
    for (output, cotangent) in zip(outputs, cotangents) {
        let compatible =
            cotangent.ndim == output.ndim
            && zip(cotangent.type.shape, output.type.shape).allSatisfy { a, b in a == nil || b == nil || a == b }
        guard compatible else {
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "\(transform): the cotangent \(cotangent) of type \(cotangent.type) does not match "
                        + "the output \(output) of type \(output.type) (shapes "
                        + "\(TensorType.format(cotangent.type.shape)) and \(TensorType.format(output.type.shape)))"))
            return nil
        }
        checked.append(output.dtype.isFloat ? cotangent.cast(to: output.dtype) : cotangent)
    }
    return checked
}

// MARK: - The accumulator

/// PyTensor's gradient accumulation (§2.1 of the anatomy notes): prune to nodes that lie on a
/// differentiable path from a `wrt` to an output, run each pullback once (outputs first),
/// sum terms per variable left to right, and let undefined gradients win over values.
package struct GradientAccumulator {
    private let nodes: [Apply]
    private var dependent: Set<Variable> = []
    private var terms: [Variable: [Variable]] = [:]
    private var undefined: [Variable: String] = [:]
    private var totals: [Variable: Variable] = [:]

    package init(outputs: [Variable], wrt: [Variable], constants: Set<Variable>) {
        nodes = GraphTraversal.toposort(outputs)
        dependent = Set(wrt)
        // Forward pass: which variables depend differentiably on some wrt.
        for node in nodes {
            let pattern = node.op.connectionPattern(node)
            for (k, output) in node.outputs.enumerated() where output.dtype.isFloat {
                let reached = node.inputs.indices.contains { i in
                    pattern[i][k] && dependent.contains(node.inputs[i])
                        && !constants.contains(node.inputs[i]) && node.inputs[i].dtype.isFloat
                }
                if reached { dependent.insert(output) }
            }
        }
        for constant in constants { dependent.remove(constant) }
        for variable in wrt { dependent.insert(variable) }
    }

    package mutating func addTerm(_ term: Variable, to variable: Variable) {
        guard dependent.contains(variable), variable.dtype.isFloat else { return }
        let matched = term.dtype == variable.dtype ? term : term.cast(to: variable.dtype)
        terms[variable, default: []].append(matched)
    }

    /// Runs every relevant pullback, outputs first.
    package mutating func propagate() {
        for node in nodes.reversed() {
            guard node.inputs.contains(where: { dependent.contains($0) }) else { continue }
            let outputs = node.outputs
            let reasons = outputs.compactMap { undefined[$0] }
            let cotangents = outputs.map { sum(for: $0) }
            if cotangents.allSatisfy({ $0 == nil }) && reasons.isEmpty { continue }
            let pattern = node.op.connectionPattern(node)
            if let reason = reasons.first {
                for (i, input) in node.inputs.enumerated() where dependent.contains(input)
                    && pattern[i].contains(true)
                {
                    undefined[input] = undefined[input] ?? reason
                }
                continue
            }
            let results = node.op.pullback(node, cotangents: cotangents)
            // A custom op with a wrong rule is a programmer error; the message must survive -O.
            if results.count != node.inputs.count {
                stopBuilding("\(node.op).pullback returned \(results.count) gradients for \(node.inputs.count) inputs")
            }
            for (i, result) in results.enumerated() {
                let input = node.inputs[i]
                guard dependent.contains(input), pattern[i].contains(true) else { continue }
                switch result {
                case .value(let gradient):
                    if gradient.ndim != input.ndim {
                        stopBuilding("\(node.op).pullback: gradient of rank \(gradient.ndim) for input \(i) of type \(input.type)")
                    }
                    addTerm(gradient, to: input)
                case .undefined(let reason):
                    undefined[input] = undefined[input] ?? reason
                case .disconnected:
                    break
                }
            }
        }
    }

    /// The summed cotangent of a variable (built once), or nil when no term reached it.
    private mutating func sum(for variable: Variable) -> Variable? {
        if let total = totals[variable] { return total }
        guard let parts = terms[variable], var total = parts.first else { return nil }
        for part in parts.dropFirst() { total = total + part }
        totals[variable] = total
        return total
    }

    package mutating func total(for variable: Variable) -> InputGradient {
        if let reason = undefined[variable] { return .undefined(reason) }
        return sum(for: variable).map(InputGradient.value) ?? .disconnected
    }
}
