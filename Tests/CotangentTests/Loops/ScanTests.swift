import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// A small RNN shared by the scan tests; expected values computed by `jax.lax.scan` in float64.
enum RNNFixture {
    static let xs: NDArray = NDArray([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.8], [0.9, -0.7]])
    static let h0: NDArray = NDArray([0.1, -0.3, 0.2])
    static let wx: NDArray = NDArray([[0.2, -0.5, 0.3], [0.7, 0.1, -0.4]])
    static let wh: NDArray = NDArray([[0.5, -0.1, 0.2], [0.3, 0.4, -0.6], [-0.2, 0.1, 0.3]])

    /// `scan` of `h ← tanh(x·Wx + h·Wh)`, returning (hT, hs).
    static func rnn(_ h0: Variable, _ xs: Variable, _ wx: Variable, _ wh: Variable) -> (Variable, Variable) {
        scan(initial: h0, over: xs) { h, x in
            let next = tanh(matmul(x, wx) + matmul(h, wh))
            return (next, next)
        }
    }
}

@Suite("Scan")
struct ScanTests {
    let h0 = Tensor.vector("h0", shape: [3])
    let xs = Tensor.matrix("xs", shape: [nil, 2])
    let wx = Tensor.matrix("Wx", shape: [2, 3])
    let wh = Tensor.matrix("Wh", shape: [3, 3])
    var feed: [Variable: NDArray] {
        [h0: RNNFixture.h0, xs: RNNFixture.xs, wx: RNNFixture.wx, wh: RNNFixture.wh]
    }

    @Test func rnnValuesMatchJax() throws {
        let (hT, hs) = RNNFixture.rnn(h0, xs, wx, wh)
        #expect(hT.type == TensorType(dtype: .float64, shape: [3]))
        #expect(hs.type == TensorType(dtype: .float64, shape: [nil, 3]))
        let f = try function(inputs: [h0, xs, wx, wh], outputs: [hT, hs])
        let out = try f(RNNFixture.h0, RNNFixture.xs, RNNFixture.wx, RNNFixture.wh)
        #expect(try out[0].allClose(NDArray([0.01149336391753334, -0.4493317524212008, 0.36153458358326634])))
        #expect(try out[1].allClose(NDArray([
            [-0.1194272985343859, -0.3627074675780511, 0.45421643268225914],
            [-0.02936073487646858, -0.1073039081290038, 0.23549948108382757],
            [0.3679314474016086, 0.25762645758748215, -0.30120104530908554],
            [0.01149336391753334, -0.4493317524212008, 0.36153458358326634],
        ])))
    }

    @Test func rnnGradientsMatchJax() throws {
        let (hT, hs) = RNNFixture.rnn(h0, xs, wx, wh)
        let cost = (hs * hs).sum() + hT.sum()
        let grads = grad(cost, wrt: [h0, xs, wx, wh])
        let f = try function(inputs: [h0, xs, wx, wh], outputs: grads)
        let out = try f(RNNFixture.h0, RNNFixture.xs, RNNFixture.wx, RNNFixture.wh)
        #expect(try out[0].allClose(NDArray([0.18816803471414864, -0.5725843850528529, 0.16047224887519076])))
        #expect(try out[1].allClose(NDArray([
            [0.4177036463200483, -0.30302150352338547], [-0.03808744908216198, 0.378247813413859],
            [0.19140408250840263, 1.0543198956731497], [0.6134873987082027, 0.1249431809521192],
        ])))
        #expect(try out[2].allClose(NDArray([
            [0.45236123795173216, -0.08337507575606795, 1.8282010620581628],
            [0.5086278403222511, 0.09996308320154496, -1.4100963451378523],
        ])))
        #expect(try out[3].allClose(NDArray([
            [0.2738601041012488, -0.05300412365777163, 0.6171550172779057],
            [-0.08309967401602787, 0.02155334705082283, 0.1780409861815236],
            [0.2572442139729796, 0.04370146409289558, -0.3435493680100424],
        ])))
    }
}
