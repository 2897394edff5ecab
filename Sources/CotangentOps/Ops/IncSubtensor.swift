import CotangentArrays
import CotangentGraph
import Synchronization

/// A copy of a tensor with a basic-indexed region incremented or replaced: PyTensor's
/// `IncSubtensor` (printed `IncSubtensor{…}`, or `SetSubtensor{…}` when ``setInstead``).
///
/// Inputs are `(x, y, index values…)` with the index pattern of ``Subtensor``; the output is a
/// fresh array equal to `x` with `x[idx] += y` (or `x[idx] = y`), `y` broadcast to the region's
/// shape by numpy's rules. The output never shares storage with `x`.
public struct IncSubtensor: Op {
    /// The output type is the updated tensor's type (the index values only check the region).
    public var readsOnlyInputTypes: Bool { true }

    /// The index pattern of the updated region.
    public let idxList: [IndexEntry]
    /// Replace the region by `y` instead of adding `y` to it.
    public let setInstead: Bool

    /// The op for an index pattern; build nodes through `Variable/incremented(at:by:)` and
    /// `Variable/setting(at:to:)`, which also create the index inputs.
    public init(idxList: [IndexEntry], setInstead: Bool = false) {
        self.idxList = idxList
        self.setInstead = setInstead
    }

    /// `IncSubtensor{i}`, `SetSubtensor{:stop}`.
    public var description: String {
        "\(setInstead ? "SetSubtensor" : "IncSubtensor"){\(IndexEntry.format(idxList))}"
    }

    /// The output has `x`'s type. `y` may not have more dimensions than the region, each of its
    /// known lengths must be 1 or the region's known length, and an increment must be castable
    /// to `x`'s dtype within its kind (numpy's `same_kind` rule of `x[idx] += y`).
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count >= 2 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects the tensor, the value and the index inputs, got \(inputs.count) "
                    + "inputs (\(describeTypes(inputs)))")
        }
        let (x, y) = (inputs[0], inputs[1])
        let indexInputs = inputs.dropFirst(2)
        try BasicIndexing.checkOperands(
            op: self, entries: idxList, x: x, indexInputs: indexInputs, inputs: inputs)
        let region = BasicIndexing.staticShape(
            entries: idxList, inputShape: x.type.shape, indexInputs: Array(indexInputs))
        guard y.ndim <= region.count else {
            throw CotangentError(.invalidGraph, 
                "\(self): cannot \(setInstead ? "set" : "increment") a \(region.count)-dimensional "
                    + "region of shape \(TensorType.format(region)) with a \(y.ndim)-dimensional value; "
                    + "input types: \(describeTypes(inputs))")
        }
        let lead = region.count - y.ndim
        for (axis, length) in y.type.shape.enumerated() {
            if let length, length != 1, let wanted = region[lead + axis], wanted != length {
                throw CotangentError(.invalidGraph, 
                    "\(self): a value of static shape \(TensorType.format(y.type.shape)) cannot "
                        + "broadcast to the region of static shape \(TensorType.format(region)); "
                        + "input types: \(describeTypes(inputs))")
            }
        }
        if !setInstead && !IncSubtensor.castsWithinKind(DType.promote(x.dtype, y.dtype), to: x.dtype) {
            throw CotangentError(.invalidGraph, 
                "\(self): cannot add a \(y.dtype) value to a \(x.dtype) tensor in place "
                    + "(numpy's same_kind rule); input types: \(describeTypes(inputs))")
        }
        return [TensorType(dtype: x.dtype, shape: x.type.shape)]
    }

    /// numpy's `can_cast(from, to, "same_kind")` for our dtypes: kinds may only go up the
    /// order bool < unsigned < signed < float.
    package static func castsWithinKind(_ from: DType, to: DType) -> Bool {
        func rank(_ dtype: DType) -> Int {
            switch dtype.kind {
            case "b": 0
            case "u": 1
            case "i": 2
            default: 3
            }
        }
        return rank(from) <= rank(to)
    }

    /// Copies `x`, then adds or writes `y` into the region; throws `.invalidValue` for an
    /// out-of-range index or a zero step and `.shapeMismatch` when `y` does not broadcast.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    /// x's memory can hold the output.
    public func destroyCandidates(_ node: Apply) -> [Int] { [0] }

    /// Updates x where it lies when x is handed over and dense (no element shared by two
    /// indices); otherwise on a copy.
    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        let result = Self.output(from: inputs[0], destroying: destroying)
        let region = try BasicIndexing.region(
            of: result, entries: idxList, values: inputs.dropFirst(2), op: self)
        try update(region, with: inputs[1], declared: node.inputs[1].type, x: inputs[0])
        return [result]
    }

    /// The array the update is written into: x itself when it is handed over and dense, else
    /// a contiguous copy that never shares storage with x (one memcpy when x is dense). The
    /// output must not alias x's storage otherwise: the region is written.
    static func output(from x: NDArray, destroying: InputSet) -> NDArray {
        if destroying.contains(0) && x.isContiguous { return x }
        let result = NDArray.uninitialized(dtype: x.dtype, shape: x.shape)
        result.overwrite(with: x)
        return result
    }

    /// Adds `y` into (or writes it over) `region`, a view of the output; throws
    /// `.shapeMismatch` when `y` does not broadcast to it.
    func update(_ region: NDArray, with y: NDArray, declared: TensorType, x: NDArray) throws {
        try Self.checkStaticBroadcast(y, declared: declared, into: region.shape, x: x, op: self)
        // numpy's broadcasting of y to the region, checked without building the view.
        let lead = region.ndim - y.ndim
        var fits = lead >= 0
        for axis in 0..<y.ndim where fits && y.shape[axis] != 1 && y.shape[axis] != region.shape[lead + axis] {
            fits = false
        }
        guard fits else {
            throw CotangentError(.shapeMismatch,
                "\(self): cannot broadcast a value of shape \(formatShape(y.shape)) (dtype \(y.dtype)) "
                    + "to the indexed region of shape \(formatShape(region.shape)) (input shape "
                    + "\(formatShape(x.shape)), dtype \(x.dtype))")
        }
        if region.dtype == .float64 && y.dtype == .float64 && region.isContiguous && y.isContiguous
            && (y.count == 1 || y.count == region.count) {
            // The common case (a gradient's slice written into zeros, a Jacobian row) in one
            // loop, without the dtype visitor and its conversions: the same sums.
            let row = region.basePointer(as: Double.self) + region.offset
            let values = y.basePointer(as: Double.self) + y.offset
            let step = y.count == 1 ? 0 : 1
            if setInstead {
                for k in 0..<region.count { row[k] = values[k * step] }
            } else {
                for k in 0..<region.count { row[k] += values[k * step] }
            }
            return
        }
        x.dtype.dispatch(RegionUpdate(region: region, value: y, setInstead: setInstead))
    }

    /// The output has the input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [inputShapes[0]]
    }
}

// MARK: - Prepared kernel

extension IncSubtensor {
    /// With constant indices, the region's layout in the (row-major) output depends on `x`'s
    /// shape only: the kernel keeps the last one and builds the region's view from it, with
    /// no index arithmetic and no new shape or strides arrays. Symbolic indices run `perform`.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        guard node.inputs.dropFirst(2).allSatisfy({ BasicIndexing.constantInt($0) != nil }) else { return nil }
        return PreparedIncSubtensor(op: self, node: node)
    }
}

/// An ``IncSubtensor`` node's kernel for constant indices.
final class PreparedIncSubtensor: SingleOutputKernel {
    private let op: IncSubtensor
    private let valueType: TensorType
    private let layout = RegionLayout()

    init(op: IncSubtensor, node: Apply) {
        self.op = op
        valueType = node.inputs[1].type
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        let x = inputs[0]
        let result = IncSubtensor.output(from: x, destroying: destroying)
        let region = try layout.region(of: result, entries: op.idxList, values: inputs.dropFirst(2), op: op)
        try op.update(region, with: inputs[1], declared: valueType, x: x)
        return result
    }
}

/// The layout of a constant-index region in row-major arrays, kept for the last shape: a
/// prepared kernel builds the region's view from it with no index arithmetic and no new shape
/// or strides arrays while the shape stays the same.
final class RegionLayout: Sendable {
    /// The region of a row-major array of `inputShape`. (A class, so reading it under the lock
    /// retains one object.)
    private final class Known: Sendable {
        let inputShape: [Int]
        let shape: [Int]
        let strides: [Int]
        let offset: Int

        init(inputShape: [Int], of view: NDArray) {
            (self.inputShape, shape, strides, offset) = (inputShape, view.shape, view.strides, view.offset)
        }
    }

    private let last = Mutex<Known?>(nil)

    /// The region of `array` (row-major, any offset) selected by the constant indices `values`.
    func region(of array: NDArray, entries: [IndexEntry], values: ArraySlice<NDArray>, op: some Op) throws -> NDArray {
        if let known = last.withLock({ $0 }), known.inputShape == array.shape {
            return NDArray(
                dtype: array.dtype, shape: known.shape, strides: known.strides,
                offset: array.offset + known.offset, storage: array.storage)
        }
        // A new shape (or an index that fails on it, which throws and is not kept). The layout
        // is found on a row-major stand-in at offset 0.
        let standIn = NDArray(
            dtype: array.dtype, shape: array.shape, strides: NDArray.contiguousStrides(array.shape), offset: 0,
            storage: array.storage)
        let layout = try BasicIndexing.region(of: standIn, entries: entries, values: values, op: op)
        last.withLock { $0 = Known(inputShape: array.shape, of: layout) }
        return NDArray(
            dtype: array.dtype, shape: layout.shape, strides: layout.strides,
            offset: array.offset + layout.offset, storage: array.storage)
    }
}

// MARK: - Kernels

/// Writes `value` (which broadcasts to the region's shape) into the region, or adds it.
///
/// Increments compute in the dtype numpy's `x[idx] += y` uses before casting back: double for
/// float tensors, wrapping int64 for integer tensors, logical or for bool tensors.
private struct RegionUpdate: DTypeVisitor {
    package let region: NDArray
    package let value: NDArray
    package let setInstead: Bool

    package func visit<T: ArrayElement>(_: T.Type) {
        if setInstead {
            update(T.self, value.converted(to: T.dtype), as: T.self, Replace.self)
            return
        }
        switch T.dtype {
        case .float32, .float64: update(T.self, value.converted(to: .float64), as: Double.self, AddReal.self)
        case .bool: update(T.self, value.converted(to: .bool), as: Bool.self, OrBool.self)
        default: update(T.self, value.converted(to: .int64), as: Int64.self, AddInteger.self)
        }
    }

    /// One strided pass over the region and the value, `C.combine(old, new)` per element (a
    /// type rather than a closure, so the element loop is specialised with it inlined).
    private func update<T: ArrayElement, V: ArrayElement, C: RegionCombine>(
        _: T.Type, _ source: NDArray, as _: V.Type, _: C.Type
    ) {
        let target = region.basePointer(as: T.self)
        if region.isContiguous && source.isContiguous && (source.count == region.count || source.count == 1) {
            // One run each (a row of a Jacobian loop, a slice of a vector): no strided-loop plan.
            let (row, values) = (target + region.offset, source.basePointer(as: V.self) + source.offset)
            if source.count == 1 {
                let value = values[0]
                for k in 0..<region.count { row[k] = C.combine(row[k], value) }
            } else {
                for k in 0..<region.count { row[k] = C.combine(row[k], values[k]) }
            }
            return
        }
        // Convert before broadcasting so a broadcast value is never materialised.
        let source = source.broadcast(to: region.shape)!
        let values = source.basePointer(as: V.self)
        let loop = StridedLoop(
            shape: region.shape,
            operands: [(region.strides, region.offset), (source.strides, source.offset)])
        let (step, valueStep) = (loop.rowStride(0), loop.rowStride(1))
        let length = loop.rowLength
        loop.forEachRow { starts in
            var (t, v) = (starts[0], starts[1])
            if step == 1 && valueStep == 1 {
                // Unit steps, known at compile time: a loop the compiler vectorises.
                let (row, rowValues) = (target + t, values + v)
                for k in 0..<length { row[k] = C.combine(row[k], rowValues[k]) }
                return
            }
            for _ in 0..<length {
                target[t] = C.combine(target[t], values[v])
                t += step
                v += valueStep
            }
        }
    }
}

/// How ``RegionUpdate`` merges a region element with the value's.
private protocol RegionCombine {
    static func combine<T: ArrayElement, V: ArrayElement>(_ old: T, _ new: V) -> T
}

/// `x[idx] = y` (the value already has the region's dtype).
private enum Replace: RegionCombine {
    @inline(__always) package static func combine<T: ArrayElement, V: ArrayElement>(_ old: T, _ new: V) -> T {
        unsafeBitCast(new, to: T.self)
    }
}

/// `x[idx] += y` of a float tensor, in double.
private enum AddReal: RegionCombine {
    @inline(__always) package static func combine<T: ArrayElement, V: ArrayElement>(_ old: T, _ new: V) -> T {
        T(converting: old.doubleValue + new.doubleValue)
    }
}

/// `x[idx] += y` of a bool tensor: logical or.
private enum OrBool: RegionCombine {
    @inline(__always) package static func combine<T: ArrayElement, V: ArrayElement>(_ old: T, _ new: V) -> T {
        T(converting: old.boolValue || new.boolValue)
    }
}

/// `x[idx] += y` of an integer tensor, wrapping in int64.
private enum AddInteger: RegionCombine {
    @inline(__always) package static func combine<T: ArrayElement, V: ArrayElement>(_ old: T, _ new: V) -> T {
        T(converting: old.int64Value &+ new.int64Value)
    }
}

// MARK: - Derivatives

extension IncSubtensor {
    /// `x` and `y` are connected when they are float (and so is the output); index inputs never.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let float = node.outputTypes[0].dtype.isFloat
        return [[float && node.inputs[0].dtype.isFloat], [float && node.inputs[1].dtype.isFloat]]
            + node.inputs.dropFirst(2).map { _ in [false] }
    }

    /// PyTensor's rule. Increment: `x` gets `g`, `y` gets `g[idx]`. Set: `x` gets `g` with the
    /// region zeroed (`set_subtensor(g[idx], zeros_like(y))`), since the old values there were
    /// overwritten; `y` gets `g[idx]`. `y`'s term is summed over the dims it was broadcast along
    /// (see `IncSubtensor/reduced(_:toBroadcastPatternOf:)`); index inputs are disconnected.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let indexGradients = node.inputs.dropFirst(2).map { _ in InputGradient.disconnected }
        let (x, y) = (node.inputs[0], node.inputs[1])
        guard let g = cotangents[0], node.outputTypes[0].dtype.isFloat else {
            return [.disconnected, .disconnected] + indexGradients
        }
        let indexInputs = Array(node.inputs.dropFirst(2))
        var gx = InputGradient.disconnected
        if x.dtype.isFloat {
            gx = .value(
                setInstead
                    ? build(IncSubtensor(idxList: idxList, setInstead: true), [g, zerosLike(y)] + indexInputs)
                    : g)
        }
        var gy = InputGradient.disconnected
        if y.dtype.isFloat {
            let region = build(Subtensor(idxList: idxList), [g] + indexInputs)
            gy = .value(Self.reduced(region, toBroadcastPatternOf: y))
        }
        return [gx, gy] + indexGradients
    }

    /// PyTensor's `_sum_grad_over_bcasted_dims`: the region's cotangent summed over the dims
    /// where `y` was broadcast into the region — its missing leading dims, and dims where `y`
    /// is statically 1 but the region is not (kept as length 1) — so it has `y`'s shape.
    ///
    /// Broadcasting is read from the static shape, so the kernels refuse a `y` dim that is 1
    /// only at run time (``checkStaticBroadcast(_:declared:into:x:op:)``), as `Elemwise` does.
    package static func reduced(_ region: Variable, toBroadcastPatternOf y: Variable) -> Variable {
        let added = region.ndim - y.ndim
        let broadcast = Array(repeating: true, count: added) + y.type.shape.map { $0 == 1 }
        let axes = region.type.shape.indices.filter { broadcast[$0] && region.type.shape[$0] != 1 }
        var result = axes.isEmpty ? region : region.sum(axes: axes, keepDims: true)
        // The leading dims are now statically 1: drop them.
        if added > 0 { result = result.squeezed(axes: Array(0..<added)) }
        return result
    }

    /// Throws when the value `y` would broadcast along a dimension that is 1 only at run time
    /// (its `declared` length is not a static 1) into a region longer than 1. numpy's
    /// `x[idx] += y` broadcasts it, but the gradient, which reads broadcasting from static
    /// shapes (``reduced(_:toBroadcastPatternOf:)``), would then keep the region's length
    /// there and be silently wrong; PyTensor's `Elemwise` refuses run-time broadcasting for the
    /// same reason, and so do ours.
    package static func checkStaticBroadcast(
        _ y: NDArray, declared: TensorType, into region: [Int], x: NDArray, op: some Op
    ) throws {
        let offset = region.count - y.ndim
        guard offset >= 0, declared.ndim == y.ndim else { return }
        for axis in 0..<y.ndim where y.shape[axis] == 1 && declared.shape[axis] != 1 && region[offset + axis] != 1 {
            throw CotangentError(.shapeMismatch,
                "\(op): the value of shape \(formatShape(y.shape)) (type \(declared)) has length 1 in dimension "
                    + "\(axis) only at run time, and would broadcast into the indexed region of shape "
                    + "\(formatShape(region)) (input shape \(formatShape(x.shape))); only dimensions that are "
                    + "statically 1 broadcast (give the value a static length 1 there)")
        }
    }

    /// Linear in `(x, y)` jointly: the same update of the tangents, `x`'s tangent with the
    /// region incremented by (or set to) `y`'s. A missing tangent is zeros.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard tangents[0] != nil || tangents[1] != nil else { return [nil] }
        let (x, y) = (node.inputs[0], node.inputs[1])
        let tx = tangents[0] ?? zerosLike(x)
        let ty = tangents[1] ?? zerosLike(y)
        return [build(self, [tx, ty] + node.inputs.dropFirst(2))]
    }
}

// MARK: - Batching

extension IncSubtensor: TakesScalarKindInputs {
    /// The index inputs, which are PyTensor scalars (for the `Blockwise` fallback).
    public var scalarKindInputPositions: [Int] {
        Array(2..<(2 + idxList.reduce(0) { $0 + $1.inputCount }))
    }

    /// One full slice per batch dimension in front of the pattern, as for ``Subtensor``.
    ///
    /// The batch dims of `x` and `y` must line up in front of the region. An unbatched `y`
    /// already does: numpy aligns it with the region's trailing dims, so it is broadcast
    /// across the batch (the same value updates every batch entry, which is the batched
    /// meaning). A batched `y` gets length-1 dims after its batch dims for the region dims it
    /// lacks, and leading ones up to the full batch rank. An `x` with fewer batch dims than
    /// `y` (or a static 1 where `y` has a batch) is broadcast to the batch shape with `Alloc`
    /// (every entry starts from the same `x`): the common case, a pullback seeded with a batch
    /// of cotangents, increments unbatched zeros by batched values. Batched index inputs fall
    /// back to `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        if BasicIndexing.hasBatchedIndex(node, batchedInputs, from: 2) {
            return BasicIndexing.blockwise(self, node: node, batchedInputs: batchedInputs)
        }
        let (x, y) = (node.inputs[0], node.inputs[1])
        var (bx, by) = (batchedInputs[0], batchedInputs[1])
        let (xBatch, yBatch) = (bx.ndim - x.ndim, by.ndim - y.ndim)
        let batch = Swift.max(xBatch, yBatch)
        if yBatch > 0 {
            by = padBatch(by, original: y, to: batch)
            let regionRank = x.ndim - idxList.filter { $0 == .index }.count
            let missing = regionRank - y.ndim
            if missing > 0 { by = by.expandingDims(Array(batch..<(batch + missing))) }
        }
        // x must cover the batch shape: y's batch dims broadcast into the region, never the
        // other way. Alloc aligns x to the right; each batch length is x's own where x has the
        // dim (and it is not a static 1 that y stretches), else y's.
        let lead = batch - xBatch
        let stretched = (0..<batch).map { axis in
            yBatch > 0 && by.type.shape[axis] != 1 && (axis < lead || bx.type.shape[axis - lead] == 1)
        }
        if lead > 0 || stretched.contains(true) {
            let (xDims, yDims) = (bx.symbolicShape, by.symbolicShape)
            let batchDims = (0..<batch).map { axis in
                stretched[axis] ? yDims[axis] : axis < lead ? shapeConstant(1) : xDims[axis - lead]
            }
            bx = alloc(bx, shape: batchDims + Array(xDims.dropFirst(xBatch)))
        }
        let entries = Array(repeating: IndexEntry.fullSlice, count: batch) + idxList
        return [build(IncSubtensor(idxList: entries, setInstead: setInstead), [bx, by] + batchedInputs.dropFirst(2))]
    }
}

// MARK: - StableHLO

extension IncSubtensor {
    /// The value broadcast to the region and written or added there: through padding (interior
    /// padding for strides) for a static region, `dynamic_update_slice` for integer indices
    /// computed at run time.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let x = operands[0]
        let region = try ExportedRegion(
            entries: idxList, x: x, indexOperands: Array(operands.dropFirst(2)),
            indexInputs: Array(node.inputs.dropFirst(2)), context: context, op: "\(self)")
        let kept = region.shape.indices.filter { !region.removed[$0] }.map { region.shape[$0] }
        let update = b.reshape(b.broadcast(b.convert(operands[1], to: x.dtype), to: kept), region.shape)
        return [try region.write(update, into: x, set: setInstead, builder: b)]
    }
}

// MARK: - Sparsity

extension IncSubtensor {
    /// Sparsity: outside the region an element copies `x`; inside it reads `y`'s element (and
    /// `x`'s, when incrementing). Found by running the op on flat indices; needs constant index
    /// inputs (else no rule: dense fallback). Linear.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(of: node, output: output, inputShapes: inputShapes, inputs: [0, 1])
    }
}
