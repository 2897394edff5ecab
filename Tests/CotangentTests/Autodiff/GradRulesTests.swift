import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Gradient rules")
struct GradRulesTests {
    func error(_ body: () throws -> Void) -> CotangentError? {
        do {
            try body()
            return nil
        } catch let error as CotangentError {
            return error
        } catch {
            return nil
        }
    }

    @Test func nonScalarCostIsRejected() {
        let x = Tensor.vector("x")
        let failure = error { _ = try checked { grad(exp(x), wrt: x) } }
        #expect(failure?.kind == .invalidGradient)
        #expect(failure?.message.contains("must be a scalar") == true)
        #expect(failure?.message.contains("Vector(float64, shape=(?,))") == true)
    }

    @Test func integerWrtIsRejected() {
        let n = Tensor.vector("n", dtype: .int64)
        let failure = error { _ = try checked { grad((n.cast(to: .float64) * 2).sum(), wrt: n) } }
        #expect(failure?.kind == .invalidGradient)
        #expect(failure?.message.contains("int64") == true)
    }

    @Test func disconnectedInputPolicies() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let cost = exp(x).sum()
        let failure = error { _ = try checked { grad(cost, wrt: y) } }
        #expect(failure?.kind == .invalidGradient)
        #expect(failure?.message.contains("do not depend on y") == true)
        let zeros = grad(cost, wrt: y, disconnected: .zero)
        #expect(try zeros.eval(["x": [1.0], "y": [1.0, 2.0]]).asArray(Double.self) == [0, 0])
        let optional = gradients(of: [cost], wrt: [x, y], seeds: [onesLike(cost)], disconnected: .none)
        #expect(optional[0] != nil)
        #expect(optional[1] == nil)
    }

    @Test func undefinedGradientNamesTheOp() {
        let x = Tensor.vector("x")
        let failure = error { _ = try checked { grad(UndefinedGradientTestOp.apply(x).sum(), wrt: x) } }
        #expect(failure?.kind == .invalidGradient)
        #expect(failure?.message.contains("NoGradient has no pullback") == true)
    }

    @Test func mismatchedCotangentIsRejected() {
        let x = Tensor.vector("x", shape: [3])
        let v = Tensor.vector("v", shape: [4])
        let failure = error { _ = try checked { pullback(exp(x), wrt: x, cotangent: v) } }
        #expect(failure?.kind == .invalidGradient)
        #expect(failure?.message.contains("(4,)") == true)
        let matrix = Tensor.matrix("m")
        #expect(error { _ = try checked { pullback(exp(x), wrt: x, cotangent: matrix) } } != nil)
    }

    @Test func consideringConstantStopsTheGradient() throws {
        let x = Tensor.vector("x")
        let y = exp(x)
        let cost = (y * x).sum()
        let stopped = grad(cost, wrt: x, consideringConstant: [y])
        // d/dx (c * x) with c = exp(x) held constant is exp(x).
        let value = try stopped.eval(["x": [0.0, 1.0]]).asArray(Double.self)
        // Within the vector math's few ulps of libm's exp (ElementwiseMath.usesVectorMath).
        #expect(value[0] == 1.0 && Swift.abs(value[1] - 2.718281828459045) <= 4 * Double.ulpOfOne * 2.718281828459045)
    }

    @Test func gradOfGrad() throws {
        let x = Tensor.vector("x")
        let g = grad((x * x * x).sum(), wrt: x)     // 3x²
        let h = grad(g.sum(), wrt: x)              // 6x
        #expect(try h.eval(["x": [1.0, 2.0]]).asArray(Double.self) == [6, 12])
    }

    @Test func pushforwardOfPullback() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let t = Tensor.vector("t")
        let vjp = pullback(sin(x), wrt: x, cotangent: v)   // v cos x
        let jvp = pushforward(vjp, wrt: x, tangent: t)     // -v sin(x) t
        let value = try jvp.eval(["x": [0.5], "v": [2.0], "t": [3.0]]).item(Double.self)
        #expect(Swift.abs(value - (-2 * 3 * 0.479425538604203)) < 1e-12)
    }

    @Test func termsFromSeveralPathsAreSummed() throws {
        let x = Tensor.vector("x")
        let cost = (exp(x) + exp(x) * x).sum()
        let value = try grad(cost, wrt: x).eval(["x": [0.0]]).item(Double.self)
        #expect(value == 2)  // e⁰ + (e⁰·0 + e⁰)
    }

    @Test func severalWrtInOrder() throws {
        let x = Tensor.scalar("x")
        let y = Tensor.scalar("y")
        let gs = grad(x * y * y, wrt: [x, y])
        let values = try evaluate(gs, ["x": 2.0, "y": 3.0])
        #expect(values.map { $0.item(Double.self) } == [9, 12])
    }

    @Test func nodeWithoutNativePushforwardUsesDoublePullback() throws {
        let x = Tensor.vector("x")
        let t = Tensor.vector("t")
        let jvp = pushforward(NoPushforwardTestOp.apply(x), wrt: x, tangent: t)
        // The op computes 3x with a pullback 3g and no forward rule.
        #expect(try jvp.eval(["x": [1.0, 2.0], "t": [1.0, 10.0]]).asArray(Double.self) == [3, 30])
    }
}

struct UndefinedGradientTestOp: Op {
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("a test op") }

    var description: String { "NoGradient" }
    static func apply(_ x: Variable) -> Variable { build(UndefinedGradientTestOp(), x) }
    func outputTypes(for inputs: [Variable]) throws -> [TensorType] { [inputs[0].type] }
    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] { inputs }
}

struct NoPushforwardTestOp: Op {
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("a test op") }

    var description: String { "TimesThree" }
    static func apply(_ x: Variable) -> Variable { build(NoPushforwardTestOp(), x) }
    func outputTypes(for inputs: [Variable]) throws -> [TensorType] { [inputs[0].type] }
    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [ElemwiseKernel.run(.mul, [inputs[0], NDArray(scalar: 3.0)], shape: inputs[0].shape, dtype: inputs[0].dtype)]
    }
    func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        [cotangents[0].map { .value($0 * 3) } ?? .disconnected]
    }
}
