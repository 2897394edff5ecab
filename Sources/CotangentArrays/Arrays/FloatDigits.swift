// Decimal digit generation for binary floating-point values, reproducing numpy's Dragon4
// printer (`dragon4_positional` / `dragon4_scientific`) exactly, including its rounding and
// trimming rules. numpy's array printing (`NumpyFormat`) and numpy's scalar `str` are built on it.
//
// Why not `Double.description`? Swift's shortest digits are the same as numpy's in unique mode
// without a cutoff, but numpy's array printer also needs (a) the digits cut off at a given
// number of fractional or significant digits, correctly rounded from the exact binary value,
// and (b) "at least N digits" (`min_digits`), where the extra digits are the exact digits of the
// binary value and the last one is rounded by Dragon4's margin rules. Both are easiest to get
// right by running the same algorithm on exact big integers.

package enum FloatDigits {
    // MARK: Options

    /// numpy's `trim` argument of `format_float_positional` / `format_float_scientific`.
    package enum TrimMode: Sendable {
        /// `'k'`: keep trailing zeros and the decimal point.
        case keep
        /// `'.'`: trim trailing zeros, keep the decimal point (`2.`).
        case zeros
        /// `'0'`: trim trailing zeros but keep one after the point (`2.0`).
        case leaveOneZero
        /// `'-'`: trim trailing zeros and the decimal point (`2`).
        case pointAndZeros
    }

    /// Digits of a non-negative finite value: `0.d₀d₁d₂… × 10^(exponent + 1)`, i.e. `exponent`
    /// is the power of ten of the first digit.
    package struct Digits: Sendable, Equatable {
        package var digits: [UInt8]
        package var exponent: Int
    }

    /// How `cutoffMax`/`cutoffMin` count digits (numpy's `fractional` flag).
    package enum CutoffMode: Sendable {
        /// Count significant digits.
        case totalLength
        /// Count digits after the decimal point.
        case fractionLength
    }

    // MARK: Float decomposition

    /// `value = mantissa × 2^exponent` for a finite `|x|`, with the facts Dragon4 needs.
    package struct Parts {
        package var mantissa: UInt64
        package var exponent: Int
        /// Index of the highest set bit of `mantissa`.
        package var mantissaBit: Int
        /// The gap to the next float above is twice the gap below (x is a power of two that
        /// is not the smallest normal).
        package var unequalMargins: Bool
    }

    package static func parts<F: BinaryFloatingPoint>(of x: F) -> Parts {
        let fractionBits = F.significandBitCount
        let bias = (1 << (F.exponentBitCount - 1)) - 1
        let rawExponent = Int(x.exponentBitPattern)
        let rawMantissa = UInt64(x.significandBitPattern)
        if rawExponent != 0 {
            return Parts(
                mantissa: (UInt64(1) << UInt64(fractionBits)) | rawMantissa,
                exponent: rawExponent - bias - fractionBits,
                mantissaBit: fractionBits,
                unequalMargins: rawExponent != 1 && rawMantissa == 0)
        }
        // Subnormal (or zero): no implicit bit, equal margins.
        return Parts(
            mantissa: rawMantissa,
            exponent: 1 - bias - fractionBits,
            mantissaBit: rawMantissa == 0 ? 0 : 63 - rawMantissa.leadingZeroBitCount,
            unequalMargins: false)
    }

    // MARK: Dragon4

    /// Digits of `|x|` (finite) in numpy's "unique" digit mode: the shortest digits that
    /// round-trip, but stopping at `cutoffMax` digits (then rounding the exact value, ties to an
    /// even digit) and going on to at least `cutoffMin` digits. `-1` disables either cutoff.
    package static func dragon4<F: BinaryFloatingPoint>(
        _ x: F, mode: CutoffMode, cutoffMax: Int, cutoffMin: Int
    ) -> Digits {
        let p = parts(of: x)
        if p.mantissa == 0 { return Digits(digits: [0], exponent: 0) }

        // value = r / s; the neighbours are at value - mMinus/s and value + mPlus/s (halfway
        // points, scaled by 2 — or by 4 with unequal margins — to stay integral).
        let scaleShift = p.unequalMargins ? 2 : 1
        var r = BigNat(p.mantissa)
        var s: BigNat
        var mMinus: BigNat
        if p.exponent > 0 {
            r.shiftLeft(p.exponent + scaleShift)
            s = BigNat.powerOfTwo(scaleShift)
            mMinus = BigNat.powerOfTwo(p.exponent)
        } else {
            r.shiftLeft(scaleShift)
            s = BigNat.powerOfTwo(-p.exponent + scaleShift)
            mMinus = BigNat(1)
        }
        var mPlus = mMinus
        if p.unequalMargins { mPlus.shiftLeft(1) }

        // k: the smallest power of ten above the value (value < 10^k), estimated as numpy does
        // from the binary exponent (correct or one too small) and then corrected. In fractional mode numpy clamps it so that
        // the first digit is no further right than the cutoff digit.
        var k = Int((Double(p.mantissaBit + p.exponent) * 0.30102999566398119521373889472449 - 0.69)
            .rounded(.up))
        if cutoffMax >= 0 && mode == .fractionLength && k <= -cutoffMax {
            k = 1 - cutoffMax
        }
        if k > 0 {
            s.multiplyByPowerOfTen(k)
        } else if k < 0 {
            r.multiplyByPowerOfTen(-k)
            mMinus.multiplyByPowerOfTen(-k)
            mPlus.multiplyByPowerOfTen(-k)
        }
        if r >= s {
            k += 1
        } else {
            r.multiply(by: 10)
            mMinus.multiply(by: 10)
            mPlus.multiply(by: 10)
        }
        // Now r/s = value / 10^(k-1), and the first digit is floor(r/s).

        let bufferLimit = 16_384  // numpy's output buffer: a cutoff that never matters here
        var cutoffMaxExponent = k - bufferLimit
        if cutoffMax >= 0 {
            let desired = mode == .totalLength ? k - cutoffMax : -cutoffMax
            cutoffMaxExponent = max(cutoffMaxExponent, desired)
        }
        var cutoffMinExponent = k
        if cutoffMin >= 0 {
            let desired = mode == .totalLength ? k - cutoffMin : -cutoffMin
            cutoffMinExponent = min(cutoffMinExponent, desired)
        }

        // Round-half-even readers accept the boundaries when the mantissa is even.
        let isEven = p.mantissa & 1 == 0
        var digits: [UInt8] = []
        var digitExponent = k
        var digit: UInt8 = 0
        var low = false
        var high = false
        while true {
            digitExponent -= 1
            digit = r.divideSmallQuotient(by: s)
            let lowCompare = BigNat.compare(r, mMinus)
            low = isEven ? lowCompare <= 0 : lowCompare < 0
            let highCompare = BigNat.compare(r + mPlus, s)
            high = isEven ? highCompare >= 0 : highCompare > 0
            if ((low || high) && digitExponent <= cutoffMinExponent)
                || digitExponent == cutoffMaxExponent
            {
                break
            }
            digits.append(digit)
            r.multiply(by: 10)
            mMinus.multiply(by: 10)
            mPlus.multiply(by: 10)
        }

        // Last digit: round down if only rounding down stays in the interval, up if only up
        // does, otherwise to nearest (ties to the even digit).
        var roundDown = low
        if low == high {
            r.shiftLeft(1)
            let c = BigNat.compare(r, s)
            roundDown = c < 0 || (c == 0 && digit & 1 == 0)
        }
        var exponent = k - 1
        if roundDown {
            digits.append(digit)
        } else if digit < 9 {
            digits.append(digit + 1)
        } else {
            // Carry through trailing nines; all nines become a single 1 one place up.
            while let last = digits.last, last == 9 { digits.removeLast() }
            if digits.isEmpty {
                digits = [1]
                exponent += 1
            } else {
                digits[digits.count - 1] += 1
            }
        }
        return Digits(digits: digits, exponent: exponent)
    }

    // MARK: Positional and scientific strings

    /// numpy's `format_float_positional(x, precision, unique=True, fractional=True, trim,
    /// sign=False, pad_left, pad_right, min_digits)`, for finite `x`. `-1` means "not given".
    package static func positional<F: BinaryFloatingPoint>(
        _ x: F, precision: Int = -1, minDigits: Int = -1, trim: TrimMode,
        padLeft: Int = -1, padRight: Int = -1
    ) -> String {
        let negative = x.sign == .minus
        let d = dragon4(x.magnitude, mode: .fractionLength, cutoffMax: precision, cutoffMin: minDigits)
        var body: [UInt8] = []  // ASCII of the number without sign
        let zero = UInt8(ascii: "0")
        let point = UInt8(ascii: ".")
        var wholeDigits: Int
        var fractionDigits: Int
        if d.exponent >= 0 {
            wholeDigits = d.exponent + 1
            if d.digits.count <= wholeDigits {
                body = d.digits.map { $0 + zero }
                body += repeatElement(zero, count: wholeDigits - d.digits.count)
                fractionDigits = 0
            } else {
                body = d.digits[..<wholeDigits].map { $0 + zero }
                body.append(point)
                body += d.digits[wholeDigits...].map { $0 + zero }
                fractionDigits = d.digits.count - wholeDigits
            }
        } else {
            let leadingZeros = -(d.exponent + 1)
            body = [zero, point] + repeatElement(zero, count: leadingZeros)
            body += d.digits.map { $0 + zero }
            wholeDigits = 1
            fractionDigits = leadingZeros + d.digits.count
        }
        if trim != .pointAndZeros && fractionDigits == 0 { body.append(point) }

        switch trim {
        case .leaveOneZero:
            if fractionDigits == 0 {
                body.append(zero)
                fractionDigits += 1
            }
        case .keep:
            let desired = max(minDigits, 0)
            if desired > fractionDigits {
                body += repeatElement(zero, count: desired - fractionDigits)
                fractionDigits = desired
            }
        case .zeros, .pointAndZeros:
            break
        }
        if trim != .keep && fractionDigits > 0 {
            while body.last == zero {
                body.removeLast()
                fractionDigits -= 1
            }
            if body.last == point {
                if trim == .leaveOneZero {
                    body.append(zero)
                    fractionDigits += 1
                } else if trim == .pointAndZeros {
                    body.removeLast()
                }
            }
        }

        if padRight >= fractionDigits {
            // A trimmed decimal point still takes its column.
            if trim == .pointAndZeros && fractionDigits == 0 { body.append(UInt8(ascii: " ")) }
            body += repeatElement(UInt8(ascii: " "), count: padRight - fractionDigits)
        }
        var result: [UInt8] = negative ? [UInt8(ascii: "-")] + body : body
        let used = wholeDigits + (negative ? 1 : 0)
        if padLeft > used {
            result = Array(repeatElement(UInt8(ascii: " "), count: padLeft - used)) + result
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// numpy's `format_float_scientific(x, precision, unique=True, trim, sign=False, pad_left,
    /// exp_digits, min_digits)`, for finite `x`. `-1` means "not given".
    package static func scientific<F: BinaryFloatingPoint>(
        _ x: F, precision: Int = -1, minDigits: Int = -1, trim: TrimMode,
        padLeft: Int = -1, exponentDigits: Int = -1
    ) -> String {
        let negative = x.sign == .minus
        let d = dragon4(
            x.magnitude, mode: .totalLength,
            cutoffMax: precision < 0 ? -1 : precision + 1,
            cutoffMin: minDigits < 0 ? -1 : minDigits + 1)
        let zero = UInt8(ascii: "0")
        let point = UInt8(ascii: ".")
        var out: [UInt8] = []
        let leftChars = negative ? 2 : 1
        if padLeft > leftChars {
            out += repeatElement(UInt8(ascii: " "), count: padLeft - leftChars)
        }
        if negative { out.append(UInt8(ascii: "-")) }
        out.append(d.digits[0] + zero)
        var fractionDigits = d.digits.count - 1
        if fractionDigits > 0 {
            out.append(point)
            out += d.digits[1...].map { $0 + zero }
        }
        if trim != .pointAndZeros && fractionDigits == 0 { out.append(point) }

        switch trim {
        case .leaveOneZero:
            if fractionDigits == 0 {
                out.append(zero)
                fractionDigits += 1
            }
        case .keep:
            let desired = max(minDigits, 0)
            if desired > fractionDigits {
                out += repeatElement(zero, count: desired - fractionDigits)
                fractionDigits = desired
            }
        case .zeros, .pointAndZeros:
            break
        }
        if trim != .keep && fractionDigits > 0 {
            // Unlike the positional printer, numpy leaves a bare point here even for '-'.
            while out.last == zero {
                out.removeLast()
                fractionDigits -= 1
            }
            if trim == .leaveOneZero && out.last == point { out.append(zero) }
        }

        // Exponent: sign and at least `exponentDigits` digits (default 2, at most 5).
        var minimumDigits = exponentDigits < 0 ? 2 : min(exponentDigits, 5)
        minimumDigits = max(minimumDigits, 0)
        out.append(UInt8(ascii: "e"))
        out.append(d.exponent >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
        let exponentText = Array(String(d.exponent.magnitude).utf8)
        if exponentText.count < minimumDigits {
            out += repeatElement(zero, count: minimumDigits - exponentText.count)
        }
        out += exponentText
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Scalar str

    /// numpy's `str` of a float scalar (`np.float64`/`np.float32`), which for float64 is also
    /// Python's `repr(float)`: shortest round-trip digits, positional with at least one
    /// fractional digit when `1e-4 <= |x| < 1e16` (float32: `< 1e6`) or zero, scientific
    /// otherwise (`1e-05`, `1.5e+16`).
    package static func scalarString<F: BinaryFloatingPoint>(_ x: F) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        // numpy compares in extended precision, so float32(1e-4) (just below 1e-4) is
        // scientific; Double is exact enough for both float types.
        let magnitude = Double(x.magnitude)
        let maxPositional = F.significandBitCount < 52 ? 1e6 : 1e16
        if magnitude == 0 || (1e-4 <= magnitude && magnitude < maxPositional) {
            return positional(x, trim: .leaveOneZero)
        }
        return scientific(x, trim: .pointAndZeros)
    }
}

// MARK: - Minimal big natural numbers

extension FloatDigits {
    /// An arbitrary-precision natural number (little-endian 32-bit limbs, no high zero limbs),
    /// with only the operations Dragon4 needs.
    package struct BigNat: Sendable, Comparable {
        private(set) var limbs: [UInt32]

        package init(_ value: UInt64) {
            limbs = []
            if value != 0 {
                limbs.append(UInt32(truncatingIfNeeded: value))
                if value >> 32 != 0 { limbs.append(UInt32(truncatingIfNeeded: value >> 32)) }
            }
        }

        package static func powerOfTwo(_ n: Int) -> BigNat {
            var result = BigNat(1)
            result.shiftLeft(n)
            return result
        }

        package var isZero: Bool { limbs.isEmpty }

        private mutating func normalize() {
            while limbs.last == 0 { limbs.removeLast() }
        }

        package mutating func shiftLeft(_ n: Int) {
            guard n > 0, !limbs.isEmpty else { return }
            let whole = n / 32
            let bits = n % 32
            if bits != 0 {
                var carry: UInt32 = 0
                for i in limbs.indices {
                    let limb = limbs[i]
                    limbs[i] = (limb << UInt32(bits)) | carry
                    carry = limb >> UInt32(32 - bits)
                }
                if carry != 0 { limbs.append(carry) }
            }
            if whole > 0 { limbs.insert(contentsOf: repeatElement(0, count: whole), at: 0) }
        }

        package mutating func multiply(by factor: UInt32) {
            guard factor != 0 else {
                limbs = []
                return
            }
            var carry: UInt64 = 0
            for i in limbs.indices {
                let product = UInt64(limbs[i]) * UInt64(factor) + carry
                limbs[i] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
        }

        package mutating func multiplyByPowerOfTen(_ n: Int) {
            var remaining = n
            while remaining >= 9 {
                multiply(by: 1_000_000_000)
                remaining -= 9
            }
            var factor: UInt32 = 1
            for _ in 0..<remaining { factor *= 10 }
            if factor != 1 { multiply(by: factor) }
        }

        package static func + (a: BigNat, b: BigNat) -> BigNat {
            var result = a.limbs.count >= b.limbs.count ? a : b
            let other = a.limbs.count >= b.limbs.count ? b : a
            var carry: UInt64 = 0
            for i in result.limbs.indices {
                if i >= other.limbs.count && carry == 0 { break }
                let otherLimb = i < other.limbs.count ? UInt64(other.limbs[i]) : 0
                let sum = UInt64(result.limbs[i]) + otherLimb + carry
                result.limbs[i] = UInt32(truncatingIfNeeded: sum)
                carry = sum >> 32
            }
            if carry != 0 { result.limbs.append(UInt32(carry)) }
            return result
        }

        /// `self -= other`; requires `self >= other`.
        package mutating func subtract(_ other: BigNat) {
            var borrow: Int64 = 0
            for i in limbs.indices {
                if i >= other.limbs.count && borrow == 0 { break }
                let otherLimb = i < other.limbs.count ? Int64(other.limbs[i]) : 0
                var difference = Int64(limbs[i]) - otherLimb - borrow
                if difference < 0 {
                    difference += 1 << 32
                    borrow = 1
                } else {
                    borrow = 0
                }
                limbs[i] = UInt32(difference)
            }
            normalize()
        }

        /// Replaces `self` by `self mod divisor` and returns the quotient, which must be small
        /// (Dragon4 only divides values below 10 × divisor).
        package mutating func divideSmallQuotient(by divisor: BigNat) -> UInt8 {
            var quotient: UInt8 = 0
            while self >= divisor {
                subtract(divisor)
                quotient += 1
            }
            return quotient
        }

        /// -1, 0 or 1.
        package static func compare(_ a: BigNat, _ b: BigNat) -> Int {
            if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count ? -1 : 1 }
            for i in a.limbs.indices.reversed() where a.limbs[i] != b.limbs[i] {
                return a.limbs[i] < b.limbs[i] ? -1 : 1
            }
            return 0
        }

        package static func < (a: BigNat, b: BigNat) -> Bool { compare(a, b) < 0 }
        package static func == (a: BigNat, b: BigNat) -> Bool { a.limbs == b.limbs }
    }
}
