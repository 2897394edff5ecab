import CotangentArrays
import CotangentGraph

/// The rows of a Jacobian computed one at a time: `out[i] = ∂flat[i]/∂wrt`, PyTensor's
/// `jacobian(vectorize=False)` (a Scan there).
///
/// The op holds an inner graph `grad(flat[i], wrt)` of one symbolic row index `i` and the outer
/// graph's inputs; the engine prepares it once and `perform` runs it for each row, keeping one row's intermediates at a
/// time. Printed `JacobianLoop`.
public struct JacobianLoop: InnerGraphOp {
    /// Identity of the inner graph (ops are equal only for the same inner graph).
    package let inner: RowGraph
    public var description: String { "JacobianLoop" }

    package final class RowGraph: Hashable, @unchecked Sendable {
        package let row: Variable
        package let output: Variable
        /// The symbolic shape of one row (used when there are no rows).
        package let rowShape: [Variable]
        /// The outer graph inputs the inner graph reads, in node-input order after the count.
        package let roots: [Variable]
        package init(row: Variable, output: Variable, rowShape: [Variable], roots: [Variable]) {
            self.row = row
            self.output = output
            self.rowShape = rowShape
            self.roots = roots
        }
        package static func == (a: RowGraph, b: RowGraph) -> Bool { a === b }
        package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
    }

    /// Builds the loop computing the Jacobian of the 1-d `flat` with respect to `wrt`.
    package static func build(
        _ flat: Variable, wrt: Variable, consideringConstant: [Variable], disconnected: DisconnectedInputs
    ) -> Variable {
        let row = Variable.scalar("row", dtype: .int64)
        let output = grad(flat[row], wrt: wrt, consideringConstant: consideringConstant, disconnected: disconnected)
        let rowShape = wrt.symbolicShape
        let roots = GraphTraversal.graphInputs([output] + rowShape).filter { $0 !== row }
        let op = JacobianLoop(inner: RowGraph(row: row, output: output, rowShape: rowShape, roots: roots))
        return CotangentGraph.build(op, [flat.length(ofDimension: 0)] + roots)
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        [TensorType(dtype: inner.output.dtype, shape: [inputs[0].constantValue.map { Int($0.item(Int64.self)) }]
            + inner.output.type.shape)]
    }

    /// Two inner graphs: one row from the row index and the outer inputs, and the shape of a
    /// row from the outer inputs alone (for a Jacobian with no rows).
    public func innerGraphs(_ node: Apply) -> [InnerGraph] {
        [
            InnerGraph(inputs: [inner.row] + inner.roots, outputs: [inner.output]),
            InnerGraph(inputs: inner.roots, outputs: inner.rowShape),
        ]
    }

    public func perform(_ inputs: [NDArray], node: Apply, programs: [any InnerProgram]) throws -> [NDArray] {
        let count = Int(inputs[0].item(Int64.self))
        let program = programs[0]
        var arguments = [NDArray(scalar: Int64(0))] + inputs.dropFirst()
        var rows: [NDArray] = []
        rows.reserveCapacity(count)
        try program.runRepeatedly { run in
            for index in 0..<count {
                arguments[0] = NDArray(scalar: Int64(index))
                rows.append(try run(arguments)[0])
            }
        }
        if rows.isEmpty {
            let shape = try programs[1].run(Array(inputs.dropFirst())).map { Int($0.item(Int64.self)) }
            return [NDArray.zeros([0] + shape, dtype: inner.output.dtype)]
        }
        return [NDArray.stacking(rows).converted(to: inner.output.dtype)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        nil
    }
}
