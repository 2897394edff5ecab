import CotangentArrays
import CotangentGraph

// Sorting and searching ops over the stable kernels of CotangentArrays/Sorting: `SortOp`,
// `ArgSortOp`, `SearchsortedOp`, `Unique` and `TopKOp`.

/// Sorts each lane along `axis` (stable; NaNs last ascending). PyTensor's `SortOp`.
public struct SortOp: Op {
    /// The sorted axis (non-negative).
    public let axis: Int
    /// Largest first.
    public let descending: Bool

    /// The op; build nodes with ``sort(_:axis:descending:)``.
    public init(axis: Int, descending: Bool = false) {
        self.axis = axis
        self.descending = descending
    }

    /// `SortOp{kind='stable'}`, with `, descending` when largest first.
    public var description: String { "SortOp{kind='stable'\(descending ? ", descending" : "")}" }

    /// The input's type.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try SortingOps.checkLanes(self, inputs, axis: axis)
        return [inputs[0].type]
    }

    /// A fresh sorted array.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try SortingOps.run(self) { try inputs[0].sorted(axis: axis, order: descending ? .descending : .ascending) }]
    }

    /// The input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }

    /// PyTensor's rule: the cotangent gathered by the inverse permutation,
    /// `takeAlongAxis(g, argsort(argsort(x)))` (each input element gets its sorted slot's).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let x = node.inputs[0]
        guard let g = cotangents[0], x.dtype.isFloat else { return [.disconnected] }
        let order = build(ArgSortOp(axis: axis, descending: descending), x)
        let inverse = build(ArgSortOp(axis: axis, descending: false), order)
        return [.value(takeAlongAxis(g, inverse, axis: axis))]
    }

    /// The tangent gathered by the sorting permutation.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [takeAlongAxis(t, build(ArgSortOp(axis: axis, descending: descending), node.inputs[0]), axis: axis)]
    }

    /// Batch dims go in front: the axis moves by their count.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchedInputs[0].ndim - node.inputs[0].ndim
        return [build(SortOp(axis: axis + batch, descending: descending), batchedInputs[0])]
    }
}

/// The stable sorting permutation of each lane along `axis` (int64). PyTensor's `ArgSortOp`.
/// Not differentiable: integer output.
public struct ArgSortOp: Op {
    /// The sorted axis (non-negative).
    public let axis: Int
    /// Largest first (equal elements still in index order).
    public let descending: Bool

    /// The op; build nodes with ``argsort(_:axis:descending:)``.
    public init(axis: Int, descending: Bool = false) {
        self.axis = axis
        self.descending = descending
    }

    /// `ArgSortOp{kind='stable'}`, with `, descending` when largest first.
    public var description: String { "ArgSortOp{kind='stable'\(descending ? ", descending" : "")}" }

    /// int64 with the input's shape.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try SortingOps.checkLanes(self, inputs, axis: axis)
        return [TensorType(dtype: .int64, shape: inputs[0].type.shape)]
    }

    /// The permutation.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try SortingOps.run(self) { try inputs[0].argsort(axis: axis, order: descending ? .descending : .ascending) }]
    }

    /// The input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }

    /// Not differentiable: integer output.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }

    /// Not differentiable: integer output.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }

    /// Batch dims go in front: the axis moves by their count.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchedInputs[0].ndim - node.inputs[0].ndim
        return [build(ArgSortOp(axis: axis + batch, descending: descending), batchedInputs[0])]
    }
}

/// numpy's `searchsorted(sorted, values, side)`: int64 insertion positions of `values` in the
/// 1-d `sorted`. Not differentiable: integer output.
public struct SearchsortedOp: Op {
    /// `.left`: the first suitable position; `.right`: the last.
    public let right: Bool

    /// The op; build nodes with ``searchsorted(_:_:right:)``.
    public init(right: Bool) { self.right = right }

    /// `SearchsortedOp{side='left'}` or `{side='right'}`.
    public var description: String { "SearchsortedOp{side='\(right ? "right" : "left")'}" }

    /// int64 with `values`' shape.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 2, inputs[0].ndim == 1, !inputs[0].type.isScalarKind else {
            throw CotangentError(.invalidGraph,
                "\(self): expects a 1-d sorted tensor and the values to search, got \(describeTypes(inputs))")
        }
        return [TensorType(dtype: .int64, shape: inputs[1].type.shape)]
    }

    /// Binary searches in the promoted dtype.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try SortingOps.run(self) { try inputs[0].searchSorted(inputs[1], side: right ? .right : .left) }]
    }

    /// `values`' shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[1]] }

    /// Not differentiable: integer output.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false], [false]] }

    /// Not differentiable: integer output.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected, .disconnected] }

    /// Batched values against one sorted sequence: the same search. A batched sequence falls
    /// back to `Blockwise` (signature `(n),(m)->(m)` per lane).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        guard batchedInputs[0].ndim == node.inputs[0].ndim else { return nil }
        return [build(self, batchedInputs)]
    }
}

/// numpy's `unique` of the flattened input: the sorted distinct values and, as asked, the
/// index of each one's first occurrence, the inverse (the input's shape) and the counts.
/// PyTensor's `Unique`. Not differentiable: the outputs' lengths depend on the values.
public struct UniqueOp: Op {
    /// Adds the first-occurrence indices output.
    public let returnIndex: Bool
    /// Adds the inverse output.
    public let returnInverse: Bool
    /// Adds the counts output.
    public let returnCounts: Bool

    /// The op; build nodes with ``unique(_:returnIndex:returnInverse:returnCounts:)``.
    public init(returnIndex: Bool = false, returnInverse: Bool = false, returnCounts: Bool = false) {
        self.returnIndex = returnIndex
        self.returnInverse = returnInverse
        self.returnCounts = returnCounts
    }

    /// `Unique{False, True, False}` (PyTensor's props: return_index, return_inverse, return_counts).
    public var description: String {
        "Unique{\([returnIndex, returnInverse, returnCounts].map { $0 ? "True" : "False" }.joined(separator: ", "))}"
    }

    /// Values (1-d, length known only at run time), then the requested int64 outputs.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, !inputs[0].type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(self): expects one tensor, got \(describeTypes(inputs))")
        }
        var types = [TensorType(dtype: inputs[0].dtype, shape: [nil])]
        if returnIndex { types.append(TensorType(dtype: .int64, shape: [nil])) }
        if returnInverse { types.append(TensorType(dtype: .int64, shape: inputs[0].type.shape)) }
        if returnCounts { types.append(TensorType(dtype: .int64, shape: [nil])) }
        return types
    }

    /// The numpy ≥ 2 outputs (NaNs one value; the inverse has the input's shape).
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        var outputs: UniqueOutputs = []
        if returnIndex { outputs.insert(.indices) }
        if returnInverse { outputs.insert(.inverse) }
        if returnCounts { outputs.insert(.counts) }
        let result = inputs[0].unique(returning: outputs)
        return [result.values] + [result.indices, result.inverse, result.counts].compactMap { $0 }
    }

    /// The inverse has the input's shape (numpy ≥ 2); the other lengths are read from the
    /// outputs at run time, PyTensor's `Unique.infer_shape`.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let inverse = returnInverse ? (returnIndex ? 2 : 1) : nil
        return node.outputTypes.indices.map { output in
            output == inverse ? inputShapes[0] : [build(ShapeI(axis: 0), node.output(output))]
        }
    }

    /// Not differentiable: the outputs' lengths depend on the values.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [node.outputs.map { _ in false }] }

    /// Not differentiable: the outputs' lengths depend on the values.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
}

/// The `k` largest entries of each lane along the last axis and their int64 indices, largest
/// first (ties by lower index): `jax.lax.top_k`.
public struct TopKOp: Op {
    /// How many entries each lane keeps.
    public let k: Int

    /// The op; build nodes with ``topK(_:_:)``.
    public init(k: Int) { self.k = k }

    /// `TopK{k=3}`.
    public var description: String { "TopK{k=\(k)}" }

    /// Values with the input's dtype and indices (int64), both `x.shape[:-1] + (k,)`.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, inputs[0].ndim >= 1, !inputs[0].type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(self): expects one tensor of rank ≥ 1, got \(describeTypes(inputs))")
        }
        let last = inputs[0].type.shape.last!
        guard k >= 0, last.map({ k <= $0 }) ?? true else {
            throw CotangentError(.invalidGraph,
                "\(self): k must be in 0...\(last.map(String.init) ?? "n") (the last axis of \(inputs[0].type)), got \(k)")
        }
        let shape = Array(inputs[0].type.shape.dropLast()) + [k]
        return [TensorType(dtype: inputs[0].dtype, shape: shape), TensorType(dtype: .int64, shape: shape)]
    }

    /// One heap pass per lane.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let (values, indices) = try SortingOps.run(self) { try inputs[0].topK(k) }
        return [values, indices]
    }

    /// `x.shape[:-1] + (k,)` for both outputs.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let shape = Array(inputShapes[0].dropLast()) + [shapeConstant(k)]
        return [shape, shape]
    }

    /// The values are connected to a float input; the indices never.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[node.inputs[0].dtype.isFloat, false]] }

    /// The values' cotangent scattered to the selected positions (`putAlongAxis` into zeros).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let x = node.inputs[0]
        guard let g = cotangents[0], x.dtype.isFloat else { return [.disconnected] }
        return [.value(putAlongAxis(zerosLike(x), node.outputs[1], g, axis: x.ndim - 1, accumulate: true))]
    }

    /// The tangent gathered at the selected positions; the indices have none.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil, nil] }
        return [takeAlongAxis(t, node.outputs[1], axis: node.inputs[0].ndim - 1), nil]
    }

    /// The last axis stays last: the same op on the batched input.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        buildOutputs(self, batchedInputs, outputCount: 2)
    }
}

package enum SortingOps {
    /// One tensor input whose rank has `axis`.
    static func checkLanes(_ op: some Op, _ inputs: [Variable], axis: Int) throws {
        guard inputs.count == 1, !inputs[0].type.isScalarKind, inputs[0].ndim >= 1 else {
            throw CotangentError(.invalidGraph, "\(op): expects one tensor of rank ≥ 1, got \(describeTypes(inputs))")
        }
        guard axis >= 0, axis < inputs[0].ndim else {
            throw CotangentError(.invalidGraph, "\(op): axis \(axis) is out of range for \(inputs[0].type)")
        }
    }

    /// Runs a sorting kernel, turning its error into a ``CotangentError`` naming the op.
    static func run<T>(_ op: some Op, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CotangentError(.invalidValue, "\(op): \(error)")
        }
    }
}

// MARK: - Functions

/// numpy's `sort(x, axis)`: each lane along `axis` sorted, stably (NaNs last; largest first and
/// NaNs first with `descending`). Its gradient gathers the cotangent by the inverse permutation.
public func sort(_ x: Variable, axis: Int = -1, descending: Bool = false) -> Variable {
    reporting(placeholderVariable(x.type)) {
        build(SortOp(axis: try normalizedAxis(axis, of: x, in: "sort"), descending: descending), x)
    }
}

/// numpy's `argsort(x, axis, kind='stable')`: the int64 permutation that sorts each lane
/// (equal elements keep index order, also with `descending`).
public func argsort(_ x: Variable, axis: Int = -1, descending: Bool = false) -> Variable {
    reporting(placeholderVariable(TensorType(dtype: .int64, shape: x.type.shape))) {
        build(ArgSortOp(axis: try normalizedAxis(axis, of: x, in: "argsort"), descending: descending), x)
    }
}

/// numpy's `searchsorted(sorted, values, side)`: where each of `values` would be inserted in the
/// 1-d ascending `sorted` to keep it sorted (the first such position, or the last with `right`).
public func searchsorted(_ sorted: Variable, _ values: Variable, right: Bool = false) -> Variable {
    build(SearchsortedOp(right: right), sorted, values)
}

/// numpy's `unique(x)`: the sorted distinct values of the flattened `x` (length known at run time).
public func unique(_ x: Variable) -> Variable {
    build(UniqueOp(), x)
}

/// numpy's `unique(x, return_index=, return_inverse=, return_counts=)`: `[values]` followed by
/// the requested outputs, in that order.
public func unique(_ x: Variable, returnIndex: Bool, returnInverse: Bool = false, returnCounts: Bool = false) -> [Variable] {
    let op = UniqueOp(returnIndex: returnIndex, returnInverse: returnInverse, returnCounts: returnCounts)
    return buildOutputs(op, [x], outputCount: 1 + [returnIndex, returnInverse, returnCounts].filter { $0 }.count)
}

/// `jax.lax.top_k(x, k)`: the `k` largest entries of each lane along the last axis, largest
/// first, and their int64 indices.
public func topK(_ x: Variable, _ k: Int) -> (values: Variable, indices: Variable) {
    let outputs = buildOutputs(TopKOp(k: k), [x], outputCount: 2)
    return (outputs[0], outputs[1])
}
