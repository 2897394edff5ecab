// Literals: `let a: NDArray = [[1, 2], [3, 4]]`, `0.5`, `true`.
//
// A nested array literal stacks its elements (each an NDArray, often a 0-d one made from a
// number literal) and promotes their dtypes as `np.array` does: ints and floats mix to float64.

extension NDArray: ExpressibleByFloatLiteral {
    /// A 0-d float64 array.
    public init(floatLiteral value: Double) { self.init(scalar: value) }
}

extension NDArray: ExpressibleByIntegerLiteral {
    /// A 0-d int64 array.
    public init(integerLiteral value: Int64) { self.init(scalar: value) }
}

extension NDArray: ExpressibleByBooleanLiteral {
    /// A 0-d bool array.
    public init(booleanLiteral value: Bool) { self.init(scalar: value) }
}

extension NDArray: ExpressibleByArrayLiteral {
    /// Stacks equally shaped arrays along a new leading dimension.
    ///
    /// - Precondition: all elements have the same shape (a ragged literal is a programmer error).
    public init(arrayLiteral elements: NDArray...) {
        self = NDArray.stacking(elements)
    }

    /// Stacks equally shaped arrays along a new leading dimension, promoting dtypes; an empty
    /// list gives an empty float64 vector.
    public static func stacking(_ elements: [NDArray]) -> NDArray {
        guard let first = elements.first else { return NDArray.zeros([0]) }
        for element in elements where element.shape != first.shape {
            preconditionFailure(
                "NDArray literal: inhomogeneous shapes \(formatShape(first.shape)) and "
                    + "\(formatShape(element.shape))")
        }
        let dtype = DType.promote(elements.map(\.dtype))
        struct Stack: DTypeVisitor {
            let elements: [NDArray]
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                var flat: [T] = []
                flat.reserveCapacity(elements.count * elements[0].count)
                for element in elements { flat += element.asArray(T.self) }
                return NDArray(shape: [elements.count] + elements[0].shape, elements: flat)
            }
        }
        return dtype.dispatch(Stack(elements: elements))
    }
}

extension NDArray {
    /// A float64 array from nested Swift arrays of numbers, e.g. `NDArray([[1.0, 2.0]])`.
    public init(_ rows: [[Double]]) {
        self = NDArray.stacking(rows.map { NDArray($0) })
    }
}
