import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Specialize rewrites")
struct SpecializeRewriteTests {
    typealias T = RewriteTesting
    static let specialize: Set<String> = ["specialize"]
    static let edges: [Double] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, 1e300, -1e-300]

    static func floats(_ seed: UInt64 = 1) -> NDArray { T.values(30, low: -5, high: 5, edges: edges, seed: seed) }

    // MARK: local_mul_specialize

    @Test func mulByMinusOneIsNeg() {
        let x = Tensor.vector("x")
        let y = elemwise(.mul, [Variable(-1.0), x])
        let r = T.expectRewrite(y, fires: ["local_mul_specialize": 1], include: Self.specialize)
        #expect(r.dprint() == """
            Neg [id A]
             └─ x [id B]
            """)
        T.expectSameValues(y, r, ["x": Self.floats()])
    }

    @Test func mulDropsOnesAndCollectsSigns() {
        let (x, z) = (Tensor.vector("x"), Tensor.vector("z"))
        let cases: [(Variable, [String])] = [
            (elemwise(.mul, [Variable(1.0), x, z]), ["Mul", "x", "z"]),
            (elemwise(.mul, [-x, z]), ["Mul", "[-1.]", "x", "z"]),
            (elemwise(.mul, [-x, -z]), ["Mul", "x", "z"]),
            (elemwise(.mul, [Variable(-1.0), -x]), ["x"]),
            (elemwise(.mul, [Variable(1.0), Variable(-1.0)]) * x, ["Neg", "x"]),
        ]
        for (y, ops) in cases {
            let r = T.expectRewrite(y, fires: ["local_mul_specialize": nil], include: Self.specialize)
            #expect(T.opNames(r) == ops, "\(r.dprint())")
            T.expectSameValues(y, r, ["x": Self.floats(1), "z": Self.floats(2)])
        }
        // mul(-1, x, z) is left alone (a neg would add a node).
        T.expectNoRewrite(elemwise(.mul, [Variable(-1.0), x, z]), "local_mul_specialize", include: Self.specialize)
    }

    @Test func aLeftOverSignGoesIntoAConstantFactor() {
        // -x * 2 → mul(-2, x) and mul(-1, 3, x) → mul(-3, x) (exact), as PyTensor's graphs have them.
        let x = Tensor.vector("x")
        for (y, constant) in [(elemwise(.mul, [-x, Variable(2.0)]), "[-2.]"), (elemwise(.mul, [Variable(-1.0), Variable(3.0), x]), "[-3.]")] {
            let r = T.expectRewrite(y, fires: ["local_mul_specialize": nil], include: Self.specialize)
            #expect(Set(T.opNames(r)) == ["Mul", constant, "x"], "\(r.dprint())")
            T.expectSameValues(y, r, ["x": Self.floats()])
        }
        // Not into an integer constant (only float signs are folded).
        let i = Tensor.vector("i", dtype: .int64)
        let r = T.expectRewrite(elemwise(.mul, [-i, Variable(constant: NDArray(scalar: Int64(2)))]),
                                fires: ["local_mul_specialize": nil], include: Self.specialize)
        #expect(!T.opNames(r).contains { $0.contains("-2") }, "\(r.dprint())")
    }

    @Test func mulOnesOfAWiderDtypeCastTheFactors() {
        // 1.0 * int32 x * int32 z is a float64 product: the factors multiply in float64, not int32.
        let (x, z) = (Tensor.vector("x", dtype: .int32), Tensor.vector("z", dtype: .int32))
        let y = elemwise(.mul, [Variable(1.0), x, z])
        let r = T.expectRewrite(y, fires: ["local_mul_specialize": 1], include: Self.specialize)
        #expect(r.dtype == .float64 && T.opNames(r) == ["Mul", "Cast{float64}", "x", "Cast{float64}", "z"])
        let big = NDArray([Int32(100_000), -7, 0])
        T.expectSameValues(y, r, ["x": big, "z": big])
    }

    @Test func mulByZeroOnlyWhenExact() {
        let i = Tensor.vector("i", dtype: .int16)
        let y = elemwise(.mul, [Variable(constant: NDArray(scalar: Int16(0))), i])
        let r = T.expectRewrite(y, fires: ["local_mul_specialize": 1], include: Self.specialize)
        #expect(T.opNames(r).first == "Alloc" && !T.opNames(r).contains("Mul"))
        T.expectSameValues(y, r, ["i": NDArray([Int16(3), -32768, 0])])
        // 0 · inf is nan: a float factor keeps the product.
        T.expectNoRewrite(elemwise(.mul, [Variable(0.0), Tensor.vector("x")]), "local_mul_specialize",
                          include: Self.specialize)
    }

    @Test func negOfANarrowerDtypeIsNotMovedOut() {
        // -(int8 -128) wraps to -128 before the float product: the neg must stay where it is.
        let (i, x) = (Tensor.vector("i", dtype: .int8), Tensor.vector("x"))
        let y = elemwise(.mul, [-i, x])
        T.expectNoRewrite(y, "local_mul_specialize", include: Self.specialize)
    }

    // MARK: local_add_remove_zeros

    @Test func addRemovesZeros() {
        let (x, z) = (Tensor.vector("x"), Tensor.vector("z"))
        let cases: [(Variable, [String])] = [
            (x + 0.0, ["x"]),
            (elemwise(.add, [Variable(0.0), x, Variable(-0.0), z]), ["Add", "x", "z"]),
        ]
        for (y, ops) in cases {
            let r = T.expectRewrite(y, fires: ["local_add_remove_zeros": 1], include: Self.specialize)
            #expect(T.opNames(r) == ops)
            T.expectSameValues(y, r, ["x": Self.floats(1), "z": Self.floats(2)])
        }
        // A zero that broadcasts x to a matrix: x is broadcast instead.
        let wide = x + Variable(constant: NDArray.full([2, 1], value: 0))
        let r = T.expectRewrite(wide, fires: ["local_add_remove_zeros": 1], include: Self.specialize)
        #expect(r.type.shape == [2, nil] && T.opNames(r).first == "Alloc")
        T.expectSameValues(wide, r, ["x": Self.floats()])
        // Integer x plus a float zero: the result is cast, not left integer.
        let i = Tensor.vector("i", dtype: .int16)
        let cast = i + 0.0
        let rc = T.expectRewrite(cast, fires: ["local_add_remove_zeros": 1], include: Self.specialize)
        #expect(rc.dtype == cast.dtype && T.opNames(rc) == ["Cast{float64}", "i"])
        T.expectNoRewrite(x + 1e-300, "local_add_remove_zeros", include: Self.specialize)
    }

    // MARK: local_pow_specialize

    @Test(arguments: [
        (2.0, ["Sqr", "x"]), (1.0, ["x"]), (0.5, ["Sqrt", "x"]), (-1.0, ["Reciprocal", "x"]),
        (-2.0, ["Reciprocal", "Sqr", "x"]),
    ])
    func powSpecialize(exponent: Double, ops: [String]) {
        let x = Tensor.vector("x")
        let y = pow(x, Variable(exponent))
        let r = T.expectRewrite(y, fires: ["local_pow_specialize": 1], include: Self.specialize)
        #expect(T.opNames(r) == ops)
        // (-inf) ** 0.5 is inf while sqrt(-inf) is nan (as in PyTensor): left out for 0.5.
        let edges = exponent == 0.5 ? Self.edges.filter { $0 != -.infinity } : Self.edges
        T.expectSameValues(y, r, ["x": T.values(30, low: -5, high: 5, edges: edges)], tolerance: 1e-15)
    }

    @Test func powZeroIsOnes() {
        let x = Tensor.vector("x")
        let y = pow(x, Variable(0.0))
        let r = T.expectRewrite(y, fires: ["local_pow_specialize": 1], include: Self.specialize)
        #expect(!T.opNames(r).contains("Pow"))
        T.expectSameValues(y, r, ["x": Self.floats()])
    }

    @Test func powOfIntegers() {
        let i = Tensor.vector("i", dtype: .int8)
        let y = pow(i, 2)  // int8 ** int8: wraps like sqr
        let r = T.expectRewrite(y, fires: ["local_pow_specialize": 1], include: Self.specialize)
        #expect(T.opNames(r) == ["Sqr", "i"])
        T.expectSameValues(y, r, ["i": NDArray([Int8(100), -128, 3, 0])])
        // Integer ** -1 is 0 except for ±1 (numpy); reciprocal would give floats.
        T.expectNoRewrite(pow(i, -1), "local_pow_specialize", include: Self.specialize)
        // int8 ** 0.5 takes the default float (a weak float beside integers): the base is cast,
        // sqrt of float64.
        let root = pow(i, Variable(0.5))
        let rr = T.expectRewrite(root, fires: ["local_pow_specialize": 1], include: Self.specialize)
        #expect(rr.dtype == .float64)
        T.expectSameValues(root, rr, ["i": NDArray([Int8(100), -128, 3, 0])])
    }

    // MARK: local_pow_to_nested_squaring

    @Test(arguments: [3, 4, 5, 7, 8, 13, 16, -3, -6])
    func nestedSquaring(exponent: Int) {
        let x = Tensor.vector("x")
        let y = pow(x, Variable(Double(exponent)))
        let r = T.expectRewrite(y, fires: ["local_pow_to_nested_squaring": 1], include: Self.specialize)
        let ops = T.opNames(r)
        #expect(!ops.contains("Pow"))
        // The number of squarings is ⌊log2 |n|⌋.
        #expect(ops.filter { $0 == "Sqr" }.count >= Int(Double(Swift.abs(exponent)).squareRoot()) - 1)
        T.expectSameValues(y, r, ["x": T.values(30, low: -3, high: 3, edges: Self.edges)], tolerance: 1e-14)
    }

    @Test func nestedSquaringStructureAndLimits() {
        let x = Tensor.vector("x")
        let r = T.expectRewrite(pow(x, Variable(5.0)), fires: ["local_pow_to_nested_squaring": 1], include: Self.specialize)
        #expect(r.dprint() == """
            Mul [id A]
             ├─ Sqr [id B]
             │  └─ Sqr [id C]
             │     └─ x [id D]
             └─ x [id D]
            """)
        T.expectNoRewrite(pow(x, Variable(17.0)), "local_pow_to_nested_squaring", include: Self.specialize)
        T.expectNoRewrite(pow(x, Variable(3.5)), "local_pow_to_nested_squaring", include: Self.specialize)
        // x ** -0.5 stays a pow: reciprocal(sqrt(-0.0)) is -inf where the pow is inf.
        T.expectNoRewrite(pow(x, Variable(-0.5)), "local_pow_specialize", include: Self.specialize)
        // Integers: wrapping products agree with numpy's integer power; negative powers stay.
        let i = Tensor.vector("i", dtype: .int16)
        let y = pow(i, 7)
        let ri = T.expectRewrite(y, fires: ["local_pow_to_nested_squaring": 1], include: Self.specialize)
        T.expectSameValues(y, ri, ["i": NDArray([Int16(3), -7, 300, 0, -32768])])
        T.expectNoRewrite(pow(i, -3), "local_pow_to_nested_squaring", include: Self.specialize)
        // float32 keeps its dtype.
        let f = Tensor.vector("f", dtype: .float32)
        let yf = pow(f, 6)
        let rf = T.expectRewrite(yf, fires: ["local_pow_to_nested_squaring": 1], include: Self.specialize)
        #expect(rf.dtype == .float32)
        T.expectSameValues(yf, rf, ["f": T.values(20, low: -3, high: 3, dtype: .float32)], tolerance: 1e-6)
    }

    // MARK: local_div_to_reciprocal, local_mul_to_sqr

    @Test func divisionOfOneIsReciprocal() {
        let x = Tensor.vector("x")
        let y = 1.0 / x
        let r = T.expectRewrite(y, fires: ["local_div_to_reciprocal": 1], include: Self.specialize)
        #expect(T.opNames(r) == ["Reciprocal", "x"])
        T.expectSameValues(y, r, ["x": Self.floats()])
        // int8 / int8 is float64, while reciprocal(int8) would be float32: the input is cast.
        let i = Tensor.vector("i", dtype: .int8)
        let yi = Variable(constant: NDArray(scalar: Int8(1))) / i
        let ri = T.expectRewrite(yi, fires: ["local_div_to_reciprocal": 1], include: Self.specialize)
        #expect(ri.dtype == .float64 && T.opNames(ri) == ["Reciprocal", "Cast{float64}", "i"])
        T.expectSameValues(yi, ri, ["i": NDArray([Int8(3), 0, -128])])
        T.expectNoRewrite(2.0 / x, "local_div_to_reciprocal", include: Self.specialize)
    }

    @Test func productOfAValueWithItselfIsSqr() {
        let x = Tensor.vector("x")
        let y = x * x
        let r = T.expectRewrite(y, fires: ["local_mul_to_sqr": 1], include: Self.specialize)
        #expect(r.dprint() == """
            Sqr [id A]
             └─ x [id B]
            """)
        T.expectSameValues(y, r, ["x": Self.floats()], tolerance: 0)
        let i = Tensor.vector("i", dtype: .int8)
        let ri = T.expectRewrite(i * i, fires: ["local_mul_to_sqr": 1], include: Self.specialize)
        T.expectSameValues(i * i, ri, ["i": NDArray([Int8(100), -128, 11])], tolerance: 0)
        T.expectNoRewrite(x * Tensor.vector("z"), "local_mul_to_sqr", include: Self.specialize)
    }

    @Test func negTermsBecomeSubtractions() {
        let (x, z) = (Tensor.vector("x"), Tensor.vector("z"))
        for y in [-x + z, z + -x] {
            let r = T.expectRewrite(y, fires: ["local_add_neg_to_sub": 1], include: Self.specialize)
            #expect(r.dprint() == """
                Sub [id A]
                 ├─ z [id B]
                 └─ x [id C]
                """)
            T.expectSameValues(y, r, ["x": Self.floats(1), "z": Self.floats(2)], tolerance: 0)
        }
        // -(int8 -128) wraps to -128 before an int16 add: not a subtraction.
        let (i, j) = (Tensor.vector("i", dtype: .int8), Tensor.vector("j", dtype: .int16))
        T.expectNoRewrite(-i + j, "local_add_neg_to_sub", include: Self.specialize)
        let k = Tensor.vector("k", dtype: .int8)
        let y = -i + k
        let r = T.expectRewrite(y, fires: ["local_add_neg_to_sub": 1], include: Self.specialize)
        T.expectSameValues(y, r, ["i": NDArray([Int8(-128), 5, 127]), "k": NDArray([Int8(1), -128, 127])], tolerance: 0)
    }

    @Test func fastRunReachesTheSpecializedForms() {
        // Through the whole standard sequence (canonicalize reorders the constants first).
        let x = Tensor.vector("x")
        let y = x * -1.0 + pow(x, Variable(2.0)) * 1.0
        let r = T.expectRewrite(y, fires: ["local_mul_specialize": nil, "local_pow_specialize": nil])
        #expect(!T.opNames(r).contains("Pow"))
        T.expectSameValues(y, r, ["x": Self.floats()])
    }
}
