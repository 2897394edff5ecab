import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Regression: the add/mul canonizers dropped a constant that made the result wider and rebuilt
/// the rest in the narrower dtype, so integer terms wrapped.
@Suite("Canonizer dtypes")
struct CanonizerDtypeTests {
    typealias T = RewriteTesting

    @Test func droppedConstantsKeepTheWideDtype() {
        let (x, z) = (Tensor.vector("x", dtype: .int32), Tensor.vector("z", dtype: .int32))
        let product = elemwise(.mul, [Variable(1.0), x, z])
        let r = T.expectRewrite(product, fires: ["local_mul_canonizer": 1], include: ["canonicalize"])
        #expect(T.opNames(r) == ["Mul", "Cast{float64}", "x", "Cast{float64}", "z"])
        let big = NDArray([Int32(100_000), -3])
        T.expectSameValues(product, r, ["x": big, "z": big], tolerance: 0)

        let (a, b) = (Tensor.vector("a", dtype: .int8), Tensor.vector("b", dtype: .int8))
        let sum = elemwise(.add, [Variable(0.0), a, b])
        let rs = T.expectRewrite(sum, fires: ["local_add_canonizer": 1], include: ["canonicalize"])
        // A float literal beside int8 tensors makes the default float (JAX's weak float).
        #expect(T.opNames(rs) == ["Add", "Cast{float64}", "a", "Cast{float64}", "b"])
        T.expectSameValues(sum, rs, ["a": NDArray([Int8(127), -128]), "b": NDArray([Int8(127), -128])], tolerance: 0)

        let quotient = elemwise(.mul, [Variable(2.0), a]) / b
        let rq = T.rewrite(quotient, include: ["canonicalize"]).result
        T.expectSameValues(quotient, rq, ["a": NDArray([Int8(127), -128]), "b": NDArray([Int8(3), 7])], tolerance: 1e-15)
    }
}
