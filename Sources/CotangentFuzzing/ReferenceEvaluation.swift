import Cotangent

/// SplitMix64 as a stateful generator: a fuzz case depends on its seed alone.
struct FuzzRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ options: [T]) -> T { options[int(0...(options.count - 1))] }
}

/// The op-by-op reference: each node's own kernel (`perform`) in graph order, with no
/// rewriting, no scheduling, no buffer reuse and no in-place execution.
public struct ReferenceEvaluator {
    /// Values computed so far, by variable.
    public private(set) var values: [Variable: NDArray]

    /// An evaluator whose graph inputs take the values of `feed`.
    public init(feed: [Variable: NDArray]) { values = feed }

    /// Gives `variable` (a graph input) `value`.
    public mutating func setValue(_ value: NDArray, of variable: Variable) { values[variable] = value }

    /// The value of `variable`, computing whatever it needs that is not known yet.
    ///
    /// - Throws: the first kernel's error, or ``CotangentError`` for an input without a value.
    public mutating func value(of variable: Variable) throws -> NDArray {
        if let known = values[variable] { return known }
        for node in GraphTraversal.toposort([variable]) {
            let outputs = node.outputs
            if outputs.allSatisfy({ values[$0] != nil }) { continue }
            let arguments = try node.inputs.map { input -> NDArray in
                if let known = values[input] { return known }
                if let constant = input.constantValue { return constant }
                throw CotangentError(.missingInput, "reference: no value for input \(input)")
            }
            let results = try node.op.perform(arguments, node: node)
            for (output, result) in zip(outputs, results) { values[output] = result }
        }
        if let constant = variable.constantValue { return constant }
        guard let result = values[variable] else {
            throw CotangentError(.missingInput, "reference: no value for input \(variable)")
        }
        return result
    }
}
