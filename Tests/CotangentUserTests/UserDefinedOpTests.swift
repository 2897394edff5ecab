// Code written the way a user of the library writes it: `import Cotangent` only, no
// `@testable`, so everything used here is public API.
import Cotangent
import Testing

/// `clip(x, low, high)` as a user's own op, with every rule the library asks of an op.
struct Clip: Op {
    let low: Double
    let high: Double

    var description: String { "Clip{\(low), \(high)}" }

    func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, inputs[0].dtype.isFloat else {
            throw CotangentError(.invalidGraph, "\(self): expects one float input, got \(inputs.map(\.type))")
        }
        return [inputs[0].type]
    }

    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0].converted(to: .float64)
        let clipped = NDArray(shape: x.shape, elements: x.asArray(Double.self).map { min(max($0, low), high) })
        return [clipped.converted(to: inputs[0].dtype)]
    }

    func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { inputShapes }

    func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let x = node.inputs[0]
        return [.value(select((x .>= low) & (x .<= high), g, zerosLike(g)))]
    }

    func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        let x = node.inputs[0]
        return [select((x .>= low) & (x .<= high), t, zerosLike(t))]
    }

    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        throw StableHLONotExportable("a user's op without an export rule")
    }
}

@Suite("A user's own ops (public API only)")
struct UserDefinedOpTests {
    let x = Tensor.vector("x")
    let point = NDArray([-2.0, -0.5, 0.25, 0.75, 3.0])

    @Test func anOpAppliesLikeAFunction() throws {
        let y = Clip(low: -1, high: 1)(x)[0]
        #expect(y.type == TensorType(dtype: .float64, shape: [nil]))
        #expect(try y.eval([x: point]).asArray(Double.self) == [-1, -0.5, 0.25, 0.75, 1])
        let f = try function(inputs: [x], outputs: [(y * 2).sum()])
        #expect(try f(point)[0].item(Double.self) == 1)
        #expect(y.dprint() == "Clip{-1.0, 1.0} [id A]\n └─ x [id B]")
        // An application the op refuses throws inside `checked`, with the op's message.
        do {
            _ = try checked { Clip(low: 0, high: 1)(Tensor.vector("i", dtype: .int64)) }
            Issue.record("expected the op's error")
        } catch let error as CotangentError {
            #expect(error.message.contains("Clip{0.0, 1.0}: expects one float input"))
        }
    }

    @Test func itsDerivativesAreChecked() throws {
        let interior = NDArray([-0.9, -0.5, 0.25, 0.75, 0.2])
        let outside = NDArray([-2.0, 1.5, 0.25, 3.0, -0.3])
        for at in [interior, outside] {
            try verifyGrad({ v in Clip(low: -1, high: 1)(v[0])[0] * v[0] }, at: [at])
            try verifyPushforward({ v in Clip(low: -1, high: 1)(v[0])[0] * v[0] }, at: [at])
        }
        let g = grad(Clip(low: -1, high: 1)(x)[0].sum(), wrt: x)
        #expect(g.type == x.type)
        #expect(try g.eval([x: point]).asArray(Double.self) == [0, 1, 1, 1, 0])
        // Batched by the library around the op (no batching rule): vectorized equals looped.
        let h = Clip(low: -1, high: 1)(x)[0] * exp(x)
        let vectorized = try jacobian(h, wrt: x, vectorize: true).eval([x: point])
        let looped = try jacobian(h, wrt: x, vectorize: false).eval([x: point])
        #expect(vectorized.shape == [5, 5] && vectorized == looped)
    }

    @Test func exportNamesTheOpWithoutARule() throws {
        #expect(throws: StableHLOExportError.self) {
            try exportStableHLO(inputs: [x], outputs: [Clip(low: 0, high: 1)(x)[0]], inputShapes: [[5]])
        }
    }

    @Test func aSubgraphWithItsOwnPullback() throws {
        // log(1 + exp(x)) overflows for large x; the rule is written with the stable sigmoid.
        let softplus = opFromGraph(
            inputs: [x], outputs: [log1p(exp(x))], name: "Softplus",
            pullback: { inputs, _, cotangents in [cotangents[0] * sigmoid(inputs[0])] })
        let z = Tensor.vector("z")
        let g = grad(softplus(z)[0].sum(), wrt: z)
        let values = try g.eval([z: NDArray([-800.0, 0.0, 800.0])]).asArray(Double.self)
        #expect(values == [0, 0.5, 1])
        // The inner graph's own derivative would divide inf by inf at 800.
        let plain = grad(log1p(exp(z)).sum(), wrt: z)
        #expect(try plain.eval([z: NDArray([800.0])]).asArray(Double.self)[0].isNaN)
        try verifyGrad({ v in softplus(v[0])[0] }, at: [NDArray([-1.5, 0.3, 2.0])])
        #expect(softplus.description == "Softplus{inline=False}")
    }
}
