import CotangentArrays
import CotangentGraph

/// A reduction over some axes with a commutative, associative scalar operation: PyTensor's
/// `CAReduce` family, printed `Sum{axes=None}`, `Max{axis=0}`, `Any{axes=[0, 2]}`.
///
/// The output drops the reduced dimensions (`keepDims` in the user API adds an `ExpandDims`
/// afterwards, as PyTensor does). Output dtypes follow PyTensor: sums and products of bool and
/// integers are int64, of floats keep the float dtype; max and min keep the input dtype; all and
/// any are bool (a non-bool input is first compared with 0, as PyTensor's `All`/`Any` do).
///
/// Float32 sums and products accumulate in double and round once at the end; PyTensor records
/// that accumulator in the op and prints it: `Sum{axis=0, acc=float64}`.
public struct Reduce: Op {
    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The scalar operation folded over the reduced axes.
    public typealias Kind = ReductionKind

    /// The scalar operation.
    public let kind: Kind
    /// The reduced axes; nil reduces every axis. Nodes hold them normalised (non-negative,
    /// sorted, no repeats).
    public let axes: [Int]?
    /// The accumulator dtype when it differs from the output dtype (float32 sums and products
    /// accumulate in float64); set when the node is built, nil otherwise.
    public let accumulator: DType?

    /// A reduction of `kind` over `axes` (nil: every axis; negative axes count from the end).
    public init(_ kind: Kind, axes: [Int]? = nil) {
        self.init(kind, axes: axes, accumulator: nil)
    }

    package init(_ kind: Kind, axes: [Int]?, accumulator: DType?) {
        self.kind = kind
        self.axes = axes
        self.accumulator = accumulator
    }

    /// `Sum{axes=None}`, `Sum{axis=0}`, `Sum{axes=[0, 2]}`, `Sum{axis=1, acc=float64}`.
    public var description: String {
        let axisText = Reduce.axisDescription(axes)
        let accText = accumulator.map { ", acc=\($0)" } ?? ""
        return "\(kind.opName){\(axisText)\(accText)}"
    }

    /// PyTensor's `_axis_str`: `axes=None`, `axis=0`, `axes=[0, 2]`.
    package static func axisDescription(_ axes: [Int]?) -> String {
        guard let axes else { return "axes=None" }
        if axes.count == 1 { return "axis=\(axes[0])" }
        return "axes=[" + axes.map(String.init).joined(separator: ", ") + "]"
    }

    /// The output dtype of a reduction of `kind` over an input of `dtype`.
    package static func outputDType(_ kind: Kind, input dtype: DType) -> DType {
        switch kind {
        case .sum, .prod: dtype.isFloat ? dtype : .int64
        case .max, .min: dtype
        case .all, .any: .bool
        }
    }

    /// The accumulator dtype PyTensor records when it differs from the output's.
    package static func accumulatorDType(_ kind: Kind, input dtype: DType) -> DType? {
        (kind == .sum || kind == .prod) && dtype == .float32 ? .float64 : nil
    }

    /// `axes` made non-negative and sorted, checked against `ndim`. A 0-d input accepts axis 0
    /// (or -1), as numpy and PyTensor treat it like a 1-d one for reductions.
    package static func normalizedAxes(_ axes: [Int]?, ndim: Int) -> Result<[Int]?, CotangentError> {
        guard let axes else { return .success(nil) }
        let bound = Swift.max(ndim, 1)
        var result: [Int] = []
        for axis in axes {
            guard (-bound..<bound).contains(axis) else {
                return .failure(CotangentError(.invalidGraph, "axis \(axis) is out of bounds for an input of \(ndim) dimensions"))
            }
            let normalized = axis < 0 ? axis + bound : axis
            guard !result.contains(normalized) else {
                return .failure(CotangentError(.invalidGraph, "axis \(axis) is repeated in \(axes)"))
            }
            result.append(normalized)
        }
        return .success(result.sorted())
    }

    /// Every reduced axis of an input of rank `ndim` (all of them for `axes == nil`).
    package func reducedAxes(ndim: Int) -> [Int] { Reduce.reducedAxes(axes, ndim: ndim) }

    /// The reduced axes of normalised `axes` for an input of rank `ndim`: all of them for nil;
    /// none for a 0-d input, whose axis 0 stands for the value itself.
    package static func reducedAxes(_ axes: [Int]?, ndim: Int) -> [Int] {
        axes.map { axes in axes.filter { $0 < ndim } } ?? Array(0..<ndim)
    }

    /// `dims` without the entries at `reduced`: the output's static or symbolic shape.
    package static func keptDims<D>(_ dims: [D], reduced: [Int]) -> [D] {
        dims.indices.filter { !reduced.contains($0) }.map { dims[$0] }
    }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        var input = inputs[0]
        let normalized: [Int]?
        switch Reduce.normalizedAxes(axes, ndim: input.ndim) {
        case .success(let axes): normalized = axes
        case .failure(let error):
            throw CotangentError(.invalidGraph, "\(self): \(error.message); input type \(describeTypes(inputs))")
        }
        // PyTensor's All/Any reduce booleans: other dtypes are compared with 0 first.
        if (kind == .all || kind == .any) && input.dtype != .bool {
            input = input .!= 0
        }
        let op = Reduce(
            kind, axes: normalized, accumulator: Reduce.accumulatorDType(kind, input: input.dtype))
        return Apply(op: op, inputs: [input], outputTypes: try op.outputTypes(for: [input]))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let type = inputs[0].type
        guard case .success(let normalized) = Reduce.normalizedAxes(axes, ndim: type.ndim),
            normalized == axes
        else {
            throw CotangentError(.invalidGraph, 
                "\(self): axes \(axes.map { "\($0)" } ?? "None") are not normalised for input type \(type)")
        }
        if (kind == .all || kind == .any) && type.dtype != .bool {
            throw CotangentError(.invalidGraph, "\(self): expects a bool input, got \(type)")
        }
        let shape = Reduce.keptDims(type.shape, reduced: reducedAxes(ndim: type.ndim))
        return [TensorType(dtype: Reduce.outputDType(kind, input: type.dtype), shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        let reduced = reducedAxes(ndim: x.ndim)
        if !kind.hasIdentity, let empty = reduced.first(where: { x.shape[$0] == 0 }) {
            throw CotangentError(.invalidValue, 
                "\(self): zero-size array to reduction operation \(kind.ufuncName) which has no "
                    + "identity (input shape \(formatShape(x.shape)), dtype \(x.dtype); axis \(empty) "
                    + "has length 0)")
        }
        try checkAllocation(Reduce.keptDims(x.shape, reduced: reduced), dtype: node.outputTypes[0].dtype, op: self,
            context: "input shape \(formatShape(x.shape)), dtype \(x.dtype)")
        return [ReduceKernel.run(kind, x, axes: reduced, outputDType: node.outputTypes[0].dtype)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [Reduce.keptDims(inputShapes[0], reduced: reducedAxes(ndim: node.inputs[0].ndim))]
    }
}

/// The index of the first maximum over some axes: PyTensor's `Argmax`, printed as PyTensor's
/// default op string, `Argmax{axis=None}` or `Argmax{axis=(0,)}`.
///
/// Over several axes the index is into the reduced axes flattened in row-major order (over all
/// axes: the flat index), as numpy's `argmax` of the array with those axes moved last and merged.
/// NaN counts as the maximum (the first NaN wins), as in numpy.
public struct Argmax: Op {
    /// The reduced axes (non-negative, sorted); nil reduces every axis.
    public let axes: [Int]?

    /// The argmax over `axes` (nil: every axis; negative axes count from the end).
    public init(axes: [Int]? = nil) { self.axes = axes }

    /// PyTensor's `Argmax{axis=None}`, `Argmax{axis=(0,)}`, `Argmax{axis=(0, 2)}` (its props
    /// printed with Python's `repr` of a tuple).
    public var description: String {
        guard let axes else { return "Argmax{axis=None}" }
        let tuple = axes.count == 1 ? "(\(axes[0]),)" : "(" + axes.map(String.init).joined(separator: ", ") + ")"
        return "Argmax{axis=\(tuple)}"
    }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        switch Reduce.normalizedAxes(axes, ndim: inputs[0].ndim) {
        case .success(let normalized):
            let op = Argmax(axes: normalized)
            return Apply(op: op, inputs: inputs, outputTypes: try op.outputTypes(for: inputs))
        case .failure(let error):
            throw CotangentError(.invalidGraph, "\(self): \(error.message); input type \(describeTypes(inputs))")
        }
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let type = inputs[0].type
        guard case .success(let normalized) = Reduce.normalizedAxes(axes, ndim: type.ndim),
            normalized == axes
        else {
            throw CotangentError(.invalidGraph, 
                "\(self): axes \(axes.map { "\($0)" } ?? "None") are not normalised for input type \(type)")
        }
        let shape = Reduce.keptDims(type.shape, reduced: reducedAxes(ndim: type.ndim))
        return [TensorType(dtype: .int64, shape: shape)]
    }

    package func reducedAxes(ndim: Int) -> [Int] { Reduce.reducedAxes(axes, ndim: ndim) }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        let reduced = reducedAxes(ndim: x.ndim)
        if reduced.contains(where: { x.shape[$0] == 0 }) {
            throw CotangentError(.invalidValue, 
                "\(self): attempt to get argmax of an empty sequence (input shape "
                    + "\(formatShape(x.shape)), dtype \(x.dtype))")
        }
        try checkAllocation(Reduce.keptDims(x.shape, reduced: reduced), dtype: .int64, op: self,
            context: "input shape \(formatShape(x.shape)), dtype \(x.dtype)")
        return [ArgmaxKernel.run(x, axes: reduced)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [Reduce.keptDims(inputShapes[0], reduced: reducedAxes(ndim: node.inputs[0].ndim))]
    }
}

// MARK: - User API

extension Variable {
    /// The sum over `axis` (nil: every axis). Bool and integer sums are int64.
    ///
    /// ```swift
    /// let x = Tensor.matrix("x")
    /// x.sum()                          // Sum{axes=None}, 0-d
    /// x.sum(axis: 1, keepDims: true)   // Sum{axis=1} then ExpandDims{axis=1}
    /// ```
    public func sum(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.sum, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The sum over several axes (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.sum, axes: axes, keepDims: keepDims)
    }

    /// The product over `axis` (nil: every axis). Bool and integer products are int64.
    public func prod(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.prod, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The product over several axes.
    public func prod(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.prod, axes: axes, keepDims: keepDims)
    }

    /// The maximum over `axis` (nil: every axis); NaN if any element is NaN. Evaluating it over
    /// an axis of length 0 throws.
    public func max(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.max, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The maximum over several axes.
    public func max(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.max, axes: axes, keepDims: keepDims)
    }

    /// The minimum over `axis` (nil: every axis); NaN if any element is NaN. Evaluating it over
    /// an axis of length 0 throws.
    public func min(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.min, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The minimum over several axes.
    public func min(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.min, axes: axes, keepDims: keepDims)
    }

    /// Whether every element over `axis` is nonzero (nil: every axis); bool.
    public func all(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.all, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// Whether every element over several axes is nonzero.
    public func all(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.all, axes: axes, keepDims: keepDims)
    }

    /// Whether any element over `axis` is nonzero (nil: every axis); bool.
    public func any(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        reduced(.any, axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// Whether any element over several axes is nonzero.
    public func any(axes: [Int], keepDims: Bool = false) -> Variable {
        reduced(.any, axes: axes, keepDims: keepDims)
    }

    /// The mean over `axis` (nil: every axis), built as PyTensor builds it: the sum divided by
    /// the element count. Float32 stays float32; bool and integer means are float64.
    public func mean(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        averaged(axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The mean over several axes.
    public func mean(axes: [Int], keepDims: Bool = false) -> Variable {
        averaged(axes: axes, keepDims: keepDims)
    }

    /// The int64 index of the first maximum over `axis` (nil: the flat index over every axis).
    /// NaN counts as the maximum, as in numpy.
    public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        argmaxReduced(axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The index of the first maximum over several axes, into those axes flattened row-major.
    public func argmax(axes: [Int], keepDims: Bool = false) -> Variable {
        argmaxReduced(axes: axes, keepDims: keepDims)
    }

    /// The int64 index of the first minimum over `axis` (nil: the flat index over every axis),
    /// built as the argmax of `-x` (floats) or `~x` (integers and bool, where `~` reverses the
    /// order without the overflow of negating the minimum integer).
    public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Variable {
        orderReversed.argmaxReduced(axes: axis.map { [$0] }, keepDims: keepDims)
    }

    /// The index of the first minimum over several axes.
    public func argmin(axes: [Int], keepDims: Bool = false) -> Variable {
        orderReversed.argmaxReduced(axes: axes, keepDims: keepDims)
    }

    /// `-x` for floats, `~x` otherwise: the same elements in reversed order.
    private var orderReversed: Variable { dtype.isFloat ? -self : ~self }

    package func reduced(_ kind: Reduce.Kind, axes: [Int]?, keepDims: Bool) -> Variable {
        let result = build(Reduce(kind, axes: axes), self)
        return keepDims ? result.restoringDims(reducedFrom: self, axes: axes) : result
    }

    package func argmaxReduced(axes: [Int]?, keepDims: Bool) -> Variable {
        let result = build(Argmax(axes: axes), self)
        return keepDims ? result.restoringDims(reducedFrom: self, axes: axes) : result
    }

    package func averaged(axes: [Int]?, keepDims: Bool) -> Variable {
        // numpy accumulates integer and bool means in float64: an int64 sum would wrap.
        let source = floatValued(self)
        let total = source.reduced(.sum, axes: axes, keepDims: keepDims)
        guard case .success(let normalized) = Reduce.normalizedAxes(axes, ndim: ndim) else {
            return total  // the Sum reported the error
        }
        let counted = Reduce.reducedAxes(normalized, ndim: ndim)
        return total / elementCount(alongAxes: counted, dtype: total.dtype == .float32 ? .float32 : .float64)
    }

    /// The number of elements along `axes` as a 0-d `dtype` tensor: a constant when every
    /// length is static, else the product of the unknown `Shape_i` lengths (times the known
    /// ones) cast to `dtype`.
    package func elementCount(alongAxes axes: [Int], dtype: DType) -> Variable {
        // Lengths of a valid type multiply without overflow (see `TensorType.staticShapeProblem`).
        let known = exactProduct(axes.compactMap { type.shape[$0] }) ?? Int.max
        let unknown = axes.filter { type.shape[$0] == nil }
        guard let first = unknown.first else {
            return Variable(constant: NDArray.full([], value: Double(known), dtype: dtype))
        }
        var count = length(ofDimension: first)
        for axis in unknown.dropFirst() { count = count * length(ofDimension: axis) }
        if known != 1 { count = count * shapeConstant(known) }
        return count.cast(to: dtype)
    }

    /// `self` (a reduction of `input` over `axes`) with the reduced axes put back as length-1
    /// dims: the `keepdims` ExpandDims.
    package func restoringDims(reducedFrom input: Variable, axes: [Int]?) -> Variable {
        guard case .success(let normalized) = Reduce.normalizedAxes(axes, ndim: input.ndim) else {
            return self  // the reduction reported the error
        }
        let restored = Reduce.reducedAxes(normalized, ndim: input.ndim)
        return restored.isEmpty ? self : expandingDims(restored)
    }
}
// MARK: - Derivatives

extension Reduce {
    /// The reduced axes of the node's input: the same helper the kernel and the static shape
    /// use, so a 0-d input's axis 0 reduces nothing in all three.
    package func reducedAxes(_ node: Apply) -> [Int] { reducedAxes(ndim: node.inputs[0].ndim) }

    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[node.outputTypes[0].dtype.isFloat && (kind == .sum || kind == .prod || kind == .max || kind == .min)]]
    }

    /// Sum: the cotangent spread back over the reduced axes, `second(x, expand_dims(g))`.
    /// Prod: `g·∏_{k≠i} x[k]`, the product of the other elements (see `productOfOthers`).
    /// Max/min: the cotangent goes to every element equal to the extremum.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let x = node.inputs[0]
        let axes = reducedAxes(node)
        let spread = { (v: Variable) in axes.isEmpty ? v : v.expandingDims(axes) }
        switch kind {
        case .sum:
            return [.value(second(x, spread(g)))]
        case .prod:
            return [.value(spread(g) * Self.productOfOthers(x, axes: axes))]
        case .max, .min:
            let extremum = spread(node.output(0))
            return [.value(spread(g) * (x .== extremum).cast(to: g.dtype))]
        case .all, .any:
            return [.disconnected]
        }
    }

    /// `∏_{k≠i} x[k]` over the reduced axes, for every element: the product of the elements
    /// before it times the product of those after it (exclusive cumulative products from both
    /// ends, over the reduced axes moved last and flattened). No division by `x`, so it is exact
    /// where `x` has zeros, and so are its own derivatives (cumprod's rules are recurrences):
    /// dividing the product by `x`, or selecting around the zeros, gives NaN or wrong second
    /// derivatives there.
    package static func productOfOthers(_ x: Variable, axes: [Int]) -> Variable {
        guard !axes.isEmpty else { return onesLike(x) }
        let kept = (0..<x.ndim).filter { !axes.contains($0) }
        let permutation = kept + axes
        let moved = permutation == Array(0..<x.ndim) ? x : x.transposed(axes: permutation)
        let movedShape = moved.symbolicShape
        let last = kept.count
        let flat = axes.count == 1 ? moved
            : moved.reshaped(to: Array(movedShape.prefix(last)) + [shapeConstant(-1)])
        let shift = LinearRecurrence(axis: last, reverse: false)
        let before = shift.shifted(CotangentOps.cumprod(flat, axis: last), towardStart: false, fill: 1)
        let reversed = CumOp.reversed(flat, axis: last)
        let after = CumOp.reversed(
            shift.shifted(CotangentOps.cumprod(reversed, axis: last), towardStart: false, fill: 1), axis: last)
        let others = before * after
        let unflattened = axes.count == 1 ? others : others.reshaped(to: movedShape)
        guard moved !== x else { return unflattened }
        var inverse = Array(repeating: 0, count: x.ndim)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return unflattened.transposed(axes: inverse)
    }

    /// Sum is linear; prod and max/min through their pullback's local factors.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        switch kind {
        case .sum:
            return [build(self, t)]
        case .prod, .max, .min:
            // ⟨local factor, t⟩ summed over the reduced axes.
            guard case .value(let local) = pullback(node, cotangents: [onesLike(node.output(0))])[0] else {
                return [nil]
            }
            return [(local * t).sum(axes: reducedAxes(node))]
        case .all, .any:
            return [nil]
        }
    }
}

extension Argmax {
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
}

// MARK: - Batching

extension Reduce {
    /// The reduced axes shifted past the batch dims; reducing "every axis" becomes reducing
    /// the core axes only.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let axes = reducedAxes(ndim: node.inputs[0].ndim).map { $0 + batch }
        return [build(Reduce(kind, axes: axes), batchedInputs[0])]
    }
}

extension Argmax {
    /// As for reductions: the axes shift past the batch dims (nil becomes the core axes, so the
    /// index stays the flat index into one core block).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let axes = reducedAxes(ndim: node.inputs[0].ndim).map { $0 + batch }
        return [build(Argmax(axes: axes), batchedInputs[0])]
    }
}

// MARK: - StableHLO

extension Reduce {
    /// `stablehlo.reduce` over the axes with the kind's combiner and identity, accumulated in
    /// the accumulator dtype (float64 for float32 sums, int64 for integer sums) as the kernel
    /// does.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let input = operands[0]
        let axes = reducedAxes(ndim: input.rank)
        let working = accumulator ?? (kind == .sum || kind == .prod ? type.dtype : input.dtype)
        let x = b.convert(input, to: working)
        let combiner: String
        let identity: StableHLOValue
        switch (kind, working) {
        case (.sum, _): (combiner, identity) = ("stablehlo.add", b.constant(0, working))
        case (.prod, _): (combiner, identity) = ("stablehlo.multiply", b.constant(1, working))
        case (.max, .bool), (.any, _): (combiner, identity) = ("stablehlo.or", b.constant(0, working))
        case (.min, .bool), (.all, _): (combiner, identity) = ("stablehlo.and", b.constant(1, working))
        case (.max, _): (combiner, identity) = ("stablehlo.maximum", b.extreme(working, highest: false))
        case (.min, _): (combiner, identity) = ("stablehlo.minimum", b.extreme(working, highest: true))
        }
        let reduced = b.reduce(x, initial: identity, dimensions: axes, combiner: combiner)
        return [b.convert(reduced, to: type.dtype)]
    }
}

extension Argmax {
    /// The flat index (over the reduced axes, moved last) of the first maximum: a two-operand
    /// `stablehlo.reduce` over (value, index) pairs that keeps the larger value, NaN first as
    /// numpy does, and the smaller index on ties.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let input = operands[0]
        let reduced = Reduce.reducedAxes(axes, ndim: input.rank)
        let kept = (0..<input.rank).filter { !reduced.contains($0) }
        // The reduced axes become one trailing axis, in C order, so indices are numpy's.
        let moved = b.transpose(input, kept + reduced)
        let keptShape = kept.map { input.shape[$0] }
        let flat = b.reshape(moved, keptShape + [reduced.map { input.shape[$0] }.reduce(1, *)])
        let last = keptShape.count
        let indices = b.iota(.int64, shape: flat.shape, dimension: last)
        let valueType = StableHLOType(flat.dtype, [])
        let indexType = StableHLOType(.int64, [])
        let body = b.region([valueType, indexType, valueType, indexType]) { r, a in
            // Pick the right-hand pair when its value is larger, or NaN where the left is not,
            // or equal with a smaller index.
            var better = r.compare("GT", a[2], a[0])
            if flat.dtype.isFloat {
                let rightNaN = r.compare("NE", a[2], a[2])
                let leftNaN = r.compare("NE", a[0], a[0])
                better = r.binary("stablehlo.or", r.binary("stablehlo.and", better, r.unary("stablehlo.not", leftNaN)),
                    r.binary("stablehlo.and", rightNaN, r.unary("stablehlo.not", leftNaN)))
                let bothNaN = r.binary("stablehlo.and", rightNaN, leftNaN)
                let tie = r.binary("stablehlo.or", r.compare("EQ", a[2], a[0]), bothNaN)
                better = r.binary("stablehlo.or", better, r.binary("stablehlo.and", tie, r.compare("LT", a[3], a[1])))
            } else {
                let tie = r.compare("EQ", a[2], a[0])
                better = r.binary("stablehlo.or", better, r.binary("stablehlo.and", tie, r.compare("LT", a[3], a[1])))
            }
            return [r.select(better, a[2], a[0]), r.select(better, a[3], a[1])]
        }
        let results = b.emit(
            "stablehlo.reduce", [flat, indices, b.extreme(flat.dtype, highest: false), b.extreme(.int64, highest: true)],
            regions: [body], attributes: ["dimensions = \(stableHLOArray([last]))"],
            results: [StableHLOType(flat.dtype, keptShape), StableHLOType(.int64, keptShape)])
        return [b.convert(results[1], to: context.outputType(node).dtype)]
    }
}

// MARK: - Sparsity

extension Reduce {
    /// Sparsity: an output element reads its group of input elements. A sum is linear;
    /// products, maxima and minima are nonlinear (a max is piecewise linear; taken as
    /// nonlinear, conservatively).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies(
            inputs: [.reduction(of: inputShapes[0], axes: axes)], interaction: kind == .sum ? .none : .all)
    }
}
