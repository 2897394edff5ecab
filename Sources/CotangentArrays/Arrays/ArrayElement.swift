/// A Swift scalar type that an ``NDArray`` can hold: `Bool`, `Int8`, `Int16`, `Int32`, `Int64`,
/// `UInt8`, `Float`, `Double`.
///
/// Conversions follow numpy's `astype`: floats to integers truncate toward zero, integers wrap,
/// anything nonzero is `true`.
public protocol ArrayElement: Sendable, Equatable {
    /// The dtype of arrays of this element type.
    static var dtype: DType { get }
    /// `value` converted by numpy's `astype` rules: float32 rounds to nearest, integers truncate
    /// toward zero (out of range wraps as numpy's conversion does), bool is `value != 0`.
    init(converting value: Double)
    /// `value` converted by numpy's `astype` rules: integers wrap to their width, bool is `value != 0`.
    init(converting value: Int64)
    /// 1 or 0 (`true` or `false` for bool).
    init(converting value: Bool)
    /// The value as a `Double` (bool: 1 or 0).
    var doubleValue: Double { get }
    /// The value as an `Int64` (floats truncate toward zero, bool: 1 or 0).
    var int64Value: Int64 { get }
    /// Whether the value is nonzero.
    var boolValue: Bool { get }
}

extension Double: ArrayElement {
    public static var dtype: DType { .float64 }
    @inlinable public init(converting value: Double) { self = value }
    @inlinable public init(converting value: Int64) { self = Double(value) }
    @inlinable public init(converting value: Bool) { self = value ? 1 : 0 }
    @inlinable public var doubleValue: Double { self }
    @inlinable public var int64Value: Int64 { Int64(truncatingFloat: self) }
    @inlinable public var boolValue: Bool { self != 0 }
}

extension Float: ArrayElement {
    public static var dtype: DType { .float32 }
    @inlinable public init(converting value: Double) { self = Float(value) }
    @inlinable public init(converting value: Int64) { self = Float(value) }
    @inlinable public init(converting value: Bool) { self = value ? 1 : 0 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { Int64(truncatingFloat: Double(self)) }
    @inlinable public var boolValue: Bool { self != 0 }
}

extension Bool: ArrayElement {
    public static var dtype: DType { .bool }
    @inlinable public init(converting value: Double) { self = value != 0 }
    @inlinable public init(converting value: Int64) { self = value != 0 }
    @inlinable public init(converting value: Bool) { self = value }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
    @inlinable public var int64Value: Int64 { self ? 1 : 0 }
    @inlinable public var boolValue: Bool { self }
}

/// Integer elements share their conversions.
public protocol IntegerArrayElement: ArrayElement, FixedWidthInteger {}

extension IntegerArrayElement {
    @inlinable public init(converting value: Double) {
        // numpy converts to types of 32 bits or fewer with a 32-bit conversion instruction, then
        // truncates the bits: NaN or 3e9 becomes INT32_MIN, so 0 as int8, int16 or uint8.
        if Self.bitWidth <= 32 {
            self.init(truncatingIfNeeded: Int32(truncatingFloat: value))
        } else {
            self.init(truncatingIfNeeded: Int64(truncatingFloat: value))
        }
    }
    @inlinable public init(converting value: Int64) { self.init(truncatingIfNeeded: value) }
    @inlinable public init(converting value: Bool) { self = value ? 1 : 0 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    @inlinable public var boolValue: Bool { self != 0 }
}

extension Int8: IntegerArrayElement { public static var dtype: DType { .int8 } }
extension Int16: IntegerArrayElement { public static var dtype: DType { .int16 } }
extension Int32: IntegerArrayElement { public static var dtype: DType { .int32 } }
extension Int64: IntegerArrayElement { public static var dtype: DType { .int64 } }
extension UInt8: IntegerArrayElement { public static var dtype: DType { .uint8 } }

extension Int64 {
    /// numpy's float → int cast: truncation toward zero; NaN, infinities and out-of-range values
    /// (undefined in C) become `Int64.min`, as numpy does on x86-64.
    @inlinable package init(truncatingFloat value: Double) {
        if value.isNaN || value >= 9.223372036854775807e18 || value < -9.223372036854775808e18 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

extension Int32 {
    /// The 32-bit float → int cast of x86-64 (`cvttsd2si`): truncation toward zero; NaN,
    /// infinities and out-of-range values become `Int32.min`.
    @inlinable package init(truncatingFloat value: Double) {
        if value.isNaN || value >= 2147483648.0 || value <= -2147483649.0 {
            self = .min
        } else {
            self = Int32(value)
        }
    }
}

/// Calls a generic body with the Swift element type of a dtype.
///
/// Kernels written once over `T: ArrayElement` are specialised per dtype through this switch.
/// The switch is inlinable so a kernel in another target (an op's update loop in CotangentOps)
/// is specialised there: called through a non-inlinable switch across targets, `visit` ran
/// unspecialised, with value witnesses per element (IncSubtensor 60× slower after the split).
@usableFromInline package protocol DTypeVisitor {
    associatedtype Result
    func visit<T: ArrayElement>(_ type: T.Type) -> Result
}

extension DType {
    @inlinable package func dispatch<V: DTypeVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .bool: visitor.visit(Bool.self)
        case .int8: visitor.visit(Int8.self)
        case .int16: visitor.visit(Int16.self)
        case .int32: visitor.visit(Int32.self)
        case .int64: visitor.visit(Int64.self)
        case .uint8: visitor.visit(UInt8.self)
        case .float32: visitor.visit(Float.self)
        case .float64: visitor.visit(Double.self)
        }
    }
}
