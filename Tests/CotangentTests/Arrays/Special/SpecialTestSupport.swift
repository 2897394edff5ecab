import Testing

@testable import CotangentArrays

/// Whether `actual` matches `expected` within `relative` error, treating NaNs as equal, exact
/// infinities as equal, and differences below `absolute` (default: the subnormal range) as
/// equal.
func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 1e-300) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite || actual.isInfinite { return actual == expected }
    let difference = abs(actual - expected)
    return difference <= absolute || difference <= relative * abs(expected)
}

/// Records an issue naming the arguments when `actual` is not within `relative` of `expected`.
func expectClose(
    _ actual: Double, _ expected: Double, relative: Double, absolute: Double = 1e-300,
    _ arguments: Double..., sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(actual, expected, relative: relative, absolute: absolute),
        "f\(arguments) = \(actual), expected \(expected)", sourceLocation: sourceLocation)
}

/// The symmetric difference quotient (f(x + h) − f(x − h)) / 2h with h scaled to x.
func centralDifference(at x: Double, step: Double = 1e-6, _ f: (Double) -> Double) -> Double {
    let h = step * Swift.max(1, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)
}
