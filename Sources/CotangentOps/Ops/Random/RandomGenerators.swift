import CotangentArrays
import CotangentGraph

// Random generators in graphs: the shared generator users draw from, the ops that move a
// generator on (a compiled function's default update, a loop's step) and split it.

extension Variable {
    /// A shared random generator seeded by `seed` (PyTensor's `shared(np.random.default_rng(seed))`,
    /// JAX's `random.key(seed)`): draws built on it are reproducible from the seed, and each
    /// compiled function that reads it moves it on after every call (its default update), so the
    /// next call draws new numbers.
    ///
    /// ```swift
    /// let rng = Tensor.randomGenerator(seed: 42)
    /// let z = normal(mean: 0, std: 1, shape: [3], rng: rng)
    /// let draw = try function(inputs: [], outputs: [z])   // each call draws anew
    /// ```
    ///
    /// The generator is Philox4x32-10 (counter-based): a draw is a pure function of the seed,
    /// the number of calls so far, and the draw's position among the draws built on this
    /// generator, whatever the thread count.
    public static func randomGenerator(seed: Int, name: String? = nil) -> Variable {
        shared(GeneratorValue(seed: UInt64(bitPattern: Int64(seed))).array, type: .randomGenerator, name: name)
    }

    /// A random generator input (a key passed at each call, JAX-style): its value is an int64
    /// array of shape [2], such as ``CotangentArrays/NDArray/randomKey(seed:)`` gives.
    public static func randomGeneratorInput(_ name: String? = nil) -> Variable {
        Variable(type: .randomGenerator, name: name)
    }

    /// `count` independent generators derived from this one (JAX's `random.split`): draws
    /// from different children never overlap, nor do they overlap draws from this generator.
    public func split(_ count: Int) -> [Variable] {
        let children = buildOutputs(RandomGeneratorSplit(count: count), [self], outputCount: Swift.max(0, count))
        LoopDrawRecorder.record(children.first?.owner, input: 0)
        return children
    }

    /// The stream number the next draw built on this generator gets: the shared storage's
    /// count for a shared generator; 0 for any other (like a JAX key, the same generator
    /// gives the same numbers to two draws of one distribution and shape).
    package func nextDrawStream() -> UInt64 {
        sharedStorage?.nextDrawStream() ?? 0
    }
}

extension NDArray {
    /// The value of a random generator seeded by `seed`, for a generator input.
    public static func randomKey(seed: Int) -> NDArray {
        GeneratorValue(seed: UInt64(bitPattern: Int64(seed))).array
    }
}

extension TensorType {
    /// Whether values of this type can be random generators: the generator type, or an int64
    /// vector of length 2 or unknown length (a generator read back from a loop's stored
    /// history, which stacking made a plain tensor).
    package var canHoldRandomGenerator: Bool {
        isRandomGenerator || (dtype == .int64 && !isScalarKind && shape.count == 1 && (shape[0] ?? 2) == 2)
    }
}

/// Checks that input 0 is a generator.
private func checkGenerator(_ op: some Op, _ inputs: [Variable]) throws {
    guard inputs.count == 1, inputs[0].type.canHoldRandomGenerator else {
        throw CotangentError(.invalidGraph, "\(op): expects one random generator, got \(describeTypes(inputs))")
    }
}

/// Reads a generator's value at run time.
private func generatorValue(_ op: some Op, _ array: NDArray) throws -> GeneratorValue {
    guard let value = GeneratorValue(array) else {
        throw CotangentError(.inputMismatch,
            "\(op): the generator must be an int64 array of shape (2,), got dtype \(array.dtype) and shape \(formatShape(array.shape))")
    }
    return value
}

/// Moves a generator on: to its next call (a compiled function's default update) or to a
/// loop's next step (a new key). Not differentiable: generators carry no gradient.
public struct RandomGeneratorAdvance: Op {
    /// What the generator moves on to.
    public enum Step: Hashable, Sendable {
        /// The next call of a compiled function: the same key, the call number plus one.
        case call
        /// The next iteration of a loop nested `depth` loops deep (0: outermost): a key derived
        /// from this one, differently at each depth.
        case loopStep(depth: Int)
    }
    /// What the generator moves on to.
    public let step: Step

    /// The op.
    public init(_ step: Step) { self.step = step }

    /// `RandomGeneratorAdvance{call}`, `RandomGeneratorAdvance{loopStep, depth=0}`.
    public var description: String {
        switch step {
        case .call: "RandomGeneratorAdvance{call}"
        case .loopStep(let depth): "RandomGeneratorAdvance{loopStep, depth=\(depth)}"
        }
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkGenerator(self, inputs)
        return [.randomGenerator]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let value = try generatorValue(self, inputs[0])
        switch step {
        case .call: return [value.nextCall.array]
        case .loopStep(let depth): return [value.nextStep(depth: depth).array]
        }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[shapeConstant(2)]] }

    /// Not differentiable: generators carry no gradient.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }
    /// Not differentiable: generators carry no gradient.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
    /// Not differentiable: generators carry no gradient.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { [nil] }
    /// A generator is never batched (a batch of generators is not a generator).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        batchedInputs[0].ndim == 1 ? [build(self, batchedInputs)] : nil
    }
}

/// Splits a generator into `count` independent ones (JAX's `random.split`). Not
/// differentiable: generators carry no gradient.
public struct RandomGeneratorSplit: Op {
    /// How many generators.
    public let count: Int

    /// The op; build with ``CotangentGraph/Variable/split(_:)``.
    public init(count: Int) { self.count = count }

    /// `RandomGeneratorSplit{count}`.
    public var description: String { "RandomGeneratorSplit{\(count)}" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkGenerator(self, inputs)
        guard count >= 0 else {
            throw CotangentError(.invalidGraph, "\(self): the number of generators must be ≥ 0, got \(count)")
        }
        return Array(repeating: .randomGenerator, count: count)
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try generatorValue(self, inputs[0]).split(into: count).map(\.array)
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        Array(repeating: [shapeConstant(2)], count: count)
    }

    /// Not differentiable: generators carry no gradient.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [Array(repeating: false, count: count)] }
    /// Not differentiable: generators carry no gradient.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
    /// Not differentiable: generators carry no gradient.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { Array(repeating: nil, count: count) }
    /// A generator is never batched (a batch of generators is not a generator).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        batchedInputs[0].ndim == 1 ? buildOutputs(self, batchedInputs, outputCount: count) : nil
    }
}
