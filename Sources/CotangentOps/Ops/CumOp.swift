import CotangentArrays
import CotangentGraph

/// Cumulative sum or product along one axis, or over the flattened input: PyTensor's `CumOp`,
/// numpy's `cumsum`/`cumprod`.
///
/// With `axis` nil the input is read in row-major order and the output is 1-d of the input's
/// size; otherwise the output has the input's shape. Small integers and bool accumulate in int64
/// (numpy's rule), floats keep their dtype.
public struct CumOp: Op {
    /// The accumulation: running sum or running product.
    public enum Mode: String, Hashable, Sendable {
        /// The running sum (`cumsum`).
        case add
        /// The running product (`cumprod`).
        case mul
    }

    /// The (non-negative) axis to accumulate along, or nil for the flattened input.
    public let axis: Int?
    /// Sum or product.
    public let mode: Mode

    /// - Parameters:
    ///   - axis: a non-negative axis, or nil to accumulate over the flattened input.
    ///   - mode: `.add` for a cumulative sum, `.mul` for a cumulative product.
    public init(axis: Int?, mode: Mode) {
        self.axis = axis
        self.mode = mode
    }

    /// `CumOp{None, add}`, `CumOp{1, add}`, `CumOp{0, mul}`.
    public var description: String {
        "CumOp{\(axis.map(String.init) ?? "None"), \(mode.rawValue)}"
    }

    /// numpy's accumulator dtype: bool and integers narrower than int64 widen to int64 (numpy
    /// gives uint64 for uint8, which Cotangent does not have; int64 holds the same sums until
    /// they pass 2^63), floats keep theirs.
    package static func outputDType(_ dtype: DType) -> DType {
        dtype.isFloat ? dtype : .int64
    }

    /// Output types and shapes follow from the input's type and shape alone.
    public var readsOnlyInputTypes: Bool { true }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let type = inputs[0].type
        guard !type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(self): expects a tensor input, got scalar-kind \(type)")
        }
        let dtype = CumOp.outputDType(type.dtype)
        guard let axis else {
            // The flattened length is known only when every length is.
            let known = type.shape.compactMap { $0 }
            let size = known.count == type.ndim ? exactProduct(known) : nil
            return [TensorType(dtype: dtype, shape: [size])]
        }
        guard axis >= 0, axis < type.ndim else {
            throw CotangentError(.invalidGraph, 
                "\(self): axis \(axis) is out of range for input \(type) with \(type.ndim) dimensions"
                    + (axis < 0 ? " (the op's axis must be normalised to be non-negative)" : ""))
        }
        return [TensorType(dtype: dtype, shape: type.shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        let dtype = node.outputTypes[0].dtype
        if let axis, axis >= x.ndim {
            throw CotangentError(.shapeMismatch, 
                "\(self): axis \(axis) is out of range for an input of shape \(formatShape(x.shape)) "
                    + "(dtype \(x.dtype))")
        }
        var source = x.converted(to: dtype)
        // A vector is already flat: reshaping a reversed view would copy it.
        if axis == nil && source.ndim != 1 { source = source.reshaped([source.count]) }
        let scanAxis = axis ?? 0
        let result: NDArray
        switch (dtype, mode) {
        case (.float64, .add): result = CumulativeKernel.scan(source, axis: scanAxis, Double.self, RunningSum.self)
        case (.float64, .mul): result = CumulativeKernel.scan(source, axis: scanAxis, Double.self, RunningProduct.self)
        case (.float32, .add): result = CumulativeKernel.scan(source, axis: scanAxis, Float.self, RunningSum.self)
        case (.float32, .mul): result = CumulativeKernel.scan(source, axis: scanAxis, Float.self, RunningProduct.self)
        case (_, .add): result = CumulativeKernel.scan(source, axis: scanAxis, Int64.self, RunningSum.self)
        case (_, .mul): result = CumulativeKernel.scan(source, axis: scanAxis, Int64.self, RunningProduct.self)
        }
        return [result]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        guard axis == nil else { return [inputShapes[0]] }
        // The flattened length: the product of the input's dims.
        return [[shapeProduct(inputShapes[0])]]
    }
}

// MARK: - Prepared kernel

extension CumOp {
    /// A float vector input (the cumulative sum or product of a vector, the common case) runs
    /// the one-line scan straight away; any other node runs `perform` on every call.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        let input = node.inputs[0]
        guard input.ndim == 1, input.dtype.isFloat, input.dtype == node.outputTypes[0].dtype else { return nil }
        return PreparedVectorScan(op: self, node: node)
    }
}

/// A ``CumOp`` node's kernel for a float vector input.
final class PreparedVectorScan: SingleOutputKernel {
    private let op: CumOp
    private let node: Apply
    private let dtype: DType

    init(op: CumOp, node: Apply) {
        self.op = op
        self.node = node
        dtype = node.inputs[0].dtype
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        // An unchecked call may pass another dtype or rank: `perform` handles (or rejects) it.
        guard inputs[0].ndim == 1, inputs[0].dtype == dtype else { return try op.perform(inputs, node: node)[0] }
        switch (dtype, op.mode) {
        case (.float32, .add): return CumulativeKernel.scanVector(inputs[0], Float.self, RunningSum.self)
        case (.float32, .mul): return CumulativeKernel.scanVector(inputs[0], Float.self, RunningProduct.self)
        case (_, .add): return CumulativeKernel.scanVector(inputs[0], Double.self, RunningSum.self)
        case (_, .mul): return CumulativeKernel.scanVector(inputs[0], Double.self, RunningProduct.self)
        }
    }
}

// MARK: - Kernel

/// An element type the cumulative and convolution kernels accumulate in (integers wrap, as
/// numpy's do).
package protocol AccumulatingElement: ArrayElement {
    static func accumulatingSum(_ a: Self, _ b: Self) -> Self
    static func accumulatingProduct(_ a: Self, _ b: Self) -> Self
}

extension Double: AccumulatingElement {
    @inline(__always) package static func accumulatingSum(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) package static func accumulatingProduct(_ a: Double, _ b: Double) -> Double { a * b }
}

extension Float: AccumulatingElement {
    @inline(__always) package static func accumulatingSum(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) package static func accumulatingProduct(_ a: Float, _ b: Float) -> Float { a * b }
}

extension Int64: AccumulatingElement {
    @inline(__always) package static func accumulatingSum(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) package static func accumulatingProduct(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

/// The binary step of an accumulation, a type so that the kernel is specialised per mode.
package protocol RunningAccumulation {
    static func combine<T: AccumulatingElement>(_ running: T, _ next: T) -> T
}

package enum RunningSum: RunningAccumulation {
    @inline(__always) package static func combine<T: AccumulatingElement>(_ running: T, _ next: T) -> T {
        T.accumulatingSum(running, next)
    }
}

package enum RunningProduct: RunningAccumulation {
    @inline(__always) package static func combine<T: AccumulatingElement>(_ running: T, _ next: T) -> T {
        T.accumulatingProduct(running, next)
    }
}

package enum CumulativeKernel {
    /// Accumulates the vector `x` (of the output dtype, any stride) into a fresh contiguous
    /// vector, in order.
    package static func scanVector<T: AccumulatingElement, A: RunningAccumulation>(
        _ x: NDArray, _: T.Type, _: A.Type
    ) -> NDArray {
        precondition(x.dtype == T.dtype && x.ndim == 1)
        let result = NDArray.uninitialized(dtype: T.dtype, shape: x.shape)
        let n = x.shape[0]
        if n == 0 { return result }
        let source = x.basePointer(as: T.self) + x.offset
        let target = result.basePointer(as: T.self)
        let stride = x.strides[0]
        var running = source[0]
        target[0] = running
        var s = 0
        for i in 1..<n {
            s += stride
            running = A.combine(running, source[s])
            target[i] = running
        }
        return result
    }

    /// Accumulates `x` (already of the output dtype, any strides) along `axis` into a fresh
    /// contiguous array.
    ///
    /// The output is viewed as `[outer, n, inner]` (dims before the axis, the axis, dims after
    /// it). When `inner` is 1 each line is one sequential scan. Otherwise position `i` of the
    /// axis is computed from position `i - 1` over the whole inner block, whose rows are
    /// contiguous in the output, so the innermost loop streams through memory instead of
    /// jumping by the axis stride.
    package static func scan<T: AccumulatingElement, A: RunningAccumulation>(
        _ x: NDArray, axis: Int, _: T.Type, _: A.Type
    ) -> NDArray {
        precondition(x.dtype == T.dtype && axis < x.ndim)
        if x.ndim == 1 { return scanVector(x, T.self, A.self) }
        let shape = x.shape
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        if result.count == 0 { return result }
        let n = shape[axis]
        let before = Array(shape[..<axis])
        let after = Array(shape[(axis + 1)...])
        let inner = after.reduce(1, *)
        let source = x.basePointer(as: T.self)
        let target = result.basePointer(as: T.self)
        let axisStride = x.strides[axis]

        if inner == 1 {
            // One sequential scan per line; no inner-block plan is needed.
            var outerIndex = 0
            forEachStridedOffset(shape: before, strides: Array(x.strides[..<axis]), start: x.offset) { sourceBase in
                let targetBase = outerIndex * n
                outerIndex += 1
                var running = source[sourceBase]
                target[targetBase] = running
                var s = sourceBase
                for i in 1..<n {
                    s += axisStride
                    running = A.combine(running, source[s])
                    target[targetBase + i] = running
                }
            }
            return result
        }

        // Row starts of one inner block, the same for every outer index and axis position.
        let blockLoop = StridedLoop(
            shape: after,
            operands: [(Array(x.strides[(axis + 1)...]), 0), (Array(result.strides[(axis + 1)...]), 0)])
        var rows: [(source: Int, target: Int)] = []
        blockLoop.forEachRow { starts in rows.append((starts[0], starts[1])) }
        let rowLength = blockLoop.rowLength
        let (sourceStep, targetStep) = (blockLoop.rowStride(0), blockLoop.rowStride(1))

        var outerIndex = 0
        forEachStridedOffset(shape: before, strides: Array(x.strides[..<axis]), start: x.offset) { sourceBase in
            let targetBase = outerIndex * n * inner
            outerIndex += 1
            for row in rows {
                var (s, t) = (sourceBase + row.source, targetBase + row.target)
                for _ in 0..<rowLength {
                    target[t] = source[s]
                    s += sourceStep
                    t += targetStep
                }
            }
            for i in 1..<n {
                let (sourceBlock, targetBlock) = (sourceBase + i * axisStride, targetBase + i * inner)
                for row in rows {
                    var (s, t) = (sourceBlock + row.source, targetBlock + row.target)
                    for _ in 0..<rowLength {
                        target[t] = A.combine(target[t - inner], source[s])
                        s += sourceStep
                        t += targetStep
                    }
                }
            }
        }
        return result
    }
}

/// Calls `body` with the element offset of every index of `shape` (row-major order), given the
/// strides and the offset of index zero. Calls it once for an empty shape, never when a length
/// is 0.
package func forEachStridedOffset(shape: [Int], strides: [Int], start: Int, _ body: (Int) -> Void) {
    if shape.isEmpty {
        // No index odometer to allocate for the single offset.
        body(start)
        return
    }
    if shape.contains(0) { return }
    var index = [Int](repeating: 0, count: shape.count)
    var offset = start
    while true {
        body(offset)
        var axis = shape.count - 1
        while true {
            if axis < 0 { return }
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < shape[axis] { break }
            offset -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

// MARK: - API

/// The cumulative sum of `x` (numpy's `cumsum`).
///
/// - Parameters:
///   - x: any tensor.
///   - axis: the axis to accumulate along (negative counts from the end); nil accumulates over
///     the flattened tensor and returns a vector of its size.
/// - Returns: a tensor of `x`'s shape (or 1-d when `axis` is nil); bool and integer inputs
///   accumulate in int64, floats keep their dtype.
public func cumsum(_ x: Variable, axis: Int? = nil) -> Variable {
    build(CumOp(axis: normalizedCumulativeAxis(axis, ndim: x.ndim), mode: .add), x)
}

/// The cumulative product of `x` (numpy's `cumprod`); see ``cumsum(_:axis:)``.
public func cumprod(_ x: Variable, axis: Int? = nil) -> Variable {
    build(CumOp(axis: normalizedCumulativeAxis(axis, ndim: x.ndim), mode: .mul), x)
}

extension Variable {
    /// The cumulative sum along `axis` (nil: over the flattened tensor); see ``cumsum(_:axis:)``.
    public func cumsum(axis: Int? = nil) -> Variable { CotangentOps.cumsum(self, axis: axis) }

    /// The cumulative product along `axis` (nil: over the flattened tensor).
    public func cumprod(axis: Int? = nil) -> Variable { CotangentOps.cumprod(self, axis: axis) }
}

/// A negative axis counted from the end; out-of-range axes are left for the op to report.
private func normalizedCumulativeAxis(_ axis: Int?, ndim: Int) -> Int? {
    guard let axis else { return nil }
    return axis < 0 && axis >= -ndim ? axis + ndim : axis
}

// MARK: - Derivatives

extension CumOp {
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[node.inputs[0].dtype.isFloat]]
    }

    /// Sum (PyTensor's rule): every output from position `i` on contains `x[i]`, so the
    /// cotangent is summed from the end: `cumsum(g[::-1])[::-1]` (over the flat cotangent, then
    /// reshaped to `x`'s shape, when the axis is nil).
    ///
    /// Product: `∂y[j]/∂x[i] = Π_{k≤j, k≠i} x[k]`, so the cotangent of `x[i]` is
    /// `y[i-1] · z[i]` with `z[i] = g[i] + x[i+1]·z[i+1]`, a reversed ``LinearRecurrence``.
    /// PyTensor divides instead (`cumsum((y·g)[::-1])[::-1] / x`), which is NaN wherever `x`
    /// has a zero although the derivative exists; this rule is exact there, and so are its own
    /// derivatives (JAX's values).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0], node.inputs[0].dtype.isFloat else { return [.disconnected] }
        let x = node.inputs[0]
        if mode == .mul {
            let flatX = axis == nil && x.ndim != 1 ? x.reshaped(to: [-1]) : x
            let recurrence = LinearRecurrence(axis: axis ?? 0, reverse: true)
            let z = build(recurrence, recurrence.shifted(flatX, towardStart: true), g)
            let before = recurrence.shifted(node.output(0), towardStart: false, fill: 1)
            let flat = z * before
            return [.value(flatX === x ? flat : flat.reshaped(to: x.symbolicShape))]
        }
        let summed: Variable
        if let axis {
            summed = Self.reversed(CotangentOps.cumsum(Self.reversed(g, axis: axis), axis: axis), axis: axis)
        } else {
            let flat = Self.reversed(CotangentOps.cumsum(g[.stride(by: -1)]), axis: 0)
            summed = x.ndim == 1 ? flat : flat.reshaped(to: x.shape)
        }
        return [.value(summed)]
    }

    /// Sum: linear, the cumulative sum of the tangent. Product: `dy[i] = x[i]·dy[i-1] +
    /// t[i]·y[i-1]`, a ``LinearRecurrence`` (no division by `x`, as in the pullback).
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        switch mode {
        case .add:
            return [build(self, t)]
        case .mul:
            let x = node.inputs[0]
            let flat = { (v: Variable) in axis == nil && x.ndim != 1 ? v.reshaped(to: [-1]) : v }
            let recurrence = LinearRecurrence(axis: axis ?? 0, reverse: false)
            let before = recurrence.shifted(node.output(0), towardStart: false, fill: 1)
            return [build(recurrence, flat(x), flat(t) * before)]
        }
    }

    /// `v[:, …, ::-1, …]`: `v` reversed along `axis` (a view), built as PyTensor's
    /// `Subtensor` with one full slice per dim before the axis.
    package static func reversed(_ v: Variable, axis: Int) -> Variable {
        v[basicIndices: Array(repeating: TensorIndex.all, count: axis) + [TensorIndex.stride(by: -1)]]
    }
}

// MARK: - Batching

extension CumOp {
    /// The axis shifts past the batch dims. Over the flattened input (axis nil), a vector core
    /// accumulates along its own (last) axis; a core of another rank is flattened per batch
    /// index first (`reshape(x, batch_shape + [-1])`) so that each row holds one core block.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batched = batchedInputs[0]
        let batch = batched.ndim - node.inputs[0].ndim
        guard batch > 0 else { return [build(self, batched)] }
        if let axis { return [build(CumOp(axis: axis + batch, mode: mode), batched)] }
        if node.inputs[0].ndim == 1 { return [build(CumOp(axis: batch, mode: mode), batched)] }
        let rows = batched.reshaped(to: Array(batched.symbolicShape.prefix(batch)) + [shapeConstant(-1)])
        return [build(CumOp(axis: batch, mode: mode), rows)]
    }
}

// MARK: - StableHLO

extension CumOp {
    /// `stablehlo.reduce_window` along the axis with a window of the axis' length and as much
    /// low padding (with the identity): output `i` combines entries `0…i` in order, as the
    /// kernel's running sum or product does. The flattened input for a nil axis.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        var x = b.convert(operands[0], to: context.outputType(node).dtype)
        if axis == nil { x = b.reshape(x, [x.type.count]) }
        let combiner = mode == .add ? "stablehlo.add" : "stablehlo.multiply"
        return [
            b.cumulative(x, axis: axis ?? 0, identity: b.constant(mode == .add ? 0 : 1, x.dtype)) { b, l, r in
                b.binary(combiner, l, r)
            }
        ]
    }
}

extension StableHLOBuilder {
    /// The running combination of `x` along `axis` (`y[i] = x[0] ∘ … ∘ x[i]`) as a
    /// `stablehlo.reduce_window` whose window spans the axis, padded low with `identity` (a 0-d
    /// value of `x`'s dtype that `combine` leaves its other operand unchanged with).
    package func cumulative(
        _ x: StableHLOValue, axis: Int, identity: StableHLOValue,
        combine: (StableHLOBuilder, StableHLOValue, StableHLOValue) -> StableHLOValue
    ) -> StableHLOValue {
        let n = x.shape[axis]
        guard n > 1 else { return x }
        let scalar = StableHLOType(x.dtype, [])
        let body = region([scalar, scalar]) { b, args in [combine(b, args[0], args[1])] }
        let window = x.shape.indices.map { $0 == axis ? n : 1 }
        let padding = x.shape.indices.map { $0 == axis ? "[\(n - 1), 0]" : "[0, 0]" }.joined(separator: ", ")
        let ones = stableHLOArray(Array(repeating: 1, count: x.rank))
        return emit1(
            "stablehlo.reduce_window", [x, identity], regions: [body],
            attributes: [
                "window_dimensions = \(stableHLOArray(window))", "window_strides = \(ones)",
                "base_dilations = \(ones)", "window_dilations = \(ones)",
                "padding = dense<[\(padding)]> : tensor<\(x.rank)x2xi64>",
            ],
            result: x.type)
    }
}

// MARK: - Sparsity

extension CumOp {
    /// Sparsity: lower triangular along the axis (element `k` reads elements `0...k` of its
    /// line; the flattened input without an axis). A cumulative sum is linear, a cumulative
    /// product nonlinear.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        let shape = axis == nil ? [inputShapes[0].reduce(1, *)] : inputShapes[0]
        let along = axis ?? 0
        let length = shape[along]
        let inner = shape[(along + 1)...].reduce(1, *)
        let map = ElementMap.computed { o, elements in
            let (outer, rest) = o.quotientAndRemainder(dividingBy: length * inner)
            let (position, offset) = rest.quotientAndRemainder(dividingBy: inner)
            for t in 0...position { elements.append((outer * length + t) * inner + offset) }
        }
        return ElementDependencies(inputs: [map], interaction: mode == .add ? .none : .all)
    }
}
