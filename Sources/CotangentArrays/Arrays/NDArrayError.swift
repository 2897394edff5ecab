/// Why an element read, a comparison or a conversion between ``NDArray`` and Swift arrays failed.
///
/// ```swift
/// let a = NDArray([1.0, 2.0])
/// do { _ = try a[5] } catch { print(error) }  // "index 5 is out of range for axis 0 of length 2"
/// ```
public enum NDArrayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An index is outside `-length..<length` on its axis.
    case indexOutOfRange(index: Int, axis: Int, length: Int)
    /// More indices than the array has dimensions (or, for a typed read, not one per dimension).
    case wrongIndexCount(given: Int, ndim: Int)
    /// Nested Swift arrays whose siblings have different lengths; `path` leads to the first
    /// array whose length differs from its earlier siblings'.
    case raggedNesting(path: [Int], length: Int, expected: Int)
    /// A nested Swift array type whose depth is not the array's rank.
    case rankMismatch(ndim: Int, nestingDepth: Int)
    /// Shapes that do not broadcast together.
    case shapesNotBroadcastable([Int], [Int])

    /// A one-line message.
    public var description: String {
        switch self {
        case .indexOutOfRange(let index, let axis, let length):
            "index \(index) is out of range for axis \(axis) of length \(length)"
        case .wrongIndexCount(let given, let ndim): "\(given) indices given for an array of \(ndim) dimensions"
        case .raggedNesting(let path, let length, let expected):
            "ragged nesting: the array at \(path) has \(length) elements, its siblings \(expected)"
        case .rankMismatch(let ndim, let depth):
            "an array of \(ndim) dimensions cannot become Swift arrays nested \(depth) deep"
        case .shapesNotBroadcastable(let a, let b):
            "shapes \(formatShape(a)) and \(formatShape(b)) do not broadcast together"
        }
    }
}
