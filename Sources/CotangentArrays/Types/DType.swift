/// The element type of a tensor or an array, with numpy's names.
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Booleans, stored one byte each.
    case bool
    /// 8-bit signed integers.
    case int8
    /// 16-bit signed integers.
    case int16
    /// 32-bit signed integers.
    case int32
    /// 64-bit signed integers (the default integer dtype).
    case int64
    /// 8-bit unsigned integers.
    case uint8
    /// 32-bit IEEE floats.
    case float32
    /// 64-bit IEEE floats (the default float dtype unless `withDefaultFloat` sets another).
    case float64

    /// numpy's name (`"float64"`).
    public var description: String { rawValue }

    /// The case's position in the declaration. Hashing and comparison use it: the defaults a
    /// `String` raw value brings hash and compare the names, and every call of a compiled
    /// function looks its elementwise programs up by their input dtypes.
    @inlinable var ordinal: Int {
        switch self {
        case .bool: 0
        case .int8: 1
        case .int16: 2
        case .int32: 3
        case .int64: 4
        case .uint8: 5
        case .float32: 6
        case .float64: 7
        }
    }

    /// Hashes the case (not its name).
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// Whether both are the same case.
    @inlinable public static func == (lhs: DType, rhs: DType) -> Bool { lhs.ordinal == rhs.ordinal }

    /// Size of one element in bytes.
    public var itemSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16: 2
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// float32 or float64.
    public var isFloat: Bool { self == .float32 || self == .float64 }
    /// Signed or unsigned integers (not bool).
    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8: true
        default: false
        }
    }
    /// Whether the dtype holds negative values: the signed integers and floats.
    public var isSigned: Bool { self != .bool && self != .uint8 }
    /// Integers and bool: the dtypes that get no gradient.
    public var isDiscrete: Bool { !isFloat }

    /// numpy's kind character: `b`, `i`, `u`, `f`.
    package var kind: Character {
        switch self {
        case .bool: "b"
        case .uint8: "u"
        case .float32, .float64: "f"
        default: "i"
        }
    }

    /// Range of an integer dtype (as Int64); nil for floats and bool.
    package var integerRange: ClosedRange<Int64>? {
        switch self {
        case .int8: Int64(Int8.min)...Int64(Int8.max)
        case .int16: Int64(Int16.min)...Int64(Int16.max)
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .int64: Int64.min...Int64.max
        case .uint8: 0...255
        default: nil
        }
    }

    /// numpy's type promotion of two array dtypes (`np.result_type`), which PyTensor's scalar
    /// `upcast` also follows: `int8 + uint8 → int16`, `int32 + float32 → float64`,
    /// `int16 + float32 → float32`, `bool + int8 → int8`.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        switch (a.isFloat, b.isFloat) {
        case (true, true):
            return a.itemSize >= b.itemSize ? a : b
        case (true, false):
            return floatHolding(integer: b, atLeast: a)
        case (false, true):
            return floatHolding(integer: a, atLeast: b)
        case (false, false):
            // Both integers.
            if a.isSigned == b.isSigned { return a.itemSize >= b.itemSize ? a : b }
            let (signed, unsigned) = a.isSigned ? (a, b) : (b, a)
            // uint8 fits in any signed type wider than 1 byte.
            if signed.itemSize > unsigned.itemSize { return signed }
            return signedInteger(ofSize: unsigned.itemSize * 2)
        }
    }

    /// Promotion over many dtypes (left fold).
    public static func promote(_ dtypes: [DType]) -> DType {
        guard var result = dtypes.first else { return .float64 }
        for d in dtypes.dropFirst() { result = promote(result, d) }
        return result
    }

    private static func floatHolding(integer: DType, atLeast float: DType) -> DType {
        // int8/uint8/int16 fit in float32 (and float16); wider integers need float64.
        let needed: DType = integer.itemSize <= 2 ? .float32 : .float64
        return needed.itemSize >= float.itemSize ? needed : float
    }

    private static func signedInteger(ofSize size: Int) -> DType {
        switch size {
        case ...1: .int8
        case 2: .int16
        case 3...4: .int32
        default: .int64
        }
    }

    /// PyTensor's `upgrade_to_float`: the float dtype a transcendental function of this dtype
    /// returns (`int8`, `int16`, `uint8`, `bool` → `float32`; wider integers → `float64`).
    public var upgradedToFloat: DType {
        switch self {
        case .float32, .float64: self
        case .bool, .int8, .int16, .uint8: .float32
        case .int32, .int64: .float64
        }
    }

    /// Whether numpy's `can_cast(self, to, casting="safe")` holds.
    public func canCastSafely(to other: DType) -> Bool {
        DType.promote(self, other) == other
    }
}
