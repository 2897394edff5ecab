import CotangentArrays
import CotangentGraph
import CotangentOps

/// The type identity of `Elemwise`, compared before any cast so that nodes of other ops cost
/// one integer comparison.
private let elemwiseType = ObjectIdentifier(Elemwise.self)

extension FunctionGraph.Node {
    /// The scalar op of an `Elemwise` node, nil for other ops. Most rewriters read it; the
    /// working graph (a lower layer) knows nothing of `Elemwise`, so it is found here.
    @inline(__always) package var scalarOp: ScalarOp? {
        // An Elemwise node always carries its box (``Elemwise/nodePayload``).
        opType == elemwiseType ? unsafeDowncast(payload.unsafelyUnwrapped, to: ScalarOpBox.self).scalarOp : nil
    }
}
