import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Every unary float op through its public function, on domain-appropriate inputs and the edge
/// values (±0, ±inf, NaN, huge, tiny, out of domain), against numpy/scipy. float64 must agree to
/// 1e-14 relative; float32 results (computed in double and rounded once) must have dtype float32
/// and be within 3 ulps of numpy's own float32 kernels, which are themselves up to ~3 ulps off.
@Suite("Elemwise unary float ops vs numpy")
struct ElemwiseUnaryTests {
    @Test(arguments: ElemwiseUnaryTests.unaryCases)
    func float64(_ c: UnaryCase) throws {
        let (output, value) = try ElemwiseAPI.evaluate(c.name, [NDArray(c.inputs)])
        #expect(output.dtype == .float64)
        #expect(value.dtype == .float64)
        #expect(value.shape == [c.inputs.count])
        expectClose(
            value.asArray(Double.self), c.float64, inputs: c.inputs.map { "\($0)" }, c.name)
    }

    @Test(arguments: ElemwiseUnaryTests.unaryCases)
    func float32(_ c: UnaryCase) throws {
        let inputs = c.inputs.map { Float($0) }
        let (output, value) = try ElemwiseAPI.evaluate(c.name, [NDArray(inputs)])
        #expect(output.dtype == .float32)
        #expect(value.dtype == .float32)
        expectClose(
            value.asArray(Float.self), c.float32, inputs: inputs.map { "\($0)" }, ulps: 3, c.name)
    }
}
