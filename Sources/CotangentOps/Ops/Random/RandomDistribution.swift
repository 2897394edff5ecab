import CotangentArrays
import CotangentGraph

// What a random-variable op needs to know about the distribution it draws from, as one value
// per distribution: its printed name and gufunc signature, its parameters, the dtype and event
// shape of a draw, the sampling kernel, and its pathwise derivative (or why it has none). The
// entries themselves live in `RandomDistributions+*.swift`, one table per family.

/// A distribution a ``RandomVariable`` draws from: one table entry holding everything about it.
///
/// Two distributions are equal when their names and signatures are (they identify the entry).
public struct RandomDistribution: Hashable, Sendable, CustomStringConvertible {
    /// PyTensor's name (`normal`, `gamma`, `multivariate_normal`); the op prints as
    /// `normal_rv{"(),()->()"}`.
    public let name: String
    /// The parameters' labels, in input order (for error messages).
    public let parameterNames: [String]
    /// The rank of each parameter's core (0 for a scalar parameter, 1 for a probability vector).
    package let coreRanks: [Int]
    /// PyTensor's gufunc signature, `(),()->()`.
    public let signature: String
    /// Whether a draw is integer-valued (int64) rather than real-valued.
    public let isDiscrete: Bool
    /// Where the event dimensions of a draw come from.
    package let event: Event
    /// The sampling kernel: the draw's array from broadcast parameters and a state.
    package let kernel: @Sendable (RandomDraw) throws -> NDArray
    /// The pathwise derivative, or why there is none.
    package let derivative: Derivative

    /// The event dimensions a draw appends to its batch shape.
    package enum Event: Sendable {
        /// None: one scalar per batch element.
        case scalar
        /// One dimension, the last dimension of parameter `k` (a Dirichlet's α).
        case lastDimension(ofParameter: Int)
        /// One dimension whose length is the value of the scalar parameter `k` (a permutation's n).
        case valueOf(parameter: Int)
    }

    /// The derivative of a draw with respect to its parameters.
    package enum Derivative: Sendable {
        /// A pathwise (reparameterised) rule: for each parameter, `.value(g · ∂x/∂θ)` shaped
        /// like the draw's batch shape followed by the parameter's core, which the op sums down
        /// to the parameter's shape (or `.undefined(reason)` for a parameter without one).
        case pathwise(@Sendable (PathwiseInputs) -> [InputGradient])
        /// No pathwise gradient: the reason, reported as an undefined gradient.
        case none(String)
    }

    package init(
        _ name: String, parameters: [String], coreRanks: [Int]? = nil, signature: String,
        discrete: Bool = false, event: Event = .scalar,
        kernel: @escaping @Sendable (RandomDraw) throws -> NDArray, derivative: Derivative
    ) {
        self.name = name
        self.parameterNames = parameters
        self.coreRanks = coreRanks ?? parameters.map { _ in 0 }
        self.signature = signature
        self.isDiscrete = discrete
        self.event = event
        self.kernel = kernel
        self.derivative = derivative
    }

    /// The number of event dimensions a draw has.
    package var eventRank: Int {
        if case .scalar = event { return 0 }
        return 1
    }

    public var description: String { name }
    /// Equal names and signatures (the two choices without replacement share a name).
    public static func == (lhs: RandomDistribution, rhs: RandomDistribution) -> Bool {
        lhs.name == rhs.name && lhs.signature == rhs.signature
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// What a pathwise rule reads: the node, its draw, the draw's cotangent and the parameters.
package struct PathwiseInputs {
    /// The random-variable node.
    package let node: Apply
    /// Its draw.
    package let value: Variable
    /// The cotangent of the draw.
    package let cotangent: Variable
    /// The parameters (the node's inputs after the generator and the size).
    package let parameters: [Variable]

    /// A draw of another distribution (its standard form, say) from the same generator, with
    /// the same stream and this draw's shape: the noise this draw was made from, when that
    /// distribution reads its element streams the same way.
    package func sibling(_ distribution: RandomDistribution, _ parameters: [Variable]) -> Variable {
        let op = node.castOp(to: RandomVariable.self)!
        let sibling = RandomVariable(distribution, dtype: value.dtype, stream: op.stream, hasSize: true)
        let draw = build(sibling, [node.inputs[0], value.shape] + parameters)
        // Inside a loop body, the sibling must read the step's generator as the draw does.
        LoopDrawRecorder.record(draw.owner, input: 0)
        return draw
    }

    /// A draw of `distribution` independent of this one (a stream no draw built by users
    /// reaches), with the batch shape of this draw: auxiliary randomness of a pathwise rule.
    package func independent(_ distribution: RandomDistribution, _ parameters: [Variable]) -> Variable {
        let op = node.castOp(to: RandomVariable.self)!
        let batch = Array(value.symbolicShape.prefix(value.ndim - (op.distribution.eventRank)))
        let auxiliary = RandomVariable(distribution, dtype: value.dtype, stream: op.stream | (1 << 63), hasSize: true)
        let draw = build(auxiliary, [node.inputs[0], makeVector(batch, dtype: .int64)] + parameters)
        LoopDrawRecorder.record(draw.owner, input: 0)
        return draw
    }
}

/// One draw's inputs, as the kernel receives them.
package struct RandomDraw {
    /// The op (for error messages).
    package let op: RandomVariable
    /// The state the draw's elements read from.
    package let state: RandomState
    /// The batch shape (the size, or the parameters' broadcast batch shape).
    package let batchShape: [Int]
    /// The parameters broadcast to the batch shape followed by their cores (views).
    package let parameters: [NDArray]
    /// The draw's dtype.
    package let dtype: DType
    /// How many threads the kernel may use.
    package let threads: Int

    /// The number of batch elements.
    package var count: Int { batchShape.reduce(1, *) }

    /// Parameter `k` as one real value per batch element (a single value when it is one).
    package func real(_ k: Int) -> RealParameter {
        let p = parameters[k]
        if p.count == 1 || p.strides.allSatisfy({ $0 == 0 }) { return RealParameter(p.count == 0 ? 0 : firstValue(p, Double.self)) }
        return RealParameter(p.asArray(Double.self))
    }

    /// Parameter `k` as one integer per batch element (a single value when it is one).
    package func integer(_ k: Int) -> IntegerParameter {
        let p = parameters[k]
        if p.count == 1 || p.strides.allSatisfy({ $0 == 0 }) { return IntegerParameter(p.count == 0 ? 0 : firstValue(p, Int64.self)) }
        return IntegerParameter(p.asArray(Int64.self))
    }

    /// Parameter `k` (a vector core) as rows of a table, one row per batch element.
    package func table(_ k: Int) -> CategoryTable {
        let p = parameters[k]
        return CategoryTable(p.asArray(Double.self), categories: p.shape.last ?? 0)
    }

    private func firstValue<T: ArrayElement>(_ p: NDArray, _: T.Type) -> T {
        NDArray(dtype: p.dtype, shape: [], strides: [], offset: p.offset, storage: p.storage).item(T.self)
    }

    /// The error for invalid parameters (a message from a sampler's validation).
    package func invalid(_ message: String) -> CotangentError {
        CotangentError(.invalidValue, "\(op): \(message)")
    }

    /// Throws the validation failure of `sampler` for this draw, if any.
    package func validate<S: ElementwiseSampler>(_ sampler: S) throws {
        if let failure = sampler.validationFailure(count: count) { throw invalid(failure) }
    }

    /// A draw of `sampler` (real-valued) in the op's float dtype, of the batch shape.
    package func continuous<S: ContinuousSampler>(_ sampler: S) throws -> NDArray {
        try validate(sampler)
        let result = NDArray.uninitialized(dtype: dtype, shape: batchShape)
        let n = result.count
        if dtype == .float32 {
            state.fill(UnsafeMutableBufferPointer(start: result.basePointer(as: Float.self), count: n), with: sampler, threads: threads)
        } else {
            state.fill(UnsafeMutableBufferPointer(start: result.basePointer(as: Double.self), count: n), with: sampler, threads: threads)
        }
        return result
    }

    /// A draw of `sampler` (integer-valued, int64), of the batch shape.
    package func discrete<S: ElementwiseSampler>(_ sampler: S) throws -> NDArray where S.Sample == Int64 {
        try validate(sampler)
        let result = NDArray.uninitialized(dtype: .int64, shape: batchShape)
        state.fill(UnsafeMutableBufferPointer(start: result.basePointer(as: Int64.self), count: result.count), with: sampler, threads: threads)
        return result
    }
}
