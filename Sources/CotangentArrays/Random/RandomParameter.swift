// Per-element distribution parameters that broadcast a single value.

/// A distribution parameter: one value for every element, or one value per element.
///
/// The graph layer broadcasts parameter arrays to the output shape (numpy's rules) and hands the
/// kernels either a single value or the broadcast values in row-major order.
package struct RandomParameter<Value: Sendable & Hashable & CustomStringConvertible>: Sendable, Hashable {
    /// One value, or one per element.
    package let values: [Value]

    /// The same value for every element.
    package init(_ value: Value) { values = [value] }

    /// One value per element (or a single value).
    package init(_ values: [Value]) { self.values = values }

    /// The value of element `index`.
    @inlinable @inline(__always)
    package subscript(index: Int) -> Value { values.count == 1 ? values[0] : values[index] }

    /// A message when this parameter cannot cover `count` elements, else nil.
    package func shapeFailure(name: String, count: Int) -> String? {
        if values.count == 1 || values.count == count { return nil }
        return "\(name) has \(values.count) values for \(count) elements (expected 1 or \(count))"
    }

    /// A message naming the first value (with its index) that fails `isValid`, or a count
    /// mismatch; nil when every value passes.
    package func failure(
        name: String, count: Int, requirement: String, where isValid: (Value) -> Bool
    ) -> String? {
        if let shape = shapeFailure(name: name, count: count) { return shape }
        guard let bad = values.firstIndex(where: { !isValid($0) }) else { return nil }
        let at = values.count == 1 ? "" : " at element \(bad)"
        return "\(name) must be \(requirement), got \(values[bad])\(at)"
    }
}

/// A real-valued parameter (a mean, a scale, a probability).
package typealias RealParameter = RandomParameter<Double>
/// An integer-valued parameter (a number of trials, a bound).
package typealias IntegerParameter = RandomParameter<Int64>

extension RandomParameter: ExpressibleByFloatLiteral where Value == Double {
    /// A single value from a float literal.
    package init(floatLiteral value: Double) { self.init(value) }
}

extension RandomParameter: ExpressibleByIntegerLiteral where Value: ExpressibleByIntegerLiteral {
    /// A single value from an integer literal (`Normal(mean: 0)`, `Binomial(trials: 10, …)`).
    package init(integerLiteral value: Value.IntegerLiteralType) { self.init(Value(integerLiteral: value)) }
}
