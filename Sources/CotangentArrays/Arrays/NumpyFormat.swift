// numpy-exact `repr`/`str` of arrays, as a pure formatter over flat row-major values.
//
// This reproduces numpy 2.x's `numpy/_core/arrayprint.py` with the default print options:
// precision=8, floatmode='maxprec', suppress=False, sign='-', linewidth=75, threshold=1000,
// edgeitems=3, nanstr='nan', infstr='inf', legacy=False. The float digits come from
// `FloatDigits` (numpy's Dragon4).

/// Flat row-major element values of an array, by storage class.
package enum FlatValues: Sendable {
    case bools([Bool])
    /// Every integer dtype (int8…int64, uint8), values already in range.
    case integers([Int64])
    case float32s([Float])
    case float64s([Double])

    package var count: Int {
        switch self {
        case .bools(let v): v.count
        case .integers(let v): v.count
        case .float32s(let v): v.count
        case .float64s(let v): v.count
        }
    }
}

package enum NumpyFormat {
    // MARK: Print options (numpy's defaults)

    package static let lineWidth = 75
    /// Arrays with more elements than this are summarised with `...`.
    package static let threshold = 1000
    /// Items kept at each end of a summarised axis.
    package static let edgeItems = 3

    // MARK: Entry points

    /// Exactly numpy 2.x's `repr(arr)` with default print options, e.g. `array([4. , 2.5, 2. ])`,
    /// `array([1, 2], dtype=int8)`, `array([[1., 0.],\n       [0., 1.]])`, `array(3.)`,
    /// `array([], dtype=float64)`, `array([], shape=(0, 3), dtype=float64)`, summarised with
    /// `...` (and a `shape=` suffix) when the size exceeds 1000.
    ///
    /// - Parameters:
    ///   - dtype: the element type; only used for the `dtype=` suffix.
    ///   - shape: the array's shape (`[]` for 0-d).
    ///   - values: the elements in row-major order; their count must be the product of `shape`.
    package static func repr(dtype: DType, shape: [Int], values: FlatValues) -> String {
        let prefix = "array("
        let size = shape.reduce(1, *)
        precondition(values.count == size, "repr: \(values.count) values for shape \(shape)")
        // numpy reserves room for the closing ")" on the last line.
        let body = arrayString(
            shape: shape, values: values, separator: ", ", prefix: prefix,
            lineWidth: lineWidth - 1)

        // Shape and dtype are spelled out when the printed values don't imply them.
        var extras: [String] = []
        if (size == 0 && shape != [0]) || size > threshold {
            extras.append("shape=" + pythonTuple(shape))
        }
        if !isImpliedByValues(dtype) || size == 0 {
            extras.append("dtype=" + dtype.rawValue)
        }
        if extras.isEmpty { return prefix + body + ")" }

        let head = prefix + body + ","
        let tail = extras.joined(separator: ", ") + ")"
        let lastLineLength = head.split(separator: "\n", omittingEmptySubsequences: false).last!.utf8.count
        // The extras go on their own line when they would overflow the last one.
        let spacer = lastLineLength + tail.utf8.count + 1 > lineWidth
            ? "\n" + String(repeating: " ", count: prefix.utf8.count) : " "
        return head + spacer + tail
    }

    /// Exactly numpy's `str(arr)`: `[4.  2.5 2. ]`, `[[1 2]\n [3 4]]`, `[False]`. The str of a
    /// 0-d array is the str of its scalar (`3.0`, `-1`, `True`, `nan`), see `scalarString`.
    package static func str(dtype: DType, shape: [Int], values: FlatValues) -> String {
        let size = shape.reduce(1, *)
        precondition(values.count == size, "str: \(values.count) values for shape \(shape)")
        if shape.isEmpty { return scalarString(dtype: dtype, value: values) }
        return arrayString(shape: shape, values: values, separator: " ", prefix: "", lineWidth: lineWidth)
    }

    /// numpy's `str` of one scalar of this dtype, e.g. `1.0`, `0.1`, `1e-05`, `-1`, `True`
    /// (Python's repr for float64; for float32 the shortest float32 digits, as `np.float32(x)`
    /// prints). `value` holds exactly one element.
    package static func scalarString(dtype: DType, value: FlatValues) -> String {
        precondition(value.count == 1, "scalarString: expected one value, got \(value.count)")
        switch value {
        case .bools(let v): return v[0] ? "True" : "False"
        case .integers(let v): return String(v[0])
        case .float32s(let v): return FloatDigits.scalarString(v[0])
        case .float64s(let v): return FloatDigits.scalarString(v[0])
        }
    }

    // MARK: Array layout (numpy's _array2string / _formatArray)

    /// The bracketed body shared by repr and str (numpy's `array2string`).
    private static func arrayString(
        shape: [Int], values: FlatValues, separator: String, prefix: String, lineWidth: Int
    ) -> String {
        if values.count == 0 { return "[]" }
        let summarize = values.count > threshold
        let formatter = ElementFormatter(
            values: values, shownIndices: shownFlatIndices(shape: shape, summarize: summarize),
            isZeroDimensional: shape.isEmpty)
        let layout = Layout(
            shape: shape, separator: separator, summarize: summarize, format: formatter.format)
        // Continuation lines are indented past "[" and the prefix ("array(").
        let hangingIndent = String(repeating: " ", count: 1 + prefix.utf8.count)
        return layout.render(axis: 0, offset: 0, hangingIndent: hangingIndent, width: lineWidth)
    }

    /// Flat indices of the elements that get printed: all, or the first and last `edgeItems`
    /// along every axis longer than `2 * edgeItems` when summarising. numpy sizes the columns
    /// from these elements only.
    private static func shownFlatIndices(shape: [Int], summarize: Bool) -> [Int] {
        var indices = [0]
        for length in shape {
            let kept: [Int] = summarize && length > 2 * edgeItems
                ? Array(0..<edgeItems) + Array((length - edgeItems)..<length)
                : Array(0..<length)
            indices = indices.flatMap { base in kept.map { base * length + $0 } }
        }
        return indices
    }

    /// The recursive line layout of numpy's `_formatArray` (legacy=False rules).
    private struct Layout {
        package let shape: [Int]
        package let strides: [Int]
        package let separator: String
        package let summarize: Bool
        package let format: (Int) -> String

        package init(shape: [Int], separator: String, summarize: Bool, format: @escaping (Int) -> String) {
            self.shape = shape
            var strides = [Int](repeating: 1, count: shape.count)
            for axis in shape.indices.reversed().dropFirst() {
                strides[axis] = strides[axis + 1] * shape[axis + 1]
            }
            self.strides = strides
            self.separator = separator
            self.summarize = summarize
            self.format = format
        }

        /// Renders the sub-array at `offset` spanning axes `axis...`. `hangingIndent` is the
        /// indentation of continuation lines and `width` the room left on a line.
        package func render(axis: Int, offset: Int, hangingIndent: String, width: Int) -> String {
            if axis == shape.count { return format(offset) }

            // Nested rows sit one column further right, and each level reserves a column
            // for its closing "]".
            let nextIndent = hangingIndent + " "
            let nextWidth = width - 1
            let length = shape[axis]
            let showSummary = summarize && 2 * NumpyFormat.edgeItems < length
            let leading = showSummary ? NumpyFormat.edgeItems : 0
            let trailing = showSummary ? NumpyFormat.edgeItems : length
            // Items in print order: the leading block, nil for "...", the trailing block.
            var items: [Int?] = Array(0..<leading)
            if showSummary { items.append(nil) }
            items += (length - trailing..<length).map { Optional($0) }

            func child(_ i: Int) -> String {
                render(axis: axis + 1, offset: offset + i * strides[axis],
                       hangingIndent: nextIndent, width: nextWidth)
            }

            var s = ""
            if axis == shape.count - 1 {
                // Innermost axis: words separated by `separator`, wrapped to the width.
                // The separator's "," (or the closing "]") must fit too.
                let elementWidth = width - max(NumpyFormat.rstrip(separator).utf8.count, 1)
                var line = hangingIndent
                for (n, item) in items.enumerated() {
                    let word = item.map(child) ?? "..."
                    extendLine(&s, &line, word: word, width: elementWidth, indent: hangingIndent)
                    if n < items.count - 1 { line += separator }
                }
                s += line
            } else {
                // Outer axes: one sub-array per line, with a blank line per extra dimension.
                let lineSeparator = NumpyFormat.rstrip(separator)
                    + String(repeating: "\n", count: shape.count - axis - 1)
                for (n, item) in items.enumerated() {
                    s += hangingIndent + (item.map(child) ?? "...")
                    if n < items.count - 1 { s += lineSeparator }
                }
            }
            // The first line's indentation is replaced by the opening bracket.
            return "[" + String(decoding: s.utf8.dropFirst(hangingIndent.utf8.count), as: UTF8.self) + "]"
        }

        /// numpy's `_extendLine`: starts a new line when the word doesn't fit, unless the
        /// line holds nothing but indentation (wrapping would not help).
        private func extendLine(
            _ s: inout String, _ line: inout String, word: String, width: Int, indent: String
        ) {
            let lineLength = line.utf8.count
            if lineLength + word.utf8.count > width && lineLength > indent.utf8.count {
                s += NumpyFormat.rstrip(line) + "\n"
                line = indent
            }
            line += word
        }
    }

    // MARK: Element formatting (numpy's BoolFormat / IntegerFormat / FloatingFormat)

    /// Formats single elements with the common width numpy derives from the shown elements.
    private struct ElementFormatter {
        package let format: (Int) -> String

        package init(values: FlatValues, shownIndices: [Int], isZeroDimensional: Bool) {
            switch values {
            case .bools(let v):
                // " True" lines up with "False", except in 0-d arrays.
                let trueString = isZeroDimensional ? "True" : " True"
                format = { v[$0] ? trueString : "False" }
            case .integers(let v):
                let shown = shownIndices.map { v[$0] }
                let width = max(String(shown.max()!).utf8.count, String(shown.min()!).utf8.count)
                format = { NumpyFormat.padLeft(String(v[$0]), to: width) }
            case .float32s(let v):
                let f = FloatingFormat(shownIndices.map { v[$0] })
                format = { f.format(v[$0]) }
            case .float64s(let v):
                let f = FloatingFormat(shownIndices.map { v[$0] })
                format = { f.format(v[$0]) }
            }
        }
    }

    /// numpy's `FloatingFormat` for floatmode='maxprec', precision=8, suppress=False, sign='-':
    /// chooses positional or scientific notation for the whole array and the column padding.
    private struct FloatingFormat<F: BinaryFloatingPoint> {
        package static var precision: Int { 8 }

        package var scientific = false
        package var padLeft = 0
        package var padRight = 0
        /// Fractional digits (scientific mode: exactly these many, from `minDigits`).
        package var precision = Self.precision
        package var minDigits = -1
        package var trim = FloatDigits.TrimMode.zeros
        package var exponentSize = -1

        package init(_ shown: [F]) {
            let finite = shown.filter { $0.isFinite }
            let nonZero = finite.filter { $0 != 0 }.map { $0.magnitude }
            if let maxValue = nonZero.max(), let minValue = nonZero.min() {
                // numpy compares in the array's own precision (Python floats are weak scalars):
                // float32 switches to scientific from 1e6 (10**finfo.precision), float64 from 1e8.
                let cutoff: F = F.significandBitCount < 52 ? F(1e6 as Double) : F(1e8 as Double)
                scientific = maxValue >= cutoff || minValue < F(0.0001 as Double)
                    || maxValue / minValue > F(1000 as Double)
            }

            if finite.isEmpty {
                // Only nan/inf: nothing to size from.
            } else if scientific {
                // First pass: shortest digits up to 8 fractional ones; then every number gets
                // as many fractional digits as the longest, and exponents a common width.
                var intWidth = 0
                var fractionWidth = 0
                var exponentWidth = 0
                for x in finite {
                    let text = FloatDigits.scientific(x, precision: Self.precision, trim: .zeros)
                    let (mantissa, exponent) = Self.split(text, at: "e")
                    let (whole, fraction) = Self.split(mantissa, at: ".")
                    intWidth = max(intWidth, whole.utf8.count)
                    fractionWidth = max(fractionWidth, fraction.utf8.count)
                    exponentWidth = max(exponentWidth, exponent.utf8.count - 1)  // minus the sign
                }
                exponentSize = exponentWidth
                trim = .keep
                precision = fractionWidth
                minDigits = fractionWidth
                padLeft = intWidth
                padRight = exponentSize + 2 + precision  // only used to size nan/inf
            } else {
                for x in finite {
                    let text = FloatDigits.positional(x, precision: Self.precision, trim: .zeros)
                    let (whole, fraction) = Self.split(text, at: ".")
                    padLeft = max(padLeft, whole.utf8.count)
                    padRight = max(padRight, fraction.utf8.count)
                }
                trim = .zeros
                minDigits = 0
            }

            if finite.count != shown.count {
                // nan/inf are right-aligned in the same columns; make room for them.
                let negativeInfinity = shown.contains { $0.isInfinite && $0 < 0 }
                let offset = padRight + 1
                padLeft = max(padLeft, 3 - offset, 3 + (negativeInfinity ? 1 : 0) - offset)
            }
        }

        package func format(_ x: F) -> String {
            if !x.isFinite {
                let text = x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
                return NumpyFormat.padLeft(text, to: padLeft + padRight + 1)
            }
            if scientific {
                return FloatDigits.scientific(
                    x, precision: precision, minDigits: minDigits, trim: trim,
                    padLeft: padLeft, exponentDigits: exponentSize)
            }
            return FloatDigits.positional(
                x, precision: precision, minDigits: minDigits, trim: trim,
                padLeft: padLeft, padRight: padRight)
        }

        /// Python's `str.partition`: the text before and after the first `separator`.
        private static func split(_ text: String, at separator: Character) -> (String, String) {
            guard let i = text.firstIndex(of: separator) else { return (text, "") }
            return (String(text[..<i]), String(text[text.index(after: i)...]))
        }
    }

    // MARK: Helpers

    /// numpy omits `dtype=` for the types its literals default to.
    private static func isImpliedByValues(_ dtype: DType) -> Bool {
        dtype == .float64 || dtype == .int64 || dtype == .bool
    }

    /// A shape as Python prints a tuple: `(3,)`, `(2, 3)`.
    private static func pythonTuple(_ shape: [Int]) -> String {
        if shape.count == 1 { return "(\(shape[0]),)" }
        return "(" + shape.map { String($0) }.joined(separator: ", ") + ")"
    }

    fileprivate static func padLeft(_ text: String, to width: Int) -> String {
        let missing = width - text.utf8.count
        return missing > 0 ? String(repeating: " ", count: missing) + text : text
    }

    /// Python's `str.rstrip()` for the ASCII text printed here.
    fileprivate static func rstrip(_ text: String) -> String {
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\n") {
            bytes.removeLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
