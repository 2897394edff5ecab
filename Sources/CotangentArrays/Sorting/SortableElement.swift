/// An ``ArrayElement`` that maps to an unsigned integer key whose unsigned order is the order the
/// sorting kernels use, so that radix sorts, binary searches and selections all compare plain
/// unsigned integers.
package protocol SortableElement: ArrayElement {
    /// The unsigned integer type of the keys (as wide as the element).
    associatedtype SortKey: FixedWidthInteger & UnsignedInteger & Sendable

    /// numpy's sort order as an unsigned key: `-inf < … < -0.0 == +0.0 < … < +inf < NaN`.
    ///
    /// `-0.0` and `+0.0` share one key and every NaN (any sign, any payload) has the largest key,
    /// so the order is numpy's `<` with NaNs last: stable sorts keep equal keys in index order
    /// exactly as numpy's `kind='stable'` does.
    var sortKey: SortKey { get }

    /// IEEE 754 `totalOrder` as an unsigned key: `-NaN < -inf < … < -0.0 < +0.0 < … < +inf < +NaN`,
    /// every bit pattern distinct. This is the order of `jax.lax.top_k`. Integers and bools key as
    /// in ``sortKey``.
    var totalOrderKey: SortKey { get }
}

extension SortableElement {
    /// Integers and bools have no signed zeros or NaNs: both orders agree.
    package var totalOrderKey: SortKey { sortKey }
}

extension Bool: SortableElement {
    /// `false < true`.
    package var sortKey: UInt8 { self ? 1 : 0 }
}

extension UInt8: SortableElement {
    /// The value itself.
    package var sortKey: UInt8 { self }
}

extension Int8: SortableElement {
    /// The two's-complement bits with the sign bit flipped (which orders them as unsigned).
    package var sortKey: UInt8 { UInt8(bitPattern: self) ^ 0x80 }
}

extension Int16: SortableElement {
    /// The two's-complement bits with the sign bit flipped.
    package var sortKey: UInt16 { UInt16(bitPattern: self) ^ 0x8000 }
}

extension Int32: SortableElement {
    /// The two's-complement bits with the sign bit flipped.
    package var sortKey: UInt32 { UInt32(bitPattern: self) ^ 0x8000_0000 }
}

extension Int64: SortableElement {
    /// The two's-complement bits with the sign bit flipped.
    package var sortKey: UInt64 { UInt64(bitPattern: self) ^ 0x8000_0000_0000_0000 }
}

extension Double: SortableElement {
    /// numpy's order; see ``SortableElement/sortKey``.
    package var sortKey: UInt64 { numpyOrderKey(totalOrderKey, isZero: self == 0, isNaN: isNaN) }
    /// IEEE 754 `totalOrder`; see ``SortableElement/totalOrderKey``.
    package var totalOrderKey: UInt64 { floatTotalOrderKey(bitPattern) }
}

extension Float: SortableElement {
    /// numpy's order; see ``SortableElement/sortKey``.
    package var sortKey: UInt32 { numpyOrderKey(totalOrderKey, isZero: self == 0, isNaN: isNaN) }
    /// IEEE 754 `totalOrder`; see ``SortableElement/totalOrderKey``.
    package var totalOrderKey: UInt32 { floatTotalOrderKey(bitPattern) }
}

/// The IEEE 754 `totalOrder` key of a float's bits: negative numbers get all bits inverted
/// (larger magnitude, smaller key), non-negative ones the sign bit set (above every negative).
@inline(__always)
private func floatTotalOrderKey<Key: FixedWidthInteger & UnsignedInteger>(_ bits: Key) -> Key {
    let signBit: Key = 1 << (Key.bitWidth - 1)
    // An arithmetic-shift mask rather than a branch: on random data the sign is unpredictable.
    let negative = (bits &>> (Key.bitWidth - 1)) &* Key.max
    return bits ^ (negative | signBit)
}

/// numpy's key from the total-order key: both zeros on the key of `+0.0`, every NaN on the
/// largest key.
@inline(__always)
private func numpyOrderKey<Key: FixedWidthInteger & UnsignedInteger>(
    _ totalOrderKey: Key, isZero: Bool, isNaN: Bool
) -> Key {
    let zeroKey: Key = 1 << (Key.bitWidth - 1)
    let canonical = isZero ? zeroKey : totalOrderKey
    return isNaN ? .max : canonical
}

/// Calls a generic body with the Swift element type of a dtype, as a ``SortableElement``.
package protocol SortableVisitor {
    /// What the body returns.
    associatedtype Result
    /// The body, specialised per element type.
    func visit<T: SortableElement>(_ type: T.Type) -> Result
}

extension DType {
    /// Runs `visitor` with this dtype's element type (every dtype is sortable).
    package func dispatchSortable<V: SortableVisitor>(_ visitor: V) -> V.Result {
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
