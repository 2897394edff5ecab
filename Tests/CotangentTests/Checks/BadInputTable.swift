import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One entry of the bad-input table: a request through the public API and what must come of
/// it — a typed error whose message names the op or input, the shapes and the dtypes, or
/// (for inputs numpy computes rather than rejects: NaN, Inf, empty arrays, division by zero)
/// numpy's result, as its `repr`. No entry may stop the process.
struct BadInput: Sendable, CustomTestStringConvertible {
    /// The error types the table expects.
    enum ErrorType: Sendable, Equatable {
        case cotangent(CotangentError.Kind)
        case npy
    }

    enum Outcome: Sendable {
        /// A thrown error of this type whose message contains every substring.
        case error(ErrorType, [String])
        /// numpy's `repr` of the result (value, shape and dtype at once).
        case numpy(String)
    }

    /// The family the entry belongs to (for the counts).
    let family: String
    let label: String
    let run: @Sendable () throws -> NDArray
    let outcome: Outcome

    var testDescription: String { "\(family): \(label)" }

    /// A graph built inside `checked` (so an impossible graph throws instead of stopping), then
    /// evaluated with `inputs`; it must throw `kind` with every substring in its message.
    static func graph(
        _ family: String, _ label: String, _ inputs: [String: NDArray] = [:], throws kind: CotangentError.Kind,
        _ substrings: [String], build: @escaping @Sendable () -> Tensor
    ) -> BadInput {
        BadInput(family: family, label: label, run: { try checked(build).eval(inputs) }, outcome: .error(.cotangent(kind), substrings))
    }

    /// A graph whose value must be numpy's, given as numpy's `repr`.
    static func graph(
        _ family: String, _ label: String, _ inputs: [String: NDArray] = [:], numpy repr: String,
        build: @escaping @Sendable () -> Tensor
    ) -> BadInput {
        BadInput(family: family, label: label, run: { try checked(build).eval(inputs) }, outcome: .numpy(repr))
    }

    /// Checks the entry: the error it must throw, or numpy's value.
    func verify() {
        let result: Result<NDArray, any Error> = Result { try run() }
        switch (outcome, result) {
        case (.numpy(let repr), .success(let value)):
            #expect(value.description == repr, "\(testDescription)")
        case (.numpy, .failure(let error)):
            Issue.record("\(testDescription): expected numpy's value, got the error \(error)")
        case (.error(let type, _), .success(let value)):
            Issue.record("\(testDescription): expected a \(type) error, got \(value)")
        case (.error(let type, let substrings), .failure(let error)):
            let message: String
            switch type {
            case .cotangent(let kind):
                guard let error = error as? CotangentError else {
                    Issue.record("\(testDescription): expected a CotangentError, got \(Swift.type(of: error)): \(error)")
                    return
                }
                #expect(error.kind == kind, "\(testDescription): \(error)")
                message = error.message
            case .npy:
                guard error is NumpyFileError else {
                    Issue.record("\(testDescription): expected a NumpyFileError, got \(Swift.type(of: error)): \(error)")
                    return
                }
                message = "\(error)"
            }
            for substring in substrings {
                #expect(message.contains(substring), "\(testDescription): «\(substring)» not in «\(message)»")
            }
        }
    }
}

/// Values the entries share.
enum BadValues {
    /// NaN, ±Inf, ±0 and 1: the special floats every elementwise family sees.
    static let specials = NDArray([Double.nan, .infinity, -.infinity, 0, -0.0, 1])
    static let three = NDArray([1.0, 2, 3])
    static let four = NDArray([1.0, 2, 3, 4])
    static func matrix(_ rows: Int, _ columns: Int) -> NDArray {
        NDArray(shape: [rows, columns], elements: (0..<rows * columns).map(Double.init))
    }
    static func integers(_ values: [Int64], _ dtype: DType = .int64) -> NDArray {
        NDArray(values).converted(to: dtype)
    }
}

@Suite("Bad-input table")
struct BadInputTableTests {
    static let all = BadInput.shapeCases + BadInput.buildCases + BadInput.numericCases + BadInput.emptyCases
        + BadInput.sizeAndFileCases

    @Test(arguments: all)
    func entry(_ entry: BadInput) { entry.verify() }

    /// The table covers every family with at least 300 entries in all.
    @Test func tableSize() {
        let families = Dictionary(grouping: Self.all, by: \.family).mapValues(\.count)
        #expect(Self.all.count >= 300, "\(families)")
        #expect(Set(Self.all.map(\.testDescription)).count == Self.all.count, "labels are unique")
    }
}
