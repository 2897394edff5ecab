import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Canonicalize extra rewrites")
struct CanonicalizeExtrasRewriteTests {
    typealias T = RewriteTesting
    static let canonicalize: Set<String> = ["canonicalize"]
    static let edges: [Double] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, 1e300, -1e-300]
    static func floats(_ seed: UInt64 = 1) -> NDArray { T.values(30, low: -5, high: 5, edges: edges, seed: seed) }
    static let int8s = NDArray([Int8(-128), -7, -1, 0, 1, 3, 127])

    @Test func mulByZeroOfIntegers() {
        let i = Tensor.vector("i", dtype: .int32)
        let y = i * Variable(constant: NDArray(scalar: Int32(0)))
        let r = T.expectRewrite(y, fires: ["local_mul_zero": 1], include: Self.canonicalize)
        #expect(!T.opNames(r).contains("Mul"))
        T.expectSameValues(y, r, ["i": NDArray([Int32(5), -3, .max])])
        T.expectNoRewrite(Tensor.vector("x") * 0.0, "local_mul_zero", include: Self.canonicalize)
    }

    @Test func divisionByOne() {
        // The mul canonizer folds a true division by 1 first; without it this rewrite does.
        let noCanonizer: Set<String> = ["local_mul_canonizer"]
        let x = Tensor.vector("x")
        let y = x / 1.0
        let r = T.expectRewrite(y, fires: ["local_div_by_one": 1], include: Self.canonicalize, exclude: noCanonizer)
        #expect(r.dprint() == "x [id A]")
        T.expectSameValues(y, r, ["x": Self.floats()], tolerance: 0)
        let i = Tensor.vector("i", dtype: .int8)
        let one = Variable(constant: NDArray(scalar: Int8(1)))
        let yi = i / one  // true division: float64
        let ri = T.expectRewrite(yi, fires: ["local_div_by_one": 1], include: Self.canonicalize, exclude: noCanonizer)
        #expect(T.opNames(ri) == ["Cast{float64}", "i"])
        T.expectSameValues(yi, ri, ["i": Self.int8s], tolerance: 0)
        let floorDivision = intDiv(i, one)
        let rf = T.expectRewrite(floorDivision, fires: ["local_div_by_one": 1], include: Self.canonicalize)
        #expect(rf.dprint() == "i [id A]")
        // 2.5 // 1 is 2.0: a float floor division by one is a floor, not a no-op.
        T.expectNoRewrite(intDiv(x, Variable(1.0)), "local_div_by_one", include: Self.canonicalize)
    }

    @Test func zeroDividedByIntegers() {
        let i = Tensor.vector("i", dtype: .int16)
        let y = intDiv(Variable(constant: NDArray(scalar: Int16(0))), i)
        let r = T.expectRewrite(y, fires: ["local_zero_div": 1], include: Self.canonicalize)
        #expect(!T.opNames(r).contains("Int_div"))
        T.expectSameValues(y, r, ["i": NDArray([Int16(0), -3, 7])], tolerance: 0)
        // 0 / 0 is nan: a float division stays.
        T.expectNoRewrite(0.0 / Tensor.vector("x"), "local_zero_div", include: Self.canonicalize)
    }

    @Test func powCanonicalize() {
        let x = Tensor.vector("x")
        let cases: [(Variable, Bool)] = [
            (pow(x, Variable(0.0)), true), (pow(x, Variable(1.0)), false), (pow(Variable(1.0), x), true),
        ]
        for (y, ones) in cases {
            let r = T.expectRewrite(y, fires: ["local_pow_canonicalize": 1], include: Self.canonicalize)
            #expect(!T.opNames(r).contains("Pow"))
            #expect(ones ? T.opNames(r).first == "Alloc" : T.opNames(r) == ["x"])
            // IEEE pow: nan ** 0 and 1 ** nan are 1.
            T.expectSameValues(y, r, ["x": Self.floats()], tolerance: 0)
        }
        let i = Tensor.vector("i", dtype: .int8)
        let yi = pow(i, 0)
        let ri = T.expectRewrite(yi, fires: ["local_pow_canonicalize": 1], include: Self.canonicalize)
        T.expectSameValues(yi, ri, ["i": Self.int8s], tolerance: 0)
    }

    @Test func expOfLogAndLogOfExp() throws {
        let x = Tensor.vector("x")
        let logExp = log(exp(x))
        let r1 = T.expectRewrite(logExp, fires: ["local_exp_log": 1], include: Self.canonicalize)
        #expect(r1.dprint() == "x [id A]")
        T.expectSameValues(logExp, r1, ["x": T.values(30, low: -20, high: 20, edges: [0, .infinity, -.infinity, .nan])],
                           tolerance: 1e-14)
        // exp(1000) overflows: the rewrite gives 1000 back.
        #expect(try T.run(r1, ["x": NDArray([1000.0])]).asArray(Double.self) == [1000])
        let expLog = exp(log(x))
        let r2 = T.expectRewrite(expLog, fires: ["local_exp_log": 1], include: Self.canonicalize)
        #expect(T.opNames(r2).first == "Switch" && !T.opNames(r2).contains("Exp"))
        T.expectSameValues(expLog, r2, ["x": Self.floats()], tolerance: 1e-13)
        let log1pExpm1 = log1p(expm1(x))
        let r3 = T.expectRewrite(log1pExpm1, fires: ["local_exp_log": 1], include: Self.canonicalize)
        #expect(r3.dprint() == "x [id A]")
        // (Below about -5 the original loses digits: expm1(x) is close to -1.)
        T.expectSameValues(log1pExpm1, r3, ["x": T.values(30, low: -5, high: 20, edges: [0, .infinity, -.infinity, .nan])],
                           tolerance: 1e-12)
        let expm1Log1p = expm1(log1p(x))
        let r4 = T.expectRewrite(expm1Log1p, fires: ["local_exp_log": 1], include: Self.canonicalize)
        T.expectSameValues(expm1Log1p, r4, ["x": T.values(30, low: -3, high: 5, edges: Self.edges)], tolerance: 1e-13)
        // Integers: exp(log(int8)) is float32; x comes back as float32.
        let i = Tensor.vector("i", dtype: .int8)
        let ri = T.expectRewrite(exp(log(i)), fires: ["local_exp_log": 1], include: Self.canonicalize)
        #expect(ri.dtype == .float32)
        T.expectSameValues(exp(log(i)), ri, ["i": Self.int8s], tolerance: 1e-6)
    }

    @Test func sqrtOfSqrAndSqrOfSqrt() {
        let x = Tensor.vector("x")
        let y = sqrt(sqr(x))
        let r = T.expectRewrite(y, fires: ["local_sqrt_sqr": 1], include: Self.canonicalize)
        #expect(T.opNames(r) == ["Abs", "x"])
        T.expectSameValues(y, r, ["x": T.values(30, low: -5, high: 5, edges: [0, -0.0, .infinity, -.infinity, .nan])],
                           tolerance: 1e-15)
        let y2 = sqr(sqrt(x))
        let r2 = T.expectRewrite(y2, fires: ["local_sqrt_sqr": 1], include: Self.canonicalize)
        #expect(T.opNames(r2).first == "Switch")
        T.expectSameValues(y2, r2, ["x": Self.floats()], tolerance: 1e-15)
        // An int8 sqr wraps (100² is 16): sqrt of it is not |x|.
        T.expectNoRewrite(sqrt(sqr(Tensor.vector("i", dtype: .int8))), "local_sqrt_sqr", include: Self.canonicalize)
    }

    @Test func castOfCast() {
        let i = Tensor.vector("i", dtype: .int8)
        let f = Tensor.vector("f", dtype: .float32)
        let x = Tensor.vector("x")
        let cases: [(Variable, [String])] = [
            (i.cast(to: .int32).cast(to: .float64), ["Cast{float64}", "i"]),
            (i.cast(to: .int16).cast(to: .int8), ["i"]),
            (f.cast(to: .float64).cast(to: .float32), ["f"]),
            (elemwise(.cast(.int32), i.cast(to: .int32)), ["Cast{int32}", "i"]),
            (i.cast(to: .float32).cast(to: .uint8), ["Cast{uint8}", "i"]),
        ]
        for (y, ops) in cases {
            let r = T.expectRewrite(y, fires: ["local_cast_cast": 1], include: Self.canonicalize)
            #expect(T.opNames(r) == ops)
            T.expectSameValues(y, r, ["i": Self.int8s, "f": T.values(10, low: -300, high: 300, dtype: .float32)], tolerance: 0)
        }
        // Narrowing first casts lose values: 300.7 → int8 → int32 is not 300.7 → int32.
        for y in [x.cast(to: .int8).cast(to: .int32), x.cast(to: .float32).cast(to: .float64),
                  Tensor.vector("j", dtype: .int32).cast(to: .float32).cast(to: .float64)] {
            T.expectNoRewrite(y, "local_cast_cast", include: Self.canonicalize)
        }
    }

    // MARK: reductions

    @Test func reduceChains() {
        let t = Tensor.tensor3("t")
        let input = ["t": SplitMix64(seed: 9).uniform(shape: [2, 3, 4], low: -3, high: 3)]
        let cases: [(Variable, String)] = [
            (t.sum(axis: 1).sum(axis: 1), "Sum{axes=[1, 2]}"),
            (t.sum(axis: 2).sum(axis: 0), "Sum{axes=[0, 2]}"),
            (t.sum(axis: 0).sum(axis: 0).sum(axis: 0), "Sum{axes=None}"),
            (t.max(axis: 0).max(axis: 1), "Max{axes=[0, 2]}"),
            (t.prod(axes: [0, 2]).prod(axis: 0), "Prod{axes=None}"),
            (t.sum().sum(), "Sum{axes=None}"),
        ]
        for (y, op) in cases {
            let r = T.expectRewrite(y, fires: ["local_reduce_chain": nil], include: Self.canonicalize)
            #expect(T.opNames(r) == [op, "t"], "\(r.dprint())")
            T.expectSameValues(y, r, input)
        }
        // float32 and int8 inputs keep their output dtypes.
        let f = Tensor.matrix("f", dtype: .float32)
        let yf = f.sum(axis: 0).sum(axis: 0)
        let rf = T.expectRewrite(yf, fires: ["local_reduce_chain": 1], include: Self.canonicalize)
        T.expectSameValues(yf, rf, ["f": SplitMix64(seed: 2).uniform(shape: [3, 5], dtype: .float32)], tolerance: 1e-6)
        let b = Tensor.matrix("b", dtype: .int8)
        let yb = b.sum(axis: 1).sum(axis: 0)
        let rb = T.expectRewrite(yb, fires: ["local_reduce_chain": 1], include: Self.canonicalize)
        T.expectSameValues(yb, rb, ["b": NDArray(shape: [2, 2], elements: [Int8(127), 127, -128, 5])], tolerance: 0)
        // Different kinds, or an inner reduction read elsewhere, stay.
        T.expectNoRewrite(t.max(axis: 0).sum(axis: 0), "local_reduce_chain", include: Self.canonicalize)
        let inner = t.sum(axis: 0)
        let shared = inner.sum(axis: 0) + inner.sum(axis: 1).sum()
        let (_, report) = T.rewrite(shared, include: Self.canonicalize)
        #expect(report.applied["local_reduce_chain"] == 1)  // only the private Sum(Sum(inner))
    }

    @Test func sumOverEveryAxisIsNone() {
        let m = Tensor.matrix("m")
        for (y, op) in [(m.sum(axes: [0, 1]), "Sum{axes=None}"), (m.prod(axes: [1, 0]), "Prod{axes=None}")] {
            let r = T.expectRewrite(y, fires: ["local_sum_prod_all_to_none": 1], include: Self.canonicalize)
            #expect(T.opNames(r) == [op, "m"])
            T.expectSameValues(y, r, ["m": SplitMix64(seed: 4).uniform(shape: [3, 2], low: -2, high: 2)], tolerance: 0)
        }
        T.expectNoRewrite(m.sum(axis: 0), "local_sum_prod_all_to_none", include: Self.canonicalize)
        T.expectNoRewrite(m.max(axes: [0, 1]), "local_sum_prod_all_to_none", include: Self.canonicalize)
        // Merging after: sum(m, [0, 1]) and sum(m) become one node.
        let r = T.rewrite(m.sum(axes: [0, 1]) + m.sum(), include: Self.canonicalize).result
        #expect(T.opNames(r).filter { $0.hasPrefix("Sum") }.count == 2 && r.dprint().contains("···"))
    }
}
