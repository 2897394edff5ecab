import Cotangent

/// The elementwise functions the generator draws from, by name: how to build each, how to
/// print it as Swift, where it is defined well away from poles and overflow, and whether finite
/// differences can check its derivative.
public enum FuzzFunctions {
    /// A one-argument elementwise function.
    public struct Unary: Sendable {
        let build: @Sendable (Variable) -> Variable
        let swift: @Sendable (String) -> String
        /// Whether an operand value keeps the function finite and its derivative moderate.
        let accepts: @Sendable (Double) -> Bool
        let smooth: Bool
        /// Whether the function takes integer and bool operands.
        let integers: Bool
        /// How many times it can be differentiated here (its derivatives' own rules).
        var derivatives = Int.max
    }

    /// A two-argument elementwise function or operator.
    public struct Binary: Sendable {
        let build: @Sendable (Variable, Variable) -> Variable
        let swift: @Sendable (String, String) -> String
        let accepts: @Sendable (Double, Double) -> Bool
        let smooth: Bool
        /// Which operand dtypes it takes: floats and integers, or integers and bools only.
        let bitwise: Bool
    }

    private static func call(_ name: String) -> @Sendable (String) -> String { { "\(name)(\($0))" } }
    private static func call2(_ name: String) -> @Sendable (String, String) -> String { { "\(name)(\($0), \($1))" } }
    private static func infix(_ op: String) -> @Sendable (String, String) -> String { { "(\($0) \(op) \($1))" } }
    private static let anywhere: @Sendable (Double) -> Bool = { _ in true }

    private static func unary(
        _ name: String, _ build: @escaping @Sendable (Variable) -> Variable, smooth: Bool = true,
        integers: Bool = true, derivatives: Int = .max, accepts: @escaping @Sendable (Double) -> Bool = anywhere
    ) -> (String, Unary) {
        (name, Unary(build: build, swift: call(name), accepts: accepts, smooth: smooth, integers: integers,
                     derivatives: derivatives))
    }

    /// The one-argument functions.
    ///
    /// Adding an entry changes the graph every seed generates, and the test suite replays the
    /// seeds of former failures (`formerFailuresPass`): functions added later (the special
    /// functions, einsum, the statistics) are tested by their own suites, not drawn here.
    public static let unary: [String: Unary] = Dictionary(uniqueKeysWithValues: [
        unary("exp", Cotangent.exp, accepts: { $0 < 4 }),
        unary("exp2", Cotangent.exp2, accepts: { $0 < 5 }),
        unary("expm1", Cotangent.expm1, accepts: { $0 < 4 }),
        unary("log", Cotangent.log, accepts: { $0 > 0.1 }),
        unary("log2", Cotangent.log2, accepts: { $0 > 0.1 }),
        unary("log10", Cotangent.log10, accepts: { $0 > 0.1 }),
        unary("log1p", Cotangent.log1p, accepts: { $0 > -0.9 }),
        unary("sqrt", Cotangent.sqrt, accepts: { $0 > 0.1 }),
        unary("sqr", Cotangent.sqr, accepts: { Swift.abs($0) < 30 }),
        unary("reciprocal", Cotangent.reciprocal, accepts: { Swift.abs($0) > 0.2 }),
        unary("abs", Cotangent.abs, smooth: false),
        unary("sign", Cotangent.sign, smooth: false),
        unary("floor", Cotangent.floor, smooth: false),
        unary("ceil", Cotangent.ceil, smooth: false),
        unary("round", Cotangent.round, smooth: false),
        unary("sin", Cotangent.sin),
        unary("cos", Cotangent.cos),
        unary("tan", Cotangent.tan, accepts: { Swift.abs($0) < 1.2 }),
        unary("arcsin", Cotangent.arcsin, accepts: { Swift.abs($0) < 0.9 }),
        unary("arccos", Cotangent.arccos, accepts: { Swift.abs($0) < 0.9 }),
        unary("arctan", Cotangent.arctan),
        unary("sinh", Cotangent.sinh, accepts: { Swift.abs($0) < 4 }),
        unary("cosh", Cotangent.cosh, accepts: { Swift.abs($0) < 4 }),
        unary("tanh", Cotangent.tanh),
        unary("arcsinh", Cotangent.arcsinh),
        unary("arccosh", Cotangent.arccosh, accepts: { $0 > 1.1 }),
        unary("arctanh", Cotangent.arctanh, accepts: { Swift.abs($0) < 0.9 }),
        unary("sigmoid", Cotangent.sigmoid),
        unary("softplus", Cotangent.softplus),
        unary("erf", Cotangent.erf),
        unary("erfc", Cotangent.erfc),
        unary("gammaln", Cotangent.gammaln, accepts: { $0 > 0.2 && $0 < 20 }),
        unary("psi", Cotangent.psi, accepts: { $0 > 0.2 && $0 < 20 }),
        unary("trigamma", Cotangent.trigamma, accepts: { $0 > 0.2 && $0 < 20 }),
        unary("isnan", Cotangent.isnan, smooth: false),
        unary("isinf", Cotangent.isinf, smooth: false),
        unary("identity", Cotangent.identity),
        ("neg", Unary(build: { -$0 }, swift: { "(-\($0))" }, accepts: anywhere, smooth: true, integers: true)),
    ])

    private static func binary(
        _ name: String, _ build: @escaping @Sendable (Variable, Variable) -> Variable,
        swift: (@Sendable (String, String) -> String)? = nil, smooth: Bool = true, bitwise: Bool = false,
        accepts: @escaping @Sendable (Double, Double) -> Bool = { _, _ in true }
    ) -> (String, Binary) {
        (name, Binary(build: build, swift: swift ?? call2(name), accepts: accepts, smooth: smooth, bitwise: bitwise))
    }

    /// The two-argument functions and operators.
    public static let binary: [String: Binary] = Dictionary(uniqueKeysWithValues: [
        binary("+", { $0 + $1 }, swift: infix("+")),
        binary("-", { $0 - $1 }, swift: infix("-")),
        binary("*", { $0 * $1 }, swift: infix("*"), accepts: { Swift.abs($0 * $1) < 1e3 }),
        binary("/", { $0 / $1 }, swift: infix("/"), accepts: { Swift.abs($1) > 0.2 }),
        binary("pow", Cotangent.pow, accepts: { $0 > 0.2 && Swift.abs($1) < 4 }),
        binary("maximum", Cotangent.maximum, smooth: false),
        binary("minimum", Cotangent.minimum, smooth: false),
        binary("arctan2", Cotangent.arctan2, accepts: { Swift.abs($1) > 0.2 }),
        binary("intDiv", Cotangent.intDiv, smooth: false, accepts: { Swift.abs($1) > 0.5 }),
        binary("%", { $0 % $1 }, swift: infix("%"), smooth: false, accepts: { Swift.abs($1) > 0.5 }),
        binary(".<", { $0 .< $1 }, swift: infix(".<"), smooth: false),
        binary(".<=", { $0 .<= $1 }, swift: infix(".<="), smooth: false),
        binary(".>", { $0 .> $1 }, swift: infix(".>"), smooth: false),
        binary(".==", { $0 .== $1 }, swift: infix(".=="), smooth: false),
        binary(".!=", { $0 .!= $1 }, swift: infix(".!="), smooth: false),
        binary("&", { $0 & $1 }, swift: infix("&"), smooth: false, bitwise: true),
        binary("|", { $0 | $1 }, swift: infix("|"), smooth: false, bitwise: true),
        binary("^", { $0 ^ $1 }, swift: infix("^"), smooth: false, bitwise: true),
        binary("second", Cotangent.second),
    ])
}
