/// Copying values into a region of an existing array (a loop writing step `t`'s result into
/// row `t` of a preallocated stack).
extension NDArray {
    /// Writes `source` (the shape of one row along axis 0, same dtype) into row `index`.
    ///
    /// A contiguous pair is one `memcpy` with no view of the row built.
    package func overwriteRow(_ index: Int, with source: NDArray) {
        if isContiguous && source.isContiguous && source.dtype == dtype && source.shape.elementsEqual(shape.dropFirst()) {
            let size = dtype.itemSize
            let rowBytes = source.count &* size
            (storage.pointer + (offset &+ index &* strides[0]) &* size).copyMemory(
                from: source.storage.pointer + source.offset &* size, byteCount: rowBytes)
            return
        }
        indexed(axis: 0, at: index).overwrite(with: source)
    }

    /// Writes `source` (same shape and dtype) into the memory this array views.
    ///
    /// The caller owns this array's memory (a fresh buffer no one else reads); a contiguous
    /// pair is one `memcpy`, anything else a strided element loop.
    package func overwrite(with source: NDArray) {
        precondition(
            source.shape == shape && source.dtype == dtype,
            "overwrite: source \(source.dtype) \(formatShape(source.shape)) into \(dtype) \(formatShape(shape))")
        if isContiguous && source.isContiguous {
            let size = dtype.itemSize
            (storage.pointer + offset * size).copyMemory(
                from: source.storage.pointer + source.offset * size, byteCount: count * size)
            return
        }
        struct Copy: DTypeVisitor {
            let target: NDArray
            let source: NDArray
            func visit<T: ArrayElement>(_: T.Type) {
                let to = target.basePointer(as: T.self)
                let from = source.basePointer(as: T.self)
                let loop = StridedLoop(
                    shape: target.shape,
                    operands: [(target.strides, target.offset), (source.strides, source.offset)])
                let (step, sourceStep) = (loop.rowStride(0), loop.rowStride(1))
                let length = loop.rowLength
                loop.forEachRow { starts in
                    var (t, s) = (starts[0], starts[1])
                    for _ in 0..<length {
                        to[t] = from[s]
                        t += step
                        s += sourceStep
                    }
                }
            }
        }
        dtype.dispatch(Copy(target: self, source: source))
    }
}
