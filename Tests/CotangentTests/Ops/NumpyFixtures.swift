import Foundation
import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// Helpers shared by the op tests that compare with numpy fixtures (Fixtures/*.json).

extension Bundle {
    /// Decodes a JSON fixture of `Tests/CotangentTests/Fixtures`.
    static func decodeFixture<T: Decodable>(_ name: String, as _: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}

/// An array as numpy wrote it: bools, integers, or floats as `repr` strings.
struct NumpyFixtureArray: Decodable {
    let dtype: String
    let shape: [Int]
    let values: [NumpyFixtureValue]

    var array: NDArray {
        switch DType(rawValue: dtype)! {
        case .bool: NDArray(shape: shape, elements: values.map(\.bool))
        case .float64: NDArray(shape: shape, elements: values.map(\.double))
        case .float32: NDArray(shape: shape, elements: values.map { Float($0.double) })
        case let other: NDArray(shape: shape, elements: values.map(\.integer)).converted(to: other)
        }
    }
}

enum NumpyFixtureValue: Decodable {
    case bool(Bool)
    case integer(Int64)
    case float(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else {
            self = .float(try container.decode(String.self))
        }
    }

    var bool: Bool { if case .bool(let b) = self { b } else { false } }
    var integer: Int64 { if case .integer(let i) = self { i } else { 0 } }
    var double: Double {
        guard case .float(let text) = self else { return .nan }
        return Double(text) ?? .nan
    }
}

/// How the input array is laid out in memory; every layout holds the same logical values.
enum LayoutVariant: String, CaseIterable, Sendable {
    case contiguous
    /// A transposed view of a contiguous copy of the transpose.
    case transposed
    /// Every axis walked with a negative stride.
    case reversed

    func apply(_ array: NDArray) -> NDArray {
        switch self {
        case .contiguous:
            return array
        case .transposed:
            let reversedAxes = Array((0..<array.ndim).reversed())
            return array.transposed(reversedAxes).contiguous().transposed(reversedAxes)
        case .reversed:
            func flip(_ a: NDArray) -> NDArray {
                var result = a
                for axis in 0..<a.ndim {
                    let length = a.shape[axis]
                    result = result.sliced(axis: axis, start: length - 1, step: -1, count: length)
                }
                return result
            }
            return flip(flip(array).contiguous())
        }
    }
}

/// Whether two arrays have the same dtype, shape and values (floats within `tolerance`
/// relative to max(1, |expected|); NaN equals NaN).
func arraysMatch(_ actual: NDArray, _ expected: NDArray, tolerance: Double = 1e-12) -> Bool {
    guard actual.dtype == expected.dtype, actual.shape == expected.shape else { return false }
    if expected.dtype.isFloat {
        let tol = expected.dtype == .float32 ? Swift.max(tolerance, 1e-6) : tolerance
        return zip(actual.asArray(Double.self), expected.asArray(Double.self)).allSatisfy { a, e in
            (a.isNaN && e.isNaN) || a == e || Swift.abs(a - e) <= tol * Swift.max(1, Swift.abs(e))
        }
    }
    return actual.asArray(Int64.self) == expected.asArray(Int64.self)
}

