// Kernels of the reductions (Reduce, Argmax): one strided pass over the input in memory order,
// folding each element into an accumulator array shaped like the output.

/// An element type with a total order for max, min and argmax; NaN is handled apart.
package protocol OrderedArrayElement: ArrayElement {
    /// The identity of `max` (−∞, the type's minimum, false).
    static var lowest: Self { get }
    /// The identity of `min` (+∞, the type's maximum, true).
    static var highest: Self { get }
    /// `a > b` (false when either is NaN).
    static func isGreater(_ a: Self, than b: Self) -> Bool
    /// Whether the value is a NaN (never for integers and bool).
    var isNaNValue: Bool { get }
}

extension Double: OrderedArrayElement {
    package static var lowest: Double { -.infinity }
    package static var highest: Double { .infinity }
    @inline(__always) package static func isGreater(_ a: Double, than b: Double) -> Bool { a > b }
    @inline(__always) package var isNaNValue: Bool { isNaN }
}

extension Float: OrderedArrayElement {
    package static var lowest: Float { -.infinity }
    package static var highest: Float { .infinity }
    @inline(__always) package static func isGreater(_ a: Float, than b: Float) -> Bool { a > b }
    @inline(__always) package var isNaNValue: Bool { isNaN }
}

extension Bool: OrderedArrayElement {
    package static var lowest: Bool { false }
    package static var highest: Bool { true }
    @inline(__always) package static func isGreater(_ a: Bool, than b: Bool) -> Bool { a && !b }
    @inline(__always) package var isNaNValue: Bool { false }
}

extension OrderedArrayElement where Self: FixedWidthInteger {
    package static var lowest: Self { .min }
    package static var highest: Self { .max }
    @inline(__always) package static func isGreater(_ a: Self, than b: Self) -> Bool { a > b }
    @inline(__always) package var isNaNValue: Bool { false }
}

extension Int8: OrderedArrayElement {}
extension Int16: OrderedArrayElement {}
extension Int32: OrderedArrayElement {}
extension Int64: OrderedArrayElement {}
extension UInt8: OrderedArrayElement {}

/// ``DTypeVisitor`` for kernels that need ordered elements (every dtype is ordered).
package protocol OrderedDTypeVisitor {
    associatedtype Result
    func visit<T: OrderedArrayElement>(_ type: T.Type) -> Result
}

extension DType {
    package func dispatchOrdered<V: OrderedDTypeVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .bool: visitor.visit(Bool.self)
        case .int8: visitor.visit(Int8.self)
        case .int16: visitor.visit(Int16.self)
        case .int32: visitor.visit(Int32.self)
        case .int64: visitor.visit(Int64.self)
        case .uint8: visitor.visit(UInt8.self)
        case .float32: visitor.visit(Float.self)
        case .float64: visitor.visit(Double.self)
        }
    }
}

// MARK: - Reducers

/// One reduction: how an element folds into an accumulator.
package protocol Reducer {
    associatedtype Element: ArrayElement
    associatedtype Accumulator: ArrayElement
    /// The accumulator's start value.
    var identity: Accumulator { get }
    /// `accumulator ⊕ element`.
    func combine(_ accumulator: Accumulator, _ element: Element) -> Accumulator
    /// Folds `count` elements spaced `stride` apart into `accumulator`.
    func fold(_ accumulator: Accumulator, _ elements: UnsafePointer<Element>, count: Int, stride: Int)
        -> Accumulator
}

extension Reducer {
    @inline(__always)
    package func fold(_ accumulator: Accumulator, _ elements: UnsafePointer<Element>, count: Int, stride: Int)
        -> Accumulator
    {
        var result = accumulator
        var index = 0
        for _ in 0..<count {
            result = combine(result, elements[index])
            index += stride
        }
        return result
    }
}

/// Float sums, accumulated in double with numpy's pairwise summation along rows.
package struct FloatSum<Element: ArrayElement>: Reducer {
    package var identity: Double { 0 }
    @inline(__always) package func combine(_ accumulator: Double, _ element: Element) -> Double {
        accumulator + element.doubleValue
    }
    package func fold(_ accumulator: Double, _ elements: UnsafePointer<Element>, count: Int, stride: Int) -> Double {
        accumulator + pairwiseSum(elements, count: count, stride: stride)
    }
}

/// Integer and bool sums in int64, wrapping like numpy.
package struct IntegerSum<Element: ArrayElement>: Reducer {
    package var identity: Int64 { 0 }
    @inline(__always) package func combine(_ accumulator: Int64, _ element: Element) -> Int64 {
        accumulator &+ element.int64Value
    }
}

/// Float products in double.
package struct FloatProduct<Element: ArrayElement>: Reducer {
    package var identity: Double { 1 }
    @inline(__always) package func combine(_ accumulator: Double, _ element: Element) -> Double {
        accumulator * element.doubleValue
    }
}

/// Integer and bool products in int64, wrapping like numpy.
package struct IntegerProduct<Element: ArrayElement>: Reducer {
    package var identity: Int64 { 1 }
    @inline(__always) package func combine(_ accumulator: Int64, _ element: Element) -> Int64 {
        accumulator &* element.int64Value
    }
}

/// The maximum; a NaN anywhere makes the result NaN (numpy's `maximum.reduce`).
package struct Maximum<Element: OrderedArrayElement>: Reducer {
    package var identity: Element { .lowest }
    @inline(__always) package func combine(_ accumulator: Element, _ element: Element) -> Element {
        element.isNaNValue || Element.isGreater(element, than: accumulator) ? element : accumulator
    }
}

/// The minimum; a NaN anywhere makes the result NaN (numpy's `minimum.reduce`).
package struct Minimum<Element: OrderedArrayElement>: Reducer {
    package var identity: Element { .highest }
    @inline(__always) package func combine(_ accumulator: Element, _ element: Element) -> Element {
        element.isNaNValue || Element.isGreater(accumulator, than: element) ? element : accumulator
    }
}

/// Logical and of bools.
package struct LogicalAll: Reducer {
    package var identity: Bool { true }
    @inline(__always) package func combine(_ accumulator: Bool, _ element: Bool) -> Bool { accumulator && element }
}

/// Logical or of bools.
package struct LogicalAny: Reducer {
    package var identity: Bool { false }
    @inline(__always) package func combine(_ accumulator: Bool, _ element: Bool) -> Bool { accumulator || element }
}

/// numpy's pairwise summation (`pairwise_sum_DOUBLE`): blocks of up to 128 elements summed with
/// eight interleaved partial sums, larger rows split in halves. The rounding error grows like
/// O(log n) instead of O(n), and the eight independent chains keep the FP adder busy.
package func pairwiseSum<T: ArrayElement>(_ elements: UnsafePointer<T>, count: Int, stride: Int) -> Double {
    if count < 8 {
        var sum = 0.0
        var index = 0
        for _ in 0..<count {
            sum += elements[index].doubleValue
            index += stride
        }
        return sum
    }
    if count <= 128 {
        var r0 = elements[0].doubleValue, r1 = elements[stride].doubleValue
        var r2 = elements[2 * stride].doubleValue, r3 = elements[3 * stride].doubleValue
        var r4 = elements[4 * stride].doubleValue, r5 = elements[5 * stride].doubleValue
        var r6 = elements[6 * stride].doubleValue, r7 = elements[7 * stride].doubleValue
        let blocked = count - count % 8
        var i = 8
        while i < blocked {
            let p = elements + i * stride
            r0 += p[0].doubleValue
            r1 += p[stride].doubleValue
            r2 += p[2 * stride].doubleValue
            r3 += p[3 * stride].doubleValue
            r4 += p[4 * stride].doubleValue
            r5 += p[5 * stride].doubleValue
            r6 += p[6 * stride].doubleValue
            r7 += p[7 * stride].doubleValue
            i += 8
        }
        var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < count {
            sum += elements[i * stride].doubleValue
            i += 1
        }
        return sum
    }
    var half = count / 2
    half -= half % 8
    return pairwiseSum(elements, count: half, stride: stride)
        + pairwiseSum(elements + half * stride, count: count - half, stride: stride)
}

/// ``pairwiseSum(_:count:stride:)`` of contiguous doubles, compiled here for callers in other
/// modules (which would otherwise run the generic body through value witnesses, 3× slower).
package func pairwiseSum(_ elements: UnsafePointer<Double>, count: Int) -> Double {
    pairwiseSum(elements, count: count, stride: 1)
}

/// ``pairwiseSum(_:count:stride:)`` of contiguous floats (accumulated in double), compiled here.
package func pairwiseSum(_ elements: UnsafePointer<Float>, count: Int) -> Double {
    pairwiseSum(elements, count: count, stride: 1)
}

// MARK: - The reduction loop

/// The strides of `output` (shaped like the kept axes of an input) placed at those axes of the
/// input, 0 at the reduced ones: every element of the input then addresses its output slot.
package func inputAlignedStrides(of output: NDArray, keptAxes: [Int], inputRank: Int) -> [Int] {
    var strides = [Int](repeating: 0, count: inputRank)
    for (position, axis) in keptAxes.enumerated() { strides[axis] = output.strides[position] }
    return strides
}

package enum ReduceKernel {
    /// Reduces `x` over `axes` (non-negative, in range) and returns a contiguous array of
    /// `outputDType` shaped like `x` without those axes.
    package static func run(_ kind: ReductionKind, _ x: NDArray, axes: [Int], outputDType: DType) -> NDArray {
        if kind == .sum, let total = parallelFullSum(x, axes: axes) {
            return NDArray(shape: [], elements: [total]).converted(to: outputDType)
        }
        return x.dtype.dispatchOrdered(ReduceDispatch(kind: kind, x: x, axes: axes)).converted(to: outputDType)
    }

    /// The accumulator array (contiguous, the output's shape) after folding every element of `x`.
    ///
    /// The input is walked in memory order (dims sorted by decreasing |stride|). When the
    /// innermost run is along reduced axes it folds into one accumulator (pairwise for float
    /// sums); when it is along kept axes it updates a run of accumulators elementwise, which is
    /// how numpy reduces a C-contiguous matrix over axis 0.
    package static func reduce<R: Reducer>(_ reducer: R, _ x: NDArray, axes: [Int]) -> NDArray {
        let reduced = Set(axes)
        let kept = x.shape.indices.filter { !reduced.contains($0) }
        let accumulator = NDArray(shape: kept.map { x.shape[$0] }, filledWith: reducer.identity)
        let accumulatorStrides = inputAlignedStrides(of: accumulator, keptAxes: kept, inputRank: x.ndim)
        let order = x.shape.indices.sorted { a, b in
            Swift.abs(x.strides[a]) != Swift.abs(x.strides[b])
                ? Swift.abs(x.strides[a]) > Swift.abs(x.strides[b]) : a < b
        }
        let loop = StridedLoop(
            shape: order.map { x.shape[$0] },
            operands: [(order.map { x.strides[$0] }, x.offset), (order.map { accumulatorStrides[$0] }, 0)])
        let source = UnsafePointer(x.basePointer(as: R.Element.self))
        let target = accumulator.basePointer(as: R.Accumulator.self)
        let length = loop.rowLength
        let (step, targetStep) = (loop.rowStride(0), loop.rowStride(1))
        if targetStep == 0 {
            loop.forEachRow { starts in
                target[starts[1]] = reducer.fold(
                    target[starts[1]], source + starts[0], count: length, stride: step)
            }
        } else if step == 1 && targetStep == 1 {
            // Contiguous rows into contiguous accumulators (a C-ordered matrix over axis 0): a
            // loop the compiler vectorises, each accumulator still adding its rows in order.
            loop.forEachRow { starts in
                let (row, sums) = (source + starts[0], target + starts[1])
                for j in 0..<length { sums[j] = reducer.combine(sums[j], row[j]) }
            }
        } else {
            loop.forEachRow { starts in
                var (i, o) = (starts[0], starts[1])
                for _ in 0..<length {
                    target[o] = reducer.combine(target[o], source[i])
                    i += step
                    o += targetStep
                }
            }
        }
        return accumulator
    }
}

/// Picks the reducer for a kind and an input element type.
private struct ReduceDispatch: OrderedDTypeVisitor {
    package let kind: ReductionKind
    package let x: NDArray
    package let axes: [Int]
    package func visit<T: OrderedArrayElement>(_: T.Type) -> NDArray {
        switch kind {
        case .sum:
            T.dtype.isFloat
                ? ReduceKernel.reduce(FloatSum<T>(), x, axes: axes) : ReduceKernel.reduce(IntegerSum<T>(), x, axes: axes)
        case .prod:
            T.dtype.isFloat
                ? ReduceKernel.reduce(FloatProduct<T>(), x, axes: axes)
                : ReduceKernel.reduce(IntegerProduct<T>(), x, axes: axes)
        case .max: ReduceKernel.reduce(Maximum<T>(), x, axes: axes)
        case .min: ReduceKernel.reduce(Minimum<T>(), x, axes: axes)
        // All and Any nodes always get bool inputs (makeNode compares others with 0).
        case .all: ReduceKernel.reduce(LogicalAll(), x.converted(to: .bool), axes: axes)
        case .any: ReduceKernel.reduce(LogicalAny(), x.converted(to: .bool), axes: axes)
        }
    }
}

// MARK: - Argmax

package enum ArgmaxKernel {
    /// The int64 index of the first maximum over `axes` (non-negative, sorted, none of length 0),
    /// counted in the row-major order of those axes.
    package static func run(_ x: NDArray, axes: [Int]) -> NDArray {
        return x.dtype.dispatchOrdered(ArgmaxDispatch(x: x, axes: axes))
    }

    package static func argmax<T: OrderedArrayElement>(_: T.Type, _ x: NDArray, axes: [Int]) -> NDArray {
        let kept = x.shape.indices.filter { !axes.contains($0) }
        // A kept axis of length 0: no element, no row, an empty result (as numpy).
        if x.count == 0 { return NDArray.zeros(kept.map { x.shape[$0] }, dtype: .int64) }
        // When memory runs fastest along a kept axis (argmax over axis 0 of a C-ordered
        // matrix), compare whole planes against running maxima instead of copying the input.
        let moving = x.shape.indices.filter { x.shape[$0] > 1 }
        if let innermost = moving.min(by: { Swift.abs(x.strides[$0]) < Swift.abs(x.strides[$1]) }),
            kept.contains(innermost)
        {
            return argmaxByPlanes(T.self, x, axes: axes, kept: kept)
        }
        // Kept axes first, reduced axes last and contiguous: each output is one row.
        let rows = x.transposed(kept + axes).contiguous()
        let result = NDArray.uninitialized(dtype: .int64, shape: kept.map { x.shape[$0] })
        let rowLength = axes.reduce(1) { $0 * x.shape[$1] }
        let source = rows.basePointer(as: T.self) + rows.offset
        let target = result.basePointer(as: Int64.self)
        for row in 0..<result.count {
            let values = source + row * rowLength
            var best = values[0]
            var bestIndex = 0
            if !best.isNaNValue {
                for k in 1..<Swift.max(rowLength, 1) {
                    let value = values[k]
                    if value.isNaNValue {
                        bestIndex = k
                        break
                    }
                    if T.isGreater(value, than: best) {
                        best = value
                        bestIndex = k
                    }
                }
            }
            target[row] = Int64(bestIndex)
        }
        return result
    }

    /// Argmax as a pass over the planes `x[r, …]` of the reduced index `r` (reduced axes
    /// first, in row-major order), each updating the running maximum and its index of every
    /// output element. Planes come in increasing `r`, so a strict `>` keeps the first maximum.
    ///
    /// - Precondition: some kept axis has length > 1, so every row of the loop lies in one plane.
    package static func argmaxByPlanes<T: OrderedArrayElement>(
        _: T.Type, _ x: NDArray, axes: [Int], kept: [Int]
    ) -> NDArray {
        let keptShape = kept.map { x.shape[$0] }
        let best = NDArray(shape: keptShape, filledWith: T.lowest)
        let result = NDArray.zeros(keptShape, dtype: .int64)
        let bestStrides = inputAlignedStrides(of: best, keptAxes: kept, inputRank: x.ndim)
        let order = axes + kept
        let loop = StridedLoop(
            shape: order.map { x.shape[$0] },
            operands: [(order.map { x.strides[$0] }, x.offset), (order.map { bestStrides[$0] }, 0)])
        let source = x.basePointer(as: T.self)
        let (bestValues, bestIndices) = (best.basePointer(as: T.self), result.basePointer(as: Int64.self))
        let length = loop.rowLength
        let (step, bestStep) = (loop.rowStride(0), loop.rowStride(1))
        let rowsPerPlane = best.count / length
        var row = 0
        loop.forEachRow { starts in
            let plane = Int64(row / rowsPerPlane)
            row += 1
            var (i, o) = (starts[0], starts[1])
            for _ in 0..<length {
                let value = source[i]
                let current = bestValues[o]
                if !current.isNaNValue && (value.isNaNValue || T.isGreater(value, than: current)) {
                    bestValues[o] = value
                    bestIndices[o] = plane
                }
                i += step
                o += bestStep
            }
        }
        return result
    }
}

private struct ArgmaxDispatch: OrderedDTypeVisitor {
    package let x: NDArray
    package let axes: [Int]
    package func visit<T: OrderedArrayElement>(_: T.Type) -> NDArray { ArgmaxKernel.argmax(T.self, x, axes: axes) }
}

/// The scalar operation a reduction folds over its axes (the `Reduce` op's kind).
public enum ReductionKind: String, Hashable, Sendable, CaseIterable {
    /// The sum (PyTensor's `Sum`): int64 for bool and integer inputs.
    case sum
    /// The product (PyTensor's `Prod`): int64 for bool and integer inputs.
    case prod
    /// The maximum (PyTensor's `Max`), in the input dtype.
    case max
    /// The minimum (PyTensor's `Min`), in the input dtype.
    case min
    /// Logical and: whether every element is nonzero (bool output).
    case all
    /// Logical or: whether any element is nonzero (bool output).
    case any

    /// PyTensor's op class name.
    public var opName: String {
        switch self {
        case .sum: "Sum"
        case .prod: "Prod"
        case .max: "Max"
        case .min: "Min"
        case .all: "All"
        case .any: "Any"
        }
    }

    /// numpy's ufunc name, for messages that repeat numpy's.
    public var ufuncName: String {
        switch self {
        case .sum: "add"
        case .prod: "multiply"
        case .max: "maximum"
        case .min: "minimum"
        case .all: "logical_and"
        case .any: "logical_or"
        }
    }

    /// Whether a reduction over no elements has a value (0, 1, true, false).
    public var hasIdentity: Bool { self != .max && self != .min }
}
