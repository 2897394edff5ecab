/// The rows of a Jacobian computed one at a time: `out[i] = ∂flat[i]/∂wrt`, PyTensor's
/// `jacobian(vectorize=False)` (a Scan there).
///
/// The op holds an inner graph `grad(flat[i], wrt)` of one symbolic row index `i` and the outer
/// graph's inputs; `perform` evaluates it for each row, keeping one row's intermediates at a
/// time. Printed `JacobianLoop`.
public struct JacobianLoop: Op {
    /// Identity of the inner graph (ops are equal only for the same inner graph).
    let inner: InnerGraph
    public var description: String { "JacobianLoop" }

    final class InnerGraph: Hashable, @unchecked Sendable {
        let row: Variable
        let output: Variable
        /// The symbolic shape of one row (used when there are no rows).
        let rowShape: [Variable]
        /// The outer graph inputs the inner graph reads, in node-input order after the count.
        let roots: [Variable]
        init(row: Variable, output: Variable, rowShape: [Variable], roots: [Variable]) {
            self.row = row
            self.output = output
            self.rowShape = rowShape
            self.roots = roots
        }
        static func == (a: InnerGraph, b: InnerGraph) -> Bool { a === b }
        func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
    }

    /// Builds the loop computing the Jacobian of the 1-d `flat` with respect to `wrt`.
    static func build(
        _ flat: Variable, wrt: Variable, consideringConstant: [Variable], disconnected: DisconnectedInputs
    ) -> Variable {
        let row = Variable.scalar("row", dtype: .int64)
        let output = grad(flat[row], wrt: wrt, consideringConstant: consideringConstant, disconnected: disconnected)
        let rowShape = wrt.symbolicShape
        let roots = GraphTraversal.graphInputs([output] + rowShape).filter { $0 !== row }
        let op = JacobianLoop(inner: InnerGraph(row: row, output: output, rowShape: rowShape, roots: roots))
        return Cotangent.build(op, [flat.length(ofDimension: 0)] + roots)
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        [TensorType(dtype: inner.output.dtype, shape: [inputs[0].constantValue.map { Int($0.item(Int64.self)) }]
            + inner.output.type.shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let count = Int(inputs[0].item(Int64.self))
        var feed: [InputKey: NDArray] = [:]
        for (root, value) in zip(inner.roots, inputs.dropFirst()) { feed[.variable(root)] = value }
        var rows: [NDArray] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            feed[.variable(inner.row)] = NDArray(scalar: Int64(index))
            rows.append(try evaluate([inner.output], feed)[0])
        }
        if rows.isEmpty {
            let shape = try evaluate(inner.rowShape, feed).map { Int($0.item(Int64.self)) }
            return [NDArray.zeros([0] + shape, dtype: inner.output.dtype)]
        }
        return [NDArray.stacking(rows).converted(to: inner.output.dtype)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        nil
    }
}
