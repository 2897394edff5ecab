import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Weakly typed scalars (JAX's weak types): literals and Swift numbers take the dtype of the
/// tensor they meet, combine among themselves at full precision, and alone are float64/int64.
/// Expected values from numpy 2 / JAX 0.10 with x64 enabled.
@Suite("Weak scalars")
struct WeakScalarTests {
    static let float32Values = NDArray([0.1, 0.7, 3.0]).converted(to: .float32)

    @Test func literalArithmeticHappensAtFullPrecision() throws {
        let x = Tensor.vector("x")
        let y = (8.0 / 3.0) * x[2]
        #expect(y.dtype == .float64)
        // numpy: (8.0 / 3.0) * -37.0325; two float32 constants divided in the graph gave
        // -98.75333627641201.
        #expect(try y.eval(["x": [1.0, 2.0, -37.0325]]).item(Double.self) == -98.75333333333333)
        let folded: Tensor = 8.0 / 3.0
        #expect(folded.owner == nil && folded.isWeaklyTyped)
        #expect(folded.constantValue?.item(Double.self) == 8.0 / 3.0)
    }

    @Test func float32GraphsStayFloat32WithLiterals() throws {
        let x = Tensor.vector("x", dtype: .float32)
        let loss = 0.001 * x.sum()
        #expect(loss.dtype == .float32)
        #expect(try loss.eval(["x": Self.float32Values]).description == "array(0.0038, dtype=float32)")
        // The float64-only literal becomes a float32 constant of the node, not a float64 one.
        let scaled = x * 0.1
        #expect(scaled.owner?.inputs.map(\.dtype) == [.float32, .float32])
        #expect(try (x .> 0.1).eval(["x": Self.float32Values]).description == "array([False,  True,  True])")
        #expect((x * 100000).dtype == .float32)
        #expect((intDiv(x, 2) + 1).dtype == .float32)
    }

    @Test func float32GraphsStayFloat32WithSwiftNumbers() throws {
        let x = Tensor.vector("x", dtype: .float32)
        let lr = 0.1
        let step = x - lr * x
        #expect(step.dtype == .float32)
        #expect(try step.eval(["x": Self.float32Values]).description == "array([0.09, 0.63, 2.7 ], dtype=float32)")
        let half: Float = 0.5
        let two = 2
        #expect((x * half).dtype == .float32 && (x / two).dtype == .float32 && (two - x).dtype == .float32)
        #expect((x % two).dtype == .float32 && (x .>= half).dtype == .bool)
        #expect(try maximum(x, half).eval(["x": Self.float32Values]).description
            == "array([0.5, 0.7, 3. ], dtype=float32)")
        #expect(minimum(lr, x).dtype == .float32 && pow(x, lr).dtype == .float32 && pow(lr, x).dtype == .float32)
        #expect(arctan2(x, lr).dtype == .float32 && maximum(lr, x).dtype == .float32)
        #expect(select(x .> lr, x, lr).dtype == .float32 && select(x .> lr, lr, x).dtype == .float32)
        #expect(clip(x, min: 0, max: lr).dtype == .float32)
        // The derivative keeps the dtype too.
        let g = grad((x * lr).sum(), wrt: x)
        #expect(g.dtype == .float32)
        #expect(try g.eval(["x": Self.float32Values]).description == "array([0.1, 0.1, 0.1], dtype=float32)")
    }

    /// JAX's weak-type promotion (x64): a tensor of each dtype times a weak int and a weak float.
    @Test(arguments: [
        (DType.bool, DType.int64, DType.float64), (.int8, .int8, .float64), (.int16, .int16, .float64),
        (.int32, .int32, .float64), (.int64, .int64, .float64), (.uint8, .uint8, .float64),
        (.float32, .float32, .float32), (.float64, .float64, .float64),
    ])
    func promotionMatchesJAX(_ strong: DType, _ withInt: DType, _ withFloat: DType) throws {
        let t = Tensor.vector("t", dtype: strong)
        let n = 2
        let r = 2.5
        #expect((t * 2).dtype == withInt && (2 * t).dtype == withInt && (t * n).dtype == withInt)
        #expect((t * 2.5).dtype == withFloat && (2.5 * t).dtype == withFloat && (t * r).dtype == withFloat)
        let values = try (t * 2).eval(["t": NDArray([1, 0, 1]).converted(to: strong)])
        #expect(values.dtype == withInt && values.asArray(Double.self) == [2, 0, 2])
    }

    @Test func intTensorTimesFloatTakesTheDefaultFloat() throws {
        let n = Tensor.vector("n", dtype: .int32)
        #expect(try (n * 2.5).eval(["n": NDArray([1, 2, 3]).converted(to: .int32)]).description
            == "array([2.5, 5. , 7.5])")
        #expect(withDefaultFloat(.float32) { (n * 2.5).dtype } == .float32)
    }

    @Test func weakScalarsAloneAreFloat64AndInt64() throws {
        let half: Tensor = 0.5
        let two: Tensor = 2
        #expect(half.dtype == .float64 && half.isWeaklyTyped && two.dtype == .int64 && two.isWeaklyTyped)
        #expect(try (half * 3).eval().description == "array(1.5)")
        #expect(try exp(two).eval().item(Double.self) == 7.38905609893065)
        // Comparisons of numbers are ordinary bool constants; a cast makes an ordinary constant.
        #expect(!(two .> 1).isWeaklyTyped && (two .> 1).dtype == .bool)
        let strong = half.cast(to: .float32)
        #expect(!strong.isWeaklyTyped && strong.dtype == .float32)
    }

    @Test func runtimeDoubleTensorsAreStronglyTyped() throws {
        let x = Tensor.vector("x", dtype: .float32)
        let lr = 0.1
        #expect(!Tensor(lr).isWeaklyTyped)
        #expect((x * Tensor(lr)).dtype == .float64)
    }

    @Test func constantsPrintAsPyTensorTypesThem() throws {
        // Where PyTensor's literal dtype computes the same result dtype, the graph keeps it.
        let x = Tensor.vector("x")
        #expect((x * 2).owner?.inputs[1].owner?.inputs[0].dtype == .int8)
        #expect((x * 0.5).owner?.inputs[1].owner?.inputs[0].dtype == .float32)
        #expect((x * 2).dprint() == """
            Mul [id A]
             ├─ x [id B]
             └─ ExpandDims{axis=0} [id C]
                └─ 2 [id D]
            """)
    }

    @Test func anIntegerThatDoesNotFitIsRejected() throws {
        let small = Tensor.vector("small", dtype: .int8)
        #expect(throws: CotangentError.self) { try checked { small + 1000 } }
        do {
            _ = try checked { small + 1000 }
        } catch let error as CotangentError {
            #expect(error.kind == .invalidGraph)
            #expect(error.message.contains("1000 does not fit int8"))
        }
        #expect(try checked { small + 100 }.dtype == .int8)
    }
}
