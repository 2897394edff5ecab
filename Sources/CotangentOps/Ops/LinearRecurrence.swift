import CotangentArrays
import CotangentGraph

/// The first-order linear recurrence `y[i] = a[i]·y[i-1] + b[i]` along one axis, starting from
/// `y[-1] = 0` (so `y[0] = b[0]`); reversed, `y[i] = a[i]·y[i+1] + b[i]` from the last position.
///
/// It is the op the derivatives of `cumprod` are written in: its own pullback and pushforward
/// are recurrences of the same kind, so derivatives of every order stay exact where the
/// input has zeros (no division by the input, as in PyTensor's rule). `a` and `b` have the same
/// shape and float dtype; the output has their shape.
public struct LinearRecurrence: Op {
    /// The (non-negative) axis the recurrence runs along.
    public let axis: Int
    /// Whether it runs from the last position to the first.
    public let reverse: Bool

    /// - Parameters:
    ///   - axis: a non-negative axis.
    ///   - reverse: false for `y[i] = a[i]·y[i-1] + b[i]`, true for `y[i] = a[i]·y[i+1] + b[i]`.
    public init(axis: Int, reverse: Bool) {
        self.axis = axis
        self.reverse = reverse
    }

    /// `LinearRecurrence{0}`, `LinearRecurrence{1, reverse}`.
    public var description: String {
        "LinearRecurrence{\(axis)\(reverse ? ", reverse" : "")}"
    }

    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 2 else {
            throw CotangentError(.invalidGraph, "\(self): expects 2 inputs (a, b), got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let (a, b) = (inputs[0].type, inputs[1].type)
        guard a.dtype.isFloat, a.dtype == b.dtype else {
            throw CotangentError(.invalidGraph, "\(self): expects a and b of one float dtype, got \(describeTypes(inputs))")
        }
        guard a.ndim == b.ndim, axis >= 0, axis < a.ndim else {
            throw CotangentError(.invalidGraph,
                "\(self): expects a and b of one rank above the axis \(axis), got \(describeTypes(inputs))")
        }
        var shape: [Int?] = []
        for (p, q) in zip(a.shape, b.shape) {
            if let p, let q, p != q {
                throw CotangentError(.invalidGraph, "\(self): a and b differ in shape: \(describeTypes(inputs))")
            }
            shape.append(p ?? q)
        }
        return [TensorType(dtype: a.dtype, shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let (a, b) = (inputs[0], inputs[1])
        guard a.shape == b.shape, axis >= 0, axis < a.ndim else {
            throw CotangentError(.shapeMismatch,
                "\(self): a of shape \(formatShape(a.shape)) and b of shape \(formatShape(b.shape)) "
                    + "(dtype \(a.dtype)) must have one shape with an axis \(axis)")
        }
        switch node.outputTypes[0].dtype {
        case .float32: return [Self.run(a, b, axis: axis, reverse: reverse, Float.self)]
        default: return [Self.run(a, b, axis: axis, reverse: reverse, Double.self)]
        }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [zip(inputShapes[0], inputShapes[1]).map { p, q in
            checkedLength([p, q], message: "\(self): a and b must have one shape")
        }]
    }

    /// The kernel over contiguous copies viewed as `[outer, n, inner]`: position `i` of the axis
    /// is computed from its neighbour over a whole inner block, so the innermost loop streams.
    private static func run<T: BinaryFloatingPoint & ArrayElement>(
        _ a: NDArray, _ b: NDArray, axis: Int, reverse: Bool, _: T.Type
    ) -> NDArray {
        // The node's inputs have its float dtype (checked when it was built).
        let a = a.contiguous(), b = b.contiguous()
        let result = NDArray.uninitialized(dtype: T.dtype, shape: a.shape)
        if result.count == 0 { return result }
        let n = a.shape[axis]
        let inner = a.shape[(axis + 1)...].reduce(1, *)
        let outer = a.shape[..<axis].reduce(1, *)
        let pa = a.basePointer(as: T.self) + a.offset, pb = b.basePointer(as: T.self) + b.offset
        let py = result.basePointer(as: T.self)
        for o in 0..<outer {
            let base = o * n * inner
            let first = reverse ? n - 1 : 0
            for k in 0..<inner { py[base + first * inner + k] = pb[base + first * inner + k] }
            for step in 1..<n {
                let i = reverse ? n - 1 - step : step
                let row = base + i * inner
                let previous = reverse ? row + inner : row - inner
                for k in 0..<inner { py[row + k] = pa[row + k] * py[previous + k] + pb[row + k] }
            }
        }
        return result
    }
}

// MARK: - API

/// The linear recurrence `y[i] = a[i]·y[i-1] + b[i]` along `axis` from `y[-1] = 0`, or with
/// `reverse` `y[i] = a[i]·y[i+1] + b[i]` from the end (JAX writes this as an associative scan).
///
/// - Parameters:
///   - a: the multipliers, any float tensor.
///   - b: the increments, broadcastable with `a`.
///   - axis: the axis the recurrence runs along (negative counts from the end).
///   - reverse: run from the last position to the first.
/// - Returns: a tensor of the broadcast shape and common float dtype of `a` and `b`.
public func linearRecurrence(_ a: Variable, _ b: Variable, axis: Int, reverse: Bool = false) -> Variable {
    let ndim = max(a.ndim, b.ndim)
    // numpy's promotion; integers and bool recur in float64.
    let promoted = DType.promote(a.dtype, b.dtype)
    let dtype = promoted.isFloat ? promoted : DType.float64
    // Both broadcast to one shape (`a * 0 + b` would compute; a fill only places).
    let (fa, fb) = (a.cast(to: dtype), b.cast(to: dtype))
    let shaped = [second(fb, fa), second(fa, fb)]
    let normalized = axis < 0 ? axis + ndim : axis
    return build(LinearRecurrence(axis: normalized, reverse: reverse), shaped)
}

// MARK: - Derivatives

extension LinearRecurrence {
    /// With `y = L⁻¹b` (`L` bidiagonal with `-a` beside the diagonal), the cotangent of `b` is
    /// the transposed recurrence `z[i] = g[i] + a[i+1]·z[i+1]` (reversed direction, multipliers
    /// shifted by one), and the cotangent of `a` is `z[i]·y[i-1]`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected, .disconnected] }
        let (a, y) = (node.inputs[0], node.output(0))
        let z = build(LinearRecurrence(axis: axis, reverse: !reverse), shifted(a, towardStart: !reverse), g)
        return [.value(z * shifted(y, towardStart: reverse)), .value(z)]
    }

    /// Linear in `b` and the product `a·y[i-1]`: `dy = rec(a, da·y[i-1] + db)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        var increment: Variable? = tangents[1]
        if let da = tangents[0] {
            let term = da * shifted(node.output(0), towardStart: reverse)
            increment = increment.map { $0 + term } ?? term
        }
        guard let increment else { return [nil] }
        return [build(self, node.inputs[0], increment)]
    }

    /// `v` moved one position along the axis, the vacated end filled with `fill`: toward the
    /// end (`v[i-1]` at `i`, `fill` at 0) or toward the start (`v[i+1]` at `i`, `fill` last).
    package func shifted(_ v: Variable, towardStart: Bool, fill: Double = 0) -> Variable {
        let leading = Array(repeating: TensorIndex.all, count: axis)
        let edge = fill == 0 ? zerosLike(v[basicIndices: leading + [.slice(start: 0, stop: 1)]])
            : onesLike(v[basicIndices: leading + [.slice(start: 0, stop: 1)]]) * fill
        return towardStart
            ? concatenate([v[basicIndices: leading + [.slice(start: 1)]], edge], axis: axis)
            : concatenate([edge, v[basicIndices: leading + [.slice(stop: -1)]]], axis: axis)
    }
}

// MARK: - Batching

extension LinearRecurrence {
    /// The axis shifts past the batch dims when both inputs carry the same ones; otherwise the
    /// unbatched input is broadcast by the generic `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchedInputs[0].ndim - node.inputs[0].ndim
        guard batchedInputs[1].ndim - node.inputs[1].ndim == batch else { return nil }
        return [build(LinearRecurrence(axis: axis + batch, reverse: reverse), batchedInputs)]
    }
}

// MARK: - StableHLO

extension LinearRecurrence {
    /// A `stablehlo.while` over the positions of the axis, in the kernel's order and arithmetic
    /// (`a[i]·y[prev] + b[i]`, the first position `b` alone, so an infinite `a` there gives no
    /// NaN), each position's slice written into the result with `dynamic_update_slice`. A
    /// sequential loop rather than an associative scan: it rounds exactly as the kernel does.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let (a, increments) = (b.convert(operands[0], to: type.dtype), b.convert(operands[1], to: type.dtype))
        let n = type.shape[axis]
        if type.count == 0 { return [b.constant(0, type.dtype, shape: type.shape)] }
        var rowShape = type.shape
        rowShape[axis] = 1
        let axis = axis, reverse = reverse
        let initial = [b.index(0), b.constant(0, type.dtype, shape: type.shape), b.constant(0, type.dtype, shape: rowShape), a, increments]
        let final = try b.whileLoop(
            initial,
            condition: { b, state in b.compare("LT", state[0], b.index(n)) },
            body: { b, state in
                let (step, y, previous) = (state[0], state[1], state[2])
                let position = reverse ? b.subtract(b.index(n - 1), step) : step
                let starts = (0..<rowShape.count).map { $0 == axis ? position : b.index(0) }
                let ai = b.dynamicSlice(state[3], starts: starts, sizes: rowShape)
                let bi = b.dynamicSlice(state[4], starts: starts, sizes: rowShape)
                let first = b.compare("EQ", step, b.index(0))
                let row = b.select(first, bi, b.add(b.multiply(ai, previous), bi))
                return [b.add(step, b.index(1)), b.dynamicUpdateSlice(y, row, starts: starts), row, state[3], state[4]]
            })
        return [final[1]]
    }
}
