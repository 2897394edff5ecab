import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// `jacobianSparsity` against the dense Jacobian's nonzeros, and `sparseJacobian`'s values
/// against `jacobian`'s, on functions of known structure.
@Suite("Sparse Jacobians")
struct SparseJacobianTests {
    typealias T = SparseTesting

    static let cases: [(String, Int, @Sendable (Variable) -> Variable)] = [
        ("tridiagonal", 12, { T.tridiagonal($0) }),
        ("blockDiagonal", 12, { T.blockDiagonal($0, block: 3) }),
        ("arrowhead", 9, { T.arrowhead($0) }),
        ("randomSparse", 11, { T.randomSparse($0) }),
    ]

    @Test("the pattern is the dense Jacobian's nonzeros, never missing one", arguments: 0..<4)
    func patternMatchesDenseNonzeros(_ index: Int) throws {
        let (name, n, build) = Self.cases[index]
        let u = T.input(n)
        let f = build(u)
        let pattern = jacobianSparsity(f, wrt: u)
        let points = [T.point(n, seed: 11), T.point(n, seed: 12)]
        let dense = try T.nonzeros(f, wrt: u, points: points)
        #expect(T.positions(pattern) == dense, "\(name)")
        #expect(pattern.fallbacks.isEmpty, "\(name): \(pattern.fallbacks)")
        #expect(pattern.shape == [f.type.shape.reduce(1) { $0 * $1! }, n])
        // Row-major, sorted, no repeats.
        let keys = zip(pattern.rows, pattern.columns).map { $0 * n + $1 }
        #expect(keys == keys.sorted() && Set(keys).count == keys.count)
    }

    @Test("the values equal the dense jacobian's, in every mode and order", arguments: 0..<4)
    func valuesMatchDenseJacobian(_ index: Int) throws {
        let (name, n, build) = Self.cases[index]
        let u = T.input(n)
        let f = build(u)
        let point = T.point(n, seed: 21)
        let dense = try T.denseJacobian(f, wrt: u, at: point)
        for mode in [SparseDifferentiationMode.automatic, .forward, .reverse] {
            for order in ColoringOrder.allCases {
                let J = sparseJacobian(f, wrt: u, mode: mode, order: order)
                let values = try J.values.eval([u: point])
                #expect(values.shape == [J.pattern.nonzeroCount] && values.dtype == .float64)
                let expanded = J.toDense(values)
                #expect(expanded.shape == f.type.shape.map { $0! } + [n])
                #expect(T.close(expanded.asArray(Double.self), dense), "\(name) \(mode) \(order)")
                let inGraph = try J.toDense().eval([u: point])
                #expect(inGraph.shape == expanded.shape)
                #expect(T.close(inGraph.asArray(Double.self), dense), "\(name) \(mode) \(order) toDense()")
                #expect(J.mode != .automatic)
                let colored = J.mode == .forward ? J.pattern : transposed(J.pattern)
                #expect(T.isValidColumnColoring(colored, colors: J.colors), "\(name) \(mode) \(order)")
            }
        }
    }

    func transposed(_ pattern: SparsityPattern) -> SparsityPattern {
        let entries = zip(pattern.columns, pattern.rows).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return SparsityPattern(
            rows: entries.map(\.0), columns: entries.map(\.1), shape: [pattern.shape[1], pattern.shape[0]])
    }

    @Test("a tridiagonal Jacobian takes 3 colours whatever n; its CSR export")
    func tridiagonalColours() throws {
        for n in [5, 50, 1000] {
            let u = T.input(n)
            let J = sparseJacobian(T.tridiagonal(u), wrt: u)
            #expect(J.colorCount == 3)
            #expect(J.pattern.nonzeroCount == 3 * n - 2)
            #expect(J.mode == .forward)
            #expect(T.isValidColumnColoring(J.pattern, colors: J.colors))
        }
        let u = T.input(4)
        let J = sparseJacobian(T.tridiagonal(u), wrt: u)
        #expect(J.rowOffsets == [0, 2, 5, 8, 10])
        #expect(J.columns == [0, 1, 0, 1, 2, 1, 2, 3, 2, 3])
        #expect(J.denseShape == [4, 4])
    }

    @Test("W12's values against the analytic formula")
    func tridiagonalAnalyticValues() throws {
        let n = 40
        let u = T.input(n)
        let J = sparseJacobian(T.tridiagonal(u), wrt: u)
        let point = T.point(n, seed: 1301)
        let x = point.asArray(Double.self)
        let values = try J.values.eval([u: point]).asArray(Double.self)
        for (k, (i, j)) in zip(J.rows, J.columns).enumerated() {
            let next = i + 1 < n ? x[i + 1] : 0
            let expected = i == j ? -0.5 + 2 * x[i] - next : (j == i + 1 ? 0.25 - x[i] : 0.25)
            #expect(abs(values[k] - expected) <= 1e-12 * (1 + abs(expected)))
        }
    }

    @Test("a function with an op without a rule falls back to dense and says so")
    func denseFallback() throws {
        let n = 6
        let u = T.input(n)
        let f = sort(u) * 2 + exp(u)
        let pattern = jacobianSparsity(f, wrt: u)
        #expect(pattern.fallbacks.count == 1)
        #expect(pattern.fallbacks.first?.contains("Sort") == true)
        #expect(pattern.nonzeroCount == n * n)
        let J = sparseJacobian(f, wrt: u)
        #expect(J.colorCount == n)
        let point = T.point(n, seed: 5)
        let values = try J.values.eval([u: point])
        #expect(T.close(J.toDense(values).asArray(Double.self), try T.denseJacobian(f, wrt: u, at: point)))
    }

    @Test("a matmul is dense in the contracted dimension only; float32 keeps its dtype")
    func matmulAndFloat32() throws {
        let u = Tensor.vector("u", dtype: .float32, shape: [6])
        let A = Variable(constant: SplitMix64(seed: 4).uniform(shape: [2, 3], low: -1, high: 1).converted(to: .float32))
        // (2×3)·(3×2): output (i, j) reads column j of u reshaped.
        let f = matmul(A, u.reshaped(to: [3, 2]))
        let pattern = jacobianSparsity(f, wrt: u)
        #expect(T.positions(pattern) == Set((0..<4).flatMap { o in (0..<3).map { t in [o, t * 2 + o % 2] } }))
        let J = sparseJacobian(f, wrt: u)
        #expect(J.values.dtype == .float32)
        #expect(J.colorCount == 2)
        let point = T.point(6, seed: 8).converted(to: .float32)
        let values = try J.values.eval([u: point])
        #expect(values.dtype == .float32)
        let dense = try jacobian(f, wrt: u).eval([u: point]).converted(to: .float64).asArray(Double.self)
        #expect(T.close(J.toDense(values).converted(to: .float64).asArray(Double.self), dense, tolerance: 1e-6))
    }

    @Test("the values graph compiles once and is called at many points")
    func compiledOnce() throws {
        let n = 30
        let u = T.input(n)
        let f = T.tridiagonal(u)
        let J = sparseJacobian(f, wrt: u)
        let compiled = try function(inputs: [u], outputs: [J.values])
        for seed in 0..<3 as Range<UInt64> {
            let point = T.point(n, seed: 100 + seed)
            let values = try compiled(point)[0]
            #expect(T.close(J.toDense(values).asArray(Double.self), try T.denseJacobian(f, wrt: u, at: point)))
        }
    }
}
