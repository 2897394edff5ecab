import CotangentArrays
import CotangentGraph
import CotangentOps

// Scans: outputs nobody reads are not computed, and work that does not need the loop leaves it.

/// A scan whose stored carries (the states a pullback reads) have no reader stops storing
/// them, and a scan none of whose outputs are read… is removed by the engine anyway; so the
/// memory of a forward-only loop is its carries and its stacked outputs, not T states.
/// PyTensor's `scan_save_mem` in its simplest form.
package let scanRemoveUnusedHistory = NodeRewriter(
    "scan_remove_unused_history", tracks: [Scan.self], placed: [.canonicalize(900), .specialize(900)]
) { context, node in
    guard let scan = node.castOp(to: Scan.self), scan.storesHistory else { return nil }
    let c = scan.body.carries.count
    let k = scan.body.outputs.count
    let histories = node.outputs[(c + k)...]
    guard histories.allSatisfy({ context.clients($0).isEmpty && !context.isOutput($0) }) else { return nil }
    let replacement = buildOutputs(
        Scan(body: scan.body, reverse: scan.reverse, storesHistory: false, checkpoint: scan.checkpoint),
        node.inputs.map(context.handle), outputCount: c + k)
    return replacement.map { Optional($0) } + histories.map { _ in nil }
}

/// Stacked outputs nobody reads, and carries whose final value (and history) nobody reads and
/// that no kept value of the body depends on, are dropped with the body's work for them, as
/// are sequences no kept value reads (PyTensor's `remove_unused_outputs`). A pullback's
/// gradient with respect to the sequences, when only the weights were asked for, is such an
/// output.
package let scanRemoveUnusedOutputs = NodeRewriter(
    "scan_remove_unused_outputs", tracks: [Scan.self], placed: [.canonicalize(890), .specialize(890)]
) { context, node in
    guard let scan = node.castOp(to: Scan.self) else { return nil }
    let body = scan.body
    let (c, k) = (body.carries.count, body.outputs.count)
    func isRead(_ index: Int) -> Bool { !context.clients(node.outputs[index]).isEmpty || context.isOutput(node.outputs[index]) }
    let keptOutputs = (0..<k).filter { isRead(c + $0) }
    var keptCarries = Set((0..<c).filter { isRead($0) || (scan.storesHistory && isRead(c + k + $0)) })
    guard !keptOutputs.isEmpty || !keptCarries.isEmpty else { return nil }
    // Everything read and at most the first sequence (always kept): nothing to drop, and no
    // walk of the body to find that out (a Jacobian's row loop, compiled often, is this case).
    if keptOutputs.count == k, keptCarries.count == c, body.slices.count <= 1 { return nil }
    // A kept value may read other carries: keep those too, until nothing changes.
    var reached: Set<Variable> = []
    while true {
        let roots = keptOutputs.map { body.outputs[$0] } + keptCarries.sorted().map { body.newCarries[$0] }
            + (body.condition.map { [$0] } ?? [])
        reached = Set(roots).union(GraphTraversal.toposort(roots).flatMap(\.inputs))
        let more = (0..<c).filter { !keptCarries.contains($0) && reached.contains(body.carries[$0]) }
        if more.isEmpty { break }
        keptCarries.formUnion(more)
    }
    // A sequence no kept value reads goes, except the first (it gives the stacked values their
    // static length).
    let slices = body.slices.indices.filter { $0 == 0 || reached.contains(body.slices[$0]) }
    guard keptOutputs.count < k || keptCarries.count < c || slices.count < body.slices.count else { return nil }
    var parts = ScanParts(scan, inputs: node.inputs.map(context.handle))
    let carries = keptCarries.sorted()
    parts.keepCarries(carries)
    parts.outputs = keptOutputs.map { body.outputs[$0] }
    parts.slices = slices.map { body.slices[$0] }
    parts.sequences = slices.map { parts.allSequences[$0] }
    return parts.replacements(parts.rebuild(), keptCarries: carries, keptOutputs: keptOutputs)
}

/// Work of the body that reads this step's slices (and loop-invariant values) but no carry is
/// done for every step at once before the loop, and the body reads its rows: an RNN's
/// `x_t·Wx` becomes one matrix product `xs·Wx` (PyTensor's `scan_push_out_seq`). Only
/// elementwise ops, dimension shuffles and dot products move, as in PyTensor; a value that is
/// only a view of a slice stays inside. A loop with no carry (`map`, a Jacobian's rows) is left
/// as it is: moving its work out would vectorize what its author chose to run row by row (to
/// hold one row's intermediates at a time).
package let scanPushOutSequenceWork = NodeRewriter(
    "scan_push_out_seq", tracks: [Scan.self], placed: [.canonicalize(880)]
) { context, node in
    guard let scan = node.castOp(to: Scan.self), scan.body.condition == nil, !scan.body.slices.isEmpty,
        !scan.body.carries.isEmpty
    else { return nil }
    let body = scan.body
    let roots = body.newCarries + body.outputs
    let nodes = GraphTraversal.toposort(roots)
    var available = Set(body.slices + body.nonSequences)
    var varying = Set(body.slices)
    var moved: Set<ObjectIdentifier> = []
    for step in nodes where step.isOp(Elemwise.self) || step.isOp(Dot.self) || step.isOp(DimShuffle.self) {
        guard step.inputs.allSatisfy({ available.contains($0) || $0.constantValue != nil }),
            step.inputs.contains(where: varying.contains)
        else { continue }
        moved.insert(ObjectIdentifier(step))
        available.formUnion(step.outputs)
        varying.formUnion(step.outputs)
    }
    // The moved values the rest of the body reads (or returns), minus views of a slice.
    func isMoved(_ value: Variable) -> Bool { value.owner.map { moved.contains(ObjectIdentifier($0)) } ?? false }
    var frontier: [Variable] = []
    var seen: Set<Variable> = []
    let readers = nodes.filter { !moved.contains(ObjectIdentifier($0)) }.flatMap(\.inputs) + roots
    for value in readers where isMoved(value) && seen.insert(value).inserted {
        if value.owner!.isOp(DimShuffle.self), value.owner!.inputs.allSatisfy({ !isMoved($0) }) { continue }
        frontier.append(value)
    }
    guard !frontier.isEmpty else { return nil }
    var parts = ScanParts(scan, inputs: node.inputs.map(context.handle))
    let bound = Dictionary(uniqueKeysWithValues: zip(body.nonSequences, parts.nonSequenceValues))
    let stacked = vectorizeGraph(
        replacing(frontier, bound), replacing: Dictionary(uniqueKeysWithValues: zip(body.slices, parts.sequences)))
    var substitution: [Variable: Variable] = [:]
    for (value, outer) in zip(frontier, stacked) {
        let placeholder = Variable(type: value.type, name: value.name)
        substitution[value] = placeholder
        if outer.ndim == value.ndim + 1 {
            parts.slices.append(placeholder)
            parts.sequences.append(outer)
        } else {
            parts.nonSequences.append(placeholder)
            parts.nonSequenceValues.append(outer)
        }
    }
    let rebuiltBody = replacing(roots, substitution)
    parts.newCarries = Array(rebuiltBody[..<body.newCarries.count])
    parts.outputs = Array(rebuiltBody[body.newCarries.count...])
    let rebuilt = parts.rebuild()
    return (rebuilt.carries + rebuilt.outputs + rebuilt.histories).map { Optional($0) }
}

/// A carry that only accumulates, `acc ← acc + term`, read by nothing else in the body and
/// whose history nobody reads, becomes a sum after the loop: the body stacks what the term
/// needs and the carry's final value is `initial + Σₜ term` (PyTensor's `scan_push_out_add`).
/// An outer product `uₜ vₜᵀ` (a pullback's weight gradient) sums as one matrix product
/// `Uᵀ·V` of the stacked vectors — a slice's vector is read from its sequence, not stacked
/// again; a term of rank 0 or 1 is stacked and summed. Other terms stay in the loop (a
/// stacked matrix per step would cost more memory than the carry saves).
package let scanPushOutAccumulation = NodeRewriter(
    "scan_push_out_add", tracks: [Scan.self], placed: [.canonicalize(885)]
) { context, node in
    // (No carry, nothing to push: no walk of the body to find that out.)
    guard let scan = node.castOp(to: Scan.self), scan.body.condition == nil, !scan.body.carries.isEmpty else { return nil }
    let body = scan.body
    let (c, k) = (body.carries.count, body.outputs.count)
    let roots = body.newCarries + body.outputs
    let nodes = GraphTraversal.toposort(roots)
    var readers: [Variable: Int] = [:]
    for step in nodes { for input in step.inputs { readers[input, default: 0] += 1 } }
    for root in roots { readers[root, default: 0] += 1 }

    /// The term a carry accumulates, when it qualifies.
    func accumulatedTerm(_ i: Int) -> Variable? {
        let carry = body.carries[i], new = body.newCarries[i]
        guard let add = new.owner, add.castOp(to: Elemwise.self)?.scalarOp == .add, add.inputs.count == 2,
            readers[carry] == 1, readers[new] == 1,
            !(scan.storesHistory && (!context.clients(node.outputs[c + k + i]).isEmpty || context.isOutput(node.outputs[c + k + i])))
        else { return nil }
        guard let position = add.inputs.firstIndex(of: carry) else { return nil }
        let term = add.inputs[1 - position]
        guard term !== carry, term.dtype == carry.dtype, term.ndim == carry.ndim,
            term.owner != nil || body.slices.contains(term)
        else { return nil }
        return term
    }
    /// The outer product's vectors, when `term` is `ExpandDims(u, 1) · ExpandDims(v, 0)`.
    func outerFactors(_ term: Variable) -> (Variable, Variable)? {
        guard let product = term.owner, product.isOp(Dot.self),
            let left = product.inputs[0].owner?.castOp(to: DimShuffle.self), left.isExpandDims, left.augment == [1],
            let right = product.inputs[1].owner?.castOp(to: DimShuffle.self), right.isExpandDims, right.augment == [0],
            left.inputNdim == 1, right.inputNdim == 1
        else { return nil }
        return (product.inputs[0].owner!.inputs[0], product.inputs[1].owner!.inputs[0])
    }
    var pushed: [(carry: Int, term: Variable, factors: (Variable, Variable)?)] = []
    for i in 0..<c {
        guard let term = accumulatedTerm(i) else { continue }
        if let factors = outerFactors(term) {
            pushed.append((i, term, factors))
        } else if term.ndim <= 1 {
            pushed.append((i, term, nil))
        }
    }
    guard !pushed.isEmpty else { return nil }
    var parts = ScanParts(scan, inputs: node.inputs.map(context.handle))
    let kept = (0..<c).filter { i in !pushed.contains { $0.carry == i } }
    parts.keepCarries(kept)
    // What a step stacks: a slice is its own sequence; anything else becomes an output.
    var extraOutputs: [Variable] = []
    func stackedIndex(_ value: Variable) -> Int {
        if let slice = body.slices.firstIndex(of: value) { return -1 - slice }
        if let existing = extraOutputs.firstIndex(of: value) { return existing }
        extraOutputs.append(value)
        return extraOutputs.count - 1
    }
    /// How a pushed carry's sum is formed from stacked values (indices of `stackedIndex`).
    enum Sum {
        case outerProducts(Int, Int)
        case rows(Int)
    }
    let plan = pushed.map { entry in
        (entry.carry, entry.factors.map { Sum.outerProducts(stackedIndex($0.0), stackedIndex($0.1)) }
            ?? .rows(stackedIndex(entry.term)))
    }
    parts.outputs = body.outputs + extraOutputs
    let rebuilt = parts.rebuild()
    var replacements = parts.replacements(rebuilt, keptCarries: kept, keptOutputs: Array(0..<k))
    func stack(_ index: Int) -> Variable {
        index < 0 ? parts.allSequences[-1 - index] : rebuilt.outputs[k + index]
    }
    for (i, sum) in plan {
        switch sum {
        case .outerProducts(let u, let v): replacements[i] = parts.allInitial[i] + dot(stack(u).T, stack(v))
        case .rows(let term): replacements[i] = parts.allInitial[i] + stack(term).sum(axis: 0)
        }
    }
    return replacements
}

/// A scan of at most ``scanUnrollLimit`` steps known at build time becomes its steps written
/// out (JAX's `unroll`): no loop, and the rewrites and fusion of the outer graph see every
/// step. Opt-in, by the tag `scan_unroll` (`CompileMode(include: ["fast_run", "scan_unroll"])`):
/// a long body written out many times costs compile time a loop does not.
package let scanUnroll = NodeRewriter(
    "scan_unroll", tracks: [Scan.self],
    placed: [RewritePlacement(.canonicalize, position: 870, tags: ["scan_unroll"])]
) { context, node in
    guard let scan = node.castOp(to: Scan.self), scan.body.condition == nil,
        let count = context.constant(node.inputs[0]).map({ Int($0.item(Int64.self)) }),
        (1...scanUnrollLimit).contains(count)
    else { return nil }
    let parts = ScanParts(scan, inputs: node.inputs.map(context.handle))
    let body = scan.body
    let (c, k) = (body.carries.count, body.outputs.count)
    var carries = parts.initial
    var outputs = Array(repeating: [Variable?](repeating: nil, count: count), count: k)
    var histories = Array(repeating: [Variable?](repeating: nil, count: count), count: c)
    for step in 0..<count {
        let index = scan.reverse ? count - 1 - step : step
        var mapping = Dictionary(uniqueKeysWithValues: zip(body.carries, carries))
        for (slice, sequence) in zip(body.slices, parts.sequences) {
            mapping[slice] = sequence[basicIndices: [.index(index)]]
        }
        for (placeholder, value) in zip(body.nonSequences, parts.nonSequenceValues) { mapping[placeholder] = value }
        let results = replacing(body.newCarries + body.outputs, mapping)
        for i in 0..<c { histories[i][index] = carries[i] }
        carries = Array(results[..<c])
        for j in 0..<k { outputs[j][index] = results[c + j] }
    }
    let stacked = outputs.map { stack($0.map { $0! }, axis: 0) }
    let stored = scan.storesHistory ? histories.map { stack($0.map { $0! }, axis: 0) } : []
    return (carries + stacked + stored).map { Optional($0) }
}

/// The most steps ``scanUnroll`` writes out.
package let scanUnrollLimit = 16

/// Scans that run the same number of steps in the same direction, neither reading the other,
/// become one scan (PyTensor's `scan_merge`): one loop, one body program and one pass over
/// the sequences they share, whose slices the merged body reads once. While loops are left
/// alone (their lengths are decided at run time).
package let scanMerge = GraphRewriter("scan_merge") { context in
    func mergeable(_ node: FunctionGraph.Node) -> Scan? {
        guard node.isAlive, let scan = node.castOp(to: Scan.self), scan.body.condition == nil else { return nil }
        return scan
    }
    func sameLength(_ a: FunctionGraph.Value, _ b: FunctionGraph.Value) -> Bool {
        if a === b { return true }
        guard let x = a.constantValue, let y = b.constantValue else { return false }
        return x.item(Int64.self) == y.item(Int64.self)
    }
    func reads(_ node: FunctionGraph.Node, _ other: FunctionGraph.Node) -> Bool {
        node.inputs.contains { input in other.outputs.contains { context.graph.depends(input, on: $0) } }
    }
    var merging = true
    while merging {
        merging = false
        let scans = context.graph.toposort().filter { mergeable($0) != nil }
        search: for (position, a) in scans.enumerated() {
            for b in scans[(position + 1)...] {
                let (first, second) = (mergeable(a)!, mergeable(b)!)
                guard sameLength(a.inputs[0], b.inputs[0]), first.reverse == second.reverse,
                    first.storesHistory == second.storesHistory, first.checkpoint == second.checkpoint,
                    !reads(a, b), !reads(b, a)
                else { continue }
                try merge(a, first, b, second, context: context)
                context.report.applied["scan_merge", default: 0] += 1
                merging = true
                break search
            }
        }
    }
}

/// Replaces two independent scans of one length and direction by one.
private func merge(
    _ a: FunctionGraph.Node, _ first: Scan, _ b: FunctionGraph.Node, _ second: Scan, context: RewriteContext
) throws {
    let one = ScanParts(first, inputs: a.inputs.map(context.handle))
    var two = ScanParts(second, inputs: b.inputs.map(context.handle))
    // A sequence both read is sliced once: the second body reads the first one's slice.
    var shared: [Variable: Variable] = [:]
    var slices: [Variable] = []
    var sequences: [Variable] = []
    for (slice, sequence) in zip(two.slices, two.sequences) {
        if let index = one.sequences.firstIndex(where: { $0 === sequence }) {
            shared[slice] = one.slices[index]
        } else {
            slices.append(slice)
            sequences.append(sequence)
        }
    }
    let shapes = one.outputShapes.flatMap { first in two.outputShapes.map { first + $0 } }
    if !shared.isEmpty {
        let rebuilt = replacing(two.newCarries + two.outputs, shared)
        two.newCarries = Array(rebuilt[..<two.newCarries.count])
        two.outputs = Array(rebuilt[two.newCarries.count...])
    }
    let merged = Scan.make(
        carries: one.carries + two.carries, slices: one.slices + slices,
        nonSequences: one.nonSequences + two.nonSequences, newCarries: one.newCarries + two.newCarries,
        outputs: one.outputs + two.outputs, length: one.length, initial: one.initial + two.initial,
        sequences: one.sequences + sequences, nonSequenceValues: one.nonSequenceValues + two.nonSequenceValues,
        reverse: first.reverse, storesHistory: first.storesHistory, checkpoint: first.checkpoint,
        outputShapes: shapes)
    let (c1, k1) = (one.carries.count, one.outputs.count)
    let (c2, k2) = (two.carries.count, two.outputs.count)
    let forA = Array(merged.carries[..<c1]) + Array(merged.outputs[..<k1])
        + (first.storesHistory ? Array(merged.histories[..<c1]) : [])
    let forB = Array(merged.carries[c1...]) + Array(merged.outputs[k1...])
        + (first.storesHistory ? Array(merged.histories[c1...]) : [])
    precondition(forB.count == c2 + k2 + (first.storesHistory ? c2 : 0))
    for (old, new) in zip(a.outputs, forA) { try context.graph.replace(old, with: new) }
    for (old, new) in zip(b.outputs, forB) { try context.graph.replace(old, with: new) }
}

/// A scan node taken apart into the lists ``Scan/make`` builds from, to be edited and rebuilt.
private struct ScanParts {
    let scan: Scan
    let length: Variable
    /// The node's initial carries and sequences, in the node's order.
    let allInitial: [Variable]
    let allSequences: [Variable]
    var carries: [Variable]
    var newCarries: [Variable]
    var initial: [Variable]
    var slices: [Variable]
    var sequences: [Variable]
    var nonSequences: [Variable]
    var nonSequenceValues: [Variable]
    var outputs: [Variable]

    init(_ scan: Scan, inputs: [Variable]) {
        let body = scan.body
        let (c, s) = (body.carries.count, body.slices.count)
        self.scan = scan
        length = inputs[0]
        allInitial = Array(inputs[1..<(1 + c)])
        allSequences = Array(inputs[(1 + c)..<(1 + c + s)])
        carries = body.carries
        newCarries = body.newCarries
        initial = allInitial
        slices = body.slices
        sequences = allSequences
        nonSequences = body.nonSequences
        nonSequenceValues = Array(inputs[(1 + c + s)...])
        outputs = body.outputs
    }

    /// Keeps only the carries at `indices` (of the original node).
    mutating func keepCarries(_ indices: [Int]) {
        carries = indices.map { scan.body.carries[$0] }
        newCarries = indices.map { scan.body.newCarries[$0] }
        initial = indices.map { allInitial[$0] }
    }

    /// The body's output shapes, while its outputs are the original ones.
    var outputShapes: [[Variable]]? {
        outputs.count == scan.body.outputs.count && zip(outputs, scan.body.outputs).allSatisfy { $0 === $1 }
            ? scan.body.outputShapes : nil
    }

    /// Replacements for the original node's outputs from a rebuilt scan that kept the carries
    /// `keptCarries` and the outputs `keptOutputs` (original indices, in order, first in the
    /// rebuilt lists); the others are left for the caller (nil: dropped).
    func replacements(
        _ rebuilt: (carries: [Variable], outputs: [Variable], histories: [Variable]),
        keptCarries: [Int], keptOutputs: [Int]
    ) -> [Variable?] {
        let (c, k) = (scan.body.carries.count, scan.body.outputs.count)
        var replacements = [Variable?](repeating: nil, count: c + k + (scan.storesHistory ? c : 0))
        for (position, i) in keptCarries.enumerated() {
            replacements[i] = rebuilt.carries[position]
            if scan.storesHistory { replacements[c + k + i] = rebuilt.histories[position] }
        }
        for (position, j) in keptOutputs.enumerated() { replacements[c + j] = rebuilt.outputs[position] }
        return replacements
    }

    func rebuild() -> (carries: [Variable], outputs: [Variable], histories: [Variable]) {
        Scan.make(
            carries: carries, slices: slices, nonSequences: nonSequences, newCarries: newCarries,
            outputs: outputs, condition: scan.body.condition, length: length, initial: initial,
            sequences: sequences, nonSequenceValues: nonSequenceValues, reverse: scan.reverse,
            storesHistory: scan.storesHistory, checkpoint: scan.checkpoint, outputShapes: outputShapes)
    }
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let scan: [NodeRewriter] = [
        scanRemoveUnusedHistory, scanRemoveUnusedOutputs, scanPushOutSequenceWork, scanPushOutAccumulation,
        scanUnroll,
    ]
}
