import RealModule
import CotangentArrays
import CotangentGraph

/// A scalar function that ``Elemwise`` lifts to tensors: PyTensor's scalar ops.
///
/// Each case knows its arity, its printed name (PyTensor's: `true_div`, `int_div`, …), the dtype
/// it returns for given input dtypes, and its kernels over float64 (floats; float32 values are
/// computed in double and rounded), int64 (every integer dtype, wrapped back to its width) and bool.
public enum ScalarOp: Hashable, Sendable, CustomStringConvertible {
    // Arithmetic.
    case add, sub, mul, trueDiv, intDiv, mod, neg, reciprocal, pow, sqr, sqrt, abs, sign
    case maximum, minimum, clip
    // Exponentials and logarithms.
    case exp, exp2, expm1, log, log2, log10, log1p
    // Rounding.
    case floor, ceil, round
    // Trigonometric and hyperbolic.
    case sin, cos, tan, arcsin, arccos, arctan, arctan2, sinh, cosh, tanh, arcsinh, arccosh, arctanh
    // Special functions.
    case sigmoid, softplus, erf, erfc, gammaln, psi, trigamma
    // Comparisons and logic.
    case eq, neq, lt, le, gt, ge, and, or, xor, invert, isnan, isinf
    // Structural.
    case `switch`, second, identity
    case cast(DType)
    // Fusion.
    /// A fused graph of scalar ops (PyTensor's `Composite`), possibly with several outputs.
    case composite(CompositeGraph)

    /// Number of inputs.
    public var arity: Int {
        switch self {
        case .composite(let graph): graph.inputCount
        case .add, .sub, .mul, .trueDiv, .intDiv, .mod, .pow, .maximum, .minimum, .arctan2,
            .eq, .neq, .lt, .le, .gt, .ge, .and, .or, .xor, .second:
            2
        case .clip, .switch: 3
        default: 1
        }
    }

    /// Whether the op is commutative and associative over any number of inputs (PyTensor's
    /// add and mul accept n inputs).
    public var isVariadic: Bool { self == .add || self == .mul }

    /// PyTensor's scalar op name (lowercase; Elemwise capitalises it).
    public var description: String {
        switch self {
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .intDiv: "int_div"
        case .trueDiv: "true_div"
        case .mod: "mod"
        case .neg: "neg"
        case .reciprocal: "reciprocal"
        case .pow: "pow"
        case .sqr: "sqr"
        case .sqrt: "sqrt"
        case .abs: "abs"
        case .sign: "sign"
        case .maximum: "maximum"
        case .minimum: "minimum"
        case .clip: "clip"
        case .exp: "exp"
        case .exp2: "exp2"
        case .expm1: "expm1"
        case .log: "log"
        case .log2: "log2"
        case .log10: "log10"
        case .log1p: "log1p"
        case .floor: "floor"
        case .ceil: "ceil"
        // PyTensor's RoundHalfToEven has no name, so it prints its class name.
        case .round: "RoundHalfToEven"
        case .sin: "sin"
        case .cos: "cos"
        case .tan: "tan"
        case .arcsin: "arcsin"
        case .arccos: "arccos"
        case .arctan: "arctan"
        case .arctan2: "arctan2"
        case .sinh: "sinh"
        case .cosh: "cosh"
        case .tanh: "tanh"
        case .arcsinh: "arcsinh"
        case .arccosh: "arccosh"
        case .arctanh: "arctanh"
        case .sigmoid: "sigmoid"
        case .softplus: "softplus"
        case .erf: "erf"
        case .erfc: "erfc"
        case .gammaln: "gammaln"
        case .psi: "psi"
        case .trigamma: "tri_gamma"
        case .eq: "eq"
        case .neq: "neq"
        case .lt: "lt"
        case .le: "le"
        case .gt: "gt"
        case .ge: "ge"
        case .and: "and"
        case .or: "or"
        case .xor: "xor"
        case .invert: "invert"
        case .isnan: "isnan"
        case .isinf: "isinf"
        case .switch: "switch"
        case .second: "second"
        case .identity: "identity"
        case .cast(let dtype): "Cast{\(dtype)}"
        case .composite(let graph): graph.description
        }
    }

    /// Ops whose output is float even for integer inputs (PyTensor's `upgrade_to_float`).
    package var upgradesToFloat: Bool {
        switch self {
        case .reciprocal, .sqrt, .exp, .exp2, .expm1, .log, .log2, .log10, .log1p, .floor, .ceil,
            .sin, .cos, .tan, .arcsin, .arccos, .arctan, .arctan2, .sinh, .cosh, .tanh,
            .arcsinh, .arccosh, .arctanh, .sigmoid, .softplus, .erf, .erfc, .gammaln, .psi, .trigamma:
            true
        default: false
        }
    }

    package var isComparison: Bool {
        switch self {
        case .eq, .neq, .lt, .le, .gt, .ge, .isnan, .isinf: true
        default: false
        }
    }

    package var isBitwise: Bool {
        switch self {
        case .and, .or, .xor, .invert: true
        default: false
        }
    }

    /// The output dtype for these input dtypes (PyTensor's `output_types_preference` of the
    /// scalar op), or an error naming the op and the dtypes.
    public func outputDType(_ inputs: [DType]) throws -> DType {
        let promoted = DType.promote(inputs)
        func reject(_ reason: String) -> CotangentError {
            CotangentError(.invalidGraph, 
                "\(Elemwise(self)): \(reason), got dtypes "
                    + inputs.map(\.rawValue).joined(separator: ", "))
        }
        switch self {
        case .composite(let graph): return try graph.outputDTypes(inputs: inputs)[0]
        case .cast(let dtype): return dtype
        case .second: return inputs[1]
        case .identity: return inputs[0]
        case .switch: return DType.promote(inputs[1], inputs[2])
        case _ where isComparison: return .bool
        case .invert:
            // UnaryBitOp: integers or bool.
            guard !promoted.isFloat else { throw reject("bitwise op needs integer or bool inputs") }
            return promoted
        case _ where isBitwise:
            // BinaryBitOp: all bool, or all integers (a bool mixed with an integer is rejected).
            if inputs.allSatisfy({ $0 == .bool }) { return .bool }
            guard inputs.allSatisfy(\.isInteger) else {
                throw reject("bitwise op needs integer inputs or all bool inputs")
            }
            return promoted
        case .trueDiv:
            return promoted.isDiscrete ? .float64 : promoted
        case .round:
            // same_out_float_only.
            guard promoted.isFloat else { throw reject("rounding is only defined for float inputs") }
            return promoted
        case _ where upgradesToFloat:
            return promoted.upgradedToFloat
        case .sub where promoted == .bool, .neg where promoted == .bool, .sign where promoted == .bool:
            // upcast_out_nobool, same_out_nobool, Sign's preference.
            throw reject("bool inputs are not supported")
        case .pow where promoted == .bool:
            return .int8  // upcast_out_min8
        default:
            return promoted
        }
    }
}

// MARK: - Kernels

extension ScalarOp {
    /// The float kernel (inputs and result in double precision).
    package var floatKernel: Kernel3<Double> {
        switch self {
        case .add: binary { $0 + $1 }
        case .sub: binary { $0 - $1 }
        case .mul: binary { $0 * $1 }
        case .trueDiv: binary { $0 / $1 }
        case .intDiv: binary { Double.floorDivide($0, $1) }
        case .mod: binary { Double.floorModulo($0, $1) }
        case .neg: unary { -$0 }
        case .reciprocal: unary { 1 / $0 }
        case .pow: binary { Double.power($0, $1) }
        case .sqr: unary { $0 * $0 }
        case .sqrt: unary { $0.squareRoot() }
        case .abs: unary { Swift.abs($0) }
        case .sign: unary { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? .nan : 0)) }
        // numpy returns the second argument on ties (so minimum(-0.0, 0.0) is 0.0).
        case .maximum: binary { $0.isNaN || $1.isNaN ? .nan : ($0 > $1 ? $0 : $1) }
        case .minimum: binary { $0.isNaN || $1.isNaN ? .nan : ($0 < $1 ? $0 : $1) }
        // PyTensor's Clip (not numpy's): the lower bound wins when min > max, NaN bounds are ignored.
        case .clip: ternary { x, low, high in x < low ? low : (x > high ? high : x) }
        case .exp: unary { Double.exp($0) }
        case .exp2: unary { Double.exp2($0) }
        case .expm1: unary { Double.expMinusOne($0) }
        case .log: unary { Double.log($0) }
        case .log2: unary { Double.log2($0) }
        case .log10: unary { Double.log10($0) }
        case .log1p: unary { Double.log(onePlus: $0) }
        case .floor: unary { $0.rounded(.down) }
        case .ceil: unary { $0.rounded(.up) }
        case .round: unary { $0.rounded(.toNearestOrEven) }
        case .sin: unary { Double.sin($0) }
        case .cos: unary { Double.cos($0) }
        case .tan: unary { Double.tan($0) }
        case .arcsin: unary { Double.asin($0) }
        case .arccos: unary { Double.acos($0) }
        case .arctan: unary { Double.atan($0) }
        case .arctan2: binary { Double.atan2(y: $0, x: $1) }
        case .sinh: unary { Double.sinh($0) }
        case .cosh: unary { Double.cosh($0) }
        case .tanh: unary { Double.tanh($0) }
        case .arcsinh: unary { Double.asinh($0) }
        case .arccosh: unary { Double.acosh($0) }
        case .arctanh: unary { Double.atanh($0) }
        case .sigmoid: unary { SpecialFunctions.sigmoid($0) }
        case .softplus: unary { SpecialFunctions.softplus($0) }
        case .erf: unary { Double.erf($0) }
        case .erfc: unary { Double.erfc($0) }
        case .gammaln: unary { SpecialFunctions.logGamma($0) }
        case .psi: unary { SpecialFunctions.digamma($0) }
        case .trigamma: unary { SpecialFunctions.trigamma($0) }
        case .switch: ternary { $0 != 0 ? $1 : $2 }
        case .second: binary { $1 }
        case .identity, .cast: unary { $0 }
        case .eq, .neq, .lt, .le, .gt, .ge, .isnan, .isinf:
            { a, b, _ in comparisonKernel(a, b) ? 1 : 0 }
        case .and, .or, .xor, .invert: { _, _, _ in .nan }  // rejected at construction
        case .composite: { _, _, _ in .nan }  // run by the fused kernel, never per op
        }
    }

    /// The integer kernel (int64 arithmetic; results are wrapped to the output width).
    package var integerKernel: Kernel3<Int64> {
        switch self {
        case .add: binary { $0 &+ $1 }
        case .sub: binary { $0 &- $1 }
        case .mul: binary { $0 &* $1 }
        case .intDiv: binary { Int64.floorDivide($0, $1) }
        case .mod: binary { Int64.floorModulo($0, $1) }
        case .neg: unary { 0 &- $0 }
        case .pow: binary { Int64.integerPower($0, $1) }
        case .sqr: unary { $0 &* $0 }
        case .abs: unary { $0 < 0 ? 0 &- $0 : $0 }
        case .sign: unary { $0.signum() }
        case .maximum: binary { Swift.max($0, $1) }
        case .minimum: binary { Swift.min($0, $1) }
        case .clip: ternary { x, low, high in x < low ? low : (x > high ? high : x) }
        case .and: binary { $0 & $1 }
        case .or: binary { $0 | $1 }
        case .xor: binary { $0 ^ $1 }
        case .invert: unary { ~$0 }
        case .switch: ternary { $0 != 0 ? $1 : $2 }
        case .second: binary { $1 }
        case .identity, .cast: unary { $0 }
        case .eq, .neq, .lt, .le, .gt, .ge, .isnan, .isinf:
            // Exact on int64 (through double, 2**62 + 1 would equal 2**62).
            { a, b, _ in integerComparisonKernel(a, b) ? 1 : 0 }
        default: { _, _, _ in 0 }  // float-only ops never run on integers (upgradesToFloat)
        }
    }

    /// Comparison and classification kernel, on double values.
    package func comparisonKernel(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .eq: a == b
        case .neq: a != b
        case .lt: a < b
        case .le: a <= b
        case .gt: a > b
        case .ge: a >= b
        case .isnan: a.isNaN
        case .isinf: a.isInfinite
        default: false
        }
    }

    /// Comparison kernel on int64 values (exact for every integer width).
    package func integerComparisonKernel(_ a: Int64, _ b: Int64) -> Bool {
        switch self {
        case .eq: a == b
        case .neq: a != b
        case .lt: a < b
        case .le: a <= b
        case .gt: a > b
        case .ge: a >= b
        case .isnan, .isinf: false
        default: false
        }
    }
}

/// A scalar kernel of up to three arguments (unused ones are ignored).
package typealias Kernel3<T> = @Sendable (T, T, T) -> T

@inline(__always) package func unary<T>(_ f: @escaping @Sendable (T) -> T) -> Kernel3<T> { { a, _, _ in f(a) } }
@inline(__always) package func binary<T>(_ f: @escaping @Sendable (T, T) -> T) -> Kernel3<T> { { a, b, _ in f(a, b) } }
@inline(__always) package func ternary<T>(_ f: @escaping @Sendable (T, T, T) -> T) -> Kernel3<T> { f }

extension ScalarOp {
}

extension Double {
    /// C's (and numpy's) `pow`. RealModule's `Double.pow(x, y)` returns NaN for every negative
    /// `x` and for `0 ** 0`, so only its integer-exponent overload, which calls libm `pow`
    /// directly, is used for negative bases.
    package static func power(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }  // also for x = NaN, as C's pow
        // numpy squares (x * x, correctly rounded) where glibc's pow can be half an ulp off.
        if y == 2 { return x * x }
        if y == 1 { return x }
        if x > 0 || x.isNaN || y.isNaN { return Double.pow(x, y) }
        // x is ±0, negative or -inf: libm's pow through the Int overload when y is an integer.
        if let n = Int(exactly: y) { return Double.pow(x, n) }
        // |y| ≥ 2**63 is an even integer, and ±inf: the sign of x does not matter.
        if y.isInfinite || y.magnitude >= 0x1p63 { return Double.pow(-x, y) }
        // A non-integer power of a negative number or -0.
        if x == 0 { return y > 0 ? 0 : .infinity }
        if x == -.infinity { return y > 0 ? .infinity : 0 }
        return .nan
    }

    /// Python's `a // b` for floats, exactly as numpy's `npy_floor_divide`.
    package static func floorDivide(_ a: Double, _ b: Double) -> Double {
        if b == 0 { return a / b }
        return divisionAndModulo(a, b).quotient
    }

    /// Python's `a % b` for floats (the sign of `b`), exactly as numpy's `npy_remainder`.
    package static func floorModulo(_ a: Double, _ b: Double) -> Double {
        if b == 0 { return a.truncatingRemainder(dividingBy: b) }  // NaN
        return divisionAndModulo(a, b).modulo
    }

    /// numpy's `npy_divmod`: fmod, adjusted to the divisor's sign, with the quotient snapped to
    /// an integer and signed zeros where the result is zero (`-1 // inf` is -1, `-0 % 2` is 0).
    private static func divisionAndModulo(_ a: Double, _ b: Double) -> (quotient: Double, modulo: Double) {
        var modulo = a.truncatingRemainder(dividingBy: b)
        var quotient = (a - modulo) / b
        if modulo != 0 {
            if (b < 0) != (modulo < 0) {
                modulo += b
                quotient -= 1
            }
        } else {
            modulo = Double(signOf: b, magnitudeOf: 0)
        }
        if quotient != 0 {
            var floored = quotient.rounded(.down)
            if quotient - floored > 0.5 { floored += 1 }
            quotient = floored
        } else {
            quotient = Double(signOf: a / b, magnitudeOf: 0)
        }
        return (quotient, modulo)
    }
}

extension Int64 {
    /// numpy's integer `//`: floor division; division by zero gives 0.
    package static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 { return 0 }
        if a == .min && b == -1 { return .min }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    /// numpy's integer `%`: sign of the divisor; modulo by zero gives 0.
    package static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 || b == -1 { return 0 }
        let m = a % b
        return (m != 0 && ((m < 0) != (b < 0))) ? m + b : m
    }

    /// numpy's integer power (wrapping); negative exponents are 0 except for bases ±1 (numpy
    /// raises for negative integer powers; PyTensor computes them this way).
    package static func integerPower(_ base: Int64, _ exponent: Int64) -> Int64 {
        if exponent < 0 {
            if base == 1 { return 1 }
            if base == -1 { return exponent % 2 == 0 ? 1 : -1 }
            return 0
        }
        var result: Int64 = 1
        var b = base
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result &* b }
            b = b &* b
            e >>= 1
        }
        return result
    }
}
