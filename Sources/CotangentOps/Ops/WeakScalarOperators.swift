import CotangentArrays
import CotangentGraph

// Swift numbers as operands: `x * lr`, `x .> threshold`, `maximum(x, floor)`. Each number
// becomes a weakly typed constant (``ScalarOperand``), so it takes the dtype of the tensor it
// meets. These overloads are disfavored so that literals (`x * 2`, `(8.0 / 3.0) * x`) keep
// resolving to `Tensor` literals, whose arithmetic among themselves is folded at full precision;
// they only apply to values already typed `Double`, `Float`, `Int` or `Bool`.

extension Variable {
    /// `tensor + number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func + <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.add, lhs, rhs.scalarConstant) }
    /// `number + tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func + <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.add, lhs.scalarConstant, rhs) }
    /// `tensor - number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func - <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.sub, lhs, rhs.scalarConstant) }
    /// `number - tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func - <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.sub, lhs.scalarConstant, rhs) }
    /// `tensor * number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func * <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.mul, lhs, rhs.scalarConstant) }
    /// `number * tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func * <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.mul, lhs.scalarConstant, rhs) }
    /// `tensor / number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func / <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.trueDiv, lhs, rhs.scalarConstant) }
    /// `number / tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func / <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.trueDiv, lhs.scalarConstant, rhs) }
    /// `tensor % number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func % <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.mod, lhs, rhs.scalarConstant) }
    /// `number % tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func % <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.mod, lhs.scalarConstant, rhs) }
    /// `tensor .== number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .== <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.eq, lhs, rhs.scalarConstant) }
    /// `number .== tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .== <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.eq, lhs.scalarConstant, rhs) }
    /// `tensor .!= number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .!= <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.neq, lhs, rhs.scalarConstant) }
    /// `number .!= tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .!= <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.neq, lhs.scalarConstant, rhs) }
    /// `tensor .< number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .< <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.lt, lhs, rhs.scalarConstant) }
    /// `number .< tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .< <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.lt, lhs.scalarConstant, rhs) }
    /// `tensor .<= number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .<= <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.le, lhs, rhs.scalarConstant) }
    /// `number .<= tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .<= <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.le, lhs.scalarConstant, rhs) }
    /// `tensor .> number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .> <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.gt, lhs, rhs.scalarConstant) }
    /// `number .> tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .> <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.gt, lhs.scalarConstant, rhs) }
    /// `tensor .>= number`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .>= <S: ScalarOperand>(lhs: Variable, rhs: S) -> Variable { elemwise(.ge, lhs, rhs.scalarConstant) }
    /// `number .>= tensor`: the number takes the tensor's dtype (see `ScalarOperand`).
    @_disfavoredOverload public static func .>= <S: ScalarOperand>(lhs: S, rhs: Variable) -> Variable { elemwise(.ge, lhs.scalarConstant, rhs) }
}

/// ``pow(_:_:)`` with a Swift number as the second operand (it takes the tensor's dtype).
@_disfavoredOverload public func pow<S: ScalarOperand>(_ base: Variable, _ exponent: S) -> Variable { elemwise(.pow, base, exponent.scalarConstant) }
/// ``pow(_:_:)`` with a Swift number as the first operand (it takes the tensor's dtype).
@_disfavoredOverload public func pow<S: ScalarOperand>(_ base: S, _ exponent: Variable) -> Variable { elemwise(.pow, base.scalarConstant, exponent) }
/// ``maximum(_:_:)`` with a Swift number as the second operand (it takes the tensor's dtype).
@_disfavoredOverload public func maximum<S: ScalarOperand>(_ a: Variable, _ b: S) -> Variable { elemwise(.maximum, a, b.scalarConstant) }
/// ``maximum(_:_:)`` with a Swift number as the first operand (it takes the tensor's dtype).
@_disfavoredOverload public func maximum<S: ScalarOperand>(_ a: S, _ b: Variable) -> Variable { elemwise(.maximum, a.scalarConstant, b) }
/// ``minimum(_:_:)`` with a Swift number as the second operand (it takes the tensor's dtype).
@_disfavoredOverload public func minimum<S: ScalarOperand>(_ a: Variable, _ b: S) -> Variable { elemwise(.minimum, a, b.scalarConstant) }
/// ``minimum(_:_:)`` with a Swift number as the first operand (it takes the tensor's dtype).
@_disfavoredOverload public func minimum<S: ScalarOperand>(_ a: S, _ b: Variable) -> Variable { elemwise(.minimum, a.scalarConstant, b) }
/// ``arctan2(_:_:)`` with a Swift number as the second operand (it takes the tensor's dtype).
@_disfavoredOverload public func arctan2<S: ScalarOperand>(_ y: Variable, _ x: S) -> Variable { elemwise(.arctan2, y, x.scalarConstant) }
/// ``arctan2(_:_:)`` with a Swift number as the first operand (it takes the tensor's dtype).
@_disfavoredOverload public func arctan2<S: ScalarOperand>(_ y: S, _ x: Variable) -> Variable { elemwise(.arctan2, y.scalarConstant, x) }
/// ``intDiv(_:_:)`` with a Swift number as the second operand (it takes the tensor's dtype).
@_disfavoredOverload public func intDiv<S: ScalarOperand>(_ a: Variable, _ b: S) -> Variable { elemwise(.intDiv, a, b.scalarConstant) }
/// ``intDiv(_:_:)`` with a Swift number as the first operand (it takes the tensor's dtype).
@_disfavoredOverload public func intDiv<S: ScalarOperand>(_ a: S, _ b: Variable) -> Variable { elemwise(.intDiv, a.scalarConstant, b) }

/// ``select(_:_:_:)`` with a Swift number for the `false` branch.
@_disfavoredOverload public func select<S: ScalarOperand>(_ condition: Variable, _ a: Variable, _ b: S) -> Variable {
    select(condition, a, b.scalarConstant)
}
/// ``select(_:_:_:)`` with a Swift number for the `true` branch.
@_disfavoredOverload public func select<S: ScalarOperand>(_ condition: Variable, _ a: S, _ b: Variable) -> Variable {
    select(condition, a.scalarConstant, b)
}
/// ``select(_:_:_:)`` with Swift numbers for both branches (float64 or int64, as weak scalars alone).
@_disfavoredOverload public func select<A: ScalarOperand, B: ScalarOperand>(_ condition: Variable, _ a: A, _ b: B) -> Variable {
    select(condition, a.scalarConstant, b.scalarConstant)
}
/// ``clip(_:min:max:)`` with Swift numbers for the bounds (they take `x`'s dtype).
@_disfavoredOverload public func clip<A: ScalarOperand, B: ScalarOperand>(_ x: Variable, min: A, max: B) -> Variable {
    clip(x, min: min.scalarConstant, max: max.scalarConstant)
}
