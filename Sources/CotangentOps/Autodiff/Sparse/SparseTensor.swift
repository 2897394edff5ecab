import CotangentArrays
import CotangentGraph

/// A sparse matrix in coordinate (COO) form whose pattern is fixed when the graph is built and
/// whose values are a graph output: what ``sparseJacobian(_:wrt:mode:order:)`` and
/// ``sparseHessian(_:wrt:order:)`` return.
///
/// `rows`/`columns` index the flattened output and input (`f.size × wrt.size`), sorted
/// row-major, so `values` is also in CSR order (``rowOffsets``, ``columns``). Compile
/// `values` with `function(inputs:outputs:)` once and call it many times; expand a call's
/// values with ``toDense(_:)``, or build the dense Jacobian in the graph with ``toDense()``
/// (shaped `f.shape + wrt.shape`, like `jacobian(_:wrt:vectorize:consideringConstant:disconnected:)`).
public struct SparseTensor: CustomStringConvertible {
    /// The structural nonzeros (and the ops that fell back to dense, if any).
    public let pattern: SparsityPattern
    /// The nonzeros' values, a 1-d graph value of `pattern.nonzeroCount` elements, in the
    /// pattern's order, with the output's dtype.
    public let values: Variable
    /// The dense shape: `f.shape + wrt.shape` (a Hessian: `wrt.shape + wrt.shape`).
    public let denseShape: [Int]
    /// How many pushforwards (forward mode) or pullbacks (reverse mode) compute the values:
    /// the colours of the colouring used.
    public let colorCount: Int
    /// The colour of each column (forward mode, a Hessian) or row (reverse mode).
    public let colors: [Int]
    /// Which products compute the values.
    public let mode: SparseDifferentiationMode

    package init(
        pattern: SparsityPattern, values: Variable, denseShape: [Int], colors: [Int], mode: SparseDifferentiationMode
    ) {
        self.pattern = pattern
        self.values = values
        self.denseShape = denseShape
        self.colors = colors
        self.colorCount = (colors.max() ?? -1) + 1
        self.mode = mode
    }

    /// A tensor with no computed values: a reported error's placeholder, or a function that
    /// does not depend on its input. `dtype` is the values' dtype when it is a float.
    package init(empty pattern: SparsityPattern, denseShape: [Int], dtype: DType, mode: SparseDifferentiationMode) {
        let values = NDArray(shape: [0], elements: [Double]()).converted(to: dtype.isFloat ? dtype : .float64)
        self.init(pattern: pattern, values: Variable(constant: values), denseShape: denseShape, colors: [], mode: mode)
    }

    /// The row of each nonzero in the flattened matrix.
    public var rows: [Int] { pattern.rows }
    /// The column of each nonzero in the flattened matrix.
    public var columns: [Int] { pattern.columns }
    /// CSR row offsets for `columns` and `values`.
    public var rowOffsets: [Int] { pattern.rowOffsets }
    /// `[f.size, wrt.size]`.
    public var shape: [Int] { pattern.shape }

    /// The dense matrix as a graph value, shaped ``denseShape``: zeros with the values
    /// scattered into their positions.
    public func toDense() -> Variable {
        let size = shape[0] * shape[1]
        let positions = NDArray(shape: [pattern.nonzeroCount], elements: zip(rows, columns).map { Int64($0 * shape[1] + $1) })
        let flat = zeros(shape: [size], dtype: values.dtype).setting(at: Variable(constant: positions), to: values)
        return flat.reshaped(to: denseShape)
    }

    /// The dense matrix of computed `values` (one call's output), shaped ``denseShape``.
    public func toDense(_ values: NDArray) -> NDArray {
        let computed = values.converted(to: .float64).asArray(Double.self)
        var dense = [Double](repeating: 0, count: shape[0] * shape[1])
        for (k, (r, c)) in zip(rows, columns).enumerated() { dense[r * shape[1] + c] = computed[k] }
        return NDArray(shape: denseShape, elements: dense).converted(to: values.dtype)
    }

    /// `SparseTensor(6×6, 16 nonzeros, 3 colours, forward)`.
    public var description: String {
        "SparseTensor(\(shape[0])×\(shape[1]), \(pattern.nonzeroCount) nonzeros, \(colorCount) colours, \(mode))"
    }
}

/// Which products evaluate a compressed Jacobian.
public enum SparseDifferentiationMode: String, Hashable, Sendable {
    /// Whichever of column colouring (forward) and row colouring (reverse) needs fewer
    /// colours; forward on a tie.
    case automatic
    /// One pushforward per colour of columns: `J·S`.
    case forward
    /// One pullback per colour of rows: `Sᵀ·J`.
    case reverse
}
