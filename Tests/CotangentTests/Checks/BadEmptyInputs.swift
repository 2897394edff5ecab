@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

// Empty and zero-size arrays in every op family: numpy's results (reductions with an identity
// give it, `mean` gives NaN), or its errors (reductions without an identity).

extension BadInput {
    static let emptyCases: [BadInput] = emptyValueCases + emptyErrorCases

    private static func empty(_ label: String, _ shape: [Int], _ repr: String, dtype: DType = .float64,
                              build: @escaping @Sendable (Tensor) -> Tensor) -> BadInput {
        .graph("empty", label, ["e": NDArray.zeros(shape, dtype: dtype)], numpy: repr) {
            build(Tensor.tensor("e", dtype: dtype, shape: shape.map { _ in nil }))
        }
    }

    static let emptyValueCases: [BadInput] = [
        empty("sum of (0,)", [0], "array(0.)") { $0.sum() },
        empty("prod of (0,)", [0], "array(1.)") { $0.prod() },
        empty("mean of (0,)", [0], "array(nan)") { $0.mean() },
        empty("all of (0,)", [0], "array(True)", dtype: .bool) { $0.all() },
        empty("any of (0,)", [0], "array(False)", dtype: .bool) { $0.any() },
        empty("sum over axis 0 of (0, 3)", [0, 3], "array([0., 0., 0.])") { $0.sum(axis: 0) },
        empty("sum over axis 1 of (0, 3)", [0, 3], "array([], dtype=float64)") { $0.sum(axis: 1) },
        empty("max over axis 1 of (0, 3)", [0, 3], "array([], dtype=float64)") { $0.max(axis: 1) },
        empty("prod over axis 0 of (0, 3)", [0, 3], "array([1., 1., 1.])") { $0.prod(axis: 0) },
        empty("mean over axis 0 of (0, 3)", [0, 3], "array([nan, nan, nan])") { $0.mean(axis: 0) },
        empty("int64 sum of (0,)", [0], "array(0)", dtype: .int64) { $0.sum() },
        empty("int64 mean of (0,)", [0], "array(nan)", dtype: .int64) { $0.mean() },
        empty("cumsum of (0,)", [0], "array([], dtype=float64)") { cumsum($0) },
        empty("cumprod over axis 1 of (2, 0)", [2, 0], "array([], shape=(2, 0), dtype=float64)") { cumprod($0, axis: 1) },
        empty("exp of (0,)", [0], "array([], dtype=float64)") { exp($0) },
        empty("e + e of (0,)", [0], "array([], dtype=float64)") { $0 + $0 },
        empty("matmul (2, 0) @ (0, 3)", [2, 0], "array([[0., 0., 0.],\n       [0., 0., 0.]])") {
            matmul($0, Tensor.constant(NDArray.zeros([0, 3])))
        },
        empty("dot of two (0,)", [0], "array(0.)") { dot($0, $0) },
        empty("(0, 3) @ (3,)", [0, 3], "array([], dtype=float64)") { matmul($0, Tensor.constant(NDArray.zeros([3]))) },
        empty("reshape (0, 3) to (3, 0)", [0, 3], "array([], shape=(3, 0), dtype=float64)") { $0.reshaped(to: [3, 0]) },
        empty("flatten (3, 0)", [3, 0], "array([], dtype=float64)") { $0.flattened() },
        empty("transpose (0, 3)", [0, 3], "array([], shape=(3, 0), dtype=float64)") { $0.T },
        empty("concatenate (0,) and [1.]", [0], "array([1.])") { concatenate([$0, Tensor.constant(NDArray([1.0]))]) },
        empty("slice [5:] of (0,)", [0], "array([], dtype=float64)") { $0[5...] },
        empty("reverse (0,)", [0], "array([], dtype=float64)") { $0[.stride(by: -1)] },
        empty("(0,) > 0", [0], "array([], dtype=bool)") { $0 .> Tensor(0.0) },
        empty("cast (0,) to int32", [0], "array([], dtype=int32)") { $0.cast(to: .int32) },
        empty("argmax over axis 1 of (0, 3)", [0, 3], "array([], dtype=int64)") { $0.argmax(axis: 1) },
        empty("sqrt of (0, 2)", [0, 2], "array([], shape=(0, 2), dtype=float64)") { sqrt($0) },
        empty("sum over axis 1 of (2, 0), keepDims", [2, 0], "array([[0.],\n       [0.]])") { $0.sum(axis: 1, keepDims: true) },
        empty("min over axis 0 of (2, 0)", [2, 0], "array([], dtype=float64)") { $0.min(axis: 0) },
        empty("all over axis 1 of (2, 0)", [2, 0], "array([ True,  True])", dtype: .bool) { $0.all(axis: 1) },
        empty("any over axis 1 of (2, 0)", [2, 0], "array([False, False])", dtype: .bool) { $0.any(axis: 1) },
        empty("outer of (0,) and (3,)", [0], "array([], shape=(0, 3), dtype=float64)") {
            $0.expandingDims([1]) * Tensor.constant(NDArray.zeros([3])).expandingDims([0])
        },
        empty("maximum of two (0,)", [0], "array([], dtype=float64)") { maximum($0, $0) },
        empty("grad of sum over (0,)", [0], "array([], dtype=float64)") { grad($0.sum(), wrt: $0) },
        empty("grad of prod over (0,)", [0], "array([], dtype=float64)") { grad($0.prod(), wrt: $0) },
        empty("grad of mean over (0, 3) axis 0", [0, 3], "array([], shape=(0, 3), dtype=float64)") { grad($0.mean(axis: 0).sum(), wrt: $0) },
        .graph("empty", "eye(0)", numpy: "array([], shape=(0, 0), dtype=float64)") { eye(0) },
        .graph("empty", "eye(0, 3)", numpy: "array([], shape=(0, 3), dtype=float64)") { eye(0, 3) },
        .graph("empty", "arange(0., 0.)", numpy: "array([], dtype=float64)") { arange(Tensor(0.0), Tensor(0.0), dtype: .float64) },
        .graph("empty", "arange(5., 0.)", numpy: "array([], dtype=float64)") { arange(Tensor(5.0), Tensor(0.0), dtype: .float64) },
        .graph("empty", "zeros((2, 0))", numpy: "array([], shape=(2, 0), dtype=float64)") { zeros(shape: [2, 0]) },
        .graph("empty", "zeros((2^62, 0))", numpy: "array([], shape=(4611686018427387904, 0), dtype=float64)") { zeros(shape: [1 << 62, 0]) },
        .graph("empty", "zeros((2^62, 0)).sum(axis: 0)", numpy: "array([], dtype=float64)") { zeros(shape: [1 << 62, 0]).sum(axis: 0) },
        .graph("empty", "slice [3:] of a length-3 vector", ["x": BadValues.three], numpy: "array([], dtype=float64)") { Tensor.vector("x")[3...] },
    ]

    static let emptyErrorCases: [BadInput] = [
        .graph("empty", "max of (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["Max", "zero-size", "maximum", "(0,)", "float64"]) {
            Tensor.vector("e").max()
        },
        .graph("empty", "min of (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["Min", "zero-size", "minimum", "(0,)"]) { Tensor.vector("e").min() },
        .graph("empty", "argmax of (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["Argmax", "empty", "(0,)"]) { Tensor.vector("e").argmax() },
        .graph("empty", "argmin of (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["Argmax", "empty", "(0,)"]) { Tensor.vector("e").argmin() },
        .graph("empty", "max over axis 0 of (0, 3)", ["e": NDArray.zeros([0, 3])], throws: .invalidValue, ["Max", "(0, 3)"]) { Tensor.matrix("e").max(axis: 0) },
        .graph("empty", "max over axis 1 of (3, 0)", ["e": NDArray.zeros([3, 0])], throws: .invalidValue, ["Max", "(3, 0)"]) { Tensor.matrix("e").max(axis: 1) },
        .graph("empty", "int64 max of (0,)", ["e": NDArray.zeros([0], dtype: .int64)], throws: .invalidValue, ["Max", "int64"]) {
            Tensor.vector("e", dtype: .int64).max()
        },
        .graph("empty", "grad of max over (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["Max", "(0,)"]) {
            let e = Tensor.vector("e")
            return grad(e.max(), wrt: e)
        },
        .graph("empty", "index 0 of (0,)", ["e": NDArray.zeros([0])], throws: .invalidValue, ["0", "(0,)"]) { Tensor.vector("e")[0] },
        .graph("empty", "convolve1d of (0,)", ["e": NDArray.zeros([0]), "k": BadValues.three], throws: .invalidValue, ["Convolve1d", "(0,)"]) {
            convolve1d(Tensor.vector("e"), Tensor.vector("k"))
        },
    ]
}
