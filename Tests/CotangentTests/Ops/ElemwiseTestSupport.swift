import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The public API call for each scalar op name used in the value tables, and the scalar op it
/// must build. Tests go through the user-facing spelling (`x + y`, `exp(x)`, `select`, …).
enum ElemwiseAPI {
    static func apply(_ name: String, _ x: [Variable]) -> Variable {
        switch name {
        case "add": x[0] + x[1]
        case "sub": x[0] - x[1]
        case "mul": x[0] * x[1]
        case "trueDiv": x[0] / x[1]
        case "intDiv": intDiv(x[0], x[1])
        case "mod": x[0] % x[1]
        case "neg": -x[0]
        case "reciprocal": reciprocal(x[0])
        case "pow": pow(x[0], x[1])
        case "sqr": sqr(x[0])
        case "sqrt": sqrt(x[0])
        case "abs": abs(x[0])
        case "sign": sign(x[0])
        case "maximum": maximum(x[0], x[1])
        case "minimum": minimum(x[0], x[1])
        case "clip": clip(x[0], min: x[1], max: x[2])
        case "exp": exp(x[0])
        case "exp2": exp2(x[0])
        case "expm1": expm1(x[0])
        case "log": log(x[0])
        case "log2": log2(x[0])
        case "log10": log10(x[0])
        case "log1p": log1p(x[0])
        case "floor": floor(x[0])
        case "ceil": ceil(x[0])
        case "round": round(x[0])
        case "sin": sin(x[0])
        case "cos": cos(x[0])
        case "tan": tan(x[0])
        case "arcsin": arcsin(x[0])
        case "arccos": arccos(x[0])
        case "arctan": arctan(x[0])
        case "arctan2": arctan2(x[0], x[1])
        case "sinh": sinh(x[0])
        case "cosh": cosh(x[0])
        case "tanh": tanh(x[0])
        case "arcsinh": arcsinh(x[0])
        case "arccosh": arccosh(x[0])
        case "arctanh": arctanh(x[0])
        case "sigmoid": sigmoid(x[0])
        case "softplus": softplus(x[0])
        case "erf": erf(x[0])
        case "erfc": erfc(x[0])
        case "gammaln": gammaln(x[0])
        case "psi": psi(x[0])
        case "eq": x[0] .== x[1]
        case "neq": x[0] .!= x[1]
        case "lt": x[0] .< x[1]
        case "le": x[0] .<= x[1]
        case "gt": x[0] .> x[1]
        case "ge": x[0] .>= x[1]
        case "and": x[0] & x[1]
        case "or": x[0] | x[1]
        case "xor": x[0] ^ x[1]
        case "invert": ~x[0]
        case "isnan": isnan(x[0])
        case "isinf": isinf(x[0])
        case "switch": select(x[0], x[1], x[2])
        case "second": second(x[0], x[1])
        case "identity": identity(x[0])
        default: preconditionFailure("no API call for \(name)")
        }
    }

    static func scalarOp(_ name: String) -> ScalarOp {
        let ops: [String: ScalarOp] = [
            "add": .add, "sub": .sub, "mul": .mul, "trueDiv": .trueDiv, "intDiv": .intDiv,
            "mod": .mod, "neg": .neg, "reciprocal": .reciprocal, "pow": .pow, "sqr": .sqr,
            "sqrt": .sqrt, "abs": .abs, "sign": .sign, "maximum": .maximum, "minimum": .minimum,
            "clip": .clip, "exp": .exp, "exp2": .exp2, "expm1": .expm1, "log": .log, "log2": .log2,
            "log10": .log10, "log1p": .log1p, "floor": .floor, "ceil": .ceil, "round": .round,
            "sin": .sin, "cos": .cos, "tan": .tan, "arcsin": .arcsin, "arccos": .arccos,
            "arctan": .arctan, "arctan2": .arctan2, "sinh": .sinh, "cosh": .cosh, "tanh": .tanh,
            "arcsinh": .arcsinh, "arccosh": .arccosh, "arctanh": .arctanh, "sigmoid": .sigmoid,
            "softplus": .softplus, "erf": .erf, "erfc": .erfc, "gammaln": .gammaln, "psi": .psi,
            "eq": .eq, "neq": .neq, "lt": .lt, "le": .le, "gt": .gt, "ge": .ge, "and": .and,
            "or": .or, "xor": .xor, "invert": .invert, "isnan": .isnan, "isinf": .isinf,
            "switch": .switch, "second": .second, "identity": .identity,
        ]
        return ops[name]!
    }

    /// Builds `name` on vector inputs of the given dtypes, checks that the node is the expected
    /// Elemwise, and evaluates it on `values`.
    static func evaluate(
        _ name: String, _ values: [NDArray], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (Variable, NDArray) {
        let inputs = values.enumerated().map { k, value in
            Tensor.tensor("x\(k)", dtype: value.dtype, shape: value.shape.map { _ in nil })
        }
        let output = apply(name, inputs)
        let op = try #require(output.owner?.op as? Elemwise, sourceLocation: sourceLocation)
        #expect(op.scalarOp == scalarOp(name), sourceLocation: sourceLocation)
        let feed = Dictionary(uniqueKeysWithValues: zip(inputs, values))
        return (output, try output.eval(feed, strict: true))
    }
}

/// One unary op over float inputs: numpy's float64 results and its float32 results.
struct UnaryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let inputs: [Double]
    let float64: [Double]
    let float32: [Float]

    init(_ name: String, inputs: [Double], float64: [Double], float32: [Float]) {
        self.name = name
        self.inputs = inputs
        self.float64 = float64
        self.float32 = float32
    }

    var testDescription: String { name }
}

/// One binary op over the outer grid of `a` (a column) and `b` (a row).
struct BinaryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let a: [Double]
    let b: [Double]
    let float64: [Double]
    let float32: [Float]

    init(_ name: String, a: [Double], b: [Double], float64: [Double], float32: [Float]) {
        self.name = name
        self.a = a
        self.b = b
        self.float64 = float64
        self.float32 = float32
    }

    /// `"a op b"` labels in the grid's row-major order.
    var labels: [String] { a.flatMap { x in b.map { y in "(\(x), \(y))" } } }

    var testDescription: String { name }
}

/// Inputs of any dtypes and the exact result numpy gives (dtype and values).
struct ExactCase: Sendable, CustomTestStringConvertible {
    let op: String
    let inputs: [TypedValues]
    let expected: TypedValues

    init(_ op: String, _ inputs: TypedValues..., expected: TypedValues) {
        self.op = op
        self.inputs = inputs
        self.expected = expected
    }

    var testDescription: String {
        "\(op)(\(inputs.map { "\($0.dtype)" }.joined(separator: ", "))) -> \(expected.dtype)"
    }
}
