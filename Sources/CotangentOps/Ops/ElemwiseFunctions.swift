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
    public static func + (lhs: Variable, rhs: Variable) -> Variable { elemwise(.add, lhs, rhs) }
    public static func - (lhs: Variable, rhs: Variable) -> Variable { elemwise(.sub, lhs, rhs) }
    public static func * (lhs: Variable, rhs: Variable) -> Variable { elemwise(.mul, lhs, rhs) }
    public static func / (lhs: Variable, rhs: Variable) -> Variable { elemwise(.trueDiv, lhs, rhs) }
    /// Floor modulo (Python's `%`).
    public static func % (lhs: Variable, rhs: Variable) -> Variable { elemwise(.mod, lhs, rhs) }
    public static prefix func - (operand: Variable) -> Variable { elemwise(.neg, operand) }
    /// Bitwise or logical not (PyTensor's `~x`).
    public static prefix func ~ (operand: Variable) -> Variable { elemwise(.invert, operand) }
    /// Bitwise or logical and.
    public static func & (lhs: Variable, rhs: Variable) -> Variable { elemwise(.and, lhs, rhs) }
    /// Bitwise or logical or.
    public static func | (lhs: Variable, rhs: Variable) -> Variable { elemwise(.or, lhs, rhs) }
    /// Bitwise or logical xor.
    public static func ^ (lhs: Variable, rhs: Variable) -> Variable { elemwise(.xor, lhs, rhs) }

    public static func .== (lhs: Variable, rhs: Variable) -> Variable { elemwise(.eq, lhs, rhs) }
    public static func .!= (lhs: Variable, rhs: Variable) -> Variable { elemwise(.neq, lhs, rhs) }
    public static func .< (lhs: Variable, rhs: Variable) -> Variable { elemwise(.lt, lhs, rhs) }
    public static func .<= (lhs: Variable, rhs: Variable) -> Variable { elemwise(.le, lhs, rhs) }
    public static func .> (lhs: Variable, rhs: Variable) -> Variable { elemwise(.gt, lhs, rhs) }
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
public func reciprocal(_ x: Variable) -> Variable { elemwise(.reciprocal, x) }
public func pow(_ base: Variable, _ exponent: Variable) -> Variable { elemwise(.pow, base, exponent) }
/// `x * x`.
public func sqr(_ x: Variable) -> Variable { elemwise(.sqr, x) }
public func sqrt(_ x: Variable) -> Variable { elemwise(.sqrt, x) }
public func abs(_ x: Variable) -> Variable { elemwise(.abs, x) }
public func sign(_ x: Variable) -> Variable { elemwise(.sign, x) }
/// Elementwise maximum (NaN-propagating, like numpy's).
public func maximum(_ a: Variable, _ b: Variable) -> Variable { elemwise(.maximum, a, b) }
/// Elementwise minimum (NaN-propagating, like numpy's).
public func minimum(_ a: Variable, _ b: Variable) -> Variable { elemwise(.minimum, a, b) }
/// `min(max(x, min), max)` elementwise.
public func clip(_ x: Variable, min: Variable, max: Variable) -> Variable { elemwise(.clip, x, min, max) }
public func exp(_ x: Variable) -> Variable { elemwise(.exp, x) }
public func exp2(_ x: Variable) -> Variable { elemwise(.exp2, x) }
/// `exp(x) - 1`, accurate near 0.
public func expm1(_ x: Variable) -> Variable { elemwise(.expm1, x) }
public func log(_ x: Variable) -> Variable { elemwise(.log, x) }
public func log2(_ x: Variable) -> Variable { elemwise(.log2, x) }
public func log10(_ x: Variable) -> Variable { elemwise(.log10, x) }
/// `log(1 + x)`, accurate near 0.
public func log1p(_ x: Variable) -> Variable { elemwise(.log1p, x) }
public func floor(_ x: Variable) -> Variable { elemwise(.floor, x) }
public func ceil(_ x: Variable) -> Variable { elemwise(.ceil, x) }
/// Round half to even (numpy's `round`).
public func round(_ x: Variable) -> Variable { elemwise(.round, x) }
public func sin(_ x: Variable) -> Variable { elemwise(.sin, x) }
public func cos(_ x: Variable) -> Variable { elemwise(.cos, x) }
public func tan(_ x: Variable) -> Variable { elemwise(.tan, x) }
public func arcsin(_ x: Variable) -> Variable { elemwise(.arcsin, x) }
public func arccos(_ x: Variable) -> Variable { elemwise(.arccos, x) }
public func arctan(_ x: Variable) -> Variable { elemwise(.arctan, x) }
/// The angle of the point `(x, y)`: `arctan2(y, x)`.
public func arctan2(_ y: Variable, _ x: Variable) -> Variable { elemwise(.arctan2, y, x) }
public func sinh(_ x: Variable) -> Variable { elemwise(.sinh, x) }
public func cosh(_ x: Variable) -> Variable { elemwise(.cosh, x) }
public func tanh(_ x: Variable) -> Variable { elemwise(.tanh, x) }
public func arcsinh(_ x: Variable) -> Variable { elemwise(.arcsinh, x) }
public func arccosh(_ x: Variable) -> Variable { elemwise(.arccosh, x) }
public func arctanh(_ x: Variable) -> Variable { elemwise(.arctanh, x) }
/// `1 / (1 + exp(-x))`.
public func sigmoid(_ x: Variable) -> Variable { elemwise(.sigmoid, x) }
/// `log(1 + exp(x))`, stable for large |x|.
public func softplus(_ x: Variable) -> Variable { elemwise(.softplus, x) }
public func erf(_ x: Variable) -> Variable { elemwise(.erf, x) }
public func erfc(_ x: Variable) -> Variable { elemwise(.erfc, x) }
/// `log|Γ(x)|`.
public func gammaln(_ x: Variable) -> Variable { elemwise(.gammaln, x) }
/// The digamma function ψ(x).
public func psi(_ x: Variable) -> Variable { elemwise(.psi, x) }
/// The trigamma function ψ₁(x), the derivative of ψ.
public func trigamma(_ x: Variable) -> Variable { elemwise(.trigamma, x) }
public func isnan(_ x: Variable) -> Variable { elemwise(.isnan, x) }
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
