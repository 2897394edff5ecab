// Random bits to uniform floats: the high bits, scaled exactly.

/// Conversions of random integers to uniform floats. Every result is an exact multiple of the
/// grid step (2^-53 for Double, 2^-24 for Float), so no rounding can reach the excluded end.
package enum UniformConversion {
    /// [0, 1) from the high 53 bits of `bits`.
    @inlinable @inline(__always)
    package static func unitDouble(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

    /// (0, 1) from the high 52 bits: the midpoints (k + ½) · 2^-52, symmetric about ½.
    @inlinable @inline(__always)
    package static func openUnitDouble(_ bits: UInt64) -> Double { (Double(bits >> 12) + 0.5) * 0x1p-52 }

    /// [0, 1) from the high 53 bits of a 32-bit word pair is `unitDouble`; from one word, the
    /// high 24 bits give a Float in [0, 1).
    @inlinable @inline(__always)
    package static func unitFloat(_ bits: UInt32) -> Float { Float(bits >> 8) * 0x1p-24 }

    /// (0, 1) from the high 23 bits of `bits`: the midpoints (k + ½) · 2^-23.
    @inlinable @inline(__always)
    package static func openUnitFloat(_ bits: UInt32) -> Float { (Float(bits >> 9) + 0.5) * 0x1p-23 }

    /// [0, 1) as a Float from 64 bits (their high 24 bits).
    @inlinable @inline(__always)
    package static func unitFloat(_ bits: UInt64) -> Float { unitFloat(UInt32(truncatingIfNeeded: bits >> 32)) }
}
