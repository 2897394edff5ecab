import CotangentArrays
import CotangentGraph

/// A matrix with ones on one diagonal and zeros elsewhere: PyTensor's `Eye`, printed
/// `Eye{dtype='float64'}`.
///
/// Inputs are `(n, m, k)`, integer 0-d tensors: `n` rows, `m` columns, ones where
/// `column - row == k` (numpy's `eye(n, m, k)`).
public struct Eye: Op {
    /// The element dtype (bool gives `true` on the diagonal).
    public let dtype: DType

    /// An `Eye` producing `dtype` values.
    public init(dtype: DType = .float64) { self.dtype = dtype }

    public var description: String { "Eye{dtype='\(dtype)'}" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let tensors = inputs.map(asTensor)
        return Apply(op: self, inputs: tensors, outputTypes: try outputTypes(for: tensors))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let context = { "input types: \(describeTypes(inputs))" }  // formatted only for an error
        guard inputs.count == 3 else {
            throw CotangentError(.invalidGraph, "\(self): expects 3 inputs (n, m, k), got \(inputs.count); \(context())")
        }
        for (name, input) in zip(["n", "m", "k"], inputs) where input.ndim != 0 || !input.dtype.isInteger {
            throw CotangentError(.invalidGraph, 
                "\(self): \(name) must be an integer 0-d tensor, got \(input.type); \(context())")
        }
        let shape = try inputs.prefix(2).map { length -> Int? in
            guard let known = StaticFolding.integer(length) else { return nil }
            guard known >= 0 else {
                throw CotangentError(.invalidGraph,
                    "\(self): negative length \(known): negative dimensions are not allowed; \(context())")
            }
            return Int(known)
        }
        return [TensorType(dtype: dtype, shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let (n, m, k) = (inputs[0].item(Int64.self), inputs[1].item(Int64.self), inputs[2].item(Int64.self))
        let shape = try checkedAllocationShape(
            [n, m], dtype: dtype, op: self, context: "k = \(k), input types \(describeTypes(node.inputs))")
        let (rows, columns) = (shape[0], shape[1])
        let result = NDArray.zeros(shape, dtype: dtype)
        // Rows whose diagonal element lies inside the matrix: 0 <= row + k < columns. Comparing
        // before adding keeps huge offsets from overflowing.
        guard k < Int64(columns), k > -Int64(rows) else { return [result] }
        let offset = Int(k)
        let firstRow = max(0, -offset)
        let endRow = min(rows, columns - offset)
        struct Diagonal: DTypeVisitor {
            let result: NDArray
            let rows: Range<Int>
            let offset: Int
            let columns: Int
            func visit<T: ArrayElement>(_: T.Type) {
                let target = result.basePointer(as: T.self)
                let one = T(converting: Int64(1))
                for row in rows { target[row * columns + row + offset] = one }
            }
        }
        dtype.dispatch(Diagonal(result: result, rows: firstRow..<endRow, offset: offset, columns: columns))
        return [result]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [node.inputs.prefix(2).map(asShapeScalar)]
    }
}

/// An `n`×`m` matrix with ones on diagonal `k` (PyTensor's `eye`); `m` defaults to `n`.
///
/// ```swift
/// let identity = eye(x.length(ofDimension: 0))   // Eye{dtype='float64'}(n, n, 0)
/// ```
/// Without `dtype` it has the scope's default float dtype (see `withDefaultFloat(_:_:)`).
public func eye(_ n: Variable, _ m: Variable? = nil, k: Variable = 0, dtype: DType? = nil) -> Variable {
    build(Eye(dtype: dtype ?? defaultFloatDType), n, m ?? n, k)
}

/// An `n`×`m` matrix with ones on diagonal `k`, of known size.
public func eye(_ n: Int, _ m: Int? = nil, k: Int = 0, dtype: DType? = nil) -> Variable {
    let lengths = lengthConstants([n, m ?? n, k])
    return eye(lengths[0], lengths[1], k: lengths[2], dtype: dtype)
}

// MARK: - Derivatives

extension Eye {
    /// The values are 0 and 1 whatever the (integer) inputs: nothing is connected.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false], [false], [false]] }

    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        [.disconnected, .disconnected, .disconnected]
    }
}

// MARK: - StableHLO

extension Eye {
    /// Ones where the column minus the row is the diagonal offset (known at export): two iotas
    /// and a compare.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let offset = try context.staticIntegers(node.inputs[2], for: "Eye's diagonal offset")[0]
        let rows = b.iota(.int64, shape: type.shape, dimension: 0)
        let columns = b.iota(.int64, shape: type.shape, dimension: 1)
        let diagonal = b.compare("EQ", b.subtract(columns, rows), b.constant(Double(offset), .int64, shape: type.shape))
        return [b.convert(diagonal, to: type.dtype)]
    }
}
