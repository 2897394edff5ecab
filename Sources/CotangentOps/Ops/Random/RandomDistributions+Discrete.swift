import CotangentArrays
import CotangentGraph

// Integer-valued distributions (int64 draws). Not differentiable: integer output.

extension RandomDistribution {
    /// Uniform integers in [low, high) (high exclusive): Lemire's unbiased bounded draw.
    public static let integers: RandomDistribution = discrete("integers", ["low", "high"]) {
        UniformIntegers(low: $0.integer(0), high: $0.integer(1))
    }

    /// Bernoulli(p): 1 with probability p.
    public static let bernoulli: RandomDistribution = discrete("bernoulli", ["p"]) { Bernoulli(probability: $0.real(0)) }

    /// Binomial(n, p): BTPE (Kachitvichyanukul and Schmeiser) when n·min(p, 1 − p) ≥ 30, else inversion.
    public static let binomial: RandomDistribution = discrete("binomial", ["n", "p"]) {
        Binomial(trials: $0.integer(0), probability: $0.real(1))
    }

    /// Poisson(rate): PTRS (Hörmann's transformed rejection) for rates ≥ 10, else multiplication of uniforms.
    public static let poisson: RandomDistribution = discrete("poisson", ["lam"]) { Poisson(rate: $0.real(0)) }

    /// Geometric(p): the number of trials up to the first success (≥ 1), by inversion.
    public static let geometric: RandomDistribution = discrete("geometric", ["p"]) { Geometric(probability: $0.real(0)) }

    /// Negative binomial(n, p): failures before the n-th success, as a Poisson of a gamma.
    public static let negativeBinomial: RandomDistribution = discrete("negative_binomial", ["n", "p"]) {
        NegativeBinomial(successes: $0.real(0), probability: $0.real(1))
    }

    /// A discrete distribution with scalar parameters.
    private static func discrete<S: ElementwiseSampler>(
        _ name: String, _ parameters: [String], _ sampler: @escaping @Sendable (RandomDraw) -> S
    ) -> RandomDistribution where S.Sample == Int64 {
        RandomDistribution(
            name, parameters: parameters,
            signature: parameters.map { _ in "()" }.joined(separator: ",") + "->()", discrete: true,
            kernel: { try $0.discrete(sampler($0)) },
            derivative: .none("not differentiable: integer output"))
    }

    /// Categorical over the last dimension of p: inversion of the running sum.
    public static let categorical: RandomDistribution = RandomDistribution(
        "categorical", parameters: ["p"], coreRanks: [1], signature: "(p)->()", discrete: true,
        kernel: { try $0.discrete(Categorical(probabilities: $0.table(0))) },
        derivative: .none("not differentiable: integer output"))

    /// Multinomial(n, p): count vectors, as a chain of binomials over the categories.
    public static let multinomial: RandomDistribution = RandomDistribution(
        "multinomial", parameters: ["n", "p"], coreRanks: [0, 1], signature: "(),(p)->(p)", discrete: true,
        event: .lastDimension(ofParameter: 1),
        kernel: { d in
            let trials = d.integer(0)
            let table = d.table(1)
            if let failure = RandomState.multinomialFailure(count: d.count, trials: trials, probabilities: table) {
                throw d.invalid(failure)
            }
            let k = d.parameters[1].shape.last ?? 0
            let result = NDArray.uninitialized(dtype: .int64, shape: d.batchShape + [k])
            d.state.fillMultinomial(
                UnsafeMutableBufferPointer(start: result.basePointer(as: Int64.self), count: result.count),
                trials: trials, probabilities: table, threads: d.threads)
            return result
        },
        derivative: .none("not differentiable: integer output"))

    /// A random permutation of 0..<n per batch element: Fisher–Yates with Lemire's bounded draws.
    public static let permutation: RandomDistribution = RandomDistribution(
        "permutation", parameters: ["n"], signature: "()->(x)", discrete: true, event: .valueOf(parameter: 0),
        kernel: { d in
            let n = d.integer(0)
            let length = Int(n[0])
            guard n.values.allSatisfy({ $0 == n[0] }), length >= 0 else {
                throw d.invalid("n must be one integer ≥ 0 for every batch element, got \(n.values.prefix(4))")
            }
            var values: [Int64] = []
            values.reserveCapacity(d.count * length)
            for row in 0..<d.count {
                var order = (0..<Int64(length)).map { $0 }
                d.state.shuffle(&order, element: row)
                values += order
            }
            return NDArray(shape: d.batchShape + [length], elements: values)
        },
        derivative: .none("not differentiable: integer output"))

    /// `k` distinct indices of a population of `n` per batch element: a partial Fisher–Yates
    /// shuffle.
    public static let choiceWithoutReplacement: RandomDistribution = RandomDistribution(
        "choice_without_replacement", parameters: ["n", "k"], signature: "(),()->(k)", discrete: true,
        event: .valueOf(parameter: 1),
        kernel: { try choiceRows($0, probabilities: nil) },
        derivative: .none("not differentiable: integer output"))

    /// `k` distinct indices drawn with probabilities p (its length is the population):
    /// Efraimidis–Spirakis keys log(u)/p, the k largest.
    public static let weightedChoiceWithoutReplacement: RandomDistribution = RandomDistribution(
        "choice_without_replacement", parameters: ["k", "p"], coreRanks: [0, 1], signature: "(),(p)->(k)",
        discrete: true, event: .valueOf(parameter: 0),
        kernel: { d in try choiceRows(d, probabilities: d.parameters[1]) },
        derivative: .none("not differentiable: integer output"))
}

/// One choice without replacement per batch element, each reading its own block of elements.
private func choiceRows(_ d: RandomDraw, probabilities: NDArray?) throws -> NDArray {
    let k = Int(d.integer(probabilities == nil ? 1 : 0)[0])
    let population = probabilities?.shape.last ?? Int(d.integer(0)[0])
    let rows = probabilities.map { $0.asArray(Double.self) }
    var values: [Int64] = []
    values.reserveCapacity(max(0, d.count * k))
    for row in 0..<d.count {
        let p = rows.map { Array($0[(row * population)..<((row + 1) * population)]) }
        if let failure = RandomState.choiceFailure(population: population, size: k, replace: false, probabilities: p) {
            throw d.invalid(failure)
        }
        values += d.state.advanced(by: row * max(1, population)).choice(
            population: population, size: k, replace: false, probabilities: p)
    }
    return NDArray(shape: d.batchShape + [k], elements: values)
}
