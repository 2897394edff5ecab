import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The Rosenbrock function `f(x) = Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²` at n = 100: its Hessian (the
/// vectorized Jacobian of its gradient) against the analytic tridiagonal one.
@Suite("Rosenbrock Hessian")
struct RosenbrockTests {
    static let n = 100

    /// `f` from the leading and trailing parts of `x` (`x[:-1]` and `x[1:]`).
    static func rosenbrock(head: Variable, tail: Variable) -> Variable {
        (100 * sqr(tail - sqr(head)) + sqr(1 - head)).sum()
    }

    /// `x[:-1]` and `x[1:]` as products with constant 0/1 selection matrices, so the whole
    /// Hessian goes through Dot's rules (and its batching into a matmul of stacks).
    static func rosenbrockByDot(_ x: Variable) -> Variable {
        var head = [Double](repeating: 0, count: (n - 1) * n)
        var tail = head
        for i in 0..<(n - 1) {
            head[i * n + i] = 1
            tail[i * n + i + 1] = 1
        }
        let first = Variable(constant: NDArray(shape: [n - 1, n], elements: head))
        let second = Variable(constant: NDArray(shape: [n - 1, n], elements: tail))
        return rosenbrock(head: dot(first, x), tail: dot(second, x))
    }

    /// The function as written, with slices (needs Subtensor's pullback and batching).
    static func rosenbrockBySlicing(_ x: Variable) -> Variable {
        rosenbrock(head: x[..<(-1)], tail: x[1...])
    }

    static let point: [Double] = SplitMix64(seed: 3000).uniform(shape: [n], low: -1.5, high: 1.5).asArray(Double.self)

    /// The analytic gradient.
    static func gradient(_ x: [Double]) -> [Double] {
        (0..<n).map { i in
            var g = 0.0
            if i < n - 1 { g += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]) }
            if i > 0 { g += 200 * (x[i] - x[i - 1] * x[i - 1]) }
            return g
        }
    }

    /// The analytic Hessian: tridiagonal, `1200xᵢ² − 400xᵢ₊₁ + 2 (+200)` on the diagonal and
    /// `−400xᵢ` beside it.
    static func hessian(_ x: [Double]) -> [[Double]] {
        var H = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            if i < n - 1 {
                H[i][i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2
                H[i][i + 1] = -400 * x[i]
                H[i + 1][i] = -400 * x[i]
            }
            if i > 0 { H[i][i] += 200 }
        }
        return H
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        Swift.abs(a - b) <= 1e-9 * Swift.max(1, Swift.abs(b))
    }

    /// Checks `grad`, `hessian` (and its symmetry) and `hessianVectorProduct` of `f`.
    static func check(_ f: (Variable) -> Variable) throws {
        let x = Tensor.vector("x", shape: [n])
        let v = Tensor.vector("v", shape: [n])
        let (g, H, Hv) = try checked {
            let cost = f(x)
            return (grad(cost, wrt: x), Cotangent.hessian(cost, wrt: x), hessianVectorProduct(cost, wrt: x, vector: v))
        }
        let direction = SplitMix64(seed: 3001).uniform(shape: [n], low: -1, high: 1)
        let values = try evaluate([g, H, Hv], [.variable(x): NDArray(point), .variable(v): direction])
        #expect(values[1].shape == [n, n])

        let expectedGradient = gradient(point)
        #expect(zip(values[0].asArray(Double.self), expectedGradient).allSatisfy(close))

        let expected = hessian(point)
        let flat = values[1].asArray(Double.self)
        var mismatches = 0
        var asymmetric = 0
        for i in 0..<n {
            for j in 0..<n {
                if !close(flat[i * n + j], expected[i][j]) { mismatches += 1 }
                if Swift.abs(flat[i * n + j] - flat[j * n + i]) > 1e-12 * Swift.max(1, Swift.abs(flat[i * n + j])) { asymmetric += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(asymmetric == 0)

        let t = direction.asArray(Double.self)
        let product = expected.map { row in zip(row, t).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(zip(values[2].asArray(Double.self), product).allSatisfy(close))
    }

    @Test func hessianThroughDot() throws {
        try Self.check(Self.rosenbrockByDot)
    }

    /// The sliced form runs once Subtensor's pullback and batching are in the tree.
    @Test(.enabled(if: (try? checked { () -> Variable in
        let x = Tensor.vector("x", shape: [4])
        return Cotangent.hessian(RosenbrockTests.rosenbrockBySlicing(x), wrt: x)
    }) != nil))
    func hessianThroughSlicing() throws {
        try Self.check(Self.rosenbrockBySlicing)
    }
}
