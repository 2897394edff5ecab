import CotangentArrays
import CotangentGraph

// Determinants: Det and SLogDet, core ops on one square matrix (LU with partial pivoting),
// batched by Blockwise.

/// The determinant of a square matrix: PyTensor's `Det`, `(m,m)->()`.
public struct Det: Op {
    /// The op (it has no properties).
    public init() {}

    public var description: String { "Det" }

    /// `(m,m)->()`.
    public var gufuncSignature: String? { "(m,m)->()" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkSquareInput(self, inputs)
        return [TensorType(dtype: linalgDType(inputs[0].dtype), shape: [])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireSquare(self, inputs[0])
        return node.outputTypes[0].dtype == .float32 ? [run(inputs[0], Float.self)] : [run(inputs[0], Double.self)]
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) -> NDArray {
        var a = input.linalgElements(T.self)
        let n = input.shape[0]
        let value = n == 0 ? T(1) : a.withUnsafeMutableBufferPointer { Linalg.determinant($0.baseAddress!, order: n) }
        return NDArray(scalar: value)
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[]] }

    /// Jacobi's formula: `Ā = ḡ det(A) A⁻ᵀ` (undefined values for a singular `A`, as PyTensor's).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        return [.value((g * node.outputs[0]) * inv(node.inputs[0]).T)]
    }

    /// `d det = det(A) tr(A⁻¹ dA)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil] }
        return [node.outputs[0] * (inv(node.inputs[0]).T * da).sum()]
    }
}

/// The sign and the log of the absolute value of the determinant: numpy's `slogdet`, printed
/// `SLogDet`, `(m,m)->(),()`. A singular matrix gives sign 0 and log −inf, as numpy's.
public struct SLogDet: Op {
    /// The op (it has no properties).
    public init() {}

    public var description: String { "SLogDet" }

    /// `(m,m)->(),()`.
    public var gufuncSignature: String? { "(m,m)->(),()" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkSquareInput(self, inputs)
        let type = TensorType(dtype: linalgDType(inputs[0].dtype), shape: [])
        return [type, type]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireSquare(self, inputs[0])
        return node.outputTypes[0].dtype == .float32 ? run(inputs[0], Float.self) : run(inputs[0], Double.self)
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) -> [NDArray] {
        var a = input.linalgElements(T.self)
        let n = input.shape[0]
        guard n > 0 else { return [NDArray(scalar: T(1)), NDArray(scalar: T.zero)] }
        let (sign, logAbs) = a.withUnsafeMutableBufferPointer { Linalg.logAbsDeterminant($0.baseAddress!, order: n) }
        return [NDArray(scalar: sign), NDArray(scalar: logAbs)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[], []] }

    /// The sign is piecewise constant: only the log depends (differentiably) on `A`.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false, true]] }

    /// `Ā = ḡ A⁻ᵀ` from the log's cotangent.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[1] else { return [.disconnected] }
        return [.value(g * inv(node.inputs[0]).T)]
    }

    /// `d log|det A| = tr(A⁻¹ dA)`; the sign has no tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil, nil] }
        return [nil, (inv(node.inputs[0]).T * da).sum()]
    }
}

// MARK: - User API

/// The determinant of a (stack of) square matrix, numpy's `det`.
public func det(_ a: Variable) -> Variable {
    blockwise(Det(), signature: "(m,m)->()", [a])
}

/// The sign and the natural log of the absolute determinant of a (stack of) square matrix,
/// numpy's `slogdet`: `det = sign · exp(logAbsDet)`, without overflow. Differentiate
/// `logAbsDet` (the log-density of a multivariate normal uses it).
public func slogdet(_ a: Variable) -> (sign: Variable, logAbsDet: Variable) {
    let outputs = blockwiseOutputs(SLogDet(), signature: "(m,m)->(),()", [a])
    return (outputs[0], outputs[1])
}

// MARK: - StableHLO

extension Det: BatchedStableHLOLowering {
    /// The portable LU (``StableHLOBuilder/luDecomposition(_:)``): the product of `U`'s
    /// diagonal times the permutation's parity. Any batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let (lu, _, sign) = b.luDecomposition(a)
        let product = b.reduce(
            b.diagonal(lu), initial: b.constant(1, a.dtype), dimensions: [batchRank], combiner: "stablehlo.multiply")
        return [b.multiply(sign, product)]
    }
}

extension SLogDet: BatchedStableHLOLowering {
    /// The portable LU: the sign is the parity times the signs of `U`'s diagonal, the log the
    /// sum of the logs of its magnitudes (a zero pivot gives sign 0 and −inf, as numpy). Any
    /// batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let (lu, _, parity) = b.luDecomposition(a)
        let diagonal = b.diagonal(lu)
        let signs = b.reduce(
            b.unary("stablehlo.sign", diagonal), initial: b.constant(1, a.dtype), dimensions: [batchRank],
            combiner: "stablehlo.multiply")
        let logAbs = b.reduce(
            b.unary("stablehlo.log", b.unary("stablehlo.abs", diagonal)), initial: b.constant(0, a.dtype),
            dimensions: [batchRank], combiner: "stablehlo.add")
        return [b.multiply(parity, signs), logAbs]
    }
}
