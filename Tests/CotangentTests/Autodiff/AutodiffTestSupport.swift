import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Checks shared by the derivative-rule tests: Jacobians built two ways, batched graphs against
/// per-entry evaluation, and probes for rules other ops provide.
enum AutodiffTesting {
    /// Symbolic inputs for `point`: exact static shapes, or every length unknown (so the rules'
    /// symbolic-length paths run).
    static func inputs(for point: [NDArray], staticShapes: Bool) -> [Variable] {
        point.enumerated().map { i, value in
            let shape: [Int?] = staticShapes ? value.shape.map { $0 } : value.shape.map { _ in nil }
            return Variable(type: TensorType(dtype: value.dtype, shape: shape), name: "x\(i)")
        }
    }

    /// The Jacobian of `function` with respect to input `wrt` three ways, which must agree:
    /// `jacobian` vectorized (each op's batching rule), one pullback per output element with a
    /// one-hot cotangent (what the looped Jacobian computes), and, when the looped
    /// `jacobian(vectorize: false)` can be built (it differentiates `flat[i]`, so it needs
    /// Subtensor's pullback), that too. Returns the vectorized Jacobian's value.
    @discardableResult
    static func checkJacobians(
        _ function: ([Variable]) -> Variable, at point: [NDArray], wrt: Int = 0, staticShapes: Bool = true,
        tolerance: Double = 1e-12
    ) throws -> NDArray {
        let xs = inputs(for: point, staticShapes: staticShapes)
        let feed = Dictionary(uniqueKeysWithValues: zip(xs, point))
        let output = try checked { function(xs) }
        let vectorized = try checked { jacobian(output, wrt: xs[wrt], disconnected: .zero) }.eval(feed)
        let outputShape = try output.eval(feed).shape
        let count = outputShape.reduce(1, *)
        var rows: [NDArray] = []
        for element in 0..<count {
            var oneHot = [Double](repeating: 0, count: count)
            oneHot[element] = 1
            let cotangent = NDArray(shape: outputShape, elements: oneHot).converted(to: output.dtype)
            let row = try checked {
                pullback(output, wrt: xs[wrt], cotangent: Variable(constant: cotangent), disconnected: .zero)
            }
            rows.append(try row.eval(feed))
        }
        let wrtShape = point[wrt].shape
        let looped =
            rows.isEmpty
            ? NDArray.zeros(outputShape + wrtShape, dtype: vectorized.dtype)
            : NDArray.stacking(rows).reshaped(outputShape + wrtShape).converted(to: vectorized.dtype)
        #expect(arraysMatch(vectorized, looped, tolerance: tolerance), "vectorized \(vectorized) vs rows \(looped)")
        if let loop = try? checked({ jacobian(output, wrt: xs[wrt], vectorize: false, disconnected: .zero) }) {
            let value = try loop.eval(feed)
            #expect(arraysMatch(vectorized, value.converted(to: vectorized.dtype), tolerance: tolerance))
        }
        return vectorized
    }

    /// `vectorizeGraph` of `function` with input `batched` replaced by a stack of values: the
    /// batched graph evaluated once must equal the per-entry evaluations stacked. `point` gives
    /// the other inputs; `stack` the entries (each shaped like `point[batched]`).
    static func checkVectorizeGraph(
        _ function: ([Variable]) -> Variable, at point: [NDArray], batched: Int, stack: [NDArray],
        staticShapes: Bool = true, tolerance: Double = 1e-12
    ) throws {
        let xs = inputs(for: point, staticShapes: staticShapes)
        let output = try checked { function(xs) }
        let stacked = NDArray.stacking(stack)
        let batchShape: [Int?] = staticShapes ? stacked.shape.map { $0 } : stacked.shape.map { _ in nil }
        let batchedInput = Variable(type: TensorType(dtype: stacked.dtype, shape: batchShape), name: "batch")
        let result = try checked { vectorizeGraph([output], replacing: [xs[batched]: batchedInput])[0] }
        var feed = Dictionary(uniqueKeysWithValues: zip(xs, point))
        feed[xs[batched]] = nil
        feed[batchedInput] = stacked
        let value = try result.eval(feed)
        let expected = NDArray.stacking(try stack.map { entry in
            var single = Dictionary(uniqueKeysWithValues: zip(xs, point))
            single[xs[batched]] = entry
            return try output.eval(single)
        })
        #expect(arraysMatch(value, expected.converted(to: value.dtype), tolerance: tolerance),
                "batched \(value) vs stacked \(expected)")
    }

    /// The derivatives' types: the gradient of `function(x).sum()` with respect to each float
    /// input has that input's dtype and run-time shape, and a static shape that agrees with the
    /// input's where both are known (it may know more: a scatter's value gradient has the
    /// region's lengths); the pushforward has the output's dtype and shape, whichever input
    /// carries the tangent. Returns the gradients' values.
    @discardableResult
    static func checkDerivativeTypes(
        _ function: ([Variable]) -> Variable, at point: [NDArray], staticShapes: Bool = true
    ) throws -> [NDArray] {
        let xs = inputs(for: point, staticShapes: staticShapes)
        let feed = Dictionary(uniqueKeysWithValues: zip(xs.map(InputKey.variable), point))
        let output = try checked { function(xs) }
        let outputValue = try evaluate([output], feed)[0]
        let floats = xs.filter(\.dtype.isFloat)
        let gradients = try checked { grad(output.sum(), wrt: floats, disconnected: .zero) }
        let values = try evaluate(gradients, feed)
        for (x, (g, value)) in zip(floats, zip(gradients, values)) {
            let expected = point[xs.firstIndex { $0 === x }!]
            #expect(g.dtype == x.dtype && value.dtype == x.dtype, "gradient \(g.type) of \(x.type)")
            #expect(g.ndim == x.ndim && zip(g.type.shape, x.type.shape).allSatisfy { $0 == nil || $1 == nil || $0 == $1 },
                    "gradient \(g.type) of \(x.type)")
            #expect(value.shape == expected.shape, "gradient value \(value.shape) of \(expected.shape)")
        }
        for x in floats {
            let tangent = Variable(constant: random(point[xs.firstIndex { $0 === x }!].shape, seed: 99, dtype: x.dtype))
            let jvp = try checked { pushforward(output, wrt: x, tangent: tangent, disconnected: .zero) }
            let value = try evaluate([jvp], feed)[0]
            #expect(jvp.dtype == output.dtype && value.dtype == output.dtype, "pushforward \(jvp.type) of \(output.type)")
            #expect(value.shape == outputValue.shape, "pushforward value \(value.shape) of \(outputValue.shape)")
        }
        return values
    }

    /// A reproducible random array.
    static func random(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1, dtype: DType = .float64) -> NDArray {
        SplitMix64(seed: seed).uniform(shape: shape, low: low, high: high, dtype: dtype)
    }

    /// Whether grad can flow through basic indexing in this tree (Subtensor's pullback), for
    /// the tests that need it.
    static let subtensorHasPullback: Bool = {
        let x = Tensor.vector("x")
        return (try? checked { grad(x[1...].sum(), wrt: x) }) != nil
    }()

    /// Whether grad can flow through a Blockwise (batched matmul) in this tree.
    static let blockwiseHasPullback: Bool = {
        let a = Tensor.tensor3("a")
        let b = Tensor.tensor3("b")
        return (try? checked { grad(matmul(a, b).sum(), wrt: a) }) != nil
    }()
}
