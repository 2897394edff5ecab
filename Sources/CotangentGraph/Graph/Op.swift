import CotangentArrays

/// An operation: the contract every node's computation fulfils.
///
/// Ops are small values whose stored properties are their parameters ("props"): two equal ops
/// applied to the same inputs are the same computation, which is what merging (CSE) relies on.
/// One op family lives in one file together with its forward kernel, its static-shape rule, its
/// symbolic shape rule and its derivative rules.
public protocol Op: Hashable, Sendable, CustomStringConvertible {
    /// Checks the inputs and builds the node. The default calls ``outputTypes(for:)``; ops that
    /// rewrite their inputs first (Elemwise pads ranks with `ExpandDims`) override it.
    func makeNode(_ inputs: [Variable]) throws -> Apply

    /// The output types for these inputs, or a thrown ``CotangentError`` naming the op, the
    /// shapes and the dtypes when the inputs can never be valid.
    func outputTypes(for inputs: [Variable]) throws -> [TensorType]

    /// The forward kernel: output values from input values. Throws when the runtime values do
    /// not fit (shape conflicts, out-of-range indices), naming the op, shapes and dtypes.
    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray]

    /// Symbolic output shapes (each dim an int64 scalar variable) from symbolic input shapes;
    /// nil when the op cannot say (the shape is then read from the output at run time).
    func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]?

    // Derivative rules (defaults in Autodiff/Derivatives.swift).

    /// `[input][output]`: whether the output depends differentiably on the input.
    func connectionPattern(_ node: Apply) -> [[Bool]]

    /// The vector-Jacobian product: given one cotangent per output (nil where no gradient flows
    /// into that output), one ``InputGradient`` per input. Rules are structured (log's is
    /// `g / x`, cumsum's a reversed cumsum) and never build the Jacobian.
    func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient]

    /// The Jacobian-vector product: given one tangent per input (nil for inputs without one),
    /// one tangent per output (nil when no tangent reaches it), or nil when the op has no native
    /// forward rule (`pushforward(_:wrt:tangents:)` then uses the double-pullback trick).
    func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]?

    // Batching (defaults in Autodiff/Vectorize.swift).

    /// The node applied to inputs with extra leading batch dimensions (`batchedInputs[i]` has
    /// `node.inputs[i]`'s dims plus leading ones; unbatched inputs are passed unchanged), or nil
    /// to fall back to wrapping the op in `Blockwise`.
    func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]?

    /// The op's gufunc signature (`(n),(k),()->(o)`) for `Blockwise`, or nil for a generic one
    /// derived from the node's ranks.
    var gufuncSignature: String? { get }

    /// Whether ``makeNode(_:)`` gives weakly typed scalar inputs (``Variable/isWeaklyTyped``)
    /// their dtype itself, as elementwise ops do. For other ops (the default, false) building
    /// replaces each weak scalar by PyTensor's constant for the number first: the smallest
    /// dtype that holds it exactly (`0` int8 as an `Eye` offset, `7.5` float32 as a fill value).
    var resolvesWeakScalars: Bool { get }

    /// Whether ``outputTypes(for:)`` and ``inferShape(_:inputShapes:)`` read only the inputs'
    /// types (dtypes and static shapes) and symbolic shapes, never their values or producers
    /// (a constant shape, a flag). A rewrite that replaces an input by a value of the same type
    /// then cannot change the node's output types, and shape inference needs no view of the
    /// graph above the node, so the rewriter skips that work. The default, false, is always safe.
    var readsOnlyInputTypes: Bool { get }

    /// The op as an ``InnerGraphOp`` when it runs graphs of its own, else nil. Every
    /// ``InnerGraphOp`` answers itself (a default), so no op implements this. The engine asks
    /// at every node it schedules: a cast (`op as? any InnerGraphOp`) looks the conformance up
    /// at run time, and the first look-up for each op type scans every conformance in the
    /// program (0.7 M instructions of W1b's first compile in a process).
    var asInnerGraphOp: (any InnerGraphOp)? { get }

    /// An object the layers above attach to the op for a working-graph node to keep: read once
    /// when the node is made (`FunctionGraph/Node/payload`), so rewriters reach what it holds
    /// without casting the `any Op` (a dynamic cast and a copy of the op on every look). The
    /// graph layer knows nothing of it; `Elemwise` hands over its scalar op. Default nil.
    var nodePayload: AnyObject? { get }

    // Export (no default: every op says how it lowers, or why it cannot).

    /// The node as StableHLO ops written into `context.builder`: one value per output, of
    /// ``StableHLOContext/outputType(_:_:)``, from one value per input (`operands`, in the
    /// graph's order). An op without a StableHLO form throws ``StableHLONotExportable`` with
    /// its reason; the exporter lists every such node of a graph in one error.
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]

    // In-place execution (defaults below).

    /// Inputs whose memory the kernel can reuse for an output (PyTensor's `destroy_map`
    /// candidates). Nothing is decided here: the engine hands an input over, through
    /// ``perform(_:node:destroying:)``, only on a call where no one can read it afterwards.
    func destroyCandidates(_ node: Apply) -> [Int]

    /// The forward kernel, allowed to overwrite the inputs in `destroying` (a subset of
    /// ``destroyCandidates(_:)``): their arrays are this call's only reference to their memory,
    /// and they are dead after this node. The default ignores the permission.
    func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray]

    // Compiled execution (default below).

    /// The node's kernel with what the node fixes for every call (its input dtypes, which
    /// dimensions broadcast, a compiled elementwise program) resolved once — when a function is
    /// compiled, or on its first call where that is dearer — or nil (the default) to run
    /// ``perform(_:node:destroying:)`` on each call.
    ///
    /// A prepared kernel computes exactly what `perform` computes and throws the same errors;
    /// on inputs it was not prepared for (another dtype or rank, as an unchecked call may pass)
    /// it hands them to `perform`.
    func preparedKernel(_ node: Apply) -> (any PreparedKernel)?

    /// Sparsity rule: which elements of each input the elements of output `output` read, and
    /// which pairs the op combines nonlinearly, for shapes known statically (`inputShapes`,
    /// `outputShape`), or nil when the op has no rule. The default is nil: sparsity detection
    /// then assumes, conservatively, that every element of the output reads every element of
    /// every float input nonlinearly, and names the op in the pattern's `fallbacks`.
    func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies?
}

/// One node's forward kernel, prepared when a function is compiled (see
/// ``Op/preparedKernel(_:)``). The engine calls it instead of the op's `perform`.
public protocol PreparedKernel: AnyObject, Sendable {
    /// Output values from input values, allowed to overwrite the inputs in `destroying`
    /// exactly as ``Op/perform(_:node:destroying:)`` is.
    func perform(_ inputs: [NDArray], destroying: InputSet) throws -> [NDArray]

    /// The output of a node that has one, as ``perform(_:destroying:)`` computes it, without
    /// the array around it (one allocation per node and call fewer). The default unwraps
    /// `perform`'s result; kernels of one-output nodes implement it and `perform` in its terms.
    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray

    /// ``performSingle(_:destroying:)`` that may compute the output into `buffer`: an array
    /// the caller gives up (nothing else references its memory, and it is none of the inputs),
    /// which a kernel uses when it has the output's dtype and shape and is dense. The default
    /// ignores it.
    func performSingle(_ inputs: [NDArray], destroying: InputSet, into buffer: NDArray) throws -> NDArray
}

extension PreparedKernel {
    /// `perform`'s only output.
    public func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        try perform(inputs, destroying: destroying)[0]
    }

    /// The output computed without the buffer.
    public func performSingle(_ inputs: [NDArray], destroying: InputSet, into buffer: NDArray) throws -> NDArray {
        try performSingle(inputs, destroying: destroying)
    }
}

/// The prepared kernel of a one-output node, written as ``PreparedKernel/performSingle(_:destroying:)``
/// (which a conformer must implement); `perform` wraps its result.
public protocol SingleOutputKernel: PreparedKernel {}

extension SingleOutputKernel {
    /// `performSingle`'s result as the one output.
    public func perform(_ inputs: [NDArray], destroying: InputSet) throws -> [NDArray] {
        [try performSingle(inputs, destroying: destroying)]
    }
}

/// A set of input positions (the first 64 inputs of a node).
public struct InputSet: Sendable, Hashable {
    // Inlinable throughout: kernels in other targets ask `contains` for every operand of every
    // row they run.
    @usableFromInline package var bits: UInt64

    /// The empty set.
    @inlinable public static var none: InputSet { InputSet(bits: 0) }

    @inlinable package init(bits: UInt64) { self.bits = bits }

    /// The positions in `positions` below 64.
    @inlinable public init(_ positions: some Sequence<Int>) {
        bits = 0
        for position in positions { insert(position) }
    }

    /// Whether `position` is in the set.
    @inlinable public func contains(_ position: Int) -> Bool {
        position >= 0 && position < 64 && bits & (1 << UInt64(position)) != 0
    }

    /// Adds `position` (positions from 64 on are never in a set).
    @inlinable public mutating func insert(_ position: Int) {
        if position >= 0 && position < 64 { bits |= 1 << UInt64(position) }
    }

    /// Removes `position`.
    @inlinable public mutating func remove(_ position: Int) {
        if position >= 0 && position < 64 { bits &= ~(1 << UInt64(position)) }
    }

    /// Whether the set is empty.
    @inlinable public var isEmpty: Bool { bits == 0 }
}

extension Op {
    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        Apply(op: self, inputs: inputs, outputTypes: try outputTypes(for: inputs))
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { nil }

    public func destroyCandidates(_ node: Apply) -> [Int] { [] }

    public var resolvesWeakScalars: Bool { false }

    public var readsOnlyInputTypes: Bool { false }

    public var asInnerGraphOp: (any InnerGraphOp)? { nil }

    public var nodePayload: AnyObject? { nil }

    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        try perform(inputs, node: node)
    }

    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? { nil }

    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? { nil }

    /// Equality with an existential op (same concrete type and equal props).
    package func isEqual(to other: any Op) -> Bool {
        guard let other = concreteOp(other, as: Self.self) else { return false }
        return self == other
    }
}

/// Hashable box of an existential op, for dictionaries keyed by computation.
package struct AnyOp: Hashable, @unchecked Sendable {
    package let base: any Op
    package init(_ base: any Op) { self.base = base }
    package static func == (lhs: AnyOp, rhs: AnyOp) -> Bool { lhs.base.isEqual(to: rhs.base) }
    package func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(type(of: base)))
        hasher.combine(base)
    }
}

// `as?` and `as!` from `any Op` go through the runtime's general cast, which costs hundreds of
// instructions whether it succeeds or not; rewriters and folding ask it of many nodes.
/// `op` as a `T` when its concrete type is `T`, else nil: what `op as? T` answers, by
/// comparing the type and copying the value.
@inlinable package func concreteOp<T: Op>(_ op: any Op, as _: T.Type) -> T? {
    func opened<Concrete: Op>(_ value: Concrete) -> T? {
        Concrete.self == T.self ? unsafeBitCast(value, to: T.self) : nil
    }
    return opened(op)
}
