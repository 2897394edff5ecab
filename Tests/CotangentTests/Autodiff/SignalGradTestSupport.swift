import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Helpers shared by the CumOp, Convolve1d and Blockwise derivative tests.
enum SignalGradTesting {
    /// Whether `Subtensor` has a pullback in this build. The cumsum and convolution pullbacks
    /// reverse with `x[::-1]`, so differentiating them again (and `jacobian(vectorize: false)`,
    /// which indexes `f[i]`) goes through Subtensor's rule, written on another branch.
    static let subtensorHasPullback: Bool = {
        let x = Tensor.vector("x")
        return (try? checked { grad(x[.stride(by: -1)].sum(), wrt: x) }) != nil
    }()

    /// The Jacobian of the 1-d `f` one row at a time: the pullback of each one-hot cotangent,
    /// evaluated and stacked (the looped Jacobian, without `jacobian`'s own loop).
    static func rowByRowJacobian(_ f: Variable, wrt x: Variable, _ values: [String: NDArray]) throws -> NDArray {
        precondition(f.ndim == 1)
        let n = try f.eval(values).count
        let rows = try (0..<n).map { i in
            var basis = [Double](repeating: 0, count: n)
            basis[i] = 1
            let cotangent = Variable(constant: NDArray(shape: [n], elements: basis).converted(to: f.dtype))
            let row = try checked { pullback(f, wrt: x, cotangent: cotangent) }
            return try row.eval(values)
        }
        return NDArray.stacking(rows)
    }

    /// Checks that `jacobian(f, wrt: x)` (vectorized) equals the row-by-row Jacobian, and the
    /// looped `jacobian(vectorize: false)` too where Subtensor's pullback exists.
    static func expectJacobiansAgree(
        _ f: Variable, wrt x: Variable, _ values: [String: NDArray], tolerance: Double = 1e-12,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let vectorized = try checked { jacobian(f, wrt: x) }.eval(values)
        let rows = try rowByRowJacobian(f, wrt: x, values)
        #expect(arraysMatch(vectorized, rows, tolerance: tolerance), "\(vectorized) vs \(rows)",
                sourceLocation: sourceLocation)
        if subtensorHasPullback {
            let looped = try checked { jacobian(f, wrt: x, vectorize: false) }.eval(values)
            #expect(arraysMatch(vectorized, looped, tolerance: tolerance), sourceLocation: sourceLocation)
        }
    }

    /// `vectorizeGraph` of `output` (a function of `input` and of graph inputs named in
    /// `others`) with `input` replaced by `batched`, evaluated on the stacked values, equals
    /// stacking the evaluations of `output` at each value.
    static func expectBatchedGraphMatchesStack(
        _ output: Variable, input: Variable, batched: Variable, stack: [NDArray],
        others: [String: NDArray] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let vectorized = try checked { vectorizeGraph([output], replacing: [input: batched])[0] }
        var named: [Variable: NDArray] = [:]
        for root in GraphTraversal.graphInputs([vectorized, output]) {
            if let name = root.name, let value = others[name] { named[root] = value }
        }
        let result = try vectorized.eval(named.merging([batched: NDArray.stacking(stack)]) { a, _ in a })
        let expected = NDArray.stacking(try stack.map { value in
            try output.eval(named.merging([input: value]) { a, _ in a })
        })
        #expect(arraysMatch(result, expected), "\(result) vs \(expected)", sourceLocation: sourceLocation)
    }
}
