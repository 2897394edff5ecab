import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Gradient control")
struct GradientControlTests {
    let point: [String: NDArray] = ["x": [0.5, 2.0]]

    @Test func stopGradient() throws {
        let x = Tensor.vector("x")
        // d/dx [stop(x²) · x] = x²
        let g = try checked { grad((disconnectedGrad(x * x) * x).sum(), wrt: x) }
        #expect(try g.eval(point).asArray(Double.self) == [0.25, 4.0])
        // Only through the stopped path: disconnected.
        #expect(throws: CotangentError.self) { try checked { grad(disconnectedGrad(x).sum(), wrt: x) } }
        #expect(try checked { grad(disconnectedGrad(x).sum(), wrt: x, disconnected: .zero) }.eval(point)
            .asArray(Double.self) == [0, 0])
    }

    @Test func zeroGradientStaysConnected() throws {
        let x = Tensor.vector("x")
        let g = try checked { grad(zeroGrad(x * 3).sum(), wrt: x) }
        #expect(try g.eval(point).asArray(Double.self) == [0, 0])
        #expect(try zeroGrad(x * 3).eval(point).asArray(Double.self) == [1.5, 6])
    }

    @Test func undefinedGradientIsReported() {
        let x = Tensor.vector("x")
        #expect { try checked { grad(undefinedGrad(x).sum(), wrt: x) } } throws: { error in
            (error as? CotangentError)?.kind == .invalidGradient && "\(error)".contains("undefined")
        }
    }

    @Test func clipAndScaleTheCotangent() throws {
        let x = Tensor.vector("x")
        let clipped = try checked { grad((gradClip(x, lower: -1, upper: 1) * 5).sum(), wrt: x) }
        #expect(try clipped.eval(point).asArray(Double.self) == [1, 1])
        let scaled = try checked { grad(sqr(gradScale(x, by: 0.5)).sum(), wrt: x) }
        #expect(try scaled.eval(point).asArray(Double.self) == [0.5, 2.0])
        try verifyPushforward({ gradScale($0[0], by: 3) * $0[0] }, at: [NDArray([0.5, 1.5])])
    }

    @Test func rewritingRemovesThem() {
        let x = Tensor.vector("x")
        let y = rewriteGraph(exp(disconnectedGrad(x)), include: ["fast_run"])
        #expect(y.dprint() == """
            Exp [id A]
             └─ x [id B]
            """)
    }
}
