import CotangentArrays
import CotangentGraph

/// A part of a graph cut out to become an op's inner graph (a loop body, a branch).
///
/// The nodes `moves` accepts go inside; every other value they read (and every output no
/// moved node computes) crosses the cut: it gets a placeholder inside and stays a value
/// outside. Constants stay inside. One placeholder serves each distinct outer value.
package struct InnerGraphCut {
    /// The placeholders, one per value crossing the cut.
    package var placeholders: [Variable] = []
    /// The outer values the placeholders stand for.
    package var values: [Variable] = []
    /// `outputs` rebuilt over the placeholders.
    package var outputs: [Variable] = []

    /// Cuts `outputs` out of their graph. `outer` maps a crossing value to the outer value it
    /// stands for (identity by default); `own` are the inner graph's own inputs (a step's
    /// carries and slices), which never cross. Values known at build time cross as constants.
    package init(
        _ outputs: [Variable], own: [Variable] = [], moves: (Apply) -> Bool,
        outer: ([Variable]) -> [Variable] = { $0 }
    ) {
        var crossing: [Variable] = []
        var seen = Set(own)
        var moved: Set<ObjectIdentifier> = []
        func cross(_ variable: Variable) {
            if let owner = variable.owner, moved.contains(ObjectIdentifier(owner)) { return }
            guard variable.constantValue == nil, seen.insert(variable).inserted else { return }
            crossing.append(variable)
        }
        for node in GraphTraversal.toposort(outputs) where moves(node) {
            moved.insert(ObjectIdentifier(node))
            node.inputs.forEach(cross)
        }
        outputs.forEach(cross)
        var byValue: [Variable: Variable] = [:]
        var substitution: [Variable: Variable] = [:]
        for (variable, value) in zip(crossing, outer(crossing)) {
            // A value known at build time (a static shape, a length computed from one) enters
            // as a constant: the inner graph keeps the static shapes the outer one had.
            if let folded = StaticFolding.value(of: variable) {
                substitution[variable] = Variable(constant: folded)
                continue
            }
            if let existing = byValue[value] {
                substitution[variable] = existing
                continue
            }
            let placeholder = Variable(type: variable.type, name: variable.name)
            byValue[value] = placeholder
            substitution[variable] = placeholder
            placeholders.append(placeholder)
            values.append(value)
        }
        self.outputs = replacing(outputs, substitution)
    }
}
