import CotangentArrays
import CotangentGraph
import CotangentOps

// Scans: outputs nobody reads are not computed.

/// A scan whose stored carries (the states a pullback reads) have no reader stops storing
/// them, and a scan none of whose outputs are read… is removed by the engine anyway; so the
/// memory of a forward-only loop is its carries and its stacked outputs, not T states.
/// PyTensor's `scan_save_mem` in its simplest form.
package let scanRemoveUnusedHistory = NodeRewriter(
    "scan_remove_unused_history", tracks: [Scan.self], placed: [.canonicalize(900), .specialize(900)]
) { context, node in
    guard let scan = node.op as? Scan, scan.storesHistory else { return nil }
    let c = scan.body.carries.count
    let k = scan.body.outputs.count
    let histories = node.outputs[(c + k)...]
    guard histories.allSatisfy({ context.clients($0).isEmpty && !context.isOutput($0) }) else { return nil }
    let replacement = buildOutputs(
        Scan(body: scan.body, reverse: scan.reverse, storesHistory: false), node.inputs.map(context.handle),
        outputCount: c + k)
    return replacement.map { Optional($0) } + histories.map { _ in nil }
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let scan: [NodeRewriter] = [scanRemoveUnusedHistory]
}
