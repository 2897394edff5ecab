import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting
import CotangentEngine

/// A gradient that disagrees with finite differences.
public struct GradientCheckError: Error, Sendable, CustomStringConvertible {
    /// Which input (position in the point list) and which element (row-major) is worst.
    public let inputIndex: Int
    /// The row-major position, within that input, of the worst element.
    public let elementIndex: Int
    /// The derivative the graph's gradient gives for that element.
    public let analytic: Double
    /// The finite-difference estimate of the same derivative.
    public let numeric: Double
    /// `|analytic − numeric|`.
    public let absoluteError: Double
    /// The absolute error relative to the size of the two values.
    public let relativeError: Double
    /// The absolute tolerance the check used (the error exceeded it).
    public let absoluteTolerance: Double
    /// The relative tolerance the check used (the error exceeded it too).
    public let relativeTolerance: Double

    public var description: String {
        "verifyGrad: gradient mismatch for input \(inputIndex), element \(elementIndex): analytic "
            + "\(analytic), numeric \(numeric) (abs error \(absoluteError) > \(absoluteTolerance) and "
            + "rel error \(relativeError) > \(relativeTolerance))"
    }
}

/// How ``verifyGrad(_:at:tests:seed:epsilon:absoluteTolerance:relativeTolerance:differences:)``
/// differentiates numerically.
public enum FiniteDifferences: Sendable {
    /// `(C(x + ε) − C(x)) / ε`, as PyTensor's `verify_grad`.
    case oneSided
    /// `(C(x + ε) − C(x − ε)) / 2ε`.
    case central
}

/// Checks `grad` against finite differences, PyTensor's `verify_grad` method.
///
/// For fresh inputs typed like `point` (exact static shapes), the cost is `sum(r ⊙ f(inputs))`
/// with a random projection `r` in [0.5, 1.5). Its analytic gradient is compared with one-sided
/// differences `(C(x + ε·eᵢ) − C(x)) / ε` (PyTensor's choice), or with central differences
/// `(C(x + ε·eᵢ) − C(x − ε·eᵢ)) / 2ε` when `differences` is `.central`: twice the evaluations,
/// but an error of order ε²·C''' instead of ε·C'', which matters where float32's large ε meets
/// a strongly curved function. An element fails only if both its absolute and its relative
/// error exceed the tolerances (defaults by dtype: float64 1e-4, float32 1e-2; ε float64 1e-7,
/// float32 3e-4). Repeated `tests` times with new projections.
///
/// - Throws: ``GradientCheckError`` naming the worst element, or a `CotangentError` when the
///   graph cannot be built or evaluated.
public func verifyGrad(
    _ function: ([Variable]) -> Variable, at point: [NDArray], tests: Int = 2, seed: UInt64 = 666,
    epsilon: Double? = nil, absoluteTolerance: Double? = nil, relativeTolerance: Double? = nil,
    differences: FiniteDifferences = .oneSided
) throws {
    for value in point where !value.dtype.isFloat {
        throw CotangentError(.invalidGradient, "verifyGrad: input of dtype \(value.dtype) is not a float array")
    }
    let lowest = point.contains { $0.dtype == .float32 } ? DType.float32 : .float64
    let eps = epsilon ?? (lowest == .float32 ? 3e-4 : 1e-7)
    let absTol = absoluteTolerance ?? (lowest == .float32 ? 1e-2 : 1e-4)
    let relTol = relativeTolerance ?? (lowest == .float32 ? 1e-2 : 1e-4)
    let inputs = point.enumerated().map { i, value in
        Variable(type: TensorType(dtype: value.dtype, shape: value.shape.map { $0 }), name: "input \(i)")
    }
    let output = try checked { function(inputs) }
    guard output.dtype.isFloat else {
        throw CotangentError(.invalidGradient, "verifyGrad: the function's output has dtype \(output.dtype)")
    }
    let feed = { (values: [NDArray]) -> [Variable: NDArray] in
        Dictionary(uniqueKeysWithValues: zip(inputs, values))
    }
    let outputShape = try output.eval(feed(point)).shape
    for test in 0..<tests {
        let projection = SplitMix64(seed: seed &+ UInt64(test))
            .uniform(shape: outputShape, low: 0.5, high: 1.5, dtype: output.dtype)
        let cost = try checked { (Variable(constant: projection) * output).sum() }
        let gradients = try checked { grad(cost, wrt: inputs, disconnected: .zero) }
        let analytic = try evaluate(gradients, Dictionary(uniqueKeysWithValues: zip(inputs.map(InputKey.variable), point)))
        let base = try cost.eval(feed(point)).item(Double.self)
        var worst: GradientCheckError? = nil
        var worstScore = -Double.infinity
        for (i, value) in point.enumerated() {
            var flat = value.asArray(Double.self)
            let exact = analytic[i].asArray(Double.self)
            for element in flat.indices {
                let saved = flat[element]
                func shiftedCost(at x: Double) throws -> Double {
                    flat[element] = x
                    defer { flat[element] = saved }
                    var shifted = point
                    shifted[i] = NDArray(shape: value.shape, elements: flat).converted(to: value.dtype)
                    return try cost.eval(feed(shifted)).item(Double.self)
                }
                let numeric = switch differences {
                case .oneSided: (try shiftedCost(at: saved + eps) - base) / eps
                case .central: (try shiftedCost(at: saved + eps) - (try shiftedCost(at: saved - eps))) / (2 * eps)
                }
                let absError = Swift.abs(exact[element] - numeric)
                let relError = absError / Swift.max(Swift.abs(exact[element]) + Swift.abs(numeric), 1e-8)
                guard absError.isFinite && relError.isFinite else {
                    throw CotangentError(
                        .invalidValue,
                        "verifyGrad: non-finite gradient for input \(i), element \(element): analytic "
                            + "\(exact[element]), numeric \(numeric)")
                }
                let score = Swift.min(absError / absTol, relError / relTol)
                if score > worstScore {
                    worstScore = score
                    worst = GradientCheckError(
                        inputIndex: i, elementIndex: element, analytic: exact[element], numeric: numeric,
                        absoluteError: absError, relativeError: relError, absoluteTolerance: absTol,
                        relativeTolerance: relTol)
                }
            }
        }
        if let worst, worst.absoluteError > absTol && worst.relativeError > relTol { throw worst }
    }
}

/// Checks a graph's pushforward against its pullback: `uᵀ(J t) = (Jᵀ u)ᵀ t` for random `u`, `t`.
///
/// - Returns: the two sides, for reporting; throws when they differ by more than `tolerance`
///   relative to their magnitude (default 1e-9, or 1e-5 when float32 is involved).
@discardableResult
public func verifyPushforward(
    _ function: ([Variable]) -> Variable, at point: [NDArray], seed: UInt64 = 667, tolerance: Double? = nil
) throws -> (jvpSide: Double, vjpSide: Double) {
    let inputs = point.enumerated().map { i, value in
        Variable(type: TensorType(dtype: value.dtype, shape: value.shape.map { $0 }), name: "input \(i)")
    }
    let output = try checked { function(inputs) }
    let feed = Dictionary(uniqueKeysWithValues: zip(inputs.map(InputKey.variable), point))
    let outputShape = try evaluate([output], feed)[0].shape
    let u = Variable(constant: SplitMix64(seed: seed).uniform(shape: outputShape, low: -1, high: 1, dtype: output.dtype))
    let tangents = point.enumerated().map { i, value in
        Variable(constant: SplitMix64(seed: seed &+ 1 &+ UInt64(i)).uniform(shape: value.shape, low: -1, high: 1, dtype: value.dtype))
    }
    let (jvp, vjps) = try checked {
        (pushforward(output, wrt: inputs, tangents: tangents, disconnected: .zero),
         pullback(output, wrt: inputs, cotangent: u, disconnected: .zero))
    }
    let jvpSide = try evaluate([(u * jvp).sum()], feed)[0].item(Double.self)
    var vjpSide = 0.0
    for (vjp, tangent) in zip(vjps, tangents) {
        vjpSide += try evaluate([(vjp * tangent).sum()], feed)[0].item(Double.self)
    }
    let scale = Swift.max(Swift.abs(jvpSide), Swift.abs(vjpSide), 1)
    let usesFloat32 = output.dtype == .float32 || point.contains { $0.dtype == .float32 }
    let limit = tolerance ?? (usesFloat32 ? 1e-5 : 1e-9)
    guard Swift.abs(jvpSide - vjpSide) <= limit * scale else {
        throw CotangentError(
            .invalidGradient,
            "verifyPushforward: uᵀ(J t) = \(jvpSide) but (Jᵀ u)ᵀ t = \(vjpSide)")
    }
    return (jvpSide, vjpSide)
}
