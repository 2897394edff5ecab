import CotangentArrays
import CotangentGraph
import CotangentOps

/// The graph from `inputs` to `outputs` as a StableHLO module (MLIR text), the input language
/// of XLA, which compiles it for CPUs, GPUs and TPUs and partitions it over devices.
///
/// The module's `func.func public @main` takes one argument per input, with the static shape
/// given here and the input's dtype, and returns the outputs in order. The graph is first
/// rebuilt for those shapes and rewritten with `fast_run` (without in-place execution and
/// elementwise fusion, which XLA decides for its own targets), so shape arithmetic folds away.
/// Shared variables the graph reads but `inputs` does not list become constants holding their
/// current values (list a shared variable among `inputs` to make it an argument).
///
/// With a `mesh` (`["data": 4]`, axis names and sizes, in device order) the module carries
/// Shardy annotations: a `sdy.mesh`, a `sdy.sharding` per argument from `inputShardings`
/// (replicated where nil) and per result from `outputShardings` (left to XLA's propagation
/// where nil), and `mhlo.num_partitions` set to the mesh's device count, so XLA's SPMD
/// partitioner runs the function over that many devices.
///
/// ```swift
/// let hlo = try exportStableHLO(inputs: [X, W], outputs: [loss, gW], inputShapes: [[256, 784], [784, 10]])
/// let sharded = try exportStableHLO(
///     inputs: [X, W], outputs: [loss, gW], inputShapes: [[256, 784], [784, 10]],
///     mesh: ["data": 4], inputShardings: [.split(axis: 0, over: "data"), .replicated])
/// ```
///
/// - Throws: `StableHLOExportError` listing every op of the graph without a StableHLO form
///   (and why), never invalid text; `CotangentError` for shapes that do not fit the inputs
///   (`.inputMismatch`), a graph that cannot be built for them, or shardings that do not fit
///   the mesh (`.invalidGraph`).
public func exportStableHLO(
    inputs: [Variable], outputs: [Variable], inputShapes: [[Int]], mesh: KeyValuePairs<String, Int> = [:],
    inputShardings: [Sharding?]? = nil, outputShardings: [Sharding?]? = nil, moduleName: String = "cotangent"
) throws -> String {
    try exportStableHLOModule(
        inputs: inputs, outputs: outputs, inputShapes: inputShapes, mesh: mesh, inputShardings: inputShardings,
        outputShardings: outputShardings, moduleName: moduleName
    ).text
}

/// ``exportStableHLO(inputs:outputs:inputShapes:mesh:inputShardings:outputShardings:moduleName:)``
/// with the names of the op types it exported: lowered, folded at export or rewritten away (the
/// test suite checks that its XLA cases cover every op type).
package func exportStableHLOModule(
    inputs: [Variable], outputs: [Variable], inputShapes: [[Int]], mesh: KeyValuePairs<String, Int> = [:],
    inputShardings: [Sharding?]? = nil, outputShardings: [Sharding?]? = nil, moduleName: String = "cotangent"
) throws -> (text: String, loweredOps: Set<String>) {
    let mesh = mesh.map { (name: $0.key, size: $0.value) }
    try validateExport(inputs: inputs, inputShapes: inputShapes, mesh: mesh)
    let listed = Set(inputs)
    for root in GraphTraversal.graphInputs(outputs) where root.sharedStorage == nil && !listed.contains(root) {
        throw CotangentError(
            .missingInput, "exportStableHLO: the outputs need input \(describe(root)), which is not among the inputs")
    }
    let (arguments, graphOutputs) = try prepareForExport(inputs: inputs, outputs: outputs, shapes: inputShapes)
    // Every op of the graph as given is exported in some form once the export succeeds: lowered,
    // folded into a constant at export, or rewritten away.
    let givenOps = Set(GraphTraversal.toposort(outputs).map { String(describing: type(of: $0.op)) })

    let builder = StableHLOBuilder()
    let parameters = arguments.enumerated().map { index, argument in
        StableHLOValue(
            name: "%arg\(index)",
            type: argument.type.isRandomGenerator
                ? StableHLOType(.int64, [2]) : StableHLOType(argument.dtype, inputShapes[index]))
    }
    let unsupported = GraphLowering.UnsupportedOps()
    let lowering = GraphLowering(
        builder: builder, bindings: Dictionary(uniqueKeysWithValues: zip(arguments, parameters)),
        unsupported: unsupported)
    let results = try lowering.lower(graphOutputs)
    guard unsupported.list.isEmpty else { throw StableHLOExportError(unsupportedOps: unsupported.list) }
    builder.emit("func.return", results, results: [])

    // Shardings, checked against ranks and the mesh.
    let inputShardings = inputShardings ?? Array(repeating: nil, count: inputs.count)
    let outputShardings = outputShardings ?? Array(repeating: nil, count: outputs.count)
    guard inputShardings.count == inputs.count, outputShardings.count == outputs.count else {
        throw CotangentError(
            .invalidGraph,
            "exportStableHLO: \(inputShardings.count) input shardings for \(inputs.count) inputs and "
                + "\(outputShardings.count) output shardings for \(outputs.count) outputs")
    }
    let sharded = !mesh.isEmpty
    if !sharded && (inputShardings + outputShardings).contains(where: { $0 != nil && $0 != .replicated }) {
        throw CotangentError(.invalidGraph, "exportStableHLO: shardings need a mesh (mesh: [\"data\": 4])")
    }
    for (index, sharding) in inputShardings.enumerated() {
        try sharding?.validate(rank: parameters[index].rank, mesh: mesh, what: "input \(index) (\(describe(inputs[index])))")
    }
    for (index, sharding) in outputShardings.enumerated() {
        try sharding?.validate(rank: results[index].rank, mesh: mesh, what: "output \(index)")
    }

    // The module.
    let partitions = mesh.map(\.size).reduce(1, *)
    var text = "module @\(moduleName) attributes {mhlo.num_partitions = \(partitions) : i32, mhlo.num_replicas = 1 : i32} {\n"
    if sharded {
        text += "  sdy.mesh @mesh = <[" + mesh.map { "\"\($0.name)\"=\($0.size)" }.joined(separator: ", ") + "]>\n"
    }
    for (index, input) in inputs.enumerated() {
        text += "  // %arg\(index): \(describe(input))\n"
    }
    let argumentList = parameters.enumerated().map { index, parameter in
        var text = "\(parameter.name): \(parameter.type)"
        if sharded { text += " {sdy.sharding = \((inputShardings[index] ?? .replicated).attribute(rank: parameter.rank))}" }
        return text
    }
    let resultList = results.enumerated().map { index, result in
        var text = "\(result.type)"
        if sharded, let sharding = outputShardings[index] { text += " {sdy.sharding = \(sharding.attribute(rank: result.rank))}" }
        return text
    }
    text += "  func.func public @main(" + argumentList.joined(separator: ", ") + ") -> ("
        + resultList.joined(separator: ", ") + ") {\n"
    text += builder.bodyText(indent: "    ") + "\n"
    text += "  }\n}\n"
    return (text, unsupported.loweredOps.union(givenOps))
}

/// `X: float64 (256, 784)`: an input as the module's comments name it.
private func describe(_ input: Variable) -> String {
    "\(input.name ?? "<unnamed>"): \(input.type)"
}

/// Checks the inputs against their shapes and the mesh.
private func validateExport(inputs: [Variable], inputShapes: [[Int]], mesh: [(name: String, size: Int)]) throws {
    guard inputs.count == inputShapes.count else {
        throw CotangentError(
            .inputMismatch, "exportStableHLO: \(inputs.count) inputs but \(inputShapes.count) input shapes")
    }
    for (input, shape) in zip(inputs, inputShapes) {
        guard input.constantValue == nil, input.owner == nil else {
            throw CotangentError(
                .inputMismatch, "exportStableHLO: input \(describe(input)) is not a graph input (a constant or computed)")
        }
        if input.type.isRandomGenerator || input.type.isScalarKind {
            guard shape == input.type.shape.map({ $0 ?? 0 }) else {
                throw CotangentError(
                    .inputMismatch,
                    "exportStableHLO: input \(describe(input)) has shape \(TensorType.format(input.type.shape)), given \(shape)")
            }
            continue
        }
        let fits =
            shape.count == input.ndim && zip(shape, input.type.shape).allSatisfy { $0 >= 0 && ($1 == nil || $1 == $0) }
        guard fits else {
            throw CotangentError(
                .inputMismatch,
                "exportStableHLO: input \(describe(input)) cannot have shape \(TensorType.format(shape.map { $0 }))")
        }
    }
    guard Set(inputs).count == inputs.count else {
        throw CotangentError(.inputMismatch, "exportStableHLO: an input is listed twice")
    }
    for axis in mesh where axis.size < 1 {
        throw CotangentError(.invalidGraph, "exportStableHLO: mesh axis \"\(axis.name)\" has size \(axis.size)")
    }
}
