import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Checks shared by the tensor.basic and reshape op tests.
enum BasicOpsTesting {
    /// The output shape `inferShape` predicts (each symbolic dim evaluated) next to the real one.
    static func shapes(
        of output: Variable, _ inputs: [String: NDArray] = [:]
    ) throws -> (inferred: [Int], actual: [Int]) {
        let inferred = try output.symbolicShape.map { dim in
            #expect(dim.dtype == .int64 && dim.ndim == 0, "symbolic dim \(dim) is not an int64 scalar")
            return Int(try dim.eval(inputs).item(Int64.self))
        }
        return (inferred, try output.eval(inputs).shape)
    }

    /// The construction error thrown when building `body` inside `checked`.
    static func buildError(_ body: () -> Variable) -> CotangentError? {
        do {
            _ = try checked(body)
            return nil
        } catch {
            return error as? CotangentError
        }
    }

    /// The runtime error thrown when evaluating `output`.
    /// The error evaluating the graph as built (rewriting may replace the failing op by an
    /// equivalent check with another message).
    static func runtimeError(_ output: Variable, _ inputs: [String: NDArray] = [:]) -> CotangentError? {
        do {
            _ = try output.eval(inputs, mode: .unoptimized)
            return nil
        } catch {
            return error as? CotangentError
        }
    }

    /// Whether `error` has `kind` and a message containing every fragment.
    static func matches(_ error: CotangentError?, _ kind: CotangentError.Kind, _ fragments: [String]) -> Bool {
        guard let error, error.kind == kind else { return false }
        return fragments.allSatisfy(error.message.contains)
    }

    /// `values` converted to `dtype`, in the given shape (test inputs of any dtype).
    static func array(_ values: [Double], shape: [Int], dtype: DType) -> NDArray {
        NDArray(shape: shape, elements: values).converted(to: dtype)
    }
}
