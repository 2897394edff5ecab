import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The scalar-op table: entries' names and properties, and the ops added as single entries
/// (cbrt, trunc, isfinite, logaddexp) against numpy 2.4.6: float64 within 1e-14 relative,
/// float32 (computed in double, rounded once) within 3 ulps of numpy's float32 kernels, NaN,
/// ±inf and signed zeros exactly.
@Suite("Scalar-op table")
struct ScalarOpTableTests {
    static let edges: [Double] = [
        -27.0, -8.0, -2.0, -1.5, -0.5, -0.0, 0.0, 0.3, 1.0, 2.0, 7.5, 1e300, .nan, .infinity, -.infinity,
    ]

    /// `f` on `values` as a vector of `dtype`, with the output dtype.
    static func run(_ f: (Variable) -> Variable, _ values: NDArray) throws -> NDArray {
        let x = Tensor.vector("x", dtype: values.dtype)
        return try f(x).eval([x: values])
    }

    // MARK: Entries

    @Test func entriesCarryTheirSwiftAndPyTensorNames() {
        #expect(ScalarOp.trueDiv.debugDescription == "ScalarOp.trueDiv")
        #expect(ScalarOp.exp.debugDescription == "ScalarOp.exp")
        #expect(ScalarOp.cast(.int8).debugDescription == "ScalarOp.cast(int8)")
        #expect(ScalarOp.trueDiv.description == "true_div")
        #expect(ScalarOp.lt.innerName == "LT" && ScalarOp.lt.formulaName == "lt")
        #expect(ScalarOp.round.formulaName == "roundhalftoeven")
        #expect(ScalarOp.cast(.int32).formulaName == "Cast{int32}")
        let names = [ScalarOp.cbrt, .trunc, .isfinite, .logaddexp].map { (Elemwise($0).description, $0.innerName) }
        #expect(names.map(\.0) == ["Cbrt", "Trunc", "Isfinite", "Logaddexp"])
        #expect(names.map(\.1) == ["Cbrt", "trunc", "IsFinite", "LogAddExp"])
    }

    @Test func parametrisedOpsCompareByParameter() {
        #expect(ScalarOp.cast(.int8) == .cast(.int8))
        #expect(ScalarOp.cast(.int8) != .cast(.int16))
        #expect(ScalarOp.cast(.int8).castTarget == .int8 && ScalarOp.exp.castTarget == nil)
        #expect(Set<ScalarOp>([.add, .add, .mul, .cast(.bool), .cast(.bool)]).count == 3)
        #expect(ScalarOp.exp.compositeGraph == nil)
    }

    @Test func commutativityAndArityComeFromTheEntry() {
        #expect(ScalarOp.add.isCommutative && ScalarOp.logaddexp.isCommutative && ScalarOp.eq.isCommutative)
        #expect(!ScalarOp.sub.isCommutative && !ScalarOp.lt.isCommutative && !ScalarOp.pow.isCommutative)
        #expect(ScalarOp.add.isVariadic && !ScalarOp.logaddexp.isVariadic)
        #expect(ScalarOp.logaddexp.arity == 2 && ScalarOp.cbrt.arity == 1)
    }

    @Test func newOpsPrintInCompositeFormulas() {
        var c = CompositeGraph.Builder(inputCount: 2)
        let l = c.add(.logaddexp, [.input(0), .input(1)])
        let root = c.add(.cbrt, [l])
        let t = c.add(.trunc, [root])
        #expect(c.finish(outputs: [t]).description == "Composite{trunc(cbrt(logaddexp(i0, i1)))}")
    }

    // MARK: cbrt

    @Test func cbrtMatchesNumpy() throws {
        let float64 = try Self.run(cbrt, NDArray(Self.edges))
        #expect(float64.dtype == .float64)
        expectClose(
            float64.asArray(Double.self),
            [-3.0, -2.0, -1.2599210498948732, -1.1447142425533319, -0.7937005259840998, -0.0, 0.0,
             0.6694329500821695, 1.0, 1.2599210498948732, 1.9574338205844317, 1e+100, .nan, .infinity, -.infinity],
            inputs: Self.edges.map { "\($0)" }, "cbrt float64")
        let float32 = try Self.run(cbrt, NDArray(Self.edges.map { Float($0) }))
        #expect(float32.dtype == .float32)
        expectClose(
            float32.asArray(Float.self),
            [-2.999999761581421, -2.0, -1.2599210739135742, -1.1447142362594604, -0.7937005162239075, -0.0, 0.0,
             0.6694329380989075, 1.0, 1.2599210739135742, 1.957433819770813, .infinity, .nan, .infinity, -.infinity],
            inputs: Self.edges.map { "\(Float($0))" }, ulps: 3, "cbrt float32")
    }

    @Test func cbrtOfIntegersIsFloat() throws {
        let int64 = try Self.run(cbrt, NDArray([-27, -8, -1, 0, 1, 8, 64, Int64.max] as [Int64]))
        #expect(int64.dtype == .float64)
        expectClose(
            int64.asArray(Double.self), [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 2097152.0],
            inputs: ["-27", "-8", "-1", "0", "1", "8", "64", "2**63 - 1"], "cbrt int64")
        // PyTensor's upgrade_to_float: int8 gives float32 (numpy would give float16).
        let int8 = try Self.run(cbrt, NDArray([-8, -1, 0, 27, 127] as [Int8]))
        #expect(int8.dtype == .float32)
        expectClose(
            int8.asArray(Float.self), [-2.0, -1.0, 0.0, 2.999999761581421, 5.026525974273682],
            inputs: ["-8", "-1", "0", "27", "127"], ulps: 1, "cbrt int8")
    }

    // MARK: trunc

    @Test func truncMatchesNumpyWithSignedZeros() throws {
        let expected: [Double] = [
            -27.0, -8.0, -2.0, -1.0, -0.0, -0.0, 0.0, 0.0, 1.0, 2.0, 7.0, 1e+300, .nan, .infinity, -.infinity,
        ]
        let float64 = try Self.run(trunc, NDArray(Self.edges))
        #expect(float64.dtype == .float64)
        expectClose(float64.asArray(Double.self), expected, inputs: Self.edges.map { "\($0)" }, relative: 0, "trunc")
        let float32 = try Self.run(trunc, NDArray(Self.edges.map { Float($0) }))
        #expect(float32.dtype == .float32)
        expectClose(
            float32.asArray(Float.self), expected.map { Float($0) }, inputs: Self.edges.map { "\(Float($0))" }, ulps: 0,
            "trunc float32")
        let int64 = try Self.run(trunc, NDArray([-27, 0, 9, Int64.max] as [Int64]))
        #expect(int64.dtype == .float64)
        #expect(int64.asArray(Double.self) == [-27.0, 0.0, 9.0, 9.223372036854776e+18])
    }

    // MARK: isfinite

    @Test func isfiniteMatchesNumpy() throws {
        let float64 = try Self.run(isfinite, NDArray(Self.edges))
        #expect(float64.dtype == .bool)
        #expect(float64.asArray(Bool.self) == Array(repeating: true, count: 12) + [false, false, false])
        // 1e300 overflows float32 to inf.
        let float32 = try Self.run(isfinite, NDArray(Self.edges.map { Float($0) }))
        #expect(float32.dtype == .bool)
        #expect(float32.asArray(Bool.self) == Array(repeating: true, count: 11) + [false, false, false, false])
        let int64 = try Self.run(isfinite, NDArray([Int64.min, -1, 0, Int64.max]))
        #expect(int64.dtype == .bool && int64.asArray(Bool.self) == [true, true, true, true])
        let bools = try Self.run(isfinite, NDArray([true, false]))
        #expect(bools.asArray(Bool.self) == [true, true])
    }

    // MARK: logaddexp

    static let logaddexpA: [Double] = [-.infinity, -1000.0, -1.0, -0.0, 0.0, 0.5, 1.0, 800.0, .infinity, .nan]
    static let logaddexpB: [Double] = [-.infinity, -1.0, 0.0, 1000.0, .infinity, .nan]
    /// numpy's `logaddexp` over the outer grid of `logaddexpA` (rows) and `logaddexpB` (columns).
    static let logaddexpFloat64: [Double] = [
        -.infinity, -1.0, 0.0, 1000.0, .infinity, .nan,
        -1000.0, -1.0, 0.0, 1000.0, .infinity, .nan,
        -1.0, -0.3068528194400547, 0.31326168751822286, 1000.0, .infinity, .nan,
        0.0, 0.31326168751822286, 0.6931471805599453, 1000.0, .infinity, .nan,
        0.0, 0.31326168751822286, 0.6931471805599453, 1000.0, .infinity, .nan,
        0.5, 0.7014132779827524, 0.9740769841801067, 1000.0, .infinity, .nan,
        1.0, 1.1269280110429725, 1.3132616875182228, 1000.0, .infinity, .nan,
        800.0, 800.0, 800.0, 1000.0, .infinity, .nan,
        .infinity, .infinity, .infinity, .infinity, .infinity, .nan,
        .nan, .nan, .nan, .nan, .nan, .nan,
    ]
    static let logaddexpFloat32: [Float] = [
        -.infinity, -1.0, 0.0, 1000.0, .infinity, .nan,
        -1000.0, -1.0, 0.0, 1000.0, .infinity, .nan,
        -1.0, -0.3068528175354004, 0.3132616877555847, 1000.0, .infinity, .nan,
        0.0, 0.3132616877555847, 0.6931471824645996, 1000.0, .infinity, .nan,
        0.0, 0.3132616877555847, 0.6931471824645996, 1000.0, .infinity, .nan,
        0.5, 0.7014132738113403, 0.9740769863128662, 1000.0, .infinity, .nan,
        1.0, 1.1269279718399048, 1.3132617473602295, 1000.0, .infinity, .nan,
        800.0, 800.0, 800.0, 1000.0, .infinity, .nan,
        .infinity, .infinity, .infinity, .infinity, .infinity, .nan,
        .nan, .nan, .nan, .nan, .nan, .nan,
    ]

    @Test(arguments: [DType.float64, .float32])
    func logaddexpMatchesNumpy(_ dtype: DType) throws {
        let a = Tensor.tensor("a", dtype: dtype, shape: [nil, 1])
        let b = Tensor.tensor("b", dtype: dtype, shape: [1, nil])
        let output = logaddexp(a, b)
        #expect(output.dtype == dtype)
        let value = try output.eval([
            a: NDArray(Self.logaddexpA).converted(to: dtype).reshaped([Self.logaddexpA.count, 1]),
            b: NDArray(Self.logaddexpB).converted(to: dtype).reshaped([1, Self.logaddexpB.count]),
        ])
        #expect(value.dtype == dtype)
        let inputs = Self.logaddexpA.flatMap { x in Self.logaddexpB.map { y in "(\(x), \(y))" } }
        if dtype == .float64 {
            expectClose(value.asArray(Double.self), Self.logaddexpFloat64, inputs: inputs, "logaddexp")
        } else {
            expectClose(value.asArray(Float.self), Self.logaddexpFloat32, inputs: inputs, ulps: 3, "logaddexp float32")
        }
    }

    @Test func logaddexpOfIntegersIsFloat64() throws {
        let (x, y) = (Tensor.vector("x", dtype: .int64), Tensor.vector("y", dtype: .int64))
        let value = try logaddexp(x, y).eval([x: NDArray([0, 1, -3, 700] as [Int64]), y: NDArray([0, 2, 5, 710] as [Int64])])
        #expect(value.dtype == .float64)
        expectClose(
            value.asArray(Double.self), [0.6931471805599453, 2.313261687518223, 5.000335406372896, 710.0000453988993],
            inputs: ["(0, 0)", "(1, 2)", "(-3, 5)", "(700, 710)"], "logaddexp int64")
    }

    // MARK: Derivatives

    @Test func truncAndIsfiniteHaveNoSlope() throws {
        let x = Tensor.vector("x")
        let g = grad((trunc(x) * x).sum(), wrt: x)
        // d(trunc(x)·x)/dx = trunc(x): trunc contributes 0.
        #expect(try g.eval([x: NDArray([-1.5, 0.25, 2.75])]).asArray(Double.self) == [-1.0, 0.0, 2.0])
        #expect(g.dtype == .float64)
        let node = isfinite(x).owner!
        #expect(node.op.connectionPattern(node) == [[false]])
        let h = grad((isfinite(x).cast(to: .float64) * x).sum(), wrt: x)
        #expect(try h.eval([x: NDArray([1.0, .infinity])]).asArray(Double.self) == [1.0, 0.0])
    }

    @Test func newOpsFuseAndRunAsUnfused() throws {
        let (x, y) = (Tensor.vector("x"), Tensor.vector("y"))
        let output = select(isfinite(x), logaddexp(x, y) * 2 + cbrt(x), trunc(y))
        let fused = rewriteGraph(output, include: ["fast_run"], exclude: ["inplace"])
        #expect(fused.dprint().contains("Composite{"))
        let feed: [Variable: NDArray] = [x: NDArray([-8.0, .infinity, 0.5]), y: NDArray([1.0, 2.5, -3.5])]
        let expected = try output.eval(feed)
        #expect(try fused.eval(feed).asArray(Double.self) == expected.asArray(Double.self))
        expectClose(
            expected.asArray(Double.self), [0.0002468043794463526, 2.0, 1.8300003818197195],
            inputs: ["-8", "inf", "0.5"], relative: 1e-11, "fused")
    }
}
