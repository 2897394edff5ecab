
extension NDArray: CustomStringConvertible, CustomDebugStringConvertible {
    /// numpy's `repr`: `array([4. , 2.5, 2. ])`.
    public var description: String {
        NumpyFormat.repr(dtype: dtype, shape: shape, values: flatValues)
    }

    /// numpy's `repr` (the same as `description`).
    public var debugDescription: String { description }

    /// numpy's `str`: `[4.  2.5 2. ]`, or the scalar for a 0-d array (`1.0`).
    public var stringValue: String {
        NumpyFormat.str(dtype: dtype, shape: shape, values: flatValues)
    }

    /// How PyTensor prints a constant: numpy `str` with newlines removed, and for more than 20
    /// characters the first and last 10 (each stripped) around ` ... `.
    package var constantDescription: String {
        let text = stringValue.replacingNewlines()
        guard text.count > 20 else { return text }
        let head = String(text.prefix(10)).trimmingSpaces()
        let tail = String(text.suffix(10)).trimmingSpaces()
        return head + " ... " + tail
    }
}

extension String {
    package func replacingNewlines() -> String { split(separator: "\n", omittingEmptySubsequences: false).joined() }

    package func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
