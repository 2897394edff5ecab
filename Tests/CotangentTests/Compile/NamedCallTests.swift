import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Calls by input name, results by output name or position.
@Suite("Calls by name")
struct NamedCallTests {
    static func compiled() throws -> CompiledFunction {
        let x = Tensor.vector("x")
        let A = Tensor.matrix("A")
        let loss = sqr(matmul(A, x)).sum()
        return try function(inputs: [x, A], outputs: ["loss": loss, "gradient": grad(loss, wrt: x)])
    }

    @Test func argumentsByNameInAnyOrder() throws {
        let f = try Self.compiled()
        let results = try f(["A": [[1.0, 2.0], [3.0, 4.0]], "x": [1.0, -1.0]])
        #expect(results.count == 2 && results.names == ["loss", "gradient"])
        #expect(try results["loss"].item(Double.self) == 2)
        #expect(results[0].item(Double.self) == 2)
        // numpy: 2 * A.T @ (A @ x) = [-8, -12]
        #expect(try results["gradient"].asArray(Double.self) == [-8, -12])
        // The positional call still returns [NDArray].
        let positional: [NDArray] = try f(NDArray([1.0, -1.0]), NDArray([[1.0, 2.0], [3.0, 4.0]]))
        #expect(positional[1].asArray(Double.self) == [-8, -12])
    }

    @Test func namesAreChecked() throws {
        let f = try Self.compiled()
        let x: NDArray = [1.0, -1.0]
        let A: NDArray = [[1.0, 2.0], [3.0, 4.0]]
        func expectError(_ kind: CotangentError.Kind, naming name: String, _ call: () throws -> FunctionResults) {
            do {
                _ = try call()
                Issue.record("expected \(kind)")
            } catch let error as CotangentError {
                #expect(error.kind == kind)
                #expect(error.message.contains("'\(name)'"), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        expectError(.unknownInput, naming: "B") { try f(["x": x, "B": A]) }
        expectError(.missingInput, naming: "A") { try f(["x": x]) }
        expectError(.duplicateInput, naming: "x") { try f(["x": x, "A": A, "x": x]) }
    }

    @Test func outputsAreNamedByTheirVariablesByDefault() throws {
        let x = Tensor.vector("x")
        let f = try function(inputs: [x], outputs: [x, exp(x)])
        let results = try f(["x": [0.0]])
        #expect(results.names == ["x", nil])
        #expect(try results["x"].asArray(Double.self) == [0])
        #expect(throws: CotangentError.self) { try results["exp"] }
        #expect(throws: CotangentError.self) { try function(inputs: [x], outputs: ["y": x, "y": exp(x)]) }
    }
}
