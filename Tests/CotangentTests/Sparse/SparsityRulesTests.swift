import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Per-op rules, colourings, structure recognition and bad input.
@Suite("Sparsity rules, colourings and structure")
struct SparsityRulesTests {
    typealias T = SparseTesting

    @Test("each op family's pattern equals the dense Jacobian's nonzeros")
    func opFamilies() throws {
        let n = 8
        let u = T.input(n)
        let A = Variable(constant: SplitMix64(seed: 9).uniform(shape: [3, 4], low: 0.5, high: 1))
        let functions: [(String, Variable)] = [
            ("log", log(u)),
            ("cumsum", cumsum(u)),
            ("cumprod of a matrix along axis 1", cumprod(u.reshaped(to: [2, 4]), axis: 1)),
            ("reverse slice", u[TensorIndex.stride(from: 7, by: -2)] * 1.0),
            ("transpose", exp(u.reshaped(to: [2, 4]).transposed())),
            ("row sums", u.reshaped(to: [2, 4]).sum(axis: 1)),
            ("prod", u.prod()),
            ("broadcast column", (u.reshaped(to: [4, 2])[TensorIndex.all, 0].expandingDims([1]) * u.reshaped(to: [4, 2])).flattened()),
            ("alloc", alloc(u[3], shape: [3]) + u[..<3]),
            ("matmul", matmul(A, u.reshaped(to: [4, 2]))),
            ("vector dot", dot(u[..<4], u[4...])),
            ("valid convolution", convolve1d(u, Variable(constant: NDArray([1.0, 2, 3])), mode: .valid)),
            ("full convolution of two inputs", convolve1d(u[..<3], u[3...], mode: .full)),
            ("stack", stack([u[0] * u[1], u[5]])),
            ("incremented", u.incremented(at: [2..<4], by: sqr(u[..<2]))),
            ("gather with repeats", u[Variable(constant: NDArray([Int64(1), 1, 6]))] * u[..<3]),
            ("scatter-add with repeats",
             zeros(shape: [4], dtype: .float64).incremented(at: Variable(constant: NDArray([Int64(0), 2, 2])), by: u[..<3])),
            ("scatter-set of rows",
             u.reshaped(to: [4, 2]).setting(at: Variable(constant: NDArray([Int64(-1), 1])), to: exp(u[..<2])).flattened()),
            ("floor has no derivative", floor(u) + u[0]),
        ]
        let points = [T.point(n, seed: 31), T.point(n, seed: 32)]
        for (name, f) in functions {
            let pattern = jacobianSparsity(f, wrt: u)
            #expect(pattern.fallbacks.isEmpty, "\(name): \(pattern.fallbacks)")
            let dense = try T.nonzeros(f, wrt: u, points: points)
            #expect(T.positions(pattern) == dense, "\(name)")
        }
        // A maximum's structural pattern holds every candidate; the value's Jacobian, only the
        // winner: a superset, never missing a nonzero.
        let maximum = u.reshaped(to: [2, 4]).max(axis: 0)
        let pattern = T.positions(jacobianSparsity(maximum, wrt: u))
        #expect(pattern == Set((0..<4).flatMap { [[$0, $0], [$0, $0 + 4]] }))
        #expect(try T.nonzeros(maximum, wrt: u, points: points).isSubset(of: pattern))
    }

    @Test("structure: diagonal, triangular, block diagonal, banded, dense, sparse")
    func structures() {
        let n = 6
        let u = T.input(n)
        #expect(jacobianStructure(log(u), wrt: u) == .diagonal)
        #expect(jacobianStructure(cumsum(u), wrt: u) == .lowerTriangular)
        #expect(jacobianStructure(cumsum(u[TensorIndex.stride(by: -1)])[TensorIndex.stride(by: -1)], wrt: u) == .upperTriangular)
        #expect(jacobianStructure(T.blockDiagonal(u, block: 2), wrt: u) == .blockDiagonal(blockSizes: [2, 2, 2]))
        #expect(jacobianStructure(T.tridiagonal(u), wrt: u) == .banded(lower: 1, upper: 1))
        #expect(jacobianStructure(convolve1d(u, Variable(constant: NDArray([1.0, 2])), mode: .full), wrt: u)
            == .banded(lower: 1, upper: 0))
        #expect(jacobianStructure(exp(u) * u.sum(), wrt: u) == .dense)
        // The seed tutorial's convolution, with respect to its second argument: 4×2, banded.
        let x = Tensor.vector("x", dtype: .float64, shape: [3])
        let y = Tensor.vector("y", dtype: .float64, shape: [2])
        let convolution = convolve1d(x, y, mode: .full)
        #expect(jacobianStructure(convolution, wrt: y) == .banded(lower: 2, upper: 0))
        #expect(T.positions(jacobianSparsity(convolution, wrt: y)) == [[0, 0], [1, 0], [1, 1], [2, 0], [2, 1], [3, 1]])
        #expect(jacobianStructure(T.arrowhead(u), wrt: u) == .sparse(nonzeros: 3 * n - 2))
        #expect(jacobianStructure(exp(T.input(n, "v")), wrt: u) == .zero)
        #expect(JacobianStructure.banded(lower: 1, upper: 1).description == "banded (lower bandwidth 1, upper bandwidth 1)")
    }

    @Test("colourings are valid for every order; automatic mode takes the fewer colours")
    func colourings() throws {
        let n = 10
        let u = T.input(n)
        // One dense row: columns all conflict (n colours); rows need 2.
        let f = concatenate([2 * u, sqr(u).sum().expandingDims([0])])
        let pattern = jacobianSparsity(f, wrt: u)
        #expect(pattern.coloring(mode: .forward).colorCount == n)
        #expect(pattern.coloring(mode: .reverse).colorCount == 2)
        let J = sparseJacobian(f, wrt: u)
        #expect(J.mode == .reverse && J.colorCount == 2)
        let point = T.point(n, seed: 3)
        #expect(T.close(J.toDense(try J.values.eval([u: point])).asArray(Double.self), try T.denseJacobian(f, wrt: u, at: point)))
        // Random patterns: no two columns of a colour share a row, whatever the order.
        var draws = SplitMix64(seed: 17).uniform(shape: [3 * 30 * 30], low: 0, high: 1).asArray(Double.self).makeIterator()
        for _ in 0..<3 {
            var rows: [Int] = [], columns: [Int] = []
            for r in 0..<30 { for c in 0..<30 where draws.next()! < 0.1 { rows.append(r); columns.append(c) } }
            let random = SparsityPattern(rows: rows, columns: columns, shape: [30, 30])
            for order in ColoringOrder.allCases {
                let coloring = random.coloring(mode: .forward, order: order)
                #expect(T.isValidColumnColoring(random, colors: coloring.colors), "\(order)")
            }
        }
        // Every order finds W12's 3 colours.
        #expect(tridiagonalOrders() == [3, 3, 3])
    }

    func tridiagonalOrders() -> [Int] {
        let u = T.input(30)
        let pattern = jacobianSparsity(T.tridiagonal(u), wrt: u)
        return ColoringOrder.allCases.map { pattern.coloring(mode: .forward, order: $0).colorCount }
    }

    @Test("bad input stops with a message naming the value, or throws inside checked")
    func badInput() {
        let unknown = Tensor.vector("u", dtype: .float64)
        #expect(throws: CotangentError.self) { try checked { jacobianSparsity(exp(unknown), wrt: unknown) } }
        do {
            _ = try checked { sparseJacobian(exp(unknown), wrt: unknown) }
            Issue.record("no error for an unknown length")
        } catch let error as CotangentError {
            #expect(error.message.contains("not static") && error.message.contains("(?)"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        let integer = Tensor.vector("k", dtype: .int64, shape: [3])
        do {
            _ = try checked { jacobianSparsity(integer * 2, wrt: integer) }
            Issue.record("no error for an integer wrt")
        } catch let error as CotangentError {
            #expect(error.message.contains("int64") && error.message.contains("k"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        let u = T.input(4)
        do {
            _ = try checked { sparseHessian(exp(u), wrt: u) }
            Issue.record("no error for a vector cost")
        } catch let error as CotangentError {
            #expect(error.message.contains("scalar cost"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        // An intermediate value of unknown length (a boolean mask's selection).
        do {
            _ = try checked { jacobianSparsity(u[u .> 1.0].sum(), wrt: u) }
            Issue.record("no error for an unknown intermediate length")
        } catch let error as CotangentError {
            #expect(error.message.contains("not static"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        // A non-float output.
        #expect(throws: CotangentError.self) { try checked { jacobianSparsity(u .> 0.5, wrt: u) } }
    }
}
