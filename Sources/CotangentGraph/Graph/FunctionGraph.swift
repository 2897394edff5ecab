import CotangentArrays

/// A mutable working copy of a graph, for rewriting: nodes whose inputs can be re-pointed, with
/// each value's clients tracked.
///
/// User graphs (``Variable``/``Apply``) are immutable; replacing a value inside them would
/// rebuild every node up to the outputs. A `FunctionGraph` mirrors the graph once, lets
/// rewrites re-point inputs in O(clients), and ``materialize()`` builds the result as a new
/// immutable graph, reusing every original variable whose subgraph did not change. The graph
/// owns its nodes and values; values refer to their owner and clients without retaining them
/// (a node retains its input values, so a retained client would close a cycle that nothing
/// breaks), so a dropped `FunctionGraph` frees everything. Its nodes and values are valid only
/// while the graph lives.
///
/// A working graph belongs to one rewrite run on one thread, and its accesses are short reads
/// and writes that never overlap, so its mutable state skips the runtime exclusivity checks
/// (`@exclusivity(unchecked)`): they cost about a sixth of rewriting. The attribute holds only
/// inside this module (other modules' direct accesses to a stored property are checked), so each
/// such property is an `_`-prefixed stored one behind an `@inlinable` accessor, whose inlined
/// body keeps the unchecked access in the rewriters' module too.
public final class FunctionGraph {
    /// A node of the working copy.
    public final class Node {
        /// The node's op.
        public let op: any Op
        /// The values the node reads, in the op's input order.
        @inlinable public package(set) var inputs: [Value] { get { _inputs } _modify { yield &_inputs } }
        /// The values the node computes, in the op's output order.
        @usableFromInline @exclusivity(unchecked) package var _inputs: [Value]
        @inlinable public package(set) var outputs: [Value] { get { _outputs } _modify { yield &_outputs } }
        @usableFromInline @exclusivity(unchecked) package var _outputs: [Value] = []
        /// The immutable node this mirrors, while its inputs are unchanged.
        @inlinable package var original: Apply? { get { _original } _modify { yield &_original } }
        @usableFromInline @exclusivity(unchecked) package var _original: Apply?
        /// False once removed from the graph.
        @inlinable public package(set) var isAlive: Bool { get { _isAlive } _modify { yield &_isAlive } }
        @usableFromInline @exclusivity(unchecked) package var _isAlive: Bool = true
        /// The last walk that visited this node (see ``FunctionGraph/nextWalkMark()``): a mark
        /// on the node is much cheaper than a set of visited identifiers.
        @inlinable package var walkMark: Int { get { _walkMark } _modify { yield &_walkMark } }
        @usableFromInline @exclusivity(unchecked) package var _walkMark: Int = 0
        /// The import generation this node was imported in: it is one of the new nodes while
        /// that generation is current (see ``FunctionGraph/takeNewNodes()``).
        @inlinable package var importGeneration: Int { get { _importGeneration } _modify { yield &_importGeneration } }
        @usableFromInline @exclusivity(unchecked) package var _importGeneration: Int = 0
        /// Scratch room for a whole-graph pass (fusion keeps the node's position here, valid
        /// while `walkMark` holds that pass's mark).
        @inlinable package var scratch: Int { get { _scratch } _modify { yield &_scratch } }
        @usableFromInline @exclusivity(unchecked) package var _scratch: Int = 0
        /// Whether an input was re-pointed or an output's type refined since the last full
        /// ``FunctionGraph/refineUnknownLengths(candidates:)``: only such nodes and the ones
        /// after them can infer more specific types than they have.
        @inlinable package var typesMayBeStale: Bool { get { _typesMayBeStale } _modify { yield &_typesMayBeStale } }
        @usableFromInline @exclusivity(unchecked) package var _typesMayBeStale: Bool = false

        /// The op's concrete type, for indexing rewriters by it.
        @usableFromInline package let opType: ObjectIdentifier
        /// The op's ``Op/nodePayload``, read once.
        package let payload: AnyObject?

        // Whole-graph passes ask this of every node: a failed `as?` of an existential costs
        // hundreds of instructions, a comparison of the stored type one.
        /// The op as a `T` when it is one, else nil (`op as? T`, the type compared first).
        @inlinable package func castOp<T: Op>(to _: T.Type) -> T? {
            opType == ObjectIdentifier(T.self) ? concreteOp(op, as: T.self) : nil
        }
        /// Whether the op is a `T` (`op is T`, by the stored type).
        @inlinable package func isOp<T: Op>(_: T.Type) -> Bool { opType == ObjectIdentifier(T.self) }

        package init(op: any Op, inputs: [Value], original: Apply?) {
            self.op = op
            self.opType = ObjectIdentifier(type(of: op))
            self.payload = op.nodePayload
            self._inputs = inputs
            self._original = original
        }
    }

    /// A reader of a value: the node and the input position it reads the value at.
    ///
    /// The node is not retained (the graph owns it): see ``FunctionGraph``.
    public struct Client {
        /// The reading node.
        public unowned(unsafe) let node: Node
        /// The input position at which it reads the value.
        public let position: Int

        package init(node: Node, position: Int) {
            self.node = node
            self.position = position
        }
    }

    /// A value of the working copy: a graph input, a constant, or a node output.
    public final class Value {
        /// The value's static type (rewrites may refine it).
        @inlinable public package(set) var type: TensorType { get { _type } _modify { yield &_type } }
        /// The node computing the value; `nil` for graph inputs and constants.
        @usableFromInline @exclusivity(unchecked) package var _type: TensorType
        public unowned(unsafe) let owner: Node?
        /// The value's position among its node's outputs (0 for inputs and constants).
        public let index: Int
        /// The value's name, if its variable has one.
        public let name: String?
        /// The immutable variable this value came from or was materialized as.
        @inlinable package var variable: Variable? { get { _variable } _modify { yield &_variable } }
        @usableFromInline @exclusivity(unchecked) package var _variable: Variable?
        /// Nodes that read this value, with the input position (duplicates when read twice).
        /// Removed nodes (`isAlive` false) may still be listed: they are dropped in batches,
        /// since removing each from a value read by many nodes would make pruning quadratic.
        @inlinable public package(set) var clients: [Client] { get { _clients } _modify { yield &_clients } }
        @usableFromInline @exclusivity(unchecked) package var _clients: [Client] = []
        /// How many of `clients` are live nodes.
        @inlinable public package(set) var liveClientCount: Int { get { _liveClientCount } _modify { yield &_liveClientCount } }
        @usableFromInline @exclusivity(unchecked) package var _liveClientCount: Int = 0

        package init(type: TensorType, owner: Node?, index: Int, name: String?, variable: Variable?) {
            self._type = type
            self.owner = owner
            self.index = index
            self.name = name
            self._variable = variable
            // A root keeps its variable, so whether it is a constant never changes.
            self.isConstant = owner == nil && variable?.constantValue != nil
        }

        /// The value of a constant; `nil` for anything else.
        @inlinable public var constantValue: NDArray? { owner == nil ? variable?.constantValue : nil }
        /// A constant's single value once ``uniformConstant(_:)`` has looked (a root value's
        /// constant never changes): `.some(nil)` when its elements differ.
        @inlinable package var uniformValue: Double?? { get { _uniformValue } _modify { yield &_uniformValue } }
        @usableFromInline @exclusivity(unchecked) package var _uniformValue: Double??
        /// The value that replaced this one, so stale references resolve to the live value.
        @inlinable package var replacement: Value? { get { _replacement } _modify { yield &_replacement } }
        @usableFromInline @exclusivity(unchecked) package var _replacement: Value?
        public let isConstant: Bool
    }

    /// Incremented on every change (import or replacement), so passes can skip a graph they
    /// have already seen unchanged.
    @inlinable public package(set) var version: Int { get { _version } _modify { yield &_version } }
    @usableFromInline @exclusivity(unchecked) package var _version: Int = 0

    /// The graph inputs (roots that are not constants).
    @inlinable public package(set) var inputs: [Value] { get { _inputs } _modify { yield &_inputs } }
    @usableFromInline @exclusivity(unchecked) package var _inputs: [Value] = []
    /// The outputs, in order.
    @inlinable public package(set) var outputs: [Value] { get { _outputs } _modify { yield &_outputs } }
    @usableFromInline @exclusivity(unchecked) package var _outputs: [Value] = []
    @exclusivity(unchecked) private var nodes: [Node] = []
    @exclusivity(unchecked) private var values: [Value] = []
    @exclusivity(unchecked) private var imported = IdentityTable<Variable, Value>()
    /// Stand-in inputs handed to rewriters for values that have no valid immutable variable.
    @exclusivity(unchecked) private var proxies: [ObjectIdentifier: Variable] = [:]
    @exclusivity(unchecked) private var proxied = IdentityTable<Variable, Value>()
    /// Outputs of node copies made to read structure or infer shapes (``alias(_:of:)``), kept
    /// apart from `proxied` so lookups that hit an imported variable never hash them.
    @exclusivity(unchecked) private var aliases = IdentityTable<Variable, Value>()
    /// Nodes imported since the last ``takeNewNodes()``.
    @exclusivity(unchecked) private var newNodes: [Node] = []
    /// The current import generation: the new nodes are those stamped with it.
    @exclusivity(unchecked) private var importGeneration = 1
    /// The last toposort and the version it was computed at.
    @exclusivity(unchecked) private var sorted: [Node] = []
    @exclusivity(unchecked) private var sortedVersion = -1
    /// The last mark handed out by ``nextWalkMark()``.
    @exclusivity(unchecked) private var walkMarks = 0

    /// Mirrors the graph computing `outputs`.
    public init(outputs: [Variable]) {
        self.outputs = outputs.map(importVariable)
        inputs = values.filter { $0.owner == nil && !$0.isConstant }
    }

    /// The value mirroring `variable`, importing it (and its ancestors) when new.
    @discardableResult
    public func importVariable(_ variable: Variable) -> Value {
        if let existing = resolve(variable) { return existing }
        // Iterative post-order import, so deep graphs cannot overflow the stack.
        var stack: [Variable] = [variable]
        var missing: [Variable] = []
        while let current = stack.last {
            if resolve(current) != nil {
                stack.removeLast()
                continue
            }
            guard let owner = current.owner else {
                let value = Value(
                    type: current.type, owner: nil, index: 0, name: current.name, variable: current)
                values.append(value)
                imported[current] = value
                stack.removeLast()
                continue
            }
            // Each input looked up once: its value, or it is imported first (in input order).
            var inputs: [Value] = []
            inputs.reserveCapacity(owner.inputs.count)
            missing.removeAll(keepingCapacity: true)
            for input in owner.inputs {
                if let value = resolve(input) {
                    inputs.append(value)
                } else {
                    missing.append(input)
                }
            }
            if !missing.isEmpty {
                stack.append(contentsOf: missing.reversed())
                continue
            }
            // The immutable node stands for this one only if each input variable is exactly
            // its value's current variable (no proxies, no replaced subgraphs below).
            var faithful = true
            for (input, value) in zip(owner.inputs, inputs) where input !== value.variable {
                faithful = false
                break
            }
            let node = Node(op: owner.op, inputs: inputs, original: faithful ? owner : nil)
            node.outputs.reserveCapacity(owner.outputTypes.count)
            for index in owner.outputTypes.indices {
                let output = owner.output(index)
                let value = Value(
                    type: output.type, owner: node, index: index, name: output.name,
                    variable: faithful ? output : nil)
                imported[output] = value
                values.append(value)
                node.outputs.append(value)
            }
            for (position, input) in node.inputs.enumerated() {
                input.clients.append(Client(node: node, position: position))
                input.liveClientCount += 1
            }
            nodes.append(node)
            version += 1
            newNodes.append(node)
            node.importGeneration = importGeneration
            stack.removeLast()
        }
        return lookup(variable)!
    }

    /// ``lookup(_:)``, except that a proxy of a pruned value revives that value's node (with its
    /// pruned ancestors). A proxy has no computation of its own that could be imported afresh,
    /// as an immutable variable's is; a rewrite that builds on one (a symbolic shape cached
    /// before the value was pruned) needs the value computed again. Treating the proxy as
    /// missing instead made importing it loop forever, creating a new input on every turn.
    private func resolve(_ variable: Variable) -> Value? {
        if let value = lookup(variable) { return value }
        guard !proxied.isEmpty, var value = proxied[variable] else { return nil }
        while let next = value.replacement { value = next }
        if let owner = value.owner { revive(owner) }
        return value
    }

    /// Makes a pruned node and its pruned ancestors live again, reading their inputs'
    /// replacements. Revived nodes count as new (like imported ones): the equilibrium visits
    /// them, and `replace`'s cycle check looks through them.
    private func revive(_ node: Node) {
        var stack = [node]
        while let current = stack.popLast() {
            guard !current.isAlive else { continue }
            current.isAlive = true
            current.typesMayBeStale = true
            current.importGeneration = importGeneration
            newNodes.append(current)
            version += 1
            for position in current.inputs.indices {
                var input = current.inputs[position]
                while let next = input.replacement { input = next }
                if input !== current.inputs[position] {
                    current.inputs[position] = input
                    invalidate(current)
                }
                if !input.clients.contains(where: { $0.node === current && $0.position == position }) {
                    input.clients.append(Client(node: current, position: position))
                }
                input.liveClientCount += 1
                if let owner = input.owner, !owner.isAlive { stack.append(owner) }
            }
        }
    }

    /// The live value a variable stands for: a proxy's value, an imported variable's value,
    /// following replacements.
    package func lookup(_ variable: Variable) -> Value? {
        // Most lookups happen while importing, before any proxy exists.
        guard var value = (proxied.isEmpty ? nil : proxied[variable]) ?? imported[variable]
            ?? (aliases.isEmpty ? nil : aliases[variable])
        else { return nil }
        while let next = value.replacement { value = next }
        // A pruned node's values are gone from the graph: a rewrite that builds on the same
        // variable again (a cached symbolic shape) gets a fresh node. Handing out the dead one
        // would leave a live reader of a node that passes skip and fusion cannot see the
        // clients of.
        if let owner = value.owner, !owner.isAlive { return nil }
        return value
    }

    /// A variable standing for `value` that rewriters can build on with the ordinary API: the
    /// value's own immutable variable when its subgraph is unchanged, else a proxy input of the
    /// same type that maps back to the value when the result is imported.
    public func handle(for value: Value) -> Variable {
        if let variable = value.variable { return variable }
        if let proxy = proxies[ObjectIdentifier(value)] { return proxy }
        let proxy = Variable(type: value.type, name: value.name)
        proxies[ObjectIdentifier(value)] = proxy
        proxied[proxy] = value
        return proxy
    }

    /// A variable for `value` that also shows its producers `depth` levels up. ``handle(for:)``
    /// gives a bare proxy once a rewrite changed the value's node, but type and shape inference
    /// read structure through inputs (a flag `ScalarFromTensor(True)`, a `MakeVector` of
    /// lengths); the shallow copy keeps it visible without rebuilding the graph above.
    package func structuralHandle(for value: Value, depth: Int = 2) -> Variable {
        if let variable = value.variable { return variable }
        guard depth > 0, let owner = value.owner else { return handle(for: value) }
        let copy = Apply(
            op: owner.op, inputs: owner.inputs.map { structuralHandle(for: $0, depth: depth - 1) },
            outputTypes: owner.outputs.map(\.type))
        alias(copy, of: owner)
        return copy.output(value.index)
    }

    /// Makes the outputs of `copy`, a node built to stand for `node` (to read its structure or
    /// infer its shapes), import as `node`'s values: an expression a rewrite builds on the copy
    /// (`Shape_i` of its output) then reads the graph's node, not a duplicate of it.
    package func alias(_ copy: Apply, of node: Node) {
        for output in node.outputs { aliases[copy.output(output.index)] = output }
    }

    /// A fresh mark for one walk over the nodes: a node is visited when its `walkMark` equals it.
    package func nextWalkMark() -> Int {
        walkMarks += 1
        return walkMarks
    }

    /// Nodes needed by the outputs, inputs before users.
    public func toposort() -> [Node] {
        // Every change to the structure (an import or a replacement) bumps `version`, so an
        // order computed at this version is still the order.
        if sortedVersion == version { return sorted }
        let order = computeToposort()
        sorted = order
        sortedVersion = version
        return order
    }

    private func computeToposort() -> [Node] {
        let mark = nextWalkMark()
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        var stack: [(node: Node, position: Int)] = []
        for output in outputs {
            guard let root = output.owner, root.walkMark != mark else { continue }
            root.walkMark = mark
            stack.append((root, 0))
            while !stack.isEmpty {
                let top = stack.count - 1
                let node = stack[top].node
                let position = stack[top].position
                if position < node.inputs.count {
                    stack[top].position = position + 1
                    if let child = node.inputs[position].owner, child.walkMark != mark {
                        child.walkMark = mark
                        stack.append((child, 0))
                    }
                } else {
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        return order
    }

    /// Re-points every client of `old` (and any output equal to it) to `new`.
    ///
    /// With `refiningUnknownLengths`, an unknown length may become a static 1, as PyTensor's
    /// `TensorType.is_super` allows: for a replacement that computes the same values from the
    /// same inputs (its op worked the 1 out from them), the value has length 1 whenever it runs,
    /// and what changes is only that readers may broadcast it, where the old graph would have
    /// stopped with a length mismatch. Without it, a static 1 must stay a static 1 and an
    /// unknown length unknown or another static length.
    ///
    /// - Throws: ``CotangentError`` when `new`'s type cannot stand for `old`'s (different dtype or
    ///   rank, or a conflicting static length), or when `new` depends on `old` (a cycle).
    public func replace(_ old: Value, with new: Value, refiningUnknownLengths: Bool = false) throws {
        // A value replaced earlier stands for its replacement. Without this, merging two equal
        // constants in one order and later in the other would make their replacement chain a
        // cycle, and every lookup through it would loop forever.
        var new = new
        while let next = new.replacement { new = next }
        if old === new { return }
        guard old.type.dtype == new.type.dtype, old.type.ndim == new.type.ndim,
            replaceableShapes(old: old.type.shape, new: new.type.shape, refining: refiningUnknownLengths)
        else {
            throw CotangentError(
                .invalidGraph,
                "FunctionGraph.replace: a value of type \(new.type) cannot replace one of type \(old.type)")
        }
        if dependsThroughNewNodes(new, on: old) {
            throw CotangentError(.invalidGraph, "FunctionGraph.replace: the replacement depends on the replaced value")
        }
        // Keep the more specific static shape. The value's node and its readers then no
        // longer mirror their immutable originals (built with the less specific type), so
        // materializing rebuilds them with it, and a second rewrite reads what this one read.
        if zip(old.type.shape, new.type.shape).contains(where: { $0 != nil && $1 == nil }) {
            new.type = new.type.with(shape: zip(old.type.shape, new.type.shape).map { $1 ?? $0 })
                .with(dtype: new.type.dtype)
            proxies[ObjectIdentifier(new)] = nil
            if let owner = new.owner { invalidate(owner) }
            markTypeChanged(new)
        }
        // A more specific input (a static length, a constant flag or shape) can make a reader's
        // output type more specific too, where some of its lengths are not yet known. A reader
        // whose types follow from its inputs' types alone changes only if the type did.
        let sameType = new.type == old.type
        // Inference can learn more from the new value only through its type or through
        // constants in it (a constant, or a node reading one: `MakeVector(0, n)`, a flag
        // `ScalarFromTensor(True)`); a same-typed expression of other values tells no reader
        // anything new, and re-inferring every reader on every replacement is a large part of
        // rewriting's cost.
        // A twin tells nothing either: merging an equal constant (readers saw the value already)
        // or an equal node on the same inputs (readers saw the same structure).
        let informative = !sameType || (!isTwin(old, new)
            && (new.isConstant || (new.owner?.inputs.contains(where: \.isConstant) ?? false)))
        var readers: [Node] = []
        for client in old.clients where client.node.isAlive {
            client.node.inputs[client.position] = new
            client.node.typesMayBeStale = true
            new.clients.append(client)
            new.liveClientCount += 1
            invalidate(client.node)
            guard informative, !(sameType && client.node.op.readsOnlyInputTypes) else { continue }
            if client.node.outputs.contains(where: { $0.type.shape.contains(nil) }) {
                readers.append(client.node)
            }
            // Inference reads structure two levels up: a reader of the client may learn more
            // though the client's own type stays (`Reshape` of a `MakeVector` whose entry
            // became the constant 0).
            for output in client.node.outputs {
                for next in output.clients where next.node.isAlive && !next.node.op.readsOnlyInputTypes
                    && next.node.outputs.contains(where: { $0.type.shape.contains(nil) })
                {
                    readers.append(next.node)
                }
            }
        }
        if !readers.isEmpty { refineOutputTypes(readers) }
        old.clients.removeAll()
        old.liveClientCount = 0
        version += 1
        old.replacement = new
        for (index, output) in outputs.enumerated() where output === old { outputs[index] = new }
        pruneIfUnused(old.owner)
    }

    /// Whether `new` tells `old`'s readers nothing they did not know: `old` is a constant (they
    /// saw its value, the most any replacement can tell), or `new` is the same op on the same
    /// inputs (a twin, as merging finds them).
    private func isTwin(_ old: Value, _ new: Value) -> Bool {
        if old.isConstant { return true }
        guard let a = old.owner, let b = new.owner, a.inputs.count == b.inputs.count,
            old.index == new.index, a.op.isEqual(to: b.op)
        else { return false }
        return zip(a.inputs, b.inputs).allSatisfy { $0 === $1 }
    }

    /// Replaces `old` by the graph of an immutable variable, importing it first.
    public func replace(_ old: Value, with variable: Variable, refiningUnknownLengths: Bool = false) throws {
        try replace(old, with: importVariable(variable), refiningUnknownLengths: refiningUnknownLengths)
    }

    /// Whether `value` reads `ancestor` through nodes imported since the last
    /// ``takeNewNodes()`` (a replacement's own nodes). Local rewrites build replacements from
    /// the node's inputs and their ancestors, which cannot depend on the node's outputs, so only
    /// the new nodes can close a cycle; checking just them keeps `replace` O(replacement size)
    /// instead of O(graph).
    package func dependsThroughNewNodes(_ value: Value, on ancestor: Value) -> Bool {
        if value === ancestor { return true }
        guard let owner = value.owner, owner.importGeneration == importGeneration else { return false }
        var stack = [owner]
        var seen = Set<ObjectIdentifier>([ObjectIdentifier(owner)])
        while let node = stack.popLast() {
            for input in node.inputs {
                if input === ancestor { return true }
                if let inner = input.owner, inner.importGeneration == importGeneration,
                    seen.insert(ObjectIdentifier(inner)).inserted
                {
                    stack.append(inner)
                }
            }
        }
        return false
    }

    /// Whether `value` is computed from `ancestor` (a full walk of its ancestors).
    package func depends(_ value: Value, on ancestor: Value) -> Bool {
        var stack = [value]
        var seen = Set<ObjectIdentifier>()
        while let current = stack.popLast() {
            if current === ancestor { return true }
            guard let owner = current.owner, seen.insert(ObjectIdentifier(owner)).inserted else { continue }
            stack.append(contentsOf: owner.inputs)
        }
        return false
    }

    /// Gives every live node with an unknown output length the lengths its op now infers from
    /// its inputs, inputs first, so the types are those of the same graph built afresh. With
    /// `candidates`, only the nodes it accepts are re-inferred (a cheap test that the inputs'
    /// types tell more), and the readers of those that change.
    ///
    /// A node's inferred types depend on its ancestors alone, and a node infers its types when
    /// it is built or imported: only a node changed since then (``Node/typesMayBeStale``) or
    /// one after it can learn more, so the others are not re-inferred (one ``makeNode`` each
    /// was a tenth of compiling a small graph). A full pass (no `candidates`) leaves every
    /// node as built afresh and clears the marks.
    package func refineUnknownLengths(candidates: ((Node) -> Bool)? = nil) {
        let order = toposort()
        var stale = Set<ObjectIdentifier>()
        for node in order where node.isAlive {
            guard node.typesMayBeStale
                || node.inputs.contains(where: { input in input.owner.map { stale.contains(ObjectIdentifier($0)) } ?? false })
            else { continue }
            stale.insert(ObjectIdentifier(node))
            guard node.outputs.contains(where: { $0.type.shape.contains(nil) }) else { continue }
            if let candidates, !candidates(node) { continue }
            refineOutputTypes([node])
        }
        if candidates == nil { for node in order { node.typesMayBeStale = false } }
    }

    /// Marks what reads a value whose type was refined: its node, or (for a graph input or
    /// constant) its readers.
    private func markTypeChanged(_ value: Value) {
        if let owner = value.owner {
            owner.typesMayBeStale = true
        } else {
            for client in value.clients { client.node.typesMayBeStale = true }
        }
    }

    /// Gives the nodes' outputs (and, in turn, their readers') the static lengths their ops now
    /// infer from the current inputs, so one rewrite pass sees what a second would (a
    /// `SpecifyShape` that became useless, two equal nodes that now merge). A static 1 is
    /// taken too: the op worked it out from the inputs the node now reads, so the value has
    /// length 1 whenever it runs, and building the same graph afresh would give the same type.
    private func refineOutputTypes(_ nodes: [Node]) {
        var stack = nodes
        while let node = stack.popLast() {
            guard node.isAlive, let rebuilt = try? node.op.makeNode(node.inputs.map { structuralHandle(for: $0) }),
                rebuilt.outputs.count == node.outputs.count
            else { continue }
            for output in node.outputs {
                let inferred = rebuilt.outputs[output.index].type
                guard inferred.dtype == output.type.dtype, inferred.ndim == output.type.ndim else { continue }
                var shape = output.type.shape
                for axis in shape.indices where shape[axis] == nil {
                    if let length = inferred.shape[axis] { shape[axis] = length }
                }
                guard shape != output.type.shape else { continue }
                output.type = output.type.with(shape: shape)
                markTypeChanged(output)
                // A proxy carries the type it was made with; the next handle gets the new one.
                proxies[ObjectIdentifier(output)] = nil
                version += 1
                stack.append(contentsOf: output.clients.map(\.node).filter(\.isAlive))
            }
        }
    }

    /// A node whose inputs changed no longer mirrors its original, nor do its users.
    private func invalidate(_ node: Node) {
        var stack = [node]
        while let current = stack.popLast() {
            guard current.original != nil || current.outputs.contains(where: { $0.variable != nil }) else { continue }
            current.original = nil
            for output in current.outputs {
                output.variable = nil
                stack.append(contentsOf: output.clients.map(\.node))
            }
        }
    }

    /// Removes a node none of whose outputs is used any more, and then its unused ancestors.
    private func pruneIfUnused(_ node: Node?) {
        var stack: [Node] = node.map { [$0] } ?? []
        while let current = stack.popLast() {
            guard current.isAlive,
                current.outputs.allSatisfy({ output in
                    output.liveClientCount == 0 && !outputs.contains { $0 === output }
                })
            else { continue }
            current.isAlive = false
            for input in current.inputs {
                // The node's entries stay in the list until dead ones are at least half of it:
                // compacting then costs O(1) per removed entry, amortized.
                input.liveClientCount -= 1
                if input.clients.count >= 2 * input.liveClientCount + 16 {
                    input.clients.removeAll { !$0.node.isAlive }
                }
                if let owner = input.owner { stack.append(owner) }
            }
        }
    }

    /// The nodes imported since the last call (replacements' new nodes), and forgets them.
    @discardableResult
    public func takeNewNodes() -> [Node] {
        defer {
            newNodes.removeAll()
            importGeneration += 1
        }
        return newNodes
    }

    /// Forgets the nodes imported so far (see ``takeNewNodes()``).
    public func clearNewNodes() {
        if !newNodes.isEmpty {
            newNodes.removeAll(keepingCapacity: true)
            importGeneration += 1
        }
    }

    /// The live nodes (not necessarily in order).
    public var liveNodes: [Node] { nodes.filter(\.isAlive) }

    /// How many nodes are live (``liveNodes``' count, without building the list).
    package var liveNodeCount: Int {
        var count = 0
        for node in nodes where node.isAlive { count += 1 }
        return count
    }

    /// The immutable variable for a value: the original where nothing changed below it,
    /// otherwise rebuilt through the ops' `makeNode`.
    public func materializedVariable(for value: Value) -> Variable {
        if let variable = value.variable { return variable }
        // Iterative post-order over values that still need building.
        var stack: [Value] = [value]
        while let current = stack.last {
            if current.variable != nil {
                stack.removeLast()
                continue
            }
            guard let owner = current.owner else {
                preconditionFailure("FunctionGraph: a root value without a variable")
            }
            let pending = owner.inputs.filter { $0.variable == nil }
            if !pending.isEmpty {
                stack.append(contentsOf: pending)
                continue
            }
            let apply = owner.original ?? rebuild(owner)
            owner.original = apply
            for output in owner.outputs {
                let variable = apply.output(output.index)
                output.variable = variable
                imported[variable] = output
            }
            stack.removeLast()
        }
        return value.variable!
    }

    private func rebuild(_ node: Node) -> Apply {
        let inputs = node.inputs.map { $0.variable! }
        do {
            let made = try node.op.makeNode(inputs)
            // Lengths the working graph learned (a reshape whose size fixes its unknown entry,
            // a replacement's more specific type) stay known: the rebuilt graph must read as
            // the one rewriters saw, or a second rewrite would find other broadcast patterns.
            let learned = zip(made.outputTypes, node.outputs).map { made, value in
                made.dtype == value.type.dtype && made.ndim == value.type.ndim
                    && zip(made.shape, value.type.shape).contains(where: { $0 == nil && $1 != nil })
                    && zip(made.shape, value.type.shape).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 })
                    ? made.with(shape: zip(made.shape, value.type.shape).map { $0 ?? $1 }) : made
            }
            return learned == made.outputTypes
                ? made : Apply(op: node.op, inputs: inputs, outputTypes: learned, outputNames: made.outputNames)
        } catch {
            // A rewrite produced a node its op rejects: keep the declared types so the graph
            // stays evaluable (the op's perform will check values).
            return Apply(op: node.op, inputs: inputs, outputTypes: node.outputs.map(\.type))
        }
    }

    /// The outputs as a new immutable graph.
    public func materialize() -> [Variable] { outputs.map(materializedVariable(for:)) }

    /// An independent copy of the graph's current state.
    public func clone() -> FunctionGraph { FunctionGraph(outputs: materialize()) }
}

/// Static shapes that may stand for each other: equal where both are known; a static 1 only
/// where the original is statically 1 (broadcasting is decided by static 1s), except that
/// `refining` lets an unknown length become a static 1. An unknown length may stand for any
/// known one, a static 1 too: the replacement computes the same value, so it has that length
/// whenever the graph runs, and ``FunctionGraph/replace(_:with:refiningUnknownLengths:)`` gives
/// its type the original's lengths.
package func replaceableShapes(old: [Int?], new: [Int?], refining: Bool = false) -> Bool {
    zip(old, new).allSatisfy { old, new in
        if let old, let new { return old == new }
        return new != 1 || refining
    }
}
