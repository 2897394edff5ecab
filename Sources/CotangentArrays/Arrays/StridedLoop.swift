/// Row-major traversal of one shape over several strided operands.
///
/// Kernels call ``forEachRow(_:)`` and get, for every innermost row, each operand's starting
/// element offset; they then loop `rowLength` times stepping by ``rowStride(_:)``. Adjacent
/// dimensions that are contiguous in every operand are merged first, so a contiguous
/// elementwise kernel runs one long row.
///
/// The merged plan (lengths, each operand's strides and offset) is held inline for the common
/// sizes (``LoopNumbers``) and the odometer runs in stack memory, so building and running a
/// loop allocates nothing: a kernel over small arrays (a Hessian's rows, a loop body's vectors)
/// paid more in loop plans' heap arrays than in arithmetic.
package struct StridedLoop {
    // `forEachRow` and the row accessors are inlinable, and so is what they read: the kernels
    // that call them live in other targets. The accessors inline there; `forEachRow` (a stack
    // allocation and a closure) the optimiser still calls out of line from other targets, a
    // call per row plus its closure: about 2% of W6's vectorized call, against one module.
    /// The merged rank: 0 for a single element, 1 for one row.
    @usableFromInline package let rank: Int
    /// The number of operands.
    @usableFromInline package let operandCount: Int
    /// Merged lengths `0..<rank`, then operand `k`'s strides at `rank + k * rank + axis`, then
    /// the operands' offsets.
    @usableFromInline var numbers: LoopNumbers
    /// Whether the shape has a zero-length dimension (no rows at all).
    @usableFromInline let isEmpty: Bool

    /// - Parameters:
    ///   - shape: the iteration shape.
    ///   - operands: per operand, its strides (same rank as `shape`; 0 for broadcast dims) and
    ///     starting offset.
    package init(shape: [Int], operands: [(strides: [Int], offset: Int)]) {
        let count = operands.count
        isEmpty = shape.contains(0)
        operandCount = count
        if isEmpty {
            // One empty row: every operand steps by 1 over no elements.
            rank = 1
            numbers = LoopNumbers(count: 1 + count + count)
            numbers[0] = 0
            for k in 0..<count {
                numbers[1 + k] = 1
                numbers[1 + count + k] = operands[k].offset
            }
            return
        }
        // Drop length-1 dims and merge dims that are contiguous for every operand, in a scratch
        // table of the full rank; then copy the merged part.
        let fullRank = shape.count
        var merged = 0
        var table = LoopNumbers(count: fullRank + fullRank * count)
        for axis in 0..<fullRank where shape[axis] != 1 {
            let length = shape[axis]
            var joins = merged > 0
            if joins {
                for k in 0..<count where table[fullRank + k * fullRank + merged - 1] != operands[k].strides[axis] * length {
                    joins = false
                    break
                }
            }
            if joins {
                table[merged - 1] *= length
                for k in 0..<count { table[fullRank + k * fullRank + merged - 1] = operands[k].strides[axis] }
            } else {
                table[merged] = length
                for k in 0..<count { table[fullRank + k * fullRank + merged] = operands[k].strides[axis] }
                merged += 1
            }
        }
        rank = merged
        numbers = LoopNumbers(count: merged + merged * count + count)
        for axis in 0..<merged { numbers[axis] = table[axis] }
        for k in 0..<count {
            for axis in 0..<merged { numbers[merged + k * merged + axis] = table[fullRank + k * fullRank + axis] }
            numbers[merged + merged * count + k] = operands[k].offset
        }
    }

    /// The merged lengths, outer to inner (`[0]` when the shape has no elements).
    package var shape: [Int] { (0..<rank).map { numbers[$0] } }

    /// Number of elements in a row (the merged innermost dimension).
    @inlinable package var rowLength: Int { rank == 0 ? 1 : numbers[rank - 1] }

    /// Operand `k`'s step within a row.
    @inlinable package func rowStride(_ k: Int) -> Int { rank == 0 ? 0 : numbers[rank + k * rank + rank - 1] }

    /// Each operand's step within a row.
    package var rowStrides: [Int] { (0..<operandCount).map(rowStride) }

    /// Each operand's starting offset.
    package var offsets: [Int] { (0..<operandCount).map { numbers[rank + rank * operandCount + $0] } }

    /// Calls `body` with each operand's offset at the start of every row, in row-major order
    /// (a buffer valid only during the call). Inlined in this target so that the caller's
    /// element loop, and the element function it calls, are compiled together (not called
    /// through a closure per element); callers in other targets call it once per row.
    @inlinable @inline(__always)
    package func forEachRow(_ body: (UnsafeBufferPointer<Int>) -> Void) {
        if isEmpty { return }
        let count = operandCount
        let outerRank = Swift.max(rank - 1, 0)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count + outerRank) { scratch in
            let current = scratch.baseAddress!
            let index = current + count
            for k in 0..<count { current[k] = numbers[rank + rank * count + k] }
            let starts = UnsafeBufferPointer(start: current, count: count)
            if outerRank == 0 {
                body(starts)
                return
            }
            numbers.withPointer { plan in
                let lengths = plan
                let strides = plan + rank
                for axis in 0..<outerRank { index[axis] = 0 }
                while true {
                    body(starts)
                    // Odometer increment over the outer dims.
                    var axis = outerRank - 1
                    while true {
                        index[axis] += 1
                        for k in 0..<count { current[k] += strides[k * rank + axis] }
                        if index[axis] < lengths[axis] { break }
                        for k in 0..<count { current[k] -= strides[k * rank + axis] * lengths[axis] }
                        index[axis] = 0
                        if axis == 0 { return }
                        axis -= 1
                    }
                }
            }
        }
    }
}

/// Integers kept inline up to ``inlineCapacity`` (a loop plan of rank 4 over 5 operands), in an
/// array beyond: a ``StridedLoop`` of the usual sizes allocates no heap memory.
@usableFromInline package struct LoopNumbers {
    /// How many integers are held without an allocation.
    static let inlineCapacity = 32
    @usableFromInline var inline: (
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int,
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline var spilled: [Int]

    /// `count` zeros.
    init(count: Int) {
        spilled = count > Self.inlineCapacity ? [Int](repeating: 0, count: count) : []
    }

    @inlinable subscript(position: Int) -> Int {
        get { withPointer { $0[position] } }
        set {
            if spilled.isEmpty {
                withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: newValue, toByteOffset: position * 8, as: Int.self) }
            } else {
                spilled[position] = newValue
            }
        }
    }

    /// Calls `body` with the integers' memory (read only).
    @inlinable @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Int>) -> R) -> R {
        if spilled.isEmpty {
            return withUnsafeBytes(of: inline) { body($0.baseAddress!.assumingMemoryBound(to: Int.self)) }
        }
        return spilled.withUnsafeBufferPointer { body($0.baseAddress!) }
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
        let (step, outStep) = (loop.rowStride(0), loop.rowStride(1))
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

    // Inlinable for its first line: kernels in other targets convert their inputs to the dtype
    // they compute in, which they almost always already have (an out-of-line call copied the
    // array's fields through generic value witnesses).
    /// This array converted to another dtype with numpy's `astype` rules (a copy unless the
    /// dtype is already `target`).
    @inlinable
    public func converted(to target: DType) -> NDArray {
        if target == dtype { return self }
        return convertedCopy(to: target)
    }

    /// ``converted(to:)`` to a dtype this array does not have.
    @usableFromInline
    func convertedCopy(to target: DType) -> NDArray {
        dtype.dispatch(ConversionSource(array: self, target: target))
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
