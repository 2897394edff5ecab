@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

// Values numpy computes rather than rejects: NaN and ±Inf through every elementwise and
// reduction family, integer division and modulo by zero, integer wrap-around, casts of NaN and
// Inf. Each must give numpy's result (its repr, committed from numpy 2), never a trap.

extension BadInput {
    static let numericCases: [BadInput] = specialFloatCases + integerCases + castCases

    private static func special(_ label: String, _ repr: String, build: @escaping @Sendable (Tensor) -> Tensor) -> BadInput {
        .graph("nan-inf", label, ["v": BadValues.specials], numpy: repr) { build(Tensor.vector("v")) }
    }

    /// `v = [nan, inf, -inf, 0., -0., 1.]` through each function.
    static let specialFloatCases: [BadInput] = [
        special("exp", "array([       nan,        inf, 0.        , 1.        , 1.        ,\n       2.71828183])") { exp($0) },
        special("log", "array([ nan,  inf,  nan, -inf, -inf,   0.])") { log($0) },
        special("log2", "array([ nan,  inf,  nan, -inf, -inf,   0.])") { log2($0) },
        special("log10", "array([ nan,  inf,  nan, -inf, -inf,   0.])") { log10($0) },
        special("log1p", "array([        nan,         inf,         nan,  0.        , -0.        ,\n        0.69314718])") { log1p($0) },
        special("expm1", "array([        nan,         inf, -1.        ,  0.        , -0.        ,\n        1.71828183])") { expm1($0) },
        special("sqrt", "array([nan, inf, nan,  0., -0.,  1.])") { sqrt($0) },
        special("tanh", "array([        nan,  1.        , -1.        ,  0.        , -0.        ,\n        0.76159416])") { tanh($0) },
        special("sigmoid", "array([       nan, 1.        , 0.        , 0.5       , 0.5       ,\n       0.73105858])") { sigmoid($0) },
        special("sin", "array([        nan,         nan,         nan,  0.        , -0.        ,\n        0.84147098])") { sin($0) },
        special("cos", "array([       nan,        nan,        nan, 1.        , 1.        ,\n       0.54030231])") { cos($0) },
        special("arctan", "array([        nan,  1.57079633, -1.57079633,  0.        , -0.        ,\n        0.78539816])") { arctan($0) },
        special("sinh", "array([        nan,         inf,        -inf,  0.        , -0.        ,\n        1.17520119])") { sinh($0) },
        special("cosh", "array([       nan,        inf,        inf, 1.        , 1.        ,\n       1.54308063])") { cosh($0) },
        special("erf", "array([        nan,  1.        , -1.        ,  0.        , -0.        ,\n        0.84270079])") { erf($0) },
        special("erfc", "array([       nan, 0.        , 2.        , 1.        , 1.        ,\n       0.15729921])") { erfc($0) },
        special("v * 0", "array([nan, nan, nan,  0., -0.,  0.])") { $0 * Tensor(0.0) },
        special("v / 0", "array([ nan,  inf, -inf,  nan,  nan,  inf])") { $0 / Tensor(0.0) },
        special("0 / v", "array([nan,  0., -0., nan, nan,  0.])") { Tensor(0.0) / $0 },
        special("v ** 0", "array([1., 1., 1., 1., 1., 1.])") { pow($0, Tensor(0.0)) },
        special("v ** 2", "array([nan, inf, inf,  0.,  0.,  1.])") { pow($0, Tensor(2.0)) },
        special("abs", "array([nan, inf, inf,  0.,  0.,  1.])") { abs($0) },
        special("sign", "array([nan,  1., -1.,  0.,  0.,  1.])") { sign($0) },
        special("floor", "array([ nan,  inf, -inf,   0.,  -0.,   1.])") { floor($0) },
        special("ceil", "array([ nan,  inf, -inf,   0.,  -0.,   1.])") { ceil($0) },
        special("round", "array([ nan,  inf, -inf,   0.,  -0.,   1.])") { round($0) },
        special("maximum(v, 0)", "array([nan, inf,  0.,  0.,  0.,  1.])") { maximum($0, Tensor(0.0)) },
        special("minimum(v, 0)", "array([ nan,   0., -inf,   0.,   0.,   0.])") { minimum($0, Tensor(0.0)) },
        special("v > 0", "array([False,  True, False, False, False,  True])") { $0 .> Tensor(0.0) },
        special("v == v", "array([False,  True,  True,  True,  True,  True])") { $0 .== $0 },
        special("v != v", "array([ True, False, False, False, False, False])") { $0 .!= $0 },
        special("isnan", "array([ True, False, False, False, False, False])") { isnan($0) },
        special("isinf", "array([False,  True,  True, False, False, False])") { isinf($0) },
        special("clip to [-1, 1]", "array([nan,  1., -1.,  0., -0.,  1.])") { clip($0, min: Tensor(-1.0), max: Tensor(1.0)) },
        special("1 / v", "array([ nan,   0.,  -0.,  inf, -inf,   1.])") { Tensor(1.0) / $0 },
        special("sum", "array(nan)") { $0.sum() },
        special("sum of inf and -inf", "array(nan)") { $0[1...].sum() },
        special("max", "array(nan)") { $0.max() },
        special("min", "array(nan)") { $0.min() },
        special("prod", "array(nan)") { $0.prod() },
        special("mean", "array(nan)") { $0.mean() },
        special("argmax", "array(0)") { $0.argmax() },
        special("argmin", "array(0)") { $0.argmin() },
        special("cumsum", "array([nan, nan, nan, nan, nan, nan])") { cumsum($0) },
        special("cumprod", "array([nan, nan, nan, nan, nan, nan])") { cumprod($0) },
        special("max without nan", "array(inf)") { $0[1...].max() },
        special("min without nan", "array(-inf)") { $0[1...].min() },
        .graph("nan-inf", "sqrt of negatives", ["v": NDArray([-1.0, -.infinity])], numpy: "array([nan, nan])") { sqrt(Tensor.vector("v")) },
        .graph("nan-inf", "log of negatives", ["v": NDArray([-1.0, -.infinity])], numpy: "array([nan, nan])") { log(Tensor.vector("v")) },
        .graph("nan-inf", "arcsin out of domain", ["v": NDArray([2.0, -2.0])], numpy: "array([nan, nan])") { arcsin(Tensor.vector("v")) },
        .graph("nan-inf", "arccosh below 1", ["v": NDArray([0.0, 1.0])], numpy: "array([nan,  0.])") { arccosh(Tensor.vector("v")) },
        .graph("nan-inf", "arctanh at ±1 and 2", ["v": NDArray([1.0, -1.0, 2.0])], numpy: "array([ inf, -inf,  nan])") { arctanh(Tensor.vector("v")) },
        .graph("nan-inf", "inf - inf", ["v": NDArray([Double.infinity]), "w": NDArray([Double.infinity])], numpy: "array([nan])") {
            Tensor.vector("v") - Tensor.vector("w")
        },
        .graph("nan-inf", "float32 exp", ["v": BadValues.specials.converted(to: .float32)],
               numpy: "array([nan, inf,  0.,  1.,  1.], dtype=float32)") { exp(Tensor.vector("v", dtype: .float32))[..<5] },
        .graph("nan-inf", "float32 log", ["v": BadValues.specials.converted(to: .float32)],
               numpy: "array([ nan,  inf,  nan, -inf, -inf,   0.], dtype=float32)") { log(Tensor.vector("v", dtype: .float32)) },
        .graph("nan-inf", "float32 division by 0", ["v": BadValues.specials.converted(to: .float32)],
               numpy: "array([ nan,  inf, -inf,  nan,  nan,  inf], dtype=float32)") {
            Tensor.vector("v", dtype: .float32) / Tensor.constant(NDArray(scalar: Float(0)))
        },
        .graph("nan-inf", "float modulo by 0", ["v": NDArray([7.0, -7.0, .infinity])], numpy: "array([nan, nan, nan])") { Tensor.vector("v") % Tensor(0.0) },
        .graph("nan-inf", "float floor division by 0", ["v": NDArray([7.0, -7.0, 0.0])], numpy: "array([ inf, -inf,  nan])") { intDiv(Tensor.vector("v"), Tensor(0.0)) },
    ]

    private static func integers(_ label: String, _ values: [Int64], _ dtype: DType, _ repr: String,
                                 build: @escaping @Sendable (Tensor) -> Tensor) -> BadInput {
        .graph("integers", label, ["i": BadValues.integers(values, dtype)], numpy: repr) { build(Tensor.vector("i", dtype: dtype)) }
    }

    private static func zero(_ dtype: DType) -> Tensor { Tensor.constant(NDArray.zeros([], dtype: dtype)) }
    private static func one(_ dtype: DType) -> Tensor { Tensor.constant(NDArray.full([], value: 1, dtype: dtype)) }

    /// Integer division and modulo by zero (numpy: 0, with a warning), wrap-around, signs.
    static let integerCases: [BadInput] = [
        integers("int64 // 0", [7, -7, 0], .int64, "array([0, 0, 0])") { intDiv($0, zero(.int64)) },
        integers("int64 % 0", [7, -7, 0], .int64, "array([0, 0, 0])") { $0 % zero(.int64) },
        integers("int32 // 0", [7, -7, 0], .int32, "array([0, 0, 0], dtype=int32)") { intDiv($0, zero(.int32)) },
        integers("int32 % 0", [7, -7, 0], .int32, "array([0, 0, 0], dtype=int32)") { $0 % zero(.int32) },
        integers("int8 // 0", [7, -7, 0], .int8, "array([0, 0, 0], dtype=int8)") { intDiv($0, zero(.int8)) },
        integers("uint8 % 0", [7, 0], .uint8, "array([0, 0], dtype=uint8)") { $0 % zero(.uint8) },
        integers("int64 / 0", [7, -7, 0], .int64, "array([ inf, -inf,  nan])") { $0 / zero(.int64) },
        integers("int64 // int64 vector of zeros", [7, -7, 0], .int64, "array([0, 0, 0])") { intDiv($0, $0 * zero(.int64)) },
        integers("floor division with negative operands", [7, -7], .int64, "array([-4, -4])") {
            intDiv($0, Tensor.constant(NDArray([Int64(-2), 2])))
        },
        integers("modulo with negative operands", [7, -7], .int64, "array([-1,  1])") { $0 % Tensor.constant(NDArray([Int64(-2), 2])) },
        integers("int64 max + 1 wraps", [Int64.max], .int64, "array([-9223372036854775808])") { $0 + one(.int64) },
        integers("int8 127 + 1 wraps", [127], .int8, "array([-128], dtype=int8)") { $0 + one(.int8) },
        integers("negating int64 min", [Int64.min], .int64, "array([-9223372036854775808])") { -$0 },
        integers("int64 min // -1", [Int64.min], .int64, "array([-9223372036854775808])") {
            intDiv($0, Tensor.constant(NDArray(scalar: Int64(-1))))
        },
        integers("int64 min % -1", [Int64.min], .int64, "array([0])") { $0 % Tensor.constant(NDArray(scalar: Int64(-1))) },
        integers("mean of [int64 max, int64 max]", [Int64.max, Int64.max], .int64, "array(9.22337204e+18)") { $0.mean() },
        integers("mean of int8 [100, 100]", [100, 100], .int8, "array(100.)") { $0.mean() },
        integers("sum of int8 [100, 100] is int64", [100, 100], .int8, "array(200)") { $0.sum() },
        .graph("integers", "mean of bools", ["b": NDArray([true, false, true])], numpy: "array(0.66666667)") { Tensor.vector("b", dtype: .bool).mean() },
    ]

    private static func cast(_ label: String, _ values: [Double], to dtype: DType, _ repr: String) -> BadInput {
        .graph("casts", label, ["v": NDArray(values)], numpy: repr) { Tensor.vector("v").cast(to: dtype) }
    }

    /// numpy casts NaN and ±Inf to integers as the x86 conversion does: the minimum integer.
    static let castCases: [BadInput] = [
        cast("nan and inf to int64", [.nan, .infinity, -.infinity], to: .int64,
             "array([-9223372036854775808, -9223372036854775808, -9223372036854775808])"),
        cast("nan and inf to int32", [.nan, .infinity, -.infinity], to: .int32,
             "array([-2147483648, -2147483648, -2147483648], dtype=int32)"),
        cast("nan and inf to bool", [.nan, .infinity, -.infinity, 0, -0.0], to: .bool, "array([ True,  True,  True, False, False])"),
        cast("nan and inf to float32", [.nan, .infinity, -.infinity, 1e300], to: .float32, "array([ nan,  inf, -inf,  inf], dtype=float32)"),
        cast("2^63 to int64", [9.223372036854775807e18, -9.3e18], to: .int64, "array([-9223372036854775808, -9223372036854775808])"),
        cast("nan and inf to int8", [.nan, .infinity, -.infinity], to: .int8, "array([0, 0, 0], dtype=int8)"),
        cast("nan and inf to uint8", [.nan, .infinity, -.infinity], to: .uint8, "array([0, 0, 0], dtype=uint8)"),
        cast("nan and inf to int16", [.nan, .infinity, -.infinity], to: .int16, "array([0, 0, 0], dtype=int16)"),
        cast("out-of-range floats to uint8", [300, -1, 1e10], to: .uint8, "array([ 44, 255,   0], dtype=uint8)"),
        cast("out-of-range floats to int8", [300, -129], to: .int8, "array([ 44, 127], dtype=int8)"),
        cast("fractions toward zero", [-1.5, 1.5, -0.5], to: .int64, "array([-1,  1,  0])"),
    ]
}
