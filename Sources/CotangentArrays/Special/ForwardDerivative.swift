/// The arithmetic that the series and continued fractions of the incomplete gamma and beta
/// functions need, so one implementation serves both plain values (`Double`) and values with
/// their derivatives (`ParameterDual`).
protocol SeriesScalar {
    /// The constant `value` (zero derivatives).
    init(_ value: Double)
    /// The plain value, used for convergence tests.
    var value: Double { get }
    /// The largest derivative magnitude (0 for plain values), so that convergence tests wait
    /// for the derivatives too: they can converge more slowly than the value.
    var derivativeMagnitude: Double { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
}

extension Double: SeriesScalar {
    var value: Double { self }
    var derivativeMagnitude: Double { 0 }
}

/// A value with its derivatives with respect to two parameters (forward-mode), used to
/// differentiate the incomplete gamma and beta functions with respect to their shape
/// parameters through the same series and continued fractions that compute them.
struct ParameterDual: SeriesScalar {
    /// The value.
    var value: Double
    /// ∂/∂(first parameter), ∂/∂(second parameter).
    var derivatives: SIMD2<Double>

    init(_ value: Double) {
        self.value = value
        derivatives = .zero
    }

    /// A value with the given derivatives.
    init(_ value: Double, derivatives: SIMD2<Double>) {
        self.value = value
        self.derivatives = derivatives
    }

    var derivativeMagnitude: Double {
        Swift.max(abs(derivatives.x), abs(derivatives.y))
    }

    static func + (lhs: Self, rhs: Self) -> Self {
        Self(lhs.value + rhs.value, derivatives: lhs.derivatives + rhs.derivatives)
    }

    static func - (lhs: Self, rhs: Self) -> Self {
        Self(lhs.value - rhs.value, derivatives: lhs.derivatives - rhs.derivatives)
    }

    static func * (lhs: Self, rhs: Self) -> Self {
        Self(
            lhs.value * rhs.value,
            derivatives: lhs.derivatives * rhs.value + rhs.derivatives * lhs.value)
    }

    static func / (lhs: Self, rhs: Self) -> Self {
        let quotient = lhs.value / rhs.value
        return Self(quotient, derivatives: (lhs.derivatives - rhs.derivatives * quotient) / rhs.value)
    }
}

/// Whether a Lentz continued fraction has converged: the last factor `delta` is 1 to double
/// precision and so are its derivatives relative to the product's log-derivative.
func continuedFractionHasConverged<T: SeriesScalar>(delta: T, product: T) -> Bool {
    abs(delta.value - 1) <= 1e-16
        && delta.derivativeMagnitude <= 1e-16 * Swift.max(1, product.derivativeMagnitude / abs(product.value))
}
