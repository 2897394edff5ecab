import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Every binary float op through its public API over an outer grid of values (a column of shape
/// (n, 1) against a row of shape (1, m), which also exercises static broadcasting), against
/// numpy: float64 to 1e-14 relative, float32 within 3 ulps of numpy's float32 kernels.
@Suite("Elemwise binary float ops vs numpy")
struct ElemwiseBinaryTests {
    static func grid(_ c: BinaryCase, dtype: DType) throws -> (Variable, NDArray) {
        let a = Tensor.matrix("a", dtype: dtype, shape: [nil, 1])
        let b = Tensor.matrix("b", dtype: dtype, shape: [1, nil])
        let output = ElemwiseAPI.apply(c.name, [a, b])
        let op = try #require(output.owner?.op as? Elemwise)
        #expect(op.scalarOp == ElemwiseAPI.scalarOp(c.name))
        #expect(output.type.shape == [nil, nil])
        let value = try output.eval([
            a: NDArray(shape: [c.a.count, 1], elements: c.a).converted(to: dtype),
            b: NDArray(shape: [1, c.b.count], elements: c.b).converted(to: dtype),
        ])
        #expect(value.shape == [c.a.count, c.b.count])
        return (output, value)
    }

    @Test(arguments: ElemwiseBinaryTests.binaryCases)
    func float64(_ c: BinaryCase) throws {
        let (output, value) = try Self.grid(c, dtype: .float64)
        #expect(output.dtype == .float64 && value.dtype == .float64)
        expectClose(value.asArray(Double.self), c.float64, inputs: c.labels, c.name)
    }

    @Test(arguments: ElemwiseBinaryTests.binaryCases)
    func float32(_ c: BinaryCase) throws {
        let (output, value) = try Self.grid(c, dtype: .float32)
        #expect(output.dtype == .float32 && value.dtype == .float32)
        expectClose(value.asArray(Float.self), c.float32, inputs: c.labels, ulps: 3, c.name)
    }

    @Test func clipFollowsPyTensorsScalarDefinition() throws {
        let x = Tensor.matrix("x", shape: [nil, 1])
        let low = Tensor.matrix("low", shape: [1, nil])
        let high = Tensor.matrix("high", shape: [1, nil])
        let y = clip(x, min: low, max: high)
        #expect(y.owner?.op.description == "Clip")
        let value = try y.eval([
            "x": NDArray(shape: [Self.clipX.count, 1], elements: Self.clipX),
            "low": NDArray(shape: [1, Self.clipLow.count], elements: Self.clipLow),
            "high": NDArray(shape: [1, Self.clipHigh.count], elements: Self.clipHigh),
        ])
        let labels = Self.clipX.flatMap { x in
            zip(Self.clipLow, Self.clipHigh).map { "clip(\(x), \($0), \($1))" }
        }
        expectClose(value.asArray(Double.self), Self.clipExpected, inputs: labels, "clip")
    }
}
