/// A Swift scalar or (nested) Swift array that converts to and from an ``NDArray``: the
/// ``ArrayElement`` types, `Int` (as int64), and `Array`s of any of these to any depth.
///
/// ```swift
/// let a = try NDArray(nested: [[1.0, 2.0], [3.0, 4.0]])   // float64, shape [2, 2]
/// let rows = try a.nestedArray([[Double]].self)          // [[1.0, 2.0], [3.0, 4.0]]
/// ```
public protocol NestedArrayConvertible {
    /// The element type at the bottom of the nesting.
    associatedtype Scalar: ArrayElement
    /// How many array levels wrap the scalars (0 for a scalar).
    static var nestingDepth: Int { get }
    /// Appends the scalars in row-major order, recording each level's length in `shape` on
    /// first sight and checking every later sibling against it.
    func appendScalars(to scalars: inout [Scalar], shape: inout [Int?], path: inout [Int]) throws(NDArrayError)
    /// The value built from row-major `scalars` (consuming them from `index`) in a given shape.
    static func make(from scalars: [Scalar], index: inout Int, shape: ArraySlice<Int>) -> Self
}

extension NestedArrayConvertible where Self: ArrayElement, Scalar == Self {
    /// A scalar is not nested.
    public static var nestingDepth: Int { 0 }
    /// Appends the scalar itself.
    public func appendScalars(to scalars: inout [Scalar], shape: inout [Int?], path: inout [Int]) throws(NDArrayError) {
        scalars.append(self)
    }
    /// The scalar at `index`.
    public static func make(from scalars: [Scalar], index: inout Int, shape: ArraySlice<Int>) -> Self {
        defer { index += 1 }
        return scalars[index]
    }
}

extension Bool: NestedArrayConvertible {}
extension Int8: NestedArrayConvertible {}
extension Int16: NestedArrayConvertible {}
extension Int32: NestedArrayConvertible {}
extension Int64: NestedArrayConvertible {}
extension UInt8: NestedArrayConvertible {}
extension Float: NestedArrayConvertible {}
extension Double: NestedArrayConvertible {}

extension Int: NestedArrayConvertible {
    /// `Int` is stored as int64.
    public typealias Scalar = Int64
    /// A scalar is not nested.
    public static var nestingDepth: Int { 0 }
    /// Appends the value as an `Int64`.
    public func appendScalars(to scalars: inout [Int64], shape: inout [Int?], path: inout [Int]) throws(NDArrayError) {
        scalars.append(Int64(self))
    }
    /// The scalar at `index` as an `Int`.
    public static func make(from scalars: [Int64], index: inout Int, shape: ArraySlice<Int>) -> Int {
        defer { index += 1 }
        return Int(truncatingIfNeeded: scalars[index])
    }
}

extension Array: NestedArrayConvertible where Element: NestedArrayConvertible {
    /// The scalars of the elements.
    public typealias Scalar = Element.Scalar
    /// One more than the elements'.
    public static var nestingDepth: Int { Element.nestingDepth + 1 }

    /// Appends every element's scalars; throws ``NDArrayError/raggedNesting(path:length:expected:)``
    /// when this array's length differs from an earlier sibling's.
    public func appendScalars(to scalars: inout [Scalar], shape: inout [Int?], path: inout [Int]) throws(NDArrayError) {
        let level = path.count
        if let expected = shape[level], expected != count {
            throw .raggedNesting(path: path, length: count, expected: expected)
        }
        shape[level] = count
        for (index, element) in enumerated() {
            path.append(index)
            try element.appendScalars(to: &scalars, shape: &shape, path: &path)
            path.removeLast()
        }
    }

    /// `shape.first` elements built from the scalars in turn.
    public static func make(from scalars: [Scalar], index: inout Int, shape: ArraySlice<Int>) -> [Element] {
        let inner = shape.dropFirst()
        var result: [Element] = []
        result.reserveCapacity(shape.first ?? 0)
        for _ in 0..<(shape.first ?? 0) { result.append(Element.make(from: scalars, index: &index, shape: inner)) }
        return result
    }
}

extension NDArray {
    /// An array from nested Swift arrays of any depth: the nesting gives the shape, the scalar
    /// type the dtype (`Int` becomes int64). A level with no elements gives length 0 to it and to
    /// every level below it.
    ///
    /// ```swift
    /// let cube = try NDArray(nested: [[[1.0, 2], [3, 4]]])   // float64, shape [1, 2, 2]
    /// let ints = try NDArray(nested: [[1, 2, 3]])           // int64, shape [1, 3]
    /// try NDArray(nested: [[1.0], [2.0, 3.0]])              // throws raggedNesting
    /// ```
    ///
    /// - Throws: ``NDArrayError/raggedNesting(path:length:expected:)`` when arrays at one level
    ///   have different lengths.
    public init<Nested: NestedArrayConvertible>(nested: Nested) throws(NDArrayError) {
        var scalars: [Nested.Scalar] = []
        var shape = [Int?](repeating: nil, count: Nested.nestingDepth)
        var path: [Int] = []
        try nested.appendScalars(to: &scalars, shape: &shape, path: &path)
        self.init(shape: shape.map { $0 ?? 0 }, elements: scalars)
    }

    /// The elements as nested Swift arrays as deep as the array's rank, converted with numpy's
    /// `astype` rules. The type can be given or inferred.
    ///
    /// ```swift
    /// let a: NDArray = [[1, 2], [3, 4]]
    /// let rows = try a.nestedArray([[Double]].self)   // [[1.0, 2.0], [3.0, 4.0]]
    /// let same: [[Int]] = try a.nestedArray()
    /// let x = try NDArray(scalar: 2.5).nestedArray(Double.self)   // 2.5 (rank 0)
    /// ```
    ///
    /// - Throws: ``NDArrayError/rankMismatch(ndim:nestingDepth:)`` when the nesting depth is not
    ///   the array's rank.
    public func nestedArray<Nested: NestedArrayConvertible>(_ type: Nested.Type = Nested.self) throws(NDArrayError) -> Nested {
        guard Nested.nestingDepth == ndim else { throw .rankMismatch(ndim: ndim, nestingDepth: Nested.nestingDepth) }
        var index = 0
        return Nested.make(from: asArray(Nested.Scalar.self), index: &index, shape: shape[...])
    }
}
