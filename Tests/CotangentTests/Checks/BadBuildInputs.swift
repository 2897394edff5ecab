@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

// Graphs that can never be valid: wrong ranks, static shapes, dtypes, axes and arguments.
// Built inside `checked { … }`, each throws instead of stopping the process.

extension BadInput {
    static let buildCases: [BadInput] = staticShapeCases + rankAndAxisCases + dtypeCases + argumentCases + derivativeCases

    private static func invalid(_ label: String, _ substrings: [String], kind: CotangentError.Kind = .invalidGraph,
                                build: @escaping @Sendable () -> Tensor) -> BadInput {
        .graph("build", label, throws: kind, substrings, build: build)
    }

    static let staticShapeCases: [BadInput] = [
        invalid("add of static lengths 3 and 4", ["Add", "(3,)", "(4,)"]) { Tensor.vector("x", shape: [3]) + Tensor.vector("y", shape: [4]) },
        invalid("mul of static (2, 3) and (3, 2)", ["Mul", "(2, 3)", "(3, 2)"]) { Tensor.matrix("a", shape: [2, 3]) * Tensor.matrix("b", shape: [3, 2]) },
        invalid("select of static 2, 3, 2", ["Switch", "(2,)", "(3,)"]) {
            select(Tensor.vector("c", dtype: .bool, shape: [2]), Tensor.vector("x", shape: [3]), Tensor.vector("y", shape: [2]))
        },
        invalid("matmul of static (2, 3) and (4, 5)", ["Dot", "(2, 3)", "(4, 5)"]) { matmul(Tensor.matrix("A", shape: [2, 3]), Tensor.matrix("B", shape: [4, 5])) },
        invalid("dot of static 3 and 4", ["Dot", "(3,)", "(4,)"]) { dot(Tensor.vector("x", shape: [3]), Tensor.vector("y", shape: [4])) },
        invalid("matrix·vector static 3 vs 2", ["Dot", "(2, 3)", "(2,)"]) { matmul(Tensor.matrix("A", shape: [2, 3]), Tensor.vector("x", shape: [2])) },
        invalid("batched matmul static core 3 vs 4", ["Dot", "(2, 3)", "(4, 5)"]) {
            matmul(Tensor.tensor3("A", shape: [2, 2, 3]), Tensor.tensor3("B", shape: [2, 4, 5]))
        },
        invalid("batched matmul static batch 2 vs 3", ["(2, 2, 3)", "(3, 3, 5)"]) {
            matmul(Tensor.tensor3("A", shape: [2, 2, 3]), Tensor.tensor3("B", shape: [3, 3, 5]))
        },
        invalid("reshape static 4 to (2, 3)", ["Reshape{2}", "(4,)", "(2, 3)"]) { Tensor.vector("x", shape: [4]).reshaped(to: [2, 3]) },
        invalid("reshape static 4 to (3, -1)", ["Reshape{2}", "(4,)", "(3, -1)"]) { Tensor.vector("x", shape: [4]).reshaped(to: [3, -1]) },
        invalid("reshape with two -1", ["Reshape{2}", "-1"]) { Tensor.vector("x").reshaped(to: [-1, -1]) },
        invalid("reshape to a negative length", ["Reshape{2}", "-3"]) { Tensor.vector("x").reshaped(to: [2, -3]) },
        invalid("specifyingShape of static 3 as 4", ["SpecifyShape", "4"]) { Tensor.vector("x", shape: [3]).specifyingShape([4]) },
        invalid("specifyingShape with the wrong rank", ["SpecifyShape", "(3, 4)"]) { Tensor.vector("x").specifyingShape([3, 4]) },
        invalid("alloc of a static 3 to 4", ["Alloc", "(3,)", "(4,)"]) { alloc(Tensor.vector("x", shape: [3]), shape: [4]) },
        invalid("alloc with fewer lengths than the value's rank", ["Alloc", "2 dimensions"]) { alloc(Tensor.matrix("m"), shape: [4]) },
        invalid("concatenate static rows 2 and 3 along axis 1", ["Join", "2, 3"]) {
            concatenate([Tensor.matrix("a", shape: [2, 2]), Tensor.matrix("b", shape: [3, 2])], axis: 1)
        },
        invalid("concatenate of ranks 1 and 2", ["Join", "[1, 2]"]) { concatenate([Tensor.vector("a"), Tensor.matrix("b")]) },
        invalid("concatenate of 0-d tensors", ["Join", "0-d"]) { concatenate([Tensor.scalar("a"), Tensor.scalar("b")]) },
        invalid("convolve1d of a static empty input", ["Convolve1d", "(0,)"]) { convolve1d(Tensor.vector("x", shape: [0]), Tensor.vector("k")) },
        invalid("squeeze of a dimension not statically 1", ["Squeeze", "not statically 1"]) { Tensor.matrix("m").squeezed(axes: [0]) },
        invalid("squeeze of static length 3", ["Squeeze", "(3, 1)"]) { Tensor.matrix("m", shape: [3, 1]).squeezed(axes: [0]) },
    ]

    static let rankAndAxisCases: [BadInput] = [
        invalid("squeezed(axes: [3]) on a matrix", ["squeezed", "axis 3", "Matrix(float64"]) { Tensor.matrix("m").squeezed(axes: [3]) },
        invalid("squeezed(axes: [-3]) on a matrix", ["squeezed", "axis -3"]) { Tensor.matrix("m").squeezed(axes: [-3]) },
        invalid("squeezed with a repeated axis", ["squeezed", "repeated"]) { Tensor.matrix("m", shape: [1, 1]).squeezed(axes: [0, 0]) },
        invalid("expandingDims([3]) on a vector", ["expandingDims", "axis 3"]) { Tensor.vector("x").expandingDims([3]) },
        invalid("expandingDims([-4]) on a vector", ["expandingDims", "axis -4"]) { Tensor.vector("x").expandingDims([-4]) },
        invalid("expandingDims with a repeated axis", ["expandingDims", "repeated"]) { Tensor.vector("x").expandingDims([0, 0]) },
        invalid("transposed with too few axes", ["transposed", "[0]"]) { Tensor.matrix("m").transposed(axes: [0]) },
        invalid("transposed with an axis out of range", ["transposed", "axis 2"]) { Tensor.matrix("m").transposed(axes: [0, 2]) },
        invalid("transposed with a repeated axis", ["transposed", "repeated"]) { Tensor.matrix("m").transposed(axes: [1, 1]) },
        invalid("sum over axis 2 of a matrix", ["Sum", "2"]) { Tensor.matrix("m").sum(axis: 2) },
        invalid("sum over axis -3 of a matrix", ["Sum", "-3"]) { Tensor.matrix("m").sum(axis: -3) },
        invalid("sum over a repeated axis", ["Sum"]) { Tensor.matrix("m").sum(axes: [0, 0]) },
        invalid("prod over axis 1 of a vector", ["Prod", "1"]) { Tensor.vector("x").prod(axis: 1) },
        invalid("max over axis 5", ["Max", "5"]) { Tensor.matrix("m").max(axis: 5) },
        invalid("min over axis 5", ["Min", "5"]) { Tensor.matrix("m").min(axis: 5) },
        invalid("mean over axis 2 of a matrix", ["Sum", "2"]) { Tensor.matrix("m").mean(axis: 2) },
        invalid("argmax over axis 2 of a matrix", ["Argmax", "2"]) { Tensor.matrix("m").argmax(axis: 2) },
        invalid("argmin over axis -3 of a matrix", ["Argmax", "-3"]) { Tensor.matrix("m").argmin(axis: -3) },
        invalid("all over axis 1 of a vector", ["All", "1"]) { Tensor.vector("b", dtype: .bool).all(axis: 1) },
        invalid("any over axis 3", ["Any", "3"]) { Tensor.matrix("b", dtype: .bool).any(axis: 3) },
        invalid("cumsum over axis 2 of a matrix", ["CumOp", "axis 2"]) { cumsum(Tensor.matrix("m"), axis: 2) },
        invalid("cumprod over axis -3 of a matrix", ["CumOp", "-3"]) { cumprod(Tensor.matrix("m"), axis: -3) },
        invalid("concatenate along axis 2 of matrices", ["Join", "axis 2"]) { concatenate([Tensor.matrix("a"), Tensor.matrix("b")], axis: 2) },
        invalid("length(ofDimension: 2) of a matrix", ["Shape_i", "Matrix(float64"]) { Tensor.matrix("m").length(ofDimension: 2) },
        invalid("matmul of a scalar", ["matmul", "0-d", "Scalar(float64"]) { matmul(Tensor.scalar("s"), Tensor.matrix("m")) },
        invalid("matmul of two scalars", ["matmul", "0-d"]) { matmul(Tensor.scalar("s"), Tensor.scalar("t")) },
        invalid("dot of 3-d operands with different contracted lengths", ["tensordot", "(2, 3, 4)", "(5, 6)"]) {
            dot(Tensor.tensor3("a", shape: [2, 3, 4]), Tensor.matrix("b", shape: [5, 6]))
        },
        invalid("convolve1d of a scalar kernel", ["Convolve1d", "0 dimensions", "Scalar(float64"]) { convolve1d(Tensor.vector("x"), Tensor.scalar("k")) },
        invalid("reshape of the scalar to a matrix with wrong size", ["Reshape{2}", "(2, 2)"]) { Tensor.scalar("s").reshaped(to: [2, 2]) },
        invalid("index a vector with two indices", ["x", "2"]) { Tensor.vector("x")[0, 1] },
        invalid("index a scalar", ["0"]) { Tensor.scalar("s")[0] },
        invalid("Tensor.vector with a 2-d shape", ["Tensor.vector", "\"t\"", "(?, ?)", "expected 1"]) { Tensor.vector("t", shape: [nil, nil]) },
        invalid("Tensor.matrix with a 1-d shape", ["Tensor.matrix", "(2,)", "expected 2"]) { Tensor.matrix(shape: [2]) },
        invalid("Tensor.tensor3 with a 2-d shape", ["Tensor.tensor3", "expected 3"]) { Tensor.tensor3("t", shape: [1, 2]) },
        invalid("Tensor.vector with a negative length", ["Tensor.vector", "negative", "-2"]) { Tensor.vector("t", shape: [-2]) },
        invalid("Tensor.tensor with a negative length", ["Tensor.tensor", "negative", "-1"]) { Tensor.tensor("t", shape: [2, -1, 3]) },
    ]

    static let dtypeCases: [BadInput] = [
        invalid("bitwise and of float vectors", ["And", "float64"]) { Tensor.vector("x") & Tensor.vector("y") },
        invalid("bitwise or of float32", ["Or", "float32"]) { Tensor.vector("x", dtype: .float32) | Tensor.vector("y", dtype: .float32) },
        invalid("invert of a float vector", ["Invert", "float64"]) { ~Tensor.vector("x") },
        invalid("xor of float and int", ["Xor", "float64"]) { Tensor.vector("x") ^ Tensor.vector("i", dtype: .int64) },
        invalid("alloc with a float length", ["Alloc", "length 0", "float64"]) { alloc(1.0, shape: [Tensor.scalar("n")]) },
        invalid("alloc with a vector length", ["Alloc", "length 0", "Vector(int64"]) { alloc(1.0, shape: [Tensor.vector("n", dtype: .int64)]) },
        invalid("eye with a float size", ["Eye", "n", "float64"]) { eye(Tensor.scalar("n")) },
        invalid("eye with a vector size", ["Eye", "n", "Vector(int64"]) { eye(Tensor.vector("n", dtype: .int64)) },
        invalid("reshape with a float shape", ["Reshape{2}", "float64"]) { Tensor.vector("x").reshaped(to: Tensor.vector("s", shape: [2]), ndim: 2) },
        invalid("reshape with a matrix shape", ["Reshape", "vector"]) { Tensor.vector("x").reshaped(to: Tensor.matrix("s", dtype: .int64), ndim: 2) },
        invalid("arange with a vector bound", ["ARange", "Vector"]) { arange(Tensor.vector("n")) },
        invalid("select with a vector condition of another length", ["(2,)", "(3,)"]) {
            select(Tensor.vector("c", dtype: .bool, shape: [2]), Tensor.vector("x", shape: [3]), 0.0)
        },
        invalid("clip with a matrix bound of another shape", ["(2, 3)", "(3, 2)"]) {
            clip(Tensor.matrix("x", shape: [2, 3]), min: Tensor.matrix("m", shape: [3, 2]), max: 1.0)
        },
        invalid("index with a float index", ["float64"]) { Tensor.vector("x")[Tensor.scalar("i")] },
        invalid("pushforward wrt an int input", ["pushforward", "int64"], kind: .invalidGradient) {
            let i = Tensor.vector("i", dtype: .int64)
            return pushforward(i.cast(to: .float64) * 2, wrt: i, tangent: Tensor.vector("t"))
        },
    ]

    static let argumentCases: [BadInput] = [
        invalid("gradClip with lower above upper", ["gradClip", "lower", "1.0", "0.0", "Vector(float64"]) { gradClip(Tensor.vector("x"), lower: 1, upper: 0) },
        invalid("gradClip with a NaN bound", ["gradClip", "nan"]) { gradClip(Tensor.vector("x"), lower: .nan, upper: 1) },
        invalid("zeros of a negative length", ["Alloc", "negative", "(2, -3)", "float64"]) { zeros(shape: [2, -3]) },
        invalid("ones of a negative length", ["Alloc", "negative", "(-1,)", "float64"]) { ones(shape: [-1]) },
        invalid("full of a negative length", ["Alloc", "negative", "(-5, 2)"]) { full(shape: [-5, 2], value: 1.0) },
        invalid("alloc of a negative length", ["Alloc", "negative", "(3, -2)"]) { alloc(Tensor.vector("x", shape: [3]), shape: [3, -2]) },
        invalid("eye of a negative size", ["Eye", "negative", "-2"]) { eye(-2) },
        invalid("eye of a negative column count", ["Eye", "negative", "-3"]) { eye(2, -3) },
        invalid("arange with step 0", ["ARange", "step 0"]) { arange(0.0, 5.0, step: 0.0) },
        invalid("arange with a NaN bound", ["ARange", "nan"]) { arange(0.0, Variable(Double.nan)) },
        invalid("arange with an infinite bound", ["ARange", "inf"]) { arange(0.0, Variable(Double.infinity)) },
        invalid("zeros of an overflowing shape", ["Alloc", "too big", "(4294967296, 4294967296)"]) { zeros(shape: [1 << 32, 1 << 32]) },
        invalid("eye of an overflowing shape", ["Eye", "too big"]) { eye(1 << 32) },
        invalid("Tensor.matrix of lengths 2^40", ["Tensor.matrix", "too big", "(1099511627776, 1099511627776)"]) {
            Tensor.matrix("h", shape: [1 << 40, 1 << 40])
        },
        invalid("cumsum of a 2^40 × 2^40 matrix", ["too big"]) { cumsum(Tensor.matrix("h", shape: [1 << 40, 1 << 40])) },
        invalid("mean of a 2^40 × 2^40 matrix", ["too big"]) { Tensor.matrix("h", shape: [1 << 40, 1 << 40]).mean() },
        invalid("convolve1d of two 2^62 vectors", ["too big"]) {
            convolve1d(Tensor.vector("a", shape: [1 << 62]), Tensor.vector("b", shape: [1 << 62]))
        },
        invalid("Tensor.tensor of lengths 2^31 × 2^31 × 4", ["Tensor.tensor", "too big"]) { Tensor.tensor("t", shape: [1 << 31, 1 << 31, 4]) },
        invalid("reshape to an overflowing shape", ["Reshape{2}"]) { Tensor.vector("x", shape: [4]).reshaped(to: [1 << 62, 1 << 62]) },
    ]

    static let derivativeCases: [BadInput] = [
        invalid("grad of a vector cost", ["grad", "Vector(float64"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return grad(exp(x), wrt: x)
        },
        invalid("grad wrt an int input", ["int64"], kind: .invalidGradient) {
            let i = Tensor.vector("i", dtype: .int64)
            return grad(i.cast(to: .float64).sum(), wrt: i)
        },
        invalid("grad wrt an unrelated input", ["y"], kind: .invalidGradient) {
            grad(Tensor.vector("x").sum(), wrt: Tensor.vector("y"))
        },
        invalid("grad through undefinedGrad", ["undefined"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return grad(undefinedGrad(x).sum(), wrt: x)
        },
        invalid("pullback with a cotangent of another static shape", ["(3,)", "(4,)"], kind: .invalidGradient) {
            let x = Tensor.vector("x", shape: [3])
            return pullback(exp(x), wrt: x, cotangent: Tensor.vector("v", shape: [4]))
        },
        invalid("pullback with a cotangent of another rank", ["Matrix(float64"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return pullback(exp(x), wrt: x, cotangent: Tensor.matrix("v"))
        },
        invalid("pushforward with a tangent of another rank", ["pushforward", "Matrix(float64"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return pushforward(exp(x), wrt: x, tangent: Tensor.matrix("t"))
        },
        invalid("pushforward with more tangents than inputs", ["pushforward", "1 inputs but 2 tangents"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return pushforward(exp(x), wrt: [x], tangents: [Tensor.vector("t"), Tensor.vector("u")])
        },
        invalid("pushforward of a disconnected output", ["pushforward", "does not depend"], kind: .invalidGradient) {
            pushforward(exp(Tensor.vector("x")), wrt: Tensor.vector("y"), tangent: Tensor.vector("t"))
        },
        invalid("hessian of a vector cost", ["Vector(float64"], kind: .invalidGradient) {
            let x = Tensor.vector("x")
            return hessian(exp(x), wrt: x)
        },
    ]
}
