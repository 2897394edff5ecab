import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting

/// Lowers one graph (the exported function's, or an inner graph into a region) node by node.
///
/// It knows every variable's exported type, the values known at export (constants, shapes and
/// what is computed from them alone), and the StableHLO value of every variable lowered so far.
/// A node whose op cannot be lowered is recorded in the shared ``UnsupportedOps`` and given
/// placeholder results, so that one export reports every such node of the graph at once.
final class GraphLowering: StableHLOContext {
    /// The nodes without a lowering, shared by a graph's lowering and its inner graphs'.
    final class UnsupportedOps {
        var list: [StableHLOExportError.UnsupportedOp] = []
        /// The type names of the ops lowered (for coverage checks).
        var loweredOps: Set<String> = []

        func record(_ op: String, _ reason: String) {
            let entry = StableHLOExportError.UnsupportedOp(op: op, reason: reason)
            if !list.contains(entry) { list.append(entry) }
        }
    }

    /// Values computed at export are at most this many elements (shapes and index arithmetic);
    /// larger constant work is left to XLA.
    static let foldingLimit = 4096

    let builder: StableHLOBuilder
    let unsupported: UnsupportedOps
    private var values: [Variable: StableHLOValue] = [:]
    private var types: [Variable: StableHLOType] = [:]
    private var known: [Variable: NDArray] = [:]

    /// A lowering writing into `builder`, with `bindings` for the graph's inputs.
    init(builder: StableHLOBuilder, bindings: [Variable: StableHLOValue], unsupported: UnsupportedOps) {
        self.builder = builder
        self.unsupported = unsupported
        for (variable, value) in bindings {
            values[variable] = value
            types[variable] = value.type
        }
    }

    // MARK: StableHLOContext

    func type(of variable: Variable) -> StableHLOType {
        if let type = types[variable] { return type }
        if let value = variable.constantValue { return StableHLOType(value.dtype, value.shape) }
        // Only reached for variables whose shape is static (checked before a node is lowered).
        return StableHLOType(variable.dtype, variable.type.shape.map { $0 ?? 0 })
    }

    func staticValue(of variable: Variable) -> NDArray? {
        variable.constantValue ?? known[variable]
    }

    func lowerInnerGraph(_ graph: InnerGraph, arguments: [StableHLOValue], into builder: StableHLOBuilder) throws
        -> [StableHLOValue]
    {
        precondition(graph.inputs.count == arguments.count, "lowerInnerGraph: \(graph.inputs.count) inputs, \(arguments.count) arguments")
        // The inner graph is rebuilt for its arguments' static types and rewritten, as the outer
        // graph was, so its shapes are as static as the outer ones.
        let (inputs, outputs) = try prepareForExport(
            inputs: graph.inputs, outputs: graph.outputs, shapes: arguments.map(\.shape))
        let inner = GraphLowering(
            builder: builder, bindings: Dictionary(uniqueKeysWithValues: zip(inputs, arguments)),
            unsupported: unsupported)
        return try inner.lower(outputs)
    }

    // MARK: Lowering

    /// The StableHLO values of `outputs`, lowering every node they need.
    func lower(_ outputs: [Variable]) throws -> [StableHLOValue] {
        for node in GraphTraversal.toposort(outputs) { lower(node) }
        return outputs.map(value)
    }

    /// The value of a variable already lowered, a constant, or an unbound input.
    private func value(_ variable: Variable) -> StableHLOValue {
        if let value = values[variable] { return value }
        let lowered: StableHLOValue
        if let constant = staticValue(of: variable) {
            lowered = builder.constant(constant)
        } else {
            // A graph input the caller did not bind: an internal error, reported as such.
            unsupported.record("\(variable)", "an input of the graph that was not given to exportStableHLO")
            lowered = StableHLOValue(name: "%unbound", type: type(of: variable))
        }
        values[variable] = lowered
        return lowered
    }

    private func lower(_ node: Apply) {
        let opName = "\(node.op)"
        // Output types: the static ones, or computed from the shape rule at export.
        for (index, output) in node.outputs.enumerated() {
            do {
                types[output] = try exportedType(node, index)
            } catch {
                unsupported.record(opName, "\(error)")
                types[output] = StableHLOType(output.dtype, output.type.shape.map { $0 ?? 0 })
            }
        }
        fold(node)
        // A node whose every output is known at export becomes constants.
        if node.outputs.allSatisfy({ known[$0] != nil }) {
            for output in node.outputs { values[output] = builder.constant(known[output]!) }
            return
        }
        let operands = node.inputs.map(value)
        do {
            let results = try node.op.lowerToStableHLO(node, operands: operands, context: self)
            let expected = node.outputs.map { type(of: $0) }
            guard results.map(\.type) == expected else {
                throw StableHLONotExportable(
                    "its lowering gave " + results.map(\.type.description).joined(separator: ", ") + " for "
                        + expected.map(\.description).joined(separator: ", "))
            }
            for (output, result) in zip(node.outputs, results) { values[output] = result }
            unsupported.loweredOps.insert(String(describing: Swift.type(of: node.op)))
        } catch {
            unsupported.record(opName, "\(error)")
            for output in node.outputs {
                values[output] = StableHLOValue(name: "%unsupported", type: type(of: output))
            }
        }
    }

    /// The exported type of a node's output: its static type when every length is known, else
    /// its shape rule evaluated at export, else the shape of its value when that is known.
    private func exportedType(_ node: Apply, _ index: Int) throws -> StableHLOType {
        let output = node.output(index)
        if output.type.shape.allSatisfy({ $0 != nil }) {
            return StableHLOType(output.dtype, output.type.shape.map { $0! })
        }
        let inputShapes = node.inputs.map { input in
            type(of: input).shape.map { Variable(constant: NDArray(scalar: Int64($0))) }
        }
        if let shapes = node.op.inferShape(node, inputShapes: inputShapes) {
            var memo: [Variable: NDArray] = [:]
            let lengths = shapes[index].map { evaluate($0, memo: &memo) }
            if lengths.allSatisfy({ $0 != nil }) {
                return StableHLOType(output.dtype, lengths.map { Int($0!.item(Int64.self)) })
            }
        }
        throw StableHLONotExportable(
            "output \(index)'s shape \(TensorType.format(output.type.shape)) depends on values computed at run time")
    }

    /// Computes the values of the node's outputs at export when its inputs are known and small.
    private func fold(_ node: Apply) {
        if node.isOp(ShapeOp.self), let input = node.inputs.first {
            known[node.output(0)] = NDArray(type(of: input).shape.map { Int64($0) })
            return
        }
        if let shapeI = node.castOp(to: ShapeI.self), let input = node.inputs.first {
            known[node.output(0)] = NDArray(scalar: Int64(type(of: input).shape[shapeI.axis]))
            return
        }
        guard node.op.asInnerGraphOp == nil, !node.isOp(RandomVariable.self) else { return }
        var inputs: [NDArray] = []
        for input in node.inputs {
            guard let value = staticValue(of: input), value.count <= Self.foldingLimit else { return }
            inputs.append(value)
        }
        guard let outputs = try? node.op.perform(inputs, node: node),
            outputs.allSatisfy({ $0.count <= Self.foldingLimit })
        else { return }
        for (output, value) in zip(node.outputs, outputs) { known[output] = value }
    }

    /// The value of a variable of a shape rule's graph, computed from constants and the values
    /// known at export, or nil.
    private func evaluate(_ variable: Variable, memo: inout [Variable: NDArray]) -> NDArray? {
        if let value = staticValue(of: variable) ?? memo[variable] { return value }
        guard let node = variable.owner, node.op.asInnerGraphOp == nil else { return nil }
        if node.isOp(ShapeOp.self) || node.isOp(ShapeI.self), let input = node.inputs.first, types[input] != nil {
            let shape = type(of: input).shape
            if let shapeI = node.castOp(to: ShapeI.self) { return NDArray(scalar: Int64(shape[shapeI.axis])) }
            return NDArray(shape.map { Int64($0) })
        }
        var inputs: [NDArray] = []
        for input in node.inputs {
            guard let value = evaluate(input, memo: &memo) else { return nil }
            inputs.append(value)
        }
        guard let outputs = try? node.op.perform(inputs, node: node) else { return nil }
        for (output, value) in zip(node.outputs, outputs) { memo[output] = value }
        return memo[variable]
    }
}

/// A graph rebuilt for export: its inputs replaced by variables of the given static shapes,
/// shared variables by constants of their current values, then rewritten with `fast_run`
/// (without in-place work, which XLA decides itself, and without elementwise fusion, which XLA
/// does better for its own targets).
func prepareForExport(inputs: [Variable], outputs: [Variable], shapes: [[Int]]) throws -> ([Variable], [Variable]) {
    var replacements: [Variable: Variable] = [:]
    var fresh: [Variable] = []
    for (input, shape) in zip(inputs, shapes) {
        let type =
            input.type.isRandomGenerator
            ? TensorType.randomGenerator
            : (input.type.isScalarKind ? input.type : TensorType(dtype: input.dtype, shape: shape))
        let replacement = Variable(type: type, name: input.name)
        replacements[input] = replacement
        fresh.append(replacement)
    }
    for node in GraphTraversal.toposort(outputs) {
        for input in node.inputs where input.sharedStorage != nil && replacements[input] == nil {
            replacements[input] = Variable(constant: input.sharedStorage!.get(), type: input.type, name: input.name)
        }
    }
    for output in outputs where output.sharedStorage != nil && replacements[output] == nil {
        replacements[output] = Variable(constant: output.sharedStorage!.get(), type: output.type, name: output.name)
    }
    let rebuilt = try checked { replacing(outputs, replacements) }
    let rewritten = rewriteGraph(rebuilt, include: ["fast_run"], exclude: ["inplace", "fusion"])
    return (fresh, rewritten)
}
