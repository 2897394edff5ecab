/// The static type of a symbolic value: a dtype and a static shape whose entries are a known
/// length or `nil` (unknown until run time).
///
/// As in PyTensor, broadcasting is static: a dimension broadcasts only when its static length
/// is 1. A `TensorType` of kind ``Kind/scalar`` is PyTensor's `ScalarType`, the 0-d
/// non-tensor values that index inputs and `ScalarFromTensor` produce (printed `<int64>`).
public struct TensorType: Hashable, Sendable, CustomStringConvertible {
    /// Tensor, PyTensor scalar, or random generator.
    public enum Kind: Hashable, Sendable {
        /// An array value (the usual kind).
        case tensor
        /// PyTensor's `ScalarType`: a 0-d index or shape value.
        case scalar
        /// A random generator (PyTensor's `RandomGeneratorType`): an int64 array of shape [2]
        /// that only random draws, splits and generator updates read.
        case randomGenerator
    }

    /// The element dtype.
    public let dtype: DType
    /// The static shape: one entry per dimension, a known length or `nil` (unknown until run time).
    public let shape: [Int?]
    /// Whether values are arrays, PyTensor scalars or random generators.
    public let kind: Kind

    /// The type of an array value (kind ``Kind/tensor``) of `dtype` and static `shape`.
    public init(dtype: DType, shape: [Int?]) {
        self.dtype = dtype
        self.shape = shape
        self.kind = .tensor
    }

    /// PyTensor's `ScalarType(dtype)`.
    public static func scalar(_ dtype: DType) -> TensorType {
        TensorType(dtype: dtype, shape: [], kind: .scalar)
    }

    /// The type of a random generator (PyTensor's `RandomGeneratorType`).
    public static let randomGenerator = TensorType(dtype: .int64, shape: [2], kind: .randomGenerator)

    /// Whether values of this type are random generators.
    public var isRandomGenerator: Bool { kind == .randomGenerator }

    private init(dtype: DType, shape: [Int?], kind: Kind) {
        self.dtype = dtype
        self.shape = shape
        self.kind = kind
    }

    /// The rank: the number of dimensions.
    @inlinable public var ndim: Int { shape.count }
    /// Which dimensions are statically 1.
    public var broadcastable: [Bool] { shape.map { $0 == 1 } }
    /// Whether this is PyTensor's `ScalarType` (kind ``Kind/scalar``).
    public var isScalarKind: Bool { kind == .scalar }

    /// The same type with another dtype.
    public func with(dtype: DType) -> TensorType {
        TensorType(dtype: dtype, shape: shape, kind: kind)
    }

    /// The same type with another static shape (always a tensor kind).
    public func with(shape: [Int?]) -> TensorType {
        TensorType(dtype: dtype, shape: shape)
    }

    /// Whether every value of `other` is also a value of this type (same dtype and rank, and each
    /// known dim of this type is known and equal in `other`).
    public func isSuper(of other: TensorType) -> Bool {
        guard dtype == other.dtype, ndim == other.ndim, kind == other.kind else { return false }
        return zip(shape, other.shape).allSatisfy { mine, theirs in mine == nil || mine == theirs }
    }

    /// Whether a runtime shape fits the static one.
    public func accepts(shape runtime: [Int]) -> Bool {
        runtime.count == ndim
            && zip(shape, runtime).allSatisfy { known, actual in known == nil || known == actual }
    }

    /// Why no array can have this static shape (a negative length, or known lengths whose
    /// array would take more than `Int.max` bytes, numpy's "array is too big"), or nil when
    /// arrays of it can exist. Static-shape arithmetic of valid types cannot overflow.
    package var staticShapeProblem: String? {
        // One pass, no list of the known lengths: every node built asks this of its outputs.
        var bytes = dtype.itemSize
        var overflows = false
        var empty = false
        for case let length? in shape {
            if length < 0 {
                return "negative dimensions are not allowed: length \(length) in shape \(TensorType.format(shape))"
            }
            if length == 0 { empty = true }
            if !overflows {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: length)
                overflows = overflow
                bytes = product
            }
        }
        guard overflows, !empty else { return nil }
        return "the shape \(TensorType.format(shape)) of dtype \(dtype) is too big: its array would "
            + "take more than \(Int.max) bytes"
    }

    /// PyTensor's `str(type)`: `Vector(float64, shape=(?,))`, `Matrix(float64, shape=(2, ?))`,
    /// `Scalar(int8, shape=())`; scalar kinds print their dtype (`int64`).
    public var description: String {
        if kind == .scalar { return dtype.rawValue }
        if kind == .randomGenerator { return "RandomGeneratorType" }
        let names = ["Scalar", "Vector", "Matrix", "Tensor3", "Tensor4", "Tensor5", "Tensor6", "Tensor7"]
        let name = ndim < names.count ? names[ndim] : "Tensor\(ndim)"
        return "\(name)(\(dtype), shape=\(TensorType.format(shape)))"
    }

    /// `(?, 2)`-style static shape text.
    package static func format(_ shape: [Int?]) -> String {
        let parts = shape.map { $0.map(String.init) ?? "?" }
        if parts.count == 1 { return "(\(parts[0]),)" }
        return "(" + parts.joined(separator: ", ") + ")"
    }
}

/// A static shape as Python prints it: `(None, 2)`; what the seed shows for `A.T.type.shape`.
public struct StaticShape: Hashable, Sendable, CustomStringConvertible {
    /// The static lengths, `nil` where unknown.
    public let dims: [Int?]
    /// The static shape `dims`.
    public init(_ dims: [Int?]) { self.dims = dims }
    public var description: String {
        let parts = dims.map { $0.map(String.init) ?? "None" }
        if parts.count == 1 { return "(\(parts[0]),)" }
        return "(" + parts.joined(separator: ", ") + ")"
    }
}
