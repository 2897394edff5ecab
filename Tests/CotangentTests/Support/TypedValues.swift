import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// A typed 1-d list of values, for tables of numpy-computed expectations: the dtype is part of
/// the expectation, and comparisons are exact (NaN matches NaN, zeros compare by sign).
enum TypedValues: Sendable, CustomStringConvertible {
    case bool([Bool])
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case int64([Int64])
    case uint8([UInt8])
    case float32([Float])
    case float64([Double])

    var dtype: DType {
        switch self {
        case .bool: .bool
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .int64: .int64
        case .uint8: .uint8
        case .float32: .float32
        case .float64: .float64
        }
    }

    /// A 1-d array built directly from the typed values (no conversion involved).
    var array: NDArray {
        switch self {
        case .bool(let v): NDArray(v)
        case .int8(let v): NDArray(v)
        case .int16(let v): NDArray(v)
        case .int32(let v): NDArray(v)
        case .int64(let v): NDArray(v)
        case .uint8(let v): NDArray(v)
        case .float32(let v): NDArray(v)
        case .float64(let v): NDArray(v)
        }
    }

    var count: Int { array.count }

    /// Whether `actual` has this dtype and exactly these values in row-major order.
    func matches(_ actual: NDArray) -> Bool {
        guard actual.dtype == dtype, actual.count == count else { return false }
        switch self {
        case .bool(let v): return actual.asArray(Bool.self) == v
        case .int8(let v): return actual.asArray(Int8.self) == v
        case .int16(let v): return actual.asArray(Int16.self) == v
        case .int32(let v): return actual.asArray(Int32.self) == v
        case .int64(let v): return actual.asArray(Int64.self) == v
        case .uint8(let v): return actual.asArray(UInt8.self) == v
        case .float32(let v):
            return zip(actual.asArray(Float.self), v).allSatisfy { a, e in
                a.isNaN ? e.isNaN : a.bitPattern == e.bitPattern
            }
        case .float64(let v):
            return zip(actual.asArray(Double.self), v).allSatisfy { a, e in
                a.isNaN ? e.isNaN : a.bitPattern == e.bitPattern
            }
        }
    }

    var description: String { "\(dtype)\(array.asArray(Double.self))" }
}

// MARK: - Float comparisons

/// Distance in units in the last place between two finite-or-infinite doubles of the same sign
/// ordering (adjacent doubles are 1 apart, +0 and -0 are 0 apart).
func ulpDistance(_ a: Double, _ b: Double) -> UInt64 {
    func key(_ x: Double) -> Int64 {
        let bits = Int64(bitPattern: x.bitPattern)
        return bits < 0 ? Int64.min &- bits : bits
    }
    let (ka, kb) = (key(a), key(b))
    return ka >= kb ? UInt64(bitPattern: ka &- kb) : UInt64(bitPattern: kb &- ka)
}

func ulpDistance(_ a: Float, _ b: Float) -> UInt32 {
    func key(_ x: Float) -> Int32 {
        let bits = Int32(bitPattern: x.bitPattern)
        return bits < 0 ? Int32.min &- bits : bits
    }
    let (ka, kb) = (Int64(key(a)), Int64(key(b)))
    return UInt32(ka >= kb ? ka - kb : kb - ka)
}

/// Whether `actual` matches a numpy-computed `expected`: NaN for NaN, infinities and zeros exactly
/// (zeros including their sign), other values within `relative` or one ulp (for subnormals).
func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-14) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite || expected == 0 {
        return actual == expected && actual.sign == expected.sign
    }
    return Swift.abs(actual - expected) <= relative * Swift.abs(expected)
        || ulpDistance(actual, expected) <= 1
}

/// Float32 version: NaN, infinities and signed zeros exactly, other values within `ulps`.
func isClose(_ actual: Float, _ expected: Float, ulps: UInt32) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite || expected == 0 {
        return actual == expected && actual.sign == expected.sign
    }
    return ulpDistance(actual, expected) <= ulps
}

/// Records one issue per mismatching element, naming the input that produced it.
func expectClose(
    _ actual: [Double], _ expected: [Double], inputs: [String], relative: Double = 1e-14,
    _ context: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(context): count", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !isClose(a, e, relative: relative) {
        Issue.record(
            "\(context) at \(inputs[i]): got \(a), numpy \(e)", sourceLocation: sourceLocation)
    }
}

func expectClose(
    _ actual: [Float], _ expected: [Float], inputs: [String], ulps: UInt32,
    _ context: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(context): count", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !isClose(a, e, ulps: ulps) {
        Issue.record(
            "\(context) at \(inputs[i]): got \(a), numpy \(e) (\(ulpDistance(a, e)) ulps)",
            sourceLocation: sourceLocation)
    }
}

/// Runs `body` expecting a ``CotangentError`` and returns it (nil, with an issue, otherwise).
func expectCotangentError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> CotangentError? {
    do {
        try body()
        Issue.record("expected a CotangentError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as CotangentError {
        return error
    } catch {
        Issue.record("expected a CotangentError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
