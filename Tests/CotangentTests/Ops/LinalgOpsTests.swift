import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias R = LinalgReference

/// `actual` equals `expected` (row-major) within `tolerance`, relative to the larger magnitude.
private func expectClose(_ actual: NDArray, _ expected: [Double], tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
    let values = actual.asArray(Double.self)
    #expect(values.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(values, expected) {
        #expect(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "\(a) vs \(e)", sourceLocation: sourceLocation)
    }
}

/// Equal up to the sign of each column (eigen- and singular vectors are unique up to sign).
private func expectCloseUpToColumnSigns(_ actual: NDArray, _ expected: [Double], columns: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    var values = actual.asArray(Double.self)
    for j in 0..<columns {
        let rows = values.count / columns
        let index = (0..<rows).max { Swift.abs(expected[$0 * columns + j]) < Swift.abs(expected[$1 * columns + j]) }!
        if (values[index * columns + j] < 0) != (expected[index * columns + j] < 0) {
            for i in 0..<rows { values[i * columns + j] = -values[i * columns + j] }
        }
    }
    expectClose(NDArray(shape: actual.shape, elements: values), expected, tolerance: 1e-10, sourceLocation: sourceLocation)
}

@Suite("Linear algebra ops")
struct LinalgOpsTests {
    let a = Tensor.matrix("A")
    let b = Tensor.matrix("b")

    @Test func valuesMatchNumpyAndScipy() throws {
        let (s, g, rhs, tall) = (R.symmetric, R.general, R.rightHandSides, R.tall)
        expectClose(try cholesky(a).eval(["A": s]), R.cholesky)
        expectClose(try cholesky(a, lower: false).eval(["A": s]), R.choleskyUpper)
        expectClose(try solve(a, b).eval(["A": g, "b": rhs]), R.solveGeneral)
        expectClose(try solve(a, b, assume: .positiveDefinite).eval(["A": s, "b": rhs]), R.solvePositive)
        expectClose(try solve(a, b, assume: .symmetric).eval(["A": s, "b": rhs]), R.solveSymmetric)
        expectClose(try solveTriangular(a, b).eval(["A": g, "b": rhs]), R.solveTriangularLower)
        expectClose(
            try solveTriangular(a, b, lower: false, transposed: true).eval(["A": g, "b": rhs]),
            R.solveTriangularUpperTransposed)
        expectClose(try choleskySolve(cholesky(a), b).eval(["A": s, "b": rhs]), R.choleskySolve)
        expectClose(try inv(a).eval(["A": g]), R.inverse)
        expectClose(try pinv(a).eval(["A": tall]), R.pseudoInverse)
        expectClose(try det(a).eval(["A": g]), R.determinant)
        let (sign, logAbs) = slogdet(a)
        expectClose(try sign.eval(["A": g]), [R.slogdet[0]])
        expectClose(try logAbs.eval(["A": g]), [R.slogdet[1]])
        let (w, v) = eigh(a)
        expectClose(try w.eval(["A": s]), R.eigenvalues)
        expectClose(try eigvalsh(a).eval(["A": s]), R.eigenvalues)
        expectCloseUpToColumnSigns(try v.eval(["A": s]), R.eigenvectors, columns: 3)
        let factors = svd(a)
        expectClose(try factors.s.eval(["A": tall]), R.svdS)
        expectClose(try singularValues(a).eval(["A": tall]), R.svdS)
        expectCloseUpToColumnSigns(try factors.u.eval(["A": tall]), R.svdU, columns: 3)
        expectCloseUpToColumnSigns(try factors.vt.T.eval(["A": tall]), R.svdVt.enumerated().map { k, _ in R.svdVt[(k % 2) * 2 + k / 2] }, columns: 2)
        let (q, r) = qr(a)
        expectClose(try q.eval(["A": tall]), R.qrQ)
        expectClose(try r.eval(["A": tall]), R.qrR)
        expectClose(try expm(a).eval(["A": g]), R.expm, tolerance: 1e-13)
        expectClose(try matrixPower(a, 3).eval(["A": g]), R.matrixPower3)
        expectClose(try matrixPower(a, -2).eval(["A": g]), R.matrixPowerMinus2)
        expectClose(try matrixPower(a, 0).eval(["A": g]), [1, 0, 0, 0, 1, 0, 0, 0, 1])
        expectClose(try lstsq(a, Tensor.vector("v")).eval(["A": tall, "v": [1.0, 0.5, -1.5]]), R.lstsq)
        let orders: [NormOrder] = [.frobenius, .nuclear, .p(2), .p(-2), .p(1), .p(-1), .infinity, .negativeInfinity]
        expectClose(NDArray(try orders.map { try norm(a, ord: $0).eval(["A": g]).item(Double.self) }), R.norms)
        let x = Tensor.vector("x")
        let vectorOrders: [NormOrder?] = [nil, .p(1), .infinity, .negativeInfinity, .p(0), .p(3)]
        expectClose(
            NDArray(try vectorOrders.map { try norm(x, ord: $0).eval(["x": [-0.3, 1.5, 2.0]]).item(Double.self) }),
            R.vectorNorms)
        expectClose(try kron(a, b).eval(["A": tall, "b": rhs]), R.kron)
        expectClose(try blockDiagonal([a, b]).eval(["A": tall, "b": rhs]), R.blockDiagonal)
    }

    @Test func float32KernelsAgreeWithFloat64() throws {
        let a32 = Tensor.matrix("A", dtype: .float32)
        let s = R.symmetric.converted(to: .float32)
        let value = try cholesky(a32).eval(["A": s])
        #expect(value.dtype == .float32)
        expectClose(value.converted(to: .float64), R.cholesky, tolerance: 1e-6)
        let general = R.general.converted(to: .float32)
        expectClose(try inv(a32).eval(["A": general]).converted(to: .float64), R.inverse, tolerance: 1e-5)
        expectClose(try det(a32).eval(["A": general]).converted(to: .float64), R.determinant, tolerance: 1e-5)
        #expect(det(Tensor.matrix("n", dtype: .int64)).dtype == .float64)
    }

    @Test func batchesOverLeadingDimsAndBroadcasts() throws {
        let stack = Tensor.tensor3("S")
        let values = NDArray.stacking([R.symmetric, R.symmetric, R.symmetric])
        let factors = try cholesky(stack).eval(["S": values])
        #expect(factors.shape == [3, 3, 3])
        expectClose(factors.batchBlock(at: [2]).contiguous(), R.cholesky)
        // A single matrix against a stack of right-hand sides: the matrix broadcasts.
        let rhs = Tensor.tensor3("B")
        let solved = try solve(a, rhs).eval(["A": R.general, "B": NDArray.stacking([R.rightHandSides, R.rightHandSides])])
        #expect(solved.shape == [2, 3, 2])
        expectClose(solved.batchBlock(at: [1]).contiguous(), R.solveGeneral)
        #expect(det(stack).type.shape == [nil])
        #expect(slogdet(Tensor.tensor("T", shape: [4, 2, 3, 3])).logAbsDet.type.shape == [4, 2])
        #expect(svd(Tensor.matrix("M", shape: [5, 3])).u.type.shape == [5, 5])
        #expect(svd(Tensor.matrix("M", shape: [5, 3]), fullMatrices: false).u.type.shape == [5, 3])
        #expect(qr(Tensor.matrix("M", shape: [2, 4])).r.type.shape == [2, 4])
        #expect(pinv(Tensor.matrix("M", shape: [5, 3])).type.shape == [3, 5])
    }

    @Test func inferredShapesMatchTheValues() throws {
        let m = Tensor.matrix("M")
        let outputs: [Variable] = [svd(m).u, svd(m).s, svd(m, fullMatrices: false).vt, qr(m).q, qr(m, mode: .complete).r, pinv(m)]
        let value: NDArray = [[1.0, 2], [0.5, -1], [3, 0.25], [-2, 1]]
        for output in outputs {
            let shapeGraph = rewriteGraph(output.shape, include: ["fast_run"])
            let expected = try output.eval(["M": value]).shape.map(Int64.init)
            let inferred = try shapeGraph.eval(["M": value]).asArray(Int64.self)
            #expect(inferred == expected, "\(output.owner!.op)")
        }
    }

    @Test func printedNamesFollowPyTensor() {
        #expect(cholesky(a).owner!.op.description == "Blockwise{Cholesky{lower=True, on_error='raise'}, (m,m)->(m,m)}")
        #expect(solve(a, b).owner!.op.description
            == "Blockwise{Solve{assume_a='gen', lower=True, b_ndim=2}, (m,m),(m,n)->(m,n)}")
        #expect(inv(a).owner!.op.description == "Blockwise{MatrixInverse, (m,m)->(m,m)}")
        #expect(det(a).owner!.op.description == "Blockwise{Det, (m,m)->()}")
        #expect(eigvalsh(a).owner!.op.description == "Blockwise{Eigvalsh{lower=True}, (m,m)->(m)}")
        #expect(singularValues(a).owner!.op.description == "Blockwise{SVD{full_matrices=True, compute_uv=False}, (m,n)->(k)}")
    }

    @Test func staticShapeErrorsStopAtGraphBuilding() {
        let rectangular = Tensor.matrix("R", shape: [2, 3])
        #expect(throws: CotangentError.self) { try checked { cholesky(rectangular) } }
        #expect(throws: CotangentError.self) { try checked { inv(rectangular) } }
        #expect(throws: CotangentError.self) { try checked { det(Tensor.vector("v")) } }
        #expect(throws: CotangentError.self) {
            try checked { solve(Tensor.matrix("A", shape: [3, 3]), Tensor.matrix("b", shape: [4, 2])) }
        }
        #expect(throws: CotangentError.self) { try checked { solve(Tensor.scalar("s"), Tensor.vector("v")) } }
        #expect(throws: CotangentError.self) { try checked { norm(rectangular, ord: .p(3)) } }
        #expect(throws: CotangentError.self) { try checked { kron(rectangular, Tensor.vector("v")) } }
        do {
            _ = try checked { det(rectangular) }
            Issue.record("det of a 2x3 matrix built")
        } catch let error as CotangentError {
            #expect(error.message.contains("square"))
        } catch { Issue.record("\(error)") }
    }

    @Test func runtimeFailuresNameTheOpAndTheBatchIndex() throws {
        let stack = Tensor.tensor3("S")
        let notPositive: NDArray = [[[4.0, 0], [0, 1]], [[1.0, 2], [2, 1]]]
        do {
            _ = try cholesky(stack).eval(["S": notPositive])
            Issue.record("cholesky of an indefinite matrix ran")
        } catch let error as CotangentError {
            #expect(error.kind == .invalidValue)
            #expect(error.message.contains("Cholesky"))
            #expect(error.message.contains("not positive definite"))
            #expect(error.message.contains("batch index [1]"))
        }
        let singular: NDArray = [[1.0, 2], [2, 4]]
        #expect(throws: CotangentError.self) { try inv(a).eval(["A": singular]) }
        #expect(throws: CotangentError.self) { try solve(a, b).eval(["A": singular, "b": [[1.0], [2.0]]]) }
        #expect(throws: CotangentError.self) {
            try solve(a, b, assume: .positiveDefinite).eval(["A": singular, "b": [[1.0], [2.0]]])
        }
        #expect(throws: CotangentError.self) { try inv(a).eval(["A": NDArray(shape: [2, 3], elements: [Double](repeating: 1, count: 6))]) }
        // Singular matrices are values, not failures, for det and slogdet (numpy's behaviour).
        #expect(try det(a).eval(["A": singular]).item(Double.self) == 0)
        #expect(try slogdet(a).logAbsDet.eval(["A": singular]).item(Double.self) == -.infinity)
    }

    @Test func choleskyOnErrorNaNReturnsNaNsForThatBlock() throws {
        let stack = Tensor.tensor3("S")
        let values: NDArray = [[[4.0, 0], [0, 1]], [[1.0, 2], [2, 1]]]
        let factors = try cholesky(stack, onError: .nan).eval(["S": values]).asArray(Double.self)
        #expect(factors[0..<4] == [2, 0, 0, 1])
        #expect(factors[4..<8].allSatisfy { $0.isNaN })
    }

    @Test func emptyMatrices() throws {
        let empty = NDArray.zeros([0, 0])
        #expect(try cholesky(a).eval(["A": empty]).shape == [0, 0])
        #expect(try det(a).eval(["A": empty]).item(Double.self) == 1)
        #expect(try inv(a).eval(["A": empty]).shape == [0, 0])
        #expect(try singularValues(a).eval(["A": NDArray.zeros([3, 0])]).shape == [0])
        #expect(try cholesky(Tensor.tensor3("S")).eval(["S": NDArray.zeros([0, 2, 2])]).shape == [0, 2, 2])
    }
}
