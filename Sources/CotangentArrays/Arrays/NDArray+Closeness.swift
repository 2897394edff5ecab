extension NDArray {
    /// Elementwise closeness, as numpy's `isclose`: `|self - other| <= atol + rtol * |other|`,
    /// broadcasting the two shapes. Infinities are close only to the same infinity; NaN is close
    /// to NaN only when `equalNaN`. Any dtypes mix (values compare as float64). Returns a bool array.
    ///
    /// ```swift
    /// try NDArray([1.0, 2.0]).isClose(NDArray([1.0 + 1e-9, 2.1]))   // array([ True, False])
    /// ```
    ///
    /// - Throws: ``NDArrayError/shapesNotBroadcastable(_:_:)`` when the shapes do not broadcast.
    public func isClose(
        _ other: NDArray, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false
    ) throws(NDArrayError) -> NDArray {
        guard let shape = broadcastShapes([self.shape, other.shape]),
            let a = self.broadcast(to: shape), let b = other.broadcast(to: shape)
        else { throw .shapesNotBroadcastable(self.shape, other.shape) }
        let (x, y) = (a.asArray(Double.self), b.asArray(Double.self))
        var close = [Bool](repeating: false, count: x.count)
        for k in x.indices {
            let (u, v) = (x[k], y[k])
            if u.isFinite && v.isFinite {
                close[k] = abs(u - v) <= atol + rtol * abs(v)
            } else if u.isNaN || v.isNaN {
                close[k] = equalNaN && u.isNaN && v.isNaN
            } else {
                close[k] = u == v
            }
        }
        return NDArray(shape: shape, elements: close)
    }

    /// Whether every element is close to its broadcast partner, as numpy's `allclose` (see
    /// ``isClose(_:rtol:atol:equalNaN:)`` for the rule and defaults).
    ///
    /// ```swift
    /// try NDArray([1.0, 2.0]).allClose(NDArray([1.0, 2.000001]))   // true
    /// try NDArray([1.0, .nan]).allClose(NDArray([1.0, .nan]))      // false (equalNaN: false)
    /// ```
    ///
    /// - Throws: ``NDArrayError/shapesNotBroadcastable(_:_:)`` when the shapes do not broadcast.
    public func allClose(
        _ other: NDArray, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false
    ) throws(NDArrayError) -> Bool {
        try isClose(other, rtol: rtol, atol: atol, equalNaN: equalNaN).asArray(Bool.self).allSatisfy { $0 }
    }
}
