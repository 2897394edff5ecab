import CotangentArrays
import CotangentGraph

/// Evenly spaced values in `[start, stop)`: PyTensor's `ARange`, printed `ARange{dtype='int64'}`.
///
/// Inputs are `(start, stop, step)`, 0-d tensors. The length is `ceil((stop - start) / step)`
/// (0 when negative) and the values follow numpy's `arange` exactly: the first two are `start`
/// and `start + step` converted to `dtype`, the rest `first + i * (second - first)` computed in
/// `dtype`.
public struct ARange: Op {
    /// The element dtype (not bool).
    public let dtype: DType

    /// An `ARange` producing `dtype` values.
    public init(dtype: DType) { self.dtype = dtype }

    public var description: String { "ARange{dtype='\(dtype)'}" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let tensors = inputs.map(asTensor)
        return Apply(op: self, inputs: tensors, outputTypes: try outputTypes(for: tensors))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let context = { "input types: \(describeTypes(inputs))" }  // formatted only when an error is thrown
        guard inputs.count == 3 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 3 inputs (start, stop, step), got \(inputs.count); \(context())")
        }
        guard dtype != .bool else {
            throw CotangentError(.invalidGraph, "\(self): a bool range is not supported; \(context())")
        }
        for (name, input) in zip(["start", "stop", "step"], inputs) where input.ndim != 0 {
            throw CotangentError(.invalidGraph, "\(self): \(name) must be 0-d, got \(input.type); \(context())")
        }
        // As in PyTensor, the length is static only when all three inputs are constants.
        let constants = inputs.compactMap(\.constantValue)
        guard constants.count == 3 else { return [TensorType(dtype: dtype, shape: [nil])] }
        let bounds = ARange.Bounds(constants)
        guard let length = try? bounds.length() else {
            throw CotangentError(.invalidGraph, 
                "\(self): no range from \(bounds.start) to \(bounds.stop) by step \(bounds.step); \(context())")
        }
        return [TensorType(dtype: dtype, shape: [length])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let bounds = ARange.Bounds(inputs)
        let context = { "start \(bounds.start), stop \(bounds.stop), step \(bounds.step); input types "
            + describeTypes(node.inputs) }  // formatted only when an error is thrown
        let length: Int
        do {
            length = try bounds.length()
        } catch {
            throw CotangentError(.invalidValue, "\(self): \(error.message); \(context())")
        }
        _ = try checkedAllocationShape([Int64(length)], dtype: dtype, op: self, context: context())
        let (first, second) = bounds.firstTwo()
        switch dtype {
        case .float64:
            return [ARange.fill(length, Double(first.doubleValue), Double(second.doubleValue))]
        case .float32:
            return [ARange.fill(length, Float(first.doubleValue), Float(second.doubleValue))]
        default:
            return [ARange.fillIntegers(length, first, second, dtype: dtype)]
        }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let (start, stop, step) = (node.inputs[0], node.inputs[1], node.inputs[2])
        func isConstant(_ bound: Variable, _ value: Double) -> Bool {
            StaticFolding.value(of: bound).map { $0.asArray(Double.self) == [value] } ?? false
        }
        // PyTensor's rule, made exact: its unit-step shortcut casts a float `stop` (truncating)
        // and lets a negative length through, so here it serves integer bounds only, clamped.
        let zero = shapeConstant(0)
        if node.inputs.allSatisfy({ !$0.dtype.isFloat }), isConstant(step, 1) {
            let (start, stop) = (start.cast(to: .int64), stop.cast(to: .int64))
            return [[maximum(isConstant(start, 0) ? stop : stop - start, zero)]]
        }
        // Bounds in float64 first, as numpy computes the length from Python numbers.
        let delta = stop.cast(to: .float64) - start.cast(to: .float64)
        let steps = ceil(delta / step.cast(to: .float64)).cast(to: .int64)
        guard node.inputs.contains(where: { $0.dtype.isFloat }) else { return [[maximum(steps, zero)]] }
        // numpy gives one element when the quotient is positive but rounds to 0 (a float step
        // far larger than the span): at least 1 when delta and step have the same sign.
        let sameSign = (sign(delta) * sign(step.cast(to: .float64))).cast(to: .int64)
        return [[maximum(maximum(steps, sameSign), zero)]]
    }
}

extension ARange {
    /// A reason no range exists.
    package struct Failure: Error {
        package let message: String
    }

    /// The three bounds read as int64 (all integer inputs) or as doubles.
    package struct Bounds {
        package let start: ScalarValue
        package let stop: ScalarValue
        package let step: ScalarValue

        package init(_ values: [NDArray]) {
            let integral = values.allSatisfy { !$0.dtype.isFloat }
            let read = { (value: NDArray) -> ScalarValue in
                integral ? .integer(value.item(Int64.self)) : .real(value.item(Double.self))
            }
            (start, stop, step) = (read(values[0]), read(values[1]), read(values[2]))
        }

        /// numpy's length: `ceil((stop - start) / step)`, 0 when negative, and 1 when the
        /// quotient is positive but rounds to 0 (a huge step).
        package func length() throws(Failure) -> Int {
            if case .integer(let a) = start, case .integer(let b) = stop, case .integer(let s) = step {
                guard s != 0 else { throw Failure(message: "step is zero (division by zero)") }
                let (delta, overflow) = b.subtractingReportingOverflow(a)
                if !overflow {
                    guard (delta > 0) == (s > 0), delta != 0 else { return 0 }
                    // Exact ceiling of a positive quotient.
                    let (q, r) = delta.quotientAndRemainder(dividingBy: s)
                    return Int(q) + (r == 0 ? 0 : 1)
                }
            }
            let (a, b, s) = (start.doubleValue, stop.doubleValue, step.doubleValue)
            guard s != 0 else { throw Failure(message: "step is zero (division by zero)") }
            let delta = b - a
            let quotient = delta / s
            guard !quotient.isNaN else { throw Failure(message: "cannot compute length") }
            guard delta != 0, (delta > 0) == (s > 0) else { return 0 }
            let rounded = quotient.rounded(.up)
            guard rounded < 9.2e18 else { throw Failure(message: "maximum allowed size exceeded") }
            return max(Int(rounded), 1)
        }

        /// `start` and `start + step`. For integers the sum is exact whenever the range has two
        /// or more elements (`start + step` then lies before `stop`); it wraps otherwise, and
        /// is then never stored.
        package func firstTwo() -> (ScalarValue, ScalarValue) {
            if case .integer(let a) = start, case .integer(let s) = step {
                return (start, .integer(a &+ s))
            }
            return (.real(start.doubleValue), .real(start.doubleValue + step.doubleValue))
        }
    }

    /// A bound: an exact integer or a double.
    package enum ScalarValue: CustomStringConvertible {
        case integer(Int64)
        case real(Double)

        package var doubleValue: Double {
            switch self {
            case .integer(let value): Double(value)
            case .real(let value): value
            }
        }

        /// The value converted to an integer dtype's wrapping arithmetic (floats truncate).
        package var int64Value: Int64 {
            switch self {
            case .integer(let value): value
            case .real(let value): Int64(truncatingFloat: value)
            }
        }

        package var description: String {
            switch self {
            case .integer(let value): "\(value)"
            case .real(let value): "\(value)"
            }
        }
    }

    /// numpy's float fill: `first + i * delta` in the element type's own arithmetic.
    package static func fill<T: ArrayElement & BinaryFloatingPoint>(_ length: Int, _ first: T, _ second: T) -> NDArray {
        let result = NDArray.uninitialized(dtype: T.dtype, shape: [length])
        let target = result.basePointer(as: T.self)
        let delta = second - first
        for i in 0..<length {
            target[i] = i == 0 ? first : i == 1 ? second : first + T(i) * delta
        }
        return result
    }

    /// numpy's integer fill: the first two values converted to `dtype`, then
    /// `first + i * delta` with wrapping 64-bit arithmetic, truncated to `dtype`.
    package static func fillIntegers(_ length: Int, _ first: ScalarValue, _ second: ScalarValue, dtype: DType) -> NDArray {
        struct Fill: DTypeVisitor {
            let length: Int
            let first: Int64
            let second: Int64
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                let result = NDArray.uninitialized(dtype: T.dtype, shape: [length])
                let target = result.basePointer(as: T.self)
                // The first two values are stored in the dtype before the step is taken.
                let start = T(converting: first).int64Value
                let delta = T(converting: second).int64Value &- start
                for i in 0..<length {
                    target[i] = T(converting: start &+ Int64(i) &* delta)
                }
                return result
            }
        }
        return dtype.dispatch(Fill(length: length, first: first.int64Value, second: second.int64Value))
    }
}

/// Values from 0 up to `stop` (exclusive) by steps of 1: PyTensor's `arange(stop)`.
///
/// The dtype is the upcast of the bounds' dtypes, with integer bounds giving int64 (as
/// PyTensor's `arange` does, to avoid overflow), unless `dtype` is given.
public func arange(_ stop: Variable, dtype: DType? = nil) -> Variable {
    arange(0, stop, step: 1, dtype: dtype)
}

/// Values from `start` up to `stop` (exclusive) by `step`: PyTensor's `arange(start, stop, step)`.
///
/// ```swift
/// let indices = arange(x.length(ofDimension: 0))   // ARange{dtype='int64'}
/// let grid = arange(0, 1, step: 0.25)              // float32 bounds: ARange{dtype='float32'}
/// ```
public func arange(_ start: Variable, _ stop: Variable, step: Variable = 1, dtype: DType? = nil) -> Variable {
    // Number bounds take the dtype of tensor bounds (`arange(f)` is float32 for a float32 `f`).
    let bounds = reporting([start, stop, step]) {
        try WeakScalars.resolvedTogether([start, stop, step]) { input, dtype in input.cast(to: dtype) }
    }
    let (start, stop, step) = (bounds[0], bounds[1], bounds[2])
    let upcast = DType.promote([start, stop, step].map { asTensor($0).dtype })
    // Every integer (and bool) upcast becomes int64. PyTensor would use uint64 for unsigned
    // bounds, a dtype Cotangent does not have.
    let resolved = dtype ?? (upcast.isFloat ? upcast : .int64)
    return build(ARange(dtype: resolved), start, stop, step)
}

// MARK: - Derivatives

extension ARange {
    /// PyTensor's pattern: the values depend on `start` and `step` (when the range and the
    /// bound are float); `stop` only sets the length, so it is never connected.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let (start, step) = (node.inputs[0], node.inputs[2])
        return [[dtype.isFloat && start.dtype.isFloat], [false], [dtype.isFloat && step.dtype.isFloat]]
    }

    /// Element `i` is `start + i·step`: `start` gets `Σ g`, `step` gets `Σ g·i` (PyTensor's rule);
    /// `stop` is disconnected, and so is everything for integer ranges.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let pattern = connectionPattern(node)
        guard let g = cotangents[0], pattern.contains(where: { $0[0] }) else {
            return [.disconnected, .disconnected, .disconnected]
        }
        let positions = { arange(node.output(0).length(ofDimension: 0), dtype: dtype) }
        return [
            pattern[0][0] ? .value(g.sum()) : .disconnected,
            .disconnected,
            pattern[2][0] ? .value((g * positions()).sum()) : .disconnected,
        ]
    }

    /// `t_start + i·t_step` over the range's length.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let pattern = connectionPattern(node)
        let length = node.output(0).length(ofDimension: 0)
        var parts: [Variable] = []
        if pattern[0][0], let t = tangents[0] { parts.append(alloc(t.cast(to: dtype), shape: [length])) }
        if pattern[2][0], let t = tangents[2] { parts.append(t.cast(to: dtype) * arange(length, dtype: dtype)) }
        guard let first = parts.first else { return [nil] }
        return [parts.dropFirst().reduce(first, +)]
    }
}

// MARK: - StableHLO

extension ARange {
    /// `start + i · step` over an iota of the output's length (known at export), computed in
    /// the output dtype as numpy does.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let start = b.broadcastInDim(b.convert(operands[0], to: type.dtype), shape: type.shape, dimensions: [])
        let step = b.broadcastInDim(b.convert(operands[2], to: type.dtype), shape: type.shape, dimensions: [])
        return [b.add(start, b.multiply(b.iota(type.dtype, shape: type.shape, dimension: 0), step))]
    }
}
