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

    /// A scalar recurrence `h ← tanh(w·h + x)` emitting `h²`, as a function of the sequence
    /// and the weight (for verifyGrad).
    static func recurrence(_ xs: Variable, _ w: Variable) -> Variable {
        let (hT, ys) = scan(initial: Variable(constant: NDArray(scalar: 0.2)), over: xs) { h, x in
            let next = tanh(w * h + x)
            return (next, next * next)
        }
        return ys.sum() + hT
    }

    @Test(arguments: [0, 1, 7])
    func gradientsThroughLoopsOfAnyLength(_ length: Int) throws {
        let xs = randomPoint([length], -1...1, seed: 11)
        try verifyGrad({ Self.recurrence($0[0], $0[1]) }, at: [xs, NDArray(scalar: 0.7)])
        try verifyGrad({ RNNFixture.rnn($0[0], $0[1], $0[2], $0[3]).1 }, at: [
            randomPoint([3], -1...1, seed: 12), randomPoint([length, 2], -1...1, seed: 13),
            randomPoint([2, 3], -1...1, seed: 14), randomPoint([3, 3], -1...1, seed: 15),
        ])
    }

    @Test func pushforwardAgreesWithPullback() throws {
        try verifyPushforward({ Self.recurrence($0[0], $0[1]) }, at: [randomPoint([5], -1...1, seed: 16), NDArray(scalar: 0.4)])
        try verifyPushforward({ RNNFixture.rnn($0[0], $0[1], $0[2], $0[3]).1 }, at: [
            randomPoint([3], -1...1, seed: 17), randomPoint([4, 2], -1...1, seed: 18),
            randomPoint([2, 3], -1...1, seed: 19), randomPoint([3, 3], -1...1, seed: 20),
        ])
    }

    @Test func vectorizedJacobianMatchesRows() throws {
        // jacobian vectorizes the pullback's reverse scan (Scan's batching rule).
        try AutodiffTesting.checkJacobians(
            { RNNFixture.rnn($0[0], $0[1], $0[2], $0[3]).1 },
            at: [RNNFixture.h0, RNNFixture.xs, RNNFixture.wx, RNNFixture.wh], wrt: 1)
        try AutodiffTesting.checkJacobians(
            { RNNFixture.rnn($0[0], $0[1], $0[2], $0[3]).0 },
            at: [RNNFixture.h0, RNNFixture.xs, RNNFixture.wx, RNNFixture.wh], wrt: 3, staticShapes: false)
    }

    /// Both forms: the vectorized Hessian, and `vectorize: false`, a scan over its rows whose
    /// body differentiates through the recurrence's own scan.
    @Test(arguments: [true, false])
    func hessianMatchesJax(vectorize: Bool) throws {
        let xs = Tensor.vector("xs", shape: [3])
        let cost = Self.recurrence(xs, Variable(constant: NDArray(scalar: 0.7)))
        let H = hessian(cost, wrt: xs, vectorize: vectorize)
        #expect(H.type == TensorType(dtype: .float64, shape: [3, 3]))
        #expect(GraphTraversal.toposort([H]).contains { ($0.op as? Scan).map { !$0.reverse && $0.body.carries.isEmpty } ?? false } == !vectorize)
        let value = try H.eval([xs: NDArray([0.3, -0.5, 0.8])])
        #expect(value.shape == [3, 3] && value.dtype == .float64)
        #expect(try value.allClose(NDArray([
            [1.1158461792412713, 1.0017931764856574, -0.2948112072531187],
            [1.0017931764856571, 1.7265485423917184, -0.5080947565936056],
            [-0.2948112072531187, -0.5080947565936056, -0.7584740096957224],
        ]), rtol: 1e-12, atol: 1e-14))
    }

    @Test func reverseScanWithTwoCarriesMatchesJax() throws {
        let xs = Tensor.vector("xs")
        let (carries, ys) = scan(
            initial: [Variable(constant: NDArray(scalar: 1.0)), Variable(constant: NDArray(scalar: 0.5))],
            over: [xs], reverse: true
        ) { c, step in
            ([c[0] * step[0] + c[1], c[1] - 0.5 * step[0]], [c[0] * c[1]])
        }
        let out = try function(inputs: [xs], outputs: carries + ys)(NDArray([0.3, -0.5, 0.8]))
        #expect(abs(out[0].item(Double.self) - 0.185) < 1e-15)
        #expect(abs(out[1].item(Double.self) - 0.2) < 1e-15)
        #expect(try out[2].allClose(NDArray([-0.1925, 0.13, 0.5])))
        try verifyGrad({ x in
            let (c, y) = scan(initial: [x[1], x[1] * 2], over: [x[0]], reverse: true) { c, step in
                ([c[0] * step[0] + c[1], c[1] - 0.5 * step[0]], [c[0] * c[1]])
            }
            return y[0].sum() + c[0] * c[1]
        }, at: [randomPoint([4], -1...1, seed: 21), NDArray(scalar: 0.6)])
    }

    @Test func carriesOfSeveralDtypes() throws {
        let xs = Tensor.vector("xs", dtype: .float32)
        let (carries, ys) = scan(
            initial: [Variable(constant: NDArray(scalar: Int64(0))), Variable(constant: NDArray(scalar: Float(1)))],
            over: [xs]
        ) { c, step in
            ([c[0] + 1, c[1] * step[0]], [c[0].cast(to: .float32) * step[0], step[0] .> 0])
        }
        #expect(carries.map(\.dtype) == [.int64, .float32])
        #expect(ys.map(\.dtype) == [.float32, .bool])
        let out = try function(inputs: [xs], outputs: carries + ys)(NDArray([Float(2), -3, 0.5]))
        #expect(out[0].item(Int64.self) == 3)
        #expect(out[1].item(Float.self) == -3)
        #expect(out[2].asArray(Float.self) == [0, -3, 1])
        #expect(out[3].asArray(Bool.self) == [true, false, true])
        let g = try grad(carries[1] + ys[0].sum(), wrt: xs).eval([xs: NDArray([Float(2), -3, 0.5])])
        #expect(g.dtype == .float32)
        // d/dx of x0·x1·x2 + (0·x0 + 1·x1 + 2·x2) at (2, -3, 0.5).
        #expect(g.asArray(Float.self) == [-1.5, 2, -4])
    }

    @Test func lengthKnownOnlyAtRunTime() throws {
        let n = Tensor.scalar("n", dtype: .int64)
        let x = Tensor.scalar("x")
        let (carries, ys) = scan(initial: [x], length: n) { c, _ in ([c[0] * 2], [c[0]]) }
        #expect(ys[0].type.shape == [nil])
        let f = try function(inputs: [n, x], outputs: [carries[0], ys[0], grad(carries[0], wrt: x)])
        let out = try f(NDArray(scalar: Int64(3)), NDArray(scalar: 1.5))
        #expect(out[0].item(Double.self) == 12)
        #expect(out[1].asArray(Double.self) == [1.5, 3, 6])
        #expect(out[2].item(Double.self) == 8)
        let empty = try f(NDArray(scalar: Int64(0)), NDArray(scalar: 1.5))
        #expect(empty[0].item(Double.self) == 1.5 && empty[1].shape == [0] && empty[2].item(Double.self) == 1)
    }

    @Test func nestedScans() throws {
        // Each row's running product inside, a running sum of row products outside.
        func nested(_ a: Variable) -> Variable {
            let (total, _) = scan(initial: Variable(constant: NDArray(scalar: 0.0)), over: a) { sum, row in
                let (product, _) = scan(initial: Variable(constant: NDArray(scalar: 1.0)), over: row) { p, v in
                    (p * v, p)
                }
                return (sum + sin(product), product)
            }
            return total
        }
        let a = Tensor.matrix("A")
        let value = try nested(a).eval([a: NDArray([[1.0, 2.0], [0.5, -1.0]])])
        // sin(2) + sin(-0.5)
        #expect(abs(value.item(Double.self) - 0.4298718882214787) < 1e-15)
        try verifyGrad({ nested($0[0]) }, at: [randomPoint([3, 4], -1...1, seed: 22)])
        try verifyPushforward({ nested($0[0]) }, at: [randomPoint([3, 4], -1...1, seed: 23)])
    }

    @Test func mapAppliesTheBodyToEachRow() throws {
        let a = Tensor.matrix("A")
        let rowSums = map(over: a) { row in row.sum() }
        let value = NDArray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        #expect(try rowSums.eval([a: value]).asArray(Double.self) == [6, 15])
        try verifyGrad({ map(over: $0[0]) { row in (row * row).sum() } }, at: [randomPoint([3, 2], -1...1, seed: 24)])
    }

    @Test func aBodyThatChangesACarryIsAnError() {
        let xs = Tensor.vector("xs")
        let h = Tensor.vector("h", shape: [3])
        #expect {
            _ = try checked { scan(initial: h, over: xs) { c, x in (c.cast(to: .float32), x) } }
        } throws: { error in
            "\(error)".contains("carry 0 'h'") && "\(error)".contains("float32")
        }
        #expect {
            _ = try checked { scan(initial: h, over: xs) { c, x in (c[..<2], x) } }
        } throws: { error in
            "\(error)".contains("carry 0 'h'") && "\(error)".contains("(2,)")
        }
    }
}
