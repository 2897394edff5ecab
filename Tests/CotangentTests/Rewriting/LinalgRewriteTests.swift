import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Linear algebra rewrites")
struct LinalgRewriteTests {
    let a = Tensor.matrix("A")
    let b = Tensor.matrix("b")
    let feed: [String: NDArray] = [
        "A": LinalgReference.general, "b": LinalgReference.rightHandSides, "S": LinalgReference.symmetric,
        "v": [1.0, -0.5, 2.0],
    ]

    /// Rewrites `output` with fast_run, checks the rewrite `name` fired (the printed graph
    /// contains `present` and not `absent`), the value is kept and a second pass changes nothing.
    private func check(
        _ output: Variable, present: [String], absent: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let rewritten = rewriteGraph(output, include: ["fast_run"])
        let text = rewritten.dprint()
        for name in present { #expect(text.contains(name), "\(name) missing in\n\(text)", sourceLocation: sourceLocation) }
        for name in absent { #expect(!text.contains(name), "\(name) left in\n\(text)", sourceLocation: sourceLocation) }
        let inputs = GraphTraversal.graphInputs([output]).compactMap { $0.name }
        let values = Dictionary(uniqueKeysWithValues: inputs.map { ($0, feed[$0]!) })
        let before = try output.eval(values)
        let after = try rewritten.eval(values)
        #expect(try after.allClose(before, rtol: 1e-12, atol: 1e-12, equalNaN: true), sourceLocation: sourceLocation)
        #expect(rewriteGraph(rewritten, include: ["fast_run"]).dprint() == text, sourceLocation: sourceLocation)
    }

    @Test func inverseTimesMatrixIsASolve() throws {
        try check(dot(inv(a), b), present: ["Solve{assume_a='gen'"], absent: ["MatrixInverse", "Dot"])
        try check(matmul(inv(a), Tensor.vector("v")), present: ["Solve{assume_a='gen', lower=True, b_ndim=1}"], absent: ["MatrixInverse"])
        // An inverse read elsewhere too stays (it is computed anyway).
        let shared = inv(a)
        try check(dot(shared, b) + shared.sum(), present: ["MatrixInverse"], absent: ["Solve"])
    }

    @Test func inversesCancel() throws {
        try check(inv(inv(a)) * 2, present: [], absent: ["MatrixInverse"])
    }

    @Test func logOfDeterminantIsSlogdet() throws {
        try check(log(abs(det(a))), present: ["SLogDet"], absent: ["Blockwise{Det", "Abs", "Log [id"])
        try check(log(det(a)), present: ["SLogDet"], absent: ["Blockwise{Det"])
        // A negative determinant keeps its nan.
        let negative = log(det(-a))
        try check(negative, present: ["SLogDet"], absent: ["Blockwise{Det"])
        #expect(try rewriteGraph(negative, include: ["fast_run"]).eval(["A": LinalgReference.general]).item(Double.self).isNaN)
    }

    @Test func determinantsOfCholeskyFactorsAreDiagonalProducts() throws {
        let s = Tensor.matrix("S")
        try check(det(cholesky(s)), present: ["Cholesky"], absent: ["Det"])
        try check(slogdet(cholesky(s)).logAbsDet * 2, present: ["Cholesky"], absent: ["SLogDet"])
        try check(det(eye(3)) + det(a), present: ["Det"], absent: ["Eye"])
    }

    @Test func identitySolvesAreTheRightHandSide() throws {
        try check(solve(eye(3), b) * 2, present: [], absent: ["Solve"])
        try check(solveTriangular(eye(3), b), present: [], absent: ["SolveTriangular"])
        try check(inv(eye(3)) + a, present: [], absent: ["MatrixInverse"])
    }

    @Test func rewritesAreInTheCatalogWithFastRun() {
        let names = Set(RewriteCatalog.all.map(\.name))
        for name in ["local_inv_inv", "local_inv_dot_to_solve", "local_log_det_to_slogdet", "local_structured_determinant", "local_identity_solve"] {
            #expect(names.contains(name))
        }
        #expect(RewriteCatalog.linalg.allSatisfy { $0.placements.allSatisfy { $0.tags.contains("fast_run") } })
    }
}
