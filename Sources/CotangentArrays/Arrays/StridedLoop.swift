/// Row-major traversal of one shape over several strided operands.
///
/// Kernels call ``forEachRow(_:)`` and get, for every innermost row, each operand's starting
/// element offset; they then loop `rowLength` times stepping by `rowStrides`. Adjacent dimensions
/// that are contiguous in every operand are merged first, so a contiguous elementwise kernel runs
/// one long row.
package struct StridedLoop {
    package let shape: [Int]
    package let strides: [[Int]]
    package let offsets: [Int]

    /// - Parameters:
    ///   - shape: the iteration shape.
    ///   - operands: per operand, its strides (same rank as `shape`; 0 for broadcast dims) and
    ///     starting offset.
    package init(shape: [Int], operands: [(strides: [Int], offset: Int)]) {
        // Drop length-1 dims and merge dims that are contiguous for every operand.
        var mergedShape: [Int] = []
        var mergedStrides: [[Int]] = Array(repeating: [], count: operands.count)
        for axis in shape.indices where shape[axis] != 1 {
            let length = shape[axis]
            if let last = mergedShape.indices.last,
                operands.indices.allSatisfy({
                    mergedStrides[$0][last] == operands[$0].strides[axis] * length
                })
            {
                mergedShape[last] *= length
                for k in operands.indices { mergedStrides[k][last] = operands[k].strides[axis] }
            } else {
                mergedShape.append(length)
                for k in operands.indices { mergedStrides[k].append(operands[k].strides[axis]) }
            }
        }
        self.shape = shape.contains(0) ? [0] : mergedShape
        self.strides = shape.contains(0) ? operands.map { _ in [1] } : mergedStrides
        self.offsets = operands.map(\.offset)
    }

    /// Number of elements in a row (the merged innermost dimension).
    package var rowLength: Int { shape.last ?? 1 }
    /// Each operand's step within a row.
    package var rowStrides: [Int] { strides.map { $0.last ?? 0 } }

    /// Calls `body` with each operand's offset at the start of every row, in row-major order.
    /// Inlined so that the caller's element loop, and the element function it calls, are
    /// compiled together (not called through a closure per element).
    @inline(__always)
    package func forEachRow(_ body: ([Int]) -> Void) {
        if shape.contains(0) { return }
        let outerRank = max(shape.count - 1, 0)
        if outerRank == 0 {
            body(offsets)
            return
        }
        var index = [Int](repeating: 0, count: outerRank)
        var current = offsets
        while true {
            body(current)
            // Odometer increment over the outer dims.
            var axis = outerRank - 1
            while true {
                index[axis] += 1
                for k in current.indices { current[k] += strides[k][axis] }
                if index[axis] < shape[axis] { break }
                for k in current.indices { current[k] -= strides[k][axis] * shape[axis] }
                index[axis] = 0
                if axis == 0 { return }
                axis -= 1
            }
        }
    }
}

extension NDArray {
    /// Applies `transform` to every element (read as `S`), producing a contiguous array of `T`.
    /// Inlined into each caller so that `transform` is inlined into the element loops.
    @inline(__always)
    // Fast paths for kernels in other targets (which cannot specialise it): see `item`.
    @_specialize(where S == Double, T == Double)
    @_specialize(where S == Float, T == Float)
    @_specialize(where S == Int64, T == Int64)
    @_specialize(where S == Bool, T == Bool)
    @_specialize(where S == Int32, T == Int32)
    @_specialize(where S == Int64, T == Double)
    @_specialize(where S == Double, T == Int64)
    @_specialize(where S == Float, T == Double)
    @_specialize(where S == Double, T == Float)
    @_specialize(where S == Bool, T == Double)
    package func mapElements<S: ArrayElement, T: ArrayElement>(
        from _: S.Type, to _: T.Type, _ transform: (S) -> T
    ) -> NDArray {
        precondition(dtype == S.dtype)
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        let source = basePointer(as: S.self)
        let target = result.basePointer(as: T.self)
        if strides.allSatisfy({ $0 == 0 }) {
            // One element broadcast everywhere (`Alloc` of a scalar): a plain fill.
            if result.count > 0 {
                target.initialize(repeating: transform(source[offset]), count: result.count)
            }
            return result
        }
        if isContiguous {
            // One run from the offset: no loop plan to build (most small arrays).
            let start = source + offset
            for k in 0..<result.count { target[k] = transform(start[k]) }
            return result
        }
        let loop = StridedLoop(
            shape: shape, operands: [(strides, offset), (result.strides, 0)])
        let (step, outStep) = (loop.rowStrides[0], loop.rowStrides[1])
        let length = loop.rowLength
        loop.forEachRow { starts in
            if step == 0 && outStep == 1 {
                // A broadcast row (filling from a scalar, `Alloc`): one value, a plain fill.
                (target + starts[1]).update(repeating: transform(source[starts[0]]), count: length)
                return
            }
            if step == 1 && outStep == 1 {
                // Unit steps, known at compile time: a loop the compiler vectorises.
                let (row, rowSource) = (target + starts[1], source + starts[0])
                for k in 0..<length { row[k] = transform(rowSource[k]) }
                return
            }
            var i = starts[0]
            var o = starts[1]
            for _ in 0..<length {
                target[o] = transform(source[i])
                i += step
                o += outStep
            }
        }
        return result
    }

    /// A contiguous copy, or `self` when already contiguous.
    public func contiguous() -> NDArray {
        if isContiguous { return self }
        struct Copy: DTypeVisitor {
            let array: NDArray
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                array.mapElements(from: T.self, to: T.self) { $0 }
            }
        }
        return dtype.dispatch(Copy(array: self))
    }

    /// This array converted to another dtype with numpy's `astype` rules (a copy unless the
    /// dtype is already `target`).
    public func converted(to target: DType) -> NDArray {
        if target == dtype { return self }
        return dtype.dispatch(ConversionSource(array: self, target: target))
    }
}

private struct ConversionSource: DTypeVisitor {
    package let array: NDArray
    package let target: DType
    package func visit<S: ArrayElement>(_: S.Type) -> NDArray {
        target.dispatch(ConversionTarget<S>(array: array))
    }
}

private struct ConversionTarget<S: ArrayElement>: DTypeVisitor {
    package let array: NDArray
    package func visit<T: ArrayElement>(_: T.Type) -> NDArray {
        switch S.dtype {
        case .float32, .float64:
            array.mapElements(from: S.self, to: T.self) { T(converting: $0.doubleValue) }
        case .bool:
            array.mapElements(from: S.self, to: T.self) { T(converting: $0.boolValue) }
        default:
            array.mapElements(from: S.self, to: T.self) { T(converting: $0.int64Value) }
        }
    }
}
