import CotangentArrays
import CotangentGraph

// The elementwise math vocabulary: operators and free functions over Elemwise.

/// Applies a scalar op elementwise.
package func elemwise(_ op: ScalarOp, _ inputs: Variable...) -> Variable {
    elemwise(op, inputs)
}

/// Applies a scalar op elementwise to a list of inputs (add and mul take any number).
///
/// When every input is a weakly typed scalar (`8.0 / 3.0` written among tensors) the op runs
/// now, in float64 or int64, and the result is another weak scalar: numbers combine at full
/// precision before any tensor fixes their dtype, as they would in Python.
package func elemwise(_ op: ScalarOp, _ inputs: [Variable]) -> Variable {
    if let folded = foldingWeakScalars(op, inputs) { return folded }
    return build(Elemwise(op), inputs)
}

/// `op` applied to weak scalars at build time; nil when an input is not a weak scalar or the op
/// does not take these dtypes (building the node then reports why).
private func foldingWeakScalars(_ op: ScalarOp, _ inputs: [Variable]) -> Variable? {
    guard !inputs.isEmpty, inputs.allSatisfy(\.isWeaklyTyped) else { return nil }
    let values = inputs.compactMap(\.constantValue)
    guard let dtype = try? op.outputDType(values.map(\.dtype)),
        let program = try? ElemwiseProgram.compiled(op, arity: values.count, inputs: values.map(\.dtype))
    else { return nil }
    let result = program.run(values, shape: [])[0].converted(to: dtype)
    // Results of another kind than the inputs' (a comparison's bool) are ordinary constants.
    return dtype == .float64 || dtype == .int64 ? Variable(weakScalar: result) : Variable(constant: result)
}

// MARK: - Operators

extension Variable {
    /// Elementwise sum, with static broadcasting and numpy's dtype promotion.
    public static func + (lhs: Variable, rhs: Variable) -> Variable { elemwise(.add, lhs, rhs) }
    /// Elementwise difference, with static broadcasting and numpy's dtype promotion.
    public static func - (lhs: Variable, rhs: Variable) -> Variable { elemwise(.sub, lhs, rhs) }
    /// Elementwise product, with static broadcasting and numpy's dtype promotion.
    public static func * (lhs: Variable, rhs: Variable) -> Variable { elemwise(.mul, lhs, rhs) }
    /// True division (Python's `/`): integer operands give a float result.
    public static func / (lhs: Variable, rhs: Variable) -> Variable { elemwise(.trueDiv, lhs, rhs) }
    /// Floor modulo (Python's `%`).
    public static func % (lhs: Variable, rhs: Variable) -> Variable { elemwise(.mod, lhs, rhs) }
    /// Elementwise negation.
    public static prefix func - (operand: Variable) -> Variable { elemwise(.neg, operand) }
    /// Bitwise or logical not (PyTensor's `~x`).
    public static prefix func ~ (operand: Variable) -> Variable { elemwise(.invert, operand) }
    /// Bitwise or logical and.
    public static func & (lhs: Variable, rhs: Variable) -> Variable { elemwise(.and, lhs, rhs) }
    /// Bitwise or logical or.
    public static func | (lhs: Variable, rhs: Variable) -> Variable { elemwise(.or, lhs, rhs) }
    /// Bitwise or logical xor.
    public static func ^ (lhs: Variable, rhs: Variable) -> Variable { elemwise(.xor, lhs, rhs) }

    /// Elementwise `==` (a bool tensor; `==` itself compares variables by identity).
    public static func .== (lhs: Variable, rhs: Variable) -> Variable { elemwise(.eq, lhs, rhs) }
    /// Elementwise `!=` (a bool tensor).
    public static func .!= (lhs: Variable, rhs: Variable) -> Variable { elemwise(.neq, lhs, rhs) }
    /// Elementwise `<` (a bool tensor).
    public static func .< (lhs: Variable, rhs: Variable) -> Variable { elemwise(.lt, lhs, rhs) }
    /// Elementwise `<=` (a bool tensor).
    public static func .<= (lhs: Variable, rhs: Variable) -> Variable { elemwise(.le, lhs, rhs) }
    /// Elementwise `>` (a bool tensor).
    public static func .> (lhs: Variable, rhs: Variable) -> Variable { elemwise(.gt, lhs, rhs) }
    /// Elementwise `>=` (a bool tensor).
    public static func .>= (lhs: Variable, rhs: Variable) -> Variable { elemwise(.ge, lhs, rhs) }
}

infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence

// MARK: - Free functions

/// Floor division (Python's `//`).
public func intDiv(_ a: Variable, _ b: Variable) -> Variable { elemwise(.intDiv, a, b) }
/// `1 / x` elementwise; integer inputs give a float result.
public func reciprocal(_ x: Variable) -> Variable { elemwise(.reciprocal, x) }
/// `base ** exponent` elementwise (numpy's `power`).
public func pow(_ base: Variable, _ exponent: Variable) -> Variable { elemwise(.pow, base, exponent) }
/// `x * x`.
public func sqr(_ x: Variable) -> Variable { elemwise(.sqr, x) }
/// The square root; integer inputs give a float result (NaN below 0).
public func sqrt(_ x: Variable) -> Variable { elemwise(.sqrt, x) }
/// The absolute value.
public func abs(_ x: Variable) -> Variable { elemwise(.abs, x) }
/// -1, 0 or 1 by the sign of each value (NaN stays NaN).
public func sign(_ x: Variable) -> Variable { elemwise(.sign, x) }
/// Elementwise maximum (NaN-propagating, like numpy's).
public func maximum(_ a: Variable, _ b: Variable) -> Variable { elemwise(.maximum, a, b) }
/// Elementwise minimum (NaN-propagating, like numpy's).
public func minimum(_ a: Variable, _ b: Variable) -> Variable { elemwise(.minimum, a, b) }
/// `min(max(x, min), max)` elementwise.
public func clip(_ x: Variable, min: Variable, max: Variable) -> Variable { elemwise(.clip, x, min, max) }
/// The natural exponential `eˣ`; integer inputs give a float result.
public func exp(_ x: Variable) -> Variable { elemwise(.exp, x) }
/// `2ˣ`; integer inputs give a float result.
public func exp2(_ x: Variable) -> Variable { elemwise(.exp2, x) }
/// `exp(x) - 1`, accurate near 0.
public func expm1(_ x: Variable) -> Variable { elemwise(.expm1, x) }
/// The natural logarithm (−∞ at 0, NaN below); integer inputs give a float result.
public func log(_ x: Variable) -> Variable { elemwise(.log, x) }
/// The base-2 logarithm; integer inputs give a float result.
public func log2(_ x: Variable) -> Variable { elemwise(.log2, x) }
/// The base-10 logarithm; integer inputs give a float result.
public func log10(_ x: Variable) -> Variable { elemwise(.log10, x) }
/// `log(1 + x)`, accurate near 0.
public func log1p(_ x: Variable) -> Variable { elemwise(.log1p, x) }
/// Rounding toward −∞.
public func floor(_ x: Variable) -> Variable { elemwise(.floor, x) }
/// Rounding toward +∞.
public func ceil(_ x: Variable) -> Variable { elemwise(.ceil, x) }
/// Round half to even (numpy's `round`).
public func round(_ x: Variable) -> Variable { elemwise(.round, x) }
/// The sine (radians).
public func sin(_ x: Variable) -> Variable { elemwise(.sin, x) }
/// The cosine (radians).
public func cos(_ x: Variable) -> Variable { elemwise(.cos, x) }
/// The tangent (radians).
public func tan(_ x: Variable) -> Variable { elemwise(.tan, x) }
/// The inverse sine, in radians in [−π/2, π/2] (NaN outside [−1, 1]).
public func arcsin(_ x: Variable) -> Variable { elemwise(.arcsin, x) }
/// The inverse cosine, in radians in [0, π] (NaN outside [−1, 1]).
public func arccos(_ x: Variable) -> Variable { elemwise(.arccos, x) }
/// The inverse tangent, in radians in (−π/2, π/2).
public func arctan(_ x: Variable) -> Variable { elemwise(.arctan, x) }
/// The angle of the point `(x, y)`: `arctan2(y, x)`.
public func arctan2(_ y: Variable, _ x: Variable) -> Variable { elemwise(.arctan2, y, x) }
/// The hyperbolic sine.
public func sinh(_ x: Variable) -> Variable { elemwise(.sinh, x) }
/// The hyperbolic cosine.
public func cosh(_ x: Variable) -> Variable { elemwise(.cosh, x) }
/// The hyperbolic tangent.
public func tanh(_ x: Variable) -> Variable { elemwise(.tanh, x) }
/// The inverse hyperbolic sine.
public func arcsinh(_ x: Variable) -> Variable { elemwise(.arcsinh, x) }
/// The inverse hyperbolic cosine (NaN below 1).
public func arccosh(_ x: Variable) -> Variable { elemwise(.arccosh, x) }
/// The inverse hyperbolic tangent (±∞ at ±1, NaN outside [−1, 1]).
public func arctanh(_ x: Variable) -> Variable { elemwise(.arctanh, x) }
/// `1 / (1 + exp(-x))`.
public func sigmoid(_ x: Variable) -> Variable { elemwise(.sigmoid, x) }
/// `log(1 + exp(x))`, stable for large |x|.
public func softplus(_ x: Variable) -> Variable { elemwise(.softplus, x) }
/// The error function `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`.
public func erf(_ x: Variable) -> Variable { elemwise(.erf, x) }
/// The complementary error function `1 − erf(x)`, accurate where `erf(x)` is near 1.
public func erfc(_ x: Variable) -> Variable { elemwise(.erfc, x) }
/// `log|Γ(x)|`.
public func gammaln(_ x: Variable) -> Variable { elemwise(.gammaln, x) }
/// The digamma function ψ(x).
public func psi(_ x: Variable) -> Variable { elemwise(.psi, x) }
/// The trigamma function ψ₁(x), the derivative of ψ.
public func trigamma(_ x: Variable) -> Variable { elemwise(.trigamma, x) }
/// Whether each value is NaN (bool; always false for integers and bools).
public func isnan(_ x: Variable) -> Variable { elemwise(.isnan, x) }
/// Whether each value is ±∞ (bool; always false for integers and bools).
public func isinf(_ x: Variable) -> Variable { elemwise(.isinf, x) }
/// `condition ? a : b` elementwise: PyTensor's `switch` / `where`.
public func select(_ condition: Variable, _ a: Variable, _ b: Variable) -> Variable {
    elemwise(.switch, condition, a, b)
}
/// `b` broadcast to the shape of `a` (PyTensor's `second`, also called `fill`).
public func second(_ a: Variable, _ b: Variable) -> Variable { elemwise(.second, a, b) }
/// The same values (an identity node).
public func identity(_ x: Variable) -> Variable { elemwise(.identity, x) }
/// Tensors of ones / zeros shaped like `x` (PyTensor's `ones_like`, built as `second(x, 1)`).
public func onesLike(_ x: Variable, dtype: DType? = nil) -> Variable {
    second(x, Variable(constant: NDArray.full([], value: 1, dtype: dtype ?? x.dtype)))
}
/// Zeros shaped like `x`, of `dtype` (default: `x`'s), built as `second(x, 0)`.
public func zerosLike(_ x: Variable, dtype: DType? = nil) -> Variable {
    second(x, Variable(constant: NDArray.full([], value: 0, dtype: dtype ?? x.dtype)))
}

extension Variable {
    /// The values converted to `dtype` (a no-op when it already has it). A weakly typed scalar
    /// becomes an ordinary constant of `dtype`, which no longer adapts to the tensors it meets.
    public func cast(to dtype: DType) -> Variable {
        if isWeaklyTyped, let value = constantValue { return Variable(constant: value.converted(to: dtype)) }
        return self.dtype == dtype ? self : elemwise(.cast(dtype), self)
    }
}

// MARK: - More free functions

/// The real cube root `∛x` (negative for negative x), as numpy's `cbrt`.
public func cbrt(_ x: Variable) -> Variable { elemwise(.cbrt, x) }
/// Rounding toward zero, as numpy's `trunc` (float output; integers become float).
public func trunc(_ x: Variable) -> Variable { elemwise(.trunc, x) }
/// Whether each value is neither NaN nor ±∞ (bool; always true for integers and bools).
public func isfinite(_ x: Variable) -> Variable { elemwise(.isfinite, x) }
/// `log(exp(x) + exp(y))` computed without overflow or underflow, as numpy's `logaddexp`.
public func logaddexp(_ x: Variable, _ y: Variable) -> Variable { elemwise(.logaddexp, x, y) }
