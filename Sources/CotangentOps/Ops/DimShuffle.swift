import CotangentArrays
import CotangentGraph

/// Reorders, inserts and drops dimensions: PyTensor's `DimShuffle`, printed as `ExpandDims`,
/// `Squeeze`, `Transpose` or `DimShuffle{order=…}` depending on what it does. A view, no copy.
///
/// `newOrder[i]` is the input dimension that becomes output dimension `i`, or nil for a new
/// length-1 dimension (PyTensor's `'x'`). Input dimensions left out are dropped and must be
/// statically 1.
public struct DimShuffle: Op {
    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The rank of the input.
    public let inputNdim: Int
    /// For each output dimension, the input dimension it takes, or `nil` for a new length-1 dimension.
    public let newOrder: [Int?]

    /// A dimension shuffle of a rank-`inputNdim` input; see the type's description of `newOrder`.
    public init(inputNdim: Int, newOrder: [Int?]) {
        self.inputNdim = inputNdim
        self.newOrder = newOrder
    }

    /// The kept input dims, in output order.
    package var shuffle: [Int] { newOrder.compactMap { $0 } }
    /// Output positions of new length-1 dims.
    package var augment: [Int] { newOrder.indices.filter { newOrder[$0] == nil } }
    /// Input dims that are dropped.
    package var drop: [Int] { (0..<inputNdim).filter { !shuffle.contains($0) } }

    // The four kinds below are read from `newOrder` in place where they can be (the lists above
    // each allocate), since the rewriters ask them of every shuffle they visit.

    package var isExpandDims: Bool {
        newOrder.count > inputNdim && newOrder.lazy.compactMap { $0 }.elementsEqual(0..<inputNdim)
    }
    package var isSqueeze: Bool {
        guard hasValidKeptAxes else { return augment.isEmpty && !drop.isEmpty && shuffle == shuffle.sorted() }
        guard newOrder.count < inputNdim else { return false }
        var previous = -1
        for axis in newOrder {
            guard let axis, axis > previous else { return false }
            previous = axis
        }
        return true
    }
    package var isTranspose: Bool {
        guard hasValidKeptAxes else { return augment.isEmpty && drop.isEmpty && shuffle != Array(0..<inputNdim) }
        return newOrder.count == inputNdim && !newOrder.contains(nil) && !isIdentity
    }
    /// Whether the kept axes are distinct input axes (what `makeNode` requires), checked
    /// without allocating for up to 64 input dims; false otherwise.
    private var hasValidKeptAxes: Bool {
        guard inputNdim <= 64 else { return false }
        var seen: UInt64 = 0
        for axis in newOrder {
            guard let axis else { continue }
            guard axis >= 0, axis < inputNdim, seen & (1 << UInt64(axis)) == 0 else { return false }
            seen |= 1 << UInt64(axis)
        }
        return true
    }
    /// Whether the op changes nothing.
    public var isIdentity: Bool {
        newOrder.count == inputNdim && newOrder.indices.allSatisfy { newOrder[$0] == $0 }
    }

    public var description: String {
        func list(_ values: [Int]) -> String {
            "[" + values.map(String.init).joined(separator: ", ") + "]"
        }
        if isExpandDims {
            return augment.count == 1 ? "ExpandDims{axis=\(augment[0])}" : "ExpandDims{axes=\(list(augment))}"
        }
        if isSqueeze {
            return drop.count == 1 ? "Squeeze{axis=\(drop[0])}" : "Squeeze{axes=\(list(drop))}"
        }
        if isTranspose { return "Transpose{axes=\(list(shuffle))}" }
        let order = newOrder.map { $0.map(String.init) ?? "x" }.joined(separator: ",")
        return "DimShuffle{order=[\(order)]}"
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "\(self): expects 1 input, got \(inputs.count)")
        }
        let type = inputs[0].type
        guard type.ndim == inputNdim else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects an input of \(inputNdim) dimensions, got \(type)")
        }
        // (Checked without the lists `shuffle` and `drop` build: every graph builds many shuffles.)
        guard hasValidKeptAxes || (Set(shuffle).count == shuffle.count
            && shuffle.allSatisfy({ (0..<inputNdim).contains($0) }))
        else {
            throw CotangentError(.invalidGraph, 
                "\(self): order \(newOrder) is not a valid order for \(inputNdim) dimensions")
        }
        for axis in 0..<inputNdim where type.shape[axis] != 1 && !newOrder.contains(axis) {
            throw CotangentError(.invalidGraph, 
                "\(self): cannot drop dimension \(axis) of \(type): it is not statically 1")
        }
        let shape = newOrder.map { axis in axis.map { type.shape[$0] } ?? 1 }
        return [TensorType(dtype: type.dtype, shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        for axis in drop where x.shape[axis] != 1 {
            throw CotangentError(.shapeMismatch, 
                "\(self): dimension \(axis) of input shape \(formatShape(x.shape)) is not 1")
        }
        let squeezed = x.squeezingDims(drop)
        // Positions of kept dims after dropping: rank them.
        let kept = shuffle
        let ranks = kept.map { axis in kept.filter { $0 < axis }.count }
        return [squeezed.transposed(ranks).expandingDims(augment)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [newOrder.map { axis in axis.map { inputShapes[0][$0] } ?? shapeConstant(1) }]
    }

    /// The view's layout depends on the input's layout only: the kernel keeps the last one
    /// (`LastViewLayout`), so a call of a compiled function builds no shape or strides array.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        PreparedDimShuffle(op: self, node: node)
    }

    /// The inverse shuffle: input dim `v` comes back from output position `i` where
    /// `newOrder[i] == v`; dropped (length-1) dims come back as new axes, and the output's new
    /// axes are dropped again. A transpose's pullback is the inverse transpose.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        var order = [Int?](repeating: nil, count: inputNdim)
        for (position, axis) in newOrder.enumerated() { if let axis { order[axis] = position } }
        return [.value(Self.fixingNewAxes(g, at: augment).dimShuffled(order))]
    }

    /// Linear: the same shuffle of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [Self.fixingNewAxes(t, at: drop).dimShuffled(newOrder)]
    }

    /// A cotangent whose dims at `axes` are not statically 1 (a user-supplied one) gets them
    /// asserted, so the shuffle may drop them.
    private static func fixingNewAxes(_ v: Variable, at axes: [Int]) -> Variable {
        guard axes.contains(where: { v.type.shape[$0] != 1 }) else { return v }
        var shape = v.type.shape
        for axis in axes { shape[axis] = 1 }
        return v.specifyingShape(shape)
    }
}

extension Variable {
    /// Length-1 dimensions inserted at `axes` (positions in the result).
    public func expandingDims(_ axes: [Int]) -> Variable {
        let rank = ndim + axes.count
        guard let normalized = checkedAxes(axes, rank: rank, function: "expandingDims") else { return self }
        var order: [Int?] = []
        var next = 0
        for position in 0..<rank {
            if normalized.contains(position) {
                order.append(nil)
            } else {
                order.append(next)
                next += 1
            }
        }
        return build(DimShuffle(inputNdim: ndim, newOrder: order), self)
    }

    /// Removes the given statically length-1 dimensions (all of them when `axes` is nil).
    public func squeezed(axes: [Int]? = nil) -> Variable {
        guard let dropped = checkedAxes(axes ?? type.shape.indices.filter { type.shape[$0] == 1 },
            rank: ndim, function: "squeezed") else { return self }
        let order = (0..<ndim).filter { !dropped.contains($0) }.map { Optional($0) }
        return build(DimShuffle(inputNdim: ndim, newOrder: order), self)
    }

    /// The dimensions permuted: output dim `i` is input dim `axes[i]`; reversed when nil.
    public func transposed(axes: [Int]? = nil) -> Variable {
        if let axes, axes.count != ndim {
            reportBuildError(CotangentError(.invalidGraph,
                "transposed: axes \(axes) do not match a tensor of \(ndim) dimensions (\(type))"))
            return self
        }
        guard let order = checkedAxes(axes ?? Array((0..<ndim).reversed()), rank: ndim, function: "transposed")
        else { return self }
        return build(DimShuffle(inputNdim: ndim, newOrder: order.map { Optional($0) }), self)
    }

    /// `axes` made non-negative for a result of `rank` dimensions; an axis out of range or
    /// repeated is reported (and nil returned) naming `function`, the axes and this type.
    package func checkedAxes(_ axes: [Int], rank: Int, function: String) -> [Int]? {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        if let bad = zip(axes, normalized).first(where: { !(0..<rank).contains($0.1) }) {
            reportBuildError(CotangentError(.invalidGraph,
                "\(function): axis \(bad.0) is out of bounds for \(rank) dimensions (axes \(axes), input \(type))"))
            return nil
        }
        guard Set(normalized).count == normalized.count else {
            reportBuildError(CotangentError(.invalidGraph,
                "\(function): repeated axis in \(axes) (input \(type))"))
            return nil
        }
        return normalized
    }

    /// The transpose (all dimensions reversed), PyTensor's `.T`.
    public var T: Variable { transposed() }

    /// PyTensor's `dimshuffle`: output dim `i` is input dim `order[i]`, nil inserts a new axis.
    public func dimShuffled(_ order: [Int?]) -> Variable {
        build(DimShuffle(inputNdim: ndim, newOrder: order), self)
    }
}

// Batching rule.
extension DimShuffle {
    /// Batch dims stay in front; the shuffle applies to the core dims.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let order = (0..<batch).map { Optional($0) } + newOrder.map { $0.map { $0 + batch } }
        return [batchedInputs[0].dimShuffled(order)]
    }
}

// MARK: - StableHLO

extension DimShuffle {
    /// A transpose putting the kept dims in their new order (dropped length-1 dims last), then a
    /// reshape that removes those and inserts the new length-1 dims.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        return [b.reshape(b.transpose(operands[0], shuffle + drop), context.outputType(node).shape)]
    }
}

/// A ``DimShuffle`` node's kernel: `perform` on a new input layout, the kept view layout after.
final class PreparedDimShuffle: SingleOutputKernel {
    private let op: DimShuffle
    private let node: Apply
    private let layout = LastViewLayout()

    init(op: DimShuffle, node: Apply) {
        self.op = op
        self.node = node
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        try layout.view(of: inputs[0]) { x in try op.perform([x], node: node)[0] }
    }
}

// MARK: - Sparsity

extension DimShuffle {
    /// Sparsity: a permutation (with inserted length-1 axes), found by running the op on the
    /// input's flat indices.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(of: node, output: output, inputShapes: inputShapes, inputs: [0])
    }
}
