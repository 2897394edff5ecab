import CotangentArrays
import CotangentGraph

// The distribution functions users call. Parameters are tensors or numbers and broadcast;
// `shape` is the batch shape (numpy's `size`; the event dimension follows for Dirichlet,
// multinomial and the multivariate normal), nil for the parameters' broadcast shape. Real draws
// take `dtype`, or float32 when the parameters are float32 tensors, else the default float.

/// Builds one draw of `distribution` on `rng` (the next stream of a shared generator).
package func randomDraw(
    _ distribution: RandomDistribution, _ parameters: [Variable], shape: [Int]?, rng: Variable, dtype: DType?
) -> Variable {
    let resolved = distribution.isDiscrete ? DType.int64 : (dtype ?? realDrawDType(parameters))
    let op = RandomVariable(distribution, dtype: resolved, stream: rng.nextDrawStream(), hasSize: shape != nil)
    let size = shape.map { [Variable(constant: NDArray(shape: [$0.count], elements: $0.map(Int64.init)))] } ?? []
    let draw = build(op, [rng] + size + parameters)
    LoopDrawRecorder.record(draw.owner, input: 0)
    return draw
}

/// float32 when every float parameter that is a tensor (not a number) is float32, else the
/// default float.
private func realDrawDType(_ parameters: [Variable]) -> DType {
    let floats = parameters.filter { !$0.isWeaklyTyped && $0.dtype.isFloat }.map(\.dtype)
    if !floats.isEmpty, floats.allSatisfy({ $0 == .float32 }) { return .float32 }
    return defaultFloatDType
}

// MARK: Real-valued

/// Uniform draws on [low, high) (PyTensor's `uniform`).
public func uniform(low: Variable = 0, high: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.uniform, [low, high], shape: shape, rng: rng, dtype: dtype)
}

/// Normal draws with mean `mean` and standard deviation `std` (PyTensor's `normal`).
public func normal(mean: Variable = 0, std: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.normal, [mean, std], shape: shape, rng: rng, dtype: dtype)
}

/// Standard normal draws (PyTensor's `standard_normal`: `normal(0, 1)`).
public func standardNormal(shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.normal, [0.0, 1.0], shape: shape, rng: rng, dtype: dtype)
}

/// Normal draws truncated to [lower, upper] (either may be infinite; scipy's `truncnorm` with
/// bounds in the draw's units).
public func truncatedNormal(
    mean: Variable = 0, std: Variable = 1, lower: Variable, upper: Variable, shape: [Int]? = nil, rng: Variable,
    dtype: DType? = nil
) -> Variable {
    randomDraw(.truncatedNormal, [mean, std, lower, upper], shape: shape, rng: rng, dtype: dtype)
}

/// Log-normal draws: `exp(normal(mean, sigma))`.
public func lognormal(mean: Variable = 0, sigma: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.lognormal, [mean, sigma], shape: shape, rng: rng, dtype: dtype)
}

/// Exponential draws with mean `scale` (numpy's scale = 1/rate).
public func exponential(scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.exponential, [scale], shape: shape, rng: rng, dtype: dtype)
}

/// Gamma draws with shape `alpha` and rate `beta` (mean α/β; numpy's `scale` is 1/β).
public func gamma(alpha: Variable, beta: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.gamma, [alpha, beta], shape: shape, rng: rng, dtype: dtype)
}

/// Beta draws with shapes `alpha` and `beta`.
public func beta(alpha: Variable, beta: Variable, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.beta, [alpha, beta], shape: shape, rng: rng, dtype: dtype)
}

/// Chi-square draws with `df` degrees of freedom.
public func chiSquare(df: Variable, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.chiSquare, [df], shape: shape, rng: rng, dtype: dtype)
}

/// Student's t draws with `df` degrees of freedom, location and scale (PyTensor's `t`).
public func studentT(df: Variable, loc: Variable = 0, scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.studentT, [df, loc, scale], shape: shape, rng: rng, dtype: dtype)
}

/// Cauchy draws with location `loc` (the median) and scale.
public func cauchy(loc: Variable = 0, scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.cauchy, [loc, scale], shape: shape, rng: rng, dtype: dtype)
}

/// Laplace (double exponential) draws with location and scale.
public func laplace(loc: Variable = 0, scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.laplace, [loc, scale], shape: shape, rng: rng, dtype: dtype)
}

/// Logistic draws with location and scale.
public func logistic(loc: Variable = 0, scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.logistic, [loc, scale], shape: shape, rng: rng, dtype: dtype)
}

/// Weibull draws with shape `k` and scale (numpy's `weibull(a)` is scale 1).
public func weibull(k: Variable, scale: Variable = 1, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.weibull, [k, scale], shape: shape, rng: rng, dtype: dtype)
}

/// von Mises draws on (−π, π] with mode `mu` and concentration `kappa`.
public func vonMises(mu: Variable, kappa: Variable, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.vonMises, [mu, kappa], shape: shape, rng: rng, dtype: dtype)
}

/// Dirichlet draws over the last dimension of `alpha` (the event dimension follows `shape`).
public func dirichlet(alpha: Variable, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.dirichlet, [alpha], shape: shape, rng: rng, dtype: dtype)
}

/// Multivariate normal draws (via the Cholesky factor of `cov`; the event dimension follows `shape`).
public func multivariateNormal(mean: Variable, cov: Variable, shape: [Int]? = nil, rng: Variable, dtype: DType? = nil) -> Variable {
    randomDraw(.multivariateNormal, [mean, cov], shape: shape, rng: rng, dtype: dtype)
}

// MARK: Integer-valued

/// Uniform integers in [low, high) (high exclusive, numpy's `Generator.integers`).
public func integers(low: Variable = 0, high: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.integers, [low, high], shape: shape, rng: rng, dtype: nil)
}

/// Bernoulli draws: 1 with probability `p`, else 0 (int64).
public func bernoulli(p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.bernoulli, [p], shape: shape, rng: rng, dtype: nil)
}

/// Binomial draws: successes in `n` trials of probability `p`.
public func binomial(n: Variable, p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.binomial, [n, p], shape: shape, rng: rng, dtype: nil)
}

/// Poisson draws with mean `rate` (PyTensor's `lam`).
public func poisson(rate: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.poisson, [rate], shape: shape, rng: rng, dtype: nil)
}

/// Geometric draws: trials up to and including the first success (≥ 1), as numpy's.
public func geometric(p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.geometric, [p], shape: shape, rng: rng, dtype: nil)
}

/// Negative binomial draws: failures before the `n`-th success with success probability `p`.
public func negativeBinomial(n: Variable, p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.negativeBinomial, [n, p], shape: shape, rng: rng, dtype: nil)
}

/// Categorical draws: index j with probability `p[..., j]`.
public func categorical(p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.categorical, [p], shape: shape, rng: rng, dtype: nil)
}

/// Multinomial count vectors: `n` trials over the categories of `p` (the event dimension
/// follows `shape`).
public func multinomial(n: Variable, p: Variable, shape: [Int]? = nil, rng: Variable) -> Variable {
    randomDraw(.multinomial, [n, p], shape: shape, rng: rng, dtype: nil)
}

// MARK: Orders and subsets

/// A random permutation of 0..<n (int64; numpy's `permutation(n)`).
public func permutation(_ n: Int, rng: Variable) -> Variable {
    randomDraw(.permutation, [Variable(constant: NDArray(scalar: Int64(n)))], shape: nil, rng: rng, dtype: nil)
}

/// `x` with its first dimension in random order (numpy's `permutation(x)`; `shuffle` without
/// the mutation). Differentiable in `x`: the gradient flows back through the order.
public func permutation(_ x: Variable, rng: Variable) -> Variable {
    guard x.ndim >= 1 else {
        reportBuildError(CotangentError(.invalidGraph, "permutation: expects a tensor of rank ≥ 1, got \(x.type)"))
        return placeholderVariable()
    }
    let n = x.type.shape[0].map { Variable(constant: NDArray(scalar: Int64($0))) } ?? x.length(ofDimension: 0)
    return x[randomDraw(.permutation, [n], shape: nil, rng: rng, dtype: nil)]
}

/// `x` shuffled along its first dimension (numpy's `shuffle`, returning the result).
public func shuffle(_ x: Variable, rng: Variable) -> Variable { permutation(x, rng: rng) }

/// Indices into a population of `n`: `shape` of them (one when nil), with replacement
/// (uniform, or categorical over `p`) or without (a partial shuffle, or Efraimidis–Spirakis
/// keys with `p`). numpy's `Generator.choice(n, size, replace, p)`.
public func choice(_ n: Int, shape: [Int]? = nil, replace: Bool = true, p: Variable? = nil, rng: Variable) -> Variable {
    if replace {
        if let p { return categorical(p: p, shape: shape ?? [], rng: rng) }
        return integers(low: 0, high: Variable(constant: NDArray(scalar: Int64(n))), shape: shape ?? [], rng: rng)
    }
    let count = (shape ?? []).reduce(1, *)
    let k = Variable(constant: NDArray(scalar: Int64(count)))
    let picks = p.map { randomDraw(.weightedChoiceWithoutReplacement, [k, $0], shape: nil, rng: rng, dtype: nil) }
        ?? randomDraw(.choiceWithoutReplacement, [Variable(constant: NDArray(scalar: Int64(n))), k], shape: nil, rng: rng, dtype: nil)
    return picks.reshaped(to: shape ?? [])
}

/// Elements of `population` along its first dimension, chosen as ``choice(_:shape:replace:p:rng:)``
/// chooses indices. Differentiable in `population`.
public func choice(from population: Variable, shape: [Int]? = nil, replace: Bool = true, p: Variable? = nil, rng: Variable) -> Variable {
    guard let n = population.type.shape.first ?? nil else {
        reportBuildError(CotangentError(.invalidGraph,
            "choice: the population needs a first dimension of known length, got \(population.type)"))
        return placeholderVariable()
    }
    return population[choice(n, shape: shape, replace: replace, p: p, rng: rng)]
}
