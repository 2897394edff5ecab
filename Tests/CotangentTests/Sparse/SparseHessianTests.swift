import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// `hessianSparsity` and `sparseHessian` against the dense `hessian`.
@Suite("Sparse Hessians")
struct SparseHessianTests {
    typealias T = SparseTesting

    static func rosenbrock(_ x: Variable) -> Variable {
        let n = x.type.shape[0]!
        return (100 * sqr(x[1...] - sqr(x[..<(n - 1)])) + sqr(1 - x[..<(n - 1)])).sum()
    }

    /// A 2-D Laplacian energy on a k×k grid with a quartic term: `½Σ(∇u)² + ¼Σu⁴`, whose
    /// Hessian is the 5-point stencil.
    static func laplacianEnergy(_ U: Variable) -> Variable {
        let k = U.type.shape[0]!
        let dx = U[1..., TensorIndex.all] - U[..<(k - 1), TensorIndex.all]
        let dy = U[TensorIndex.all, 1...] - U[TensorIndex.all, ..<(k - 1)]
        return 0.5 * (sqr(dx).sum() + sqr(dy).sum()) + 0.25 * pow(U, 4).sum()
    }

    @Test("Rosenbrock: a tridiagonal pattern, 3 star colours, hessian's values")
    func rosenbrockHessian() throws {
        let n = 20
        let x = T.input(n, "x")
        let cost = Self.rosenbrock(x)
        let pattern = hessianSparsity(cost, wrt: x)
        let tridiagonal = Set((0..<n).flatMap { i in [i - 1, i, i + 1].filter { (0..<n).contains($0) }.map { [i, $0] } })
        #expect(T.positions(pattern) == tridiagonal)
        let H = sparseHessian(cost, wrt: x)
        #expect(H.colorCount == 3)
        #expect(H.denseShape == [n, n])
        let point = SplitMix64(seed: 77).uniform(shape: [n], low: -1.5, high: 1.5)
        let values = try H.values.eval([x: point])
        #expect(values.shape == [3 * n - 2] && values.dtype == .float64)
        let dense = try hessian(cost, wrt: x).eval([x: point]).asArray(Double.self)
        #expect(T.close(H.toDense(values).asArray(Double.self), dense))
        #expect(T.close(try H.toDense().eval([x: point]).asArray(Double.self), dense))
    }

    @Test("2-D Laplacian energy: the 5-point stencil, every order recovers hessian's values")
    func laplacianHessian() throws {
        let k = 5
        let U = Tensor.matrix("U", dtype: .float64, shape: [k, k])
        let cost = Self.laplacianEnergy(U)
        let pattern = hessianSparsity(cost, wrt: U)
        var stencil = Set<[Int]>()
        for i in 0..<k {
            for j in 0..<k {
                for (di, dj) in [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
                where (0..<k).contains(i + di) && (0..<k).contains(j + dj) {
                    stencil.insert([i * k + j, (i + di) * k + j + dj])
                }
            }
        }
        #expect(T.positions(pattern) == stencil)
        let point = SplitMix64(seed: 78).uniform(shape: [k, k], low: -1, high: 1)
        let dense = try hessian(cost, wrt: U).eval([U: point]).asArray(Double.self)
        for order in ColoringOrder.allCases {
            let H = sparseHessian(cost, wrt: U, order: order)
            #expect(H.denseShape == [k, k, k, k])
            // Fewer products than the 25 of a dense Hessian (a 5-point stencil star-colours in few).
            #expect(H.colorCount <= 8, "\(order): \(H.colorCount) colours")
            let values = try H.values.eval([U: point])
            let expanded = H.toDense(values)
            #expect(expanded.shape == [k, k, k, k])
            #expect(T.close(expanded.asArray(Double.self), dense), "\(order)")
        }
    }

    @Test("linear ops create no second-order pairs; products pair across inputs only")
    func secondOrderRules() {
        let x = T.input(4, "x")
        // Linear in x: no Hessian at all.
        #expect(hessianSparsity((cumsum(x) * 3 - x[1...].sum()).sum(), wrt: x).nonzeroCount == 0)
        // x₀·x₁ + x₂·x₃: only the off-diagonal pairs.
        let bilinear = x[0] * x[1] + x[2] * x[3]
        #expect(T.positions(hessianSparsity(bilinear, wrt: x)) == [[0, 1], [1, 0], [2, 3], [3, 2]])
        // exp(x₂): the diagonal entry.
        #expect(T.positions(hessianSparsity(exp(x[2]), wrt: x)) == [[2, 2]])
    }

    @Test("a star colouring recovers every nonzero of random symmetric patterns")
    func starColoringRecovers() {
        var generator = SplitMix64(seed: 5).uniform(shape: [400], low: 0, high: 1).asArray(Double.self).makeIterator()
        for trial in 0..<4 {
            let n = 20
            var entries = Set<[Int]>((0..<n).map { [$0, $0] })
            for i in 0..<n {
                for j in (i + 1)..<n where generator.next().map({ $0 < 0.08 + 0.04 * Double(trial) }) ?? false {
                    entries.insert([i, j])
                    entries.insert([j, i])
                }
            }
            let sorted = entries.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }
            let pattern = SparsityPattern(rows: sorted.map { $0[0] }, columns: sorted.map { $0[1] }, shape: [n, n])
            let graph = ConflictGraph.adjacency(rowOffsets: pattern.rowOffsets, columns: pattern.columns)
            for order in ColoringOrder.allCases {
                let colors = graph.starColoring(order)
                // A distance-1 colouring…
                for v in 0..<n { #expect(graph.neighbours(of: v).allSatisfy { colors[$0] != colors[v] }) }
                // …whose every nonzero is read directly from H·S.
                #expect(starRecovery(pattern, rowOffsets: pattern.rowOffsets, colors: colors) != nil, "\(trial) \(order)")
            }
        }
    }
}
