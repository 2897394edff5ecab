#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CotangentArrays
import CotangentGraph

/// A value broadcast to a shape given by scalar lengths: PyTensor's `Alloc`, printed `Alloc`.
///
/// Inputs are `(value, length0, length1, …)`, each length an integer 0-d tensor. The value is
/// aligned to the right of the shape and broadcast with static rules: a value dimension stretches
/// only where it is statically 1. The output has the value's dtype and is always a fresh array.
public struct Alloc: Op {
    /// The op (it has no properties).
    public init() {}
    public var description: String { "Alloc" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let tensors = inputs.map(asTensor)
        return Apply(op: self, inputs: tensors, outputTypes: try outputTypes(for: tensors))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard let value = inputs.first else {
            throw CotangentError(.invalidGraph, "Alloc: expects a value and lengths, got no inputs")
        }
        let lengths = Array(inputs.dropFirst())
        let context = { "input types: \(describeTypes(inputs))" }  // formatted only when an error is thrown
        for (position, length) in lengths.enumerated()
        where length.ndim != 0 || !length.dtype.isInteger {
            throw CotangentError(.invalidGraph, 
                "Alloc: length \(position) must be an integer 0-d tensor, got \(length.type); \(context())")
        }
        guard value.ndim <= lengths.count else {
            throw CotangentError(.invalidGraph, 
                "Alloc: the value has \(value.ndim) dimensions, more than the \(lengths.count) "
                    + "lengths given; \(context())")
        }
        let folded = lengths.map { StaticFolding.integer($0) }
        if let negative = folded.first(where: { ($0 ?? 0) < 0 }) {
            // Named as the user wrote it: the shape and the value, not the int8 length scalars.
            let shape = "(" + folded.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
                + (folded.count == 1 ? ",)" : ")")
            throw CotangentError(.invalidGraph,
                "Alloc: negative length \(negative!) in shape \(shape): negative dimensions are not allowed; "
                    + "value type \(value.type)")
        }
        let target = folded.map { $0.map { Int($0) } }
        // Combine the target lengths with the value's static shape, aligned to the right.
        let lead = lengths.count - value.ndim
        var shape = target
        for axis in 0..<value.ndim {
            let (valueLength, wanted) = (value.type.shape[axis], target[lead + axis])
            if valueLength != 1, wanted == nil {
                shape[lead + axis] = valueLength
            } else if let valueLength, let wanted, valueLength != wanted, valueLength != 1 {
                throw CotangentError(.invalidGraph, 
                    "Alloc: the value of static shape \(TensorType.format(value.type.shape)) cannot be "
                        + "broadcast to the shape \(TensorType.format(target)); \(context())")
            }
        }
        return [TensorType(dtype: value.dtype, shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let value = inputs[0]
        let requested = inputs.dropFirst().map { $0.item(Int64.self) }
        let context = { "value shape \(formatShape(value.shape)) (dtype \(value.dtype)), input types "
            + describeTypes(node.inputs) }  // formatted only when an error is thrown
        let shape = try checkedAllocationShape(requested, dtype: value.dtype, op: self, context: context())
        let lead = shape.count - value.ndim
        for axis in 0..<value.ndim where value.shape[axis] != shape[lead + axis] {
            let text = formatShape(shape)
            guard value.shape[axis] == 1 else {
                throw CotangentError(.shapeMismatch, 
                    "Alloc: cannot broadcast a value of shape \(formatShape(value.shape)) to shape "
                        + "\(text); \(context())")
            }
            guard node.inputs[0].type.shape[axis] == 1 else {
                throw CotangentError(.shapeMismatch, 
                    "Alloc: runtime broadcasting not allowed: dimension \(axis) of the value has "
                        + "length 1 but is not statically 1, and the shape \(text) asks for "
                        + "\(shape[lead + axis]); \(context())")
            }
        }
        // Always a fresh array: the output never aliases the value.
        struct Fill: DTypeVisitor {
            let view: NDArray
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                view.mapElements(from: T.self, to: T.self) { $0 }
            }
        }
        let view = value.broadcast(to: shape)!
        return [value.dtype.dispatch(Fill(view: view))]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [node.inputs.dropFirst().map(asShapeScalar)]
    }
}

/// An integer 0-d tensor as an int64 shape scalar (constants are rebuilt as int64 constants).
package func asShapeScalar(_ length: Variable) -> Variable {
    if let value = length.constantValue, value.count == 1 {
        return shapeConstant(Int(value.item(Int64.self)))
    }
    return length.cast(to: .int64)
}

/// Lengths read at run time, checked before an op allocates an array of that shape: negative
/// lengths and arrays that could never fit in memory are thrown as `.invalidValue`.
package func checkedAllocationShape(
    _ lengths: [Int64], dtype: DType, op: some Op, context: @autoclosure () -> String
) throws -> [Int] {
    if let negative = lengths.first(where: { $0 < 0 }) {
        let text = "(" + lengths.map(String.init).joined(separator: ", ") + (lengths.count == 1 ? ",)" : ")")
        throw CotangentError(.invalidValue,
            "\(op): negative dimensions are not allowed: length \(negative) in shape \(text); \(context())")
    }
    let shape = lengths.map { Int($0) }
    try checkAllocation(shape, dtype: dtype, op: op, context: context())
    return shape
}

/// The most bytes one array may take: the machine's physical memory (at most 2^46 bytes, 64
/// TiB). numpy raises `MemoryError` when the allocation fails; Swift's allocator stops the
/// process instead, so a larger request is refused before anything is allocated.
package let maximumAllocationBytes: Int = {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, pageSize > 0 else { return 1 << 46 }
    let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
    return overflow ? 1 << 46 : min(bytes, 1 << 46)
}()

/// Throws `.invalidValue` naming `op`, the shape, the dtype and the size in bytes when an array
/// of `shape` could not be allocated (see ``maximumAllocationBytes``). Called by every kernel
/// whose output size comes from run-time values (lengths, broadcasting, products) before it
/// allocates.
package func checkAllocation(
    _ shape: [Int], dtype: DType, op: some Op, context: @autoclosure () -> String
) throws {
    guard !shape.contains(0) else { return }
    var bytes = dtype.itemSize
    var overflow = false
    for length in shape where !overflow {
        (bytes, overflow) = bytes.multipliedReportingOverflow(by: length)
    }
    guard overflow || bytes > maximumAllocationBytes else { return }
    let size = overflow ? "more than \(Int.max) bytes" : "\(bytes) bytes"
    throw CotangentError(.invalidValue,
        "\(op): unable to allocate an array of shape \(formatShape(shape)) and dtype \(dtype): it is too big "
            + "(\(size), more than the \(maximumAllocationBytes) bytes of memory); \(context())")
}

/// Lengths as graph constants typed as PyTensor types Python ints (`3` is an int8 constant).
package func lengthConstants(_ lengths: [Int]) -> [Variable] {
    lengths.map { Variable(constant: Variable.autocastScalar(Int64($0))) }
}

/// `value` broadcast to `shape` (PyTensor's `alloc`): a fresh array of the value's dtype.
///
/// ```swift
/// let filled = alloc(1.0, shape: [x.length(ofDimension: 0), 3])
/// ```
public func alloc(_ value: Variable, shape: [Variable]) -> Variable {
    build(Alloc(), [value] + shape)
}

/// `value` broadcast to a shape of known lengths (PyTensor's `alloc`).
public func alloc(_ value: Variable, shape: [Int]) -> Variable {
    alloc(value, shape: lengthConstants(shape))
}

/// A tensor of zeros (false for bool) of the given shape (PyTensor's `zeros`), of the scope's
/// default float dtype unless `dtype` is given (see `withDefaultFloat(_:_:)`).
public func zeros(shape: [Int], dtype: DType? = nil) -> Variable {
    zeros(shape: lengthConstants(shape), dtype: dtype)
}

/// A tensor of zeros of a symbolic shape, one int scalar per dimension.
public func zeros(shape: [Variable], dtype: DType? = nil) -> Variable {
    alloc(Variable(constant: NDArray.full([], value: 0, dtype: dtype ?? defaultFloatDType)), shape: shape)
}

/// A tensor of ones (true for bool) of the given shape (PyTensor's `ones`), of the scope's
/// default float dtype unless `dtype` is given.
public func ones(shape: [Int], dtype: DType? = nil) -> Variable {
    ones(shape: lengthConstants(shape), dtype: dtype)
}

/// A tensor of ones of a symbolic shape, one int scalar per dimension.
public func ones(shape: [Variable], dtype: DType? = nil) -> Variable {
    alloc(Variable(constant: NDArray.full([], value: 1, dtype: dtype ?? defaultFloatDType)), shape: shape)
}

/// A tensor of the given shape filled with `value` (PyTensor's `full`), of the value's dtype
/// or `dtype` when given.
public func full(shape: [Int], value: Variable, dtype: DType? = nil) -> Variable {
    full(shape: lengthConstants(shape), value: value, dtype: dtype)
}

/// A tensor of a symbolic shape filled with `value`.
public func full(shape: [Variable], value: Variable, dtype: DType? = nil) -> Variable {
    alloc(dtype.map { value.cast(to: $0) } ?? value, shape: shape)
}

// MARK: - Derivatives

extension Alloc {
    /// The value is connected when the output is float; the lengths never are.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let differentiable = node.inputs[0].dtype.isFloat && node.outputTypes[0].dtype.isFloat
        return [[differentiable]] + node.inputs.dropFirst().map { _ in [false] }
    }

    /// PyTensor's rule: the cotangent summed over the leading dims the value gained and over the
    /// dims where the value is statically 1 but the cotangent is not (those come back as new
    /// axes). The lengths are disconnected: growing the shape does not change existing elements.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let lengths = node.inputs.dropFirst().map { _ in InputGradient.disconnected }
        let value = node.inputs[0]
        guard let g = cotangents[0], value.dtype.isFloat else { return [.disconnected] + lengths }
        let lead = g.ndim - value.ndim
        var summed = Array(0..<lead)
        var kept: [Int] = []
        for axis in 0..<value.ndim {
            if value.type.shape[axis] == 1 && g.type.shape[lead + axis] != 1 {
                summed.append(lead + axis)
            } else {
                kept.append(axis)
            }
        }
        var gradient = summed.isEmpty ? g : g.sum(axes: summed)
        if kept.count != value.ndim {
            // Put the broadcast dims back as length-1 axes.
            var order = [Int?](repeating: nil, count: value.ndim)
            for (position, axis) in kept.enumerated() { order[axis] = position }
            gradient = gradient.dimShuffled(order)
        }
        return [.value(gradient)] + lengths
    }

    /// Linear in the value: the tangent allocated to the same shape.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [build(self, [t] + node.inputs.dropFirst())]
    }
}

// MARK: - Batching

extension Alloc {
    /// PyTensor's `vectorize_alloc`: a batched value is allocated to its own batch lengths
    /// followed by the original lengths. When the value gained leading dims in the original
    /// Alloc, length-1 axes are inserted after the batch dims first, so the value's core dims
    /// stay aligned with the same lengths. Batched lengths fall back to Blockwise.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        guard zip(batchedInputs.dropFirst(), node.inputs.dropFirst()).allSatisfy({ $0.ndim == $1.ndim }) else {
            return nil
        }
        var value = batchedInputs[0]
        let batch = value.ndim - node.inputs[0].ndim
        let lead = node.inputs.count - 1 - node.inputs[0].ndim
        let lengths = batchLengths(of: value, count: batch)
        if lead > 0 && batch > 0 { value = value.expandingDims(Array(batch..<(batch + lead))) }
        return [alloc(value, shape: lengths + Array(batchedInputs.dropFirst()))]
    }
}

// MARK: - StableHLO

extension Alloc {
    /// The value broadcast (numpy's rule) to the output shape.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        return [b.broadcast(b.convert(operands[0], to: type.dtype), to: type.shape)]
    }
}

// MARK: - Sparsity

extension Alloc {
    /// Sparsity: the value broadcast to the output's shape; the shape inputs have no
    /// derivative.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies(
            inputs: [.broadcast(from: inputShapes[0], to: outputShape)]
                + Array(repeating: nil, count: inputShapes.count - 1),
            interaction: .none)
    }
}
