import CotangentArrays
import CotangentGraph

/// The Jacobian-vector product `∂f/∂wrt · tangent` (PyTensor's `Rop`/`pushforward`), shaped
/// like `f`.
///
/// Tangents flow forward through the graph. Each node uses its op's native forward rule when it
/// has one; a node without one uses the double-pullback trick locally: its pullback `g(u) = Jᵀu`
/// is linear in a dummy cotangent `u`, so pulling `g` back with respect to `u` along the tangent
/// gives `J·t` (J. Towns' trick). Every differentiable graph therefore has a JVP.
public func pushforward(
    _ f: Variable, wrt: Variable, tangent: Variable, disconnected: DisconnectedInputs = .raise
) -> Variable {
    pushforward([f], wrt: [wrt], tangents: [tangent], disconnected: disconnected)[0]
}

/// The Jacobian-vector product of one output along several inputs' tangents.
public func pushforward(
    _ f: Variable, wrt: [Variable], tangents: [Variable], disconnected: DisconnectedInputs = .raise
) -> Variable {
    pushforward([f], wrt: wrt, tangents: tangents, disconnected: disconnected)[0]
}

/// Jacobian-vector products of several outputs: `Σᵢ ∂fₖ/∂wrtᵢ · tangentᵢ` for each output `fₖ`.
public func pushforward(
    _ outputs: [Variable], wrt: [Variable], tangents: [Variable],
    disconnected: DisconnectedInputs = .raise
) -> [Variable] {
    guard wrt.count == tangents.count else {
        reportBuildError(
            CotangentError(
                .invalidGradient, "pushforward: \(wrt.count) inputs but \(tangents.count) tangents"))
        return outputs.map { placeholderVariable($0.type) }
    }
    var flowing: [Variable: Variable] = [:]
    for (input, tangent) in zip(wrt, tangents) {
        guard input.dtype.isFloat else {
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "pushforward: \(input) of type \(input.type) is not a float input; integer and bool "
                        + "inputs have no tangent"))
            return outputs.map { placeholderVariable($0.type) }
        }
        guard let checked = checkCotangents([tangent], for: [input], transform: "pushforward") else {
            return outputs.map { placeholderVariable($0.type) }
        }
        flowing[input] = checked[0]
    }
    for node in GraphTraversal.toposort(outputs) {
        let inputTangents = node.inputs.map { input in input.dtype.isFloat ? flowing[input] : nil }
        guard inputTangents.contains(where: { $0 != nil }) else { continue }
        let outputTangents =
            node.op.pushforward(node, tangents: inputTangents) ?? doublePullback(node, tangents: inputTangents)
        for (output, tangent) in zip(node.outputs, outputTangents) {
            if let tangent, output.dtype.isFloat {
                flowing[output] = shapedLike(tangent, output)
            }
        }
    }
    return outputs.map { output in
        if let tangent = flowing[output] { return tangent }
        switch disconnected {
        case .raise:
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "pushforward: the output \(output) of type \(output.type) does not depend on "
                        + wrt.map(\.description).joined(separator: ", ")
                        + "; pass disconnected: .zero to get zeros"))
            return placeholderVariable(output.type)
        case .zero, .none:
            return zerosLike(output)
        }
    }
}

/// A rule's tangent with its primal output's dtype and static shape. A rule may return a tangent
/// that still broadcasts (an elementwise op whose only tangent came from a statically-1 input,
/// `x - y.max()` along `y`); every tangent is checked here, once for all rules, and broadcast to
/// the output's shape with `Alloc` where it would otherwise stay smaller, so the JVP has `f`'s
/// shape and later ops see `f`'s type.
package func shapedLike(_ tangent: Variable, _ output: Variable) -> Variable {
    var result = tangent.dtype == output.dtype ? tangent : tangent.cast(to: output.dtype)
    guard result.type.shape != output.type.shape, result.ndim <= output.ndim else { return result }
    let lead = output.ndim - result.ndim
    let broadcasts = lead > 0
        || (0..<result.ndim).contains { result.type.shape[$0] == 1 && output.type.shape[lead + $0] != 1 }
    if broadcasts { result = alloc(result, shape: output.symbolicShape) }
    if result.ndim == output.ndim, result.type.shape != output.type.shape,
        zip(result.type.shape, output.type.shape).allSatisfy({ $0 == nil || $0 == $1 })
    {
        result = result.specifyingShape(output.type.shape)
    }
    return result
}

/// A node's JVP from its pullback: `Jt = ∂(Jᵀu)ᵀt/∂u` with dummy cotangents
/// `u = zeros_like(output)` that only multiply, so the result does not depend on their value.
package func doublePullback(_ node: Apply, tangents: [Variable?]) -> [Variable?] {
    let outputs = node.outputs
    let dummies = outputs.map { output in output.dtype.isFloat ? zerosLike(output) : nil }
    let pulled = node.op.pullback(node, cotangents: dummies)
    var seeds: [Variable] = []
    var seedTangents: [Variable] = []
    for (i, result) in pulled.enumerated() {
        guard let tangent = tangents[i] else { continue }
        switch result {
        case .value(let gradient):
            seeds.append(gradient)
            seedTangents.append(tangent.cast(to: gradient.dtype))
        case .undefined(let reason):
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "pushforward through \(node.op): the derivative with respect to input \(i) is undefined: \(reason)"))
            return outputs.map { _ in nil }
        case .disconnected:
            continue
        }
    }
    guard !seeds.isEmpty else { return outputs.map { _ in nil } }
    let live = dummies.compactMap { $0 }
    var accumulator = GradientAccumulator(outputs: seeds, wrt: live, constants: [])
    for (seed, tangent) in zip(seeds, seedTangents) { accumulator.addTerm(tangent, to: seed) }
    accumulator.propagate()
    return dummies.map { dummy -> Variable? in
        guard let dummy, case .value(let jvp) = accumulator.total(for: dummy) else { return nil }
        return jvp
    }
}
