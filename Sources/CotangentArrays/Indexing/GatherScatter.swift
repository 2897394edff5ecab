// The element loops of numpy's advanced indexing. An indexing result is addressed by three
// tables of element offsets into the source, one per block of result dimensions: the sliced
// dimensions before the advanced block (`outer`), the advanced block itself (`index`, one entry
// per broadcast index tuple) and the dimensions after it (`inner`). Result element
// `(p, b, q)` (row-major) reads `source[base + outer[p] + index[b] + inner[q]]`. The same tables
// drive the gather (`x[idx]`) and the scatter (`x[idx] += y`, `x[idx] = y`), so the two can
// never disagree about which element an index tuple designates.

/// Element offsets of every position of a strided block, in row-major order.
package func elementOffsets(shape: [Int], strides: [Int]) -> [Int] {
    var offsets = [0]
    offsets.reserveCapacity(shape.reduce(1, *))
    for (length, stride) in zip(shape, strides) {
        var next: [Int] = []
        next.reserveCapacity(offsets.count * length)
        for offset in offsets {
            for k in 0..<length { next.append(offset + k * stride) }
        }
        offsets = next
    }
    return offsets
}

/// The three offset tables of an advanced-indexing access (see the file's comment).
package struct GatherTables: Sendable {
    package var outer: [Int]
    package var index: [Int]
    package var inner: [Int]

    package init(outer: [Int], index: [Int], inner: [Int]) {
        self.outer = outer
        self.index = index
        self.inner = inner
    }

    /// Whether the inner block is one unit-stride run (rows copy with `update(from:count:)`).
    package var innerIsUnitRun: Bool {
        inner.enumerated().allSatisfy { $0.offset == $0.element }
    }
}

extension NDArray {
    /// A fresh contiguous array of `shape` (the outer, index and inner blocks in that order)
    /// read from `self`'s storage at `self.offset` plus the tables' offsets.
    package func gathered(_ tables: GatherTables, shape: [Int]) -> NDArray {
        dtype.dispatch(GatherKernel(source: self, tables: tables, shape: shape))
    }

    /// Writes or adds `value` (already broadcast to the access's shape, in `self`'s dtype) into
    /// `self`'s storage, element by element in row-major order: a repeated index tuple adds
    /// every contribution (numpy's `np.add.at`) or keeps the last one written.
    package func scatter(_ value: NDArray, tables: GatherTables, valueTables: GatherTables, add: Bool) {
        dtype.dispatch(ScatterKernel(target: self, value: value, tables: tables, valueTables: valueTables, add: add))
    }
}

private struct GatherKernel: DTypeVisitor {
    let source: NDArray
    let tables: GatherTables
    let shape: [Int]

    func visit<T: ArrayElement>(_: T.Type) -> NDArray {
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        var target = result.basePointer(as: T.self)
        let base = source.basePointer(as: T.self) + source.offset
        let inner = tables.inner
        let innerCount = inner.count
        let unitRun = tables.innerIsUnitRun
        for outer in tables.outer {
            for index in tables.index {
                let row = base + outer + index
                if unitRun {
                    target.update(from: row, count: innerCount)
                } else {
                    for k in 0..<innerCount { target[k] = row[inner[k]] }
                }
                target += innerCount
            }
        }
        return result
    }
}

private struct ScatterKernel: DTypeVisitor {
    let target: NDArray
    let value: NDArray
    let tables: GatherTables
    let valueTables: GatherTables
    let add: Bool

    func visit<T: ArrayElement>(_: T.Type) {
        switch T.dtype {
        case .float64: run(Double.self, +)
        case .float32: run(Float.self, +)
        case .bool: run(Bool.self) { $0 || $1 }
        case .int64: run(Int64.self, &+)
        case .int32: run(Int32.self, &+)
        case .int16: run(Int16.self, &+)
        case .int8: run(Int8.self, &+)
        case .uint8: run(UInt8.self, &+)
        }
    }

    /// One pass over the index tuples in order; `combine` is inlined per element type.
    @inline(__always)
    private func run<T: ArrayElement>(_: T.Type, _ combine: (T, T) -> T) {
        let base = target.basePointer(as: T.self) + target.offset
        let values = value.basePointer(as: T.self) + value.offset
        let (inner, valueInner) = (tables.inner, valueTables.inner)
        let innerCount = inner.count
        let unitRuns = tables.innerIsUnitRun && valueTables.innerIsUnitRun
        for (outer, valueOuter) in zip(tables.outer, valueTables.outer) {
            for (index, valueIndex) in zip(tables.index, valueTables.index) {
                let row = base + outer + index
                let source = values + valueOuter + valueIndex
                if unitRuns {
                    if add {
                        for k in 0..<innerCount { row[k] = combine(row[k], source[k]) }
                    } else {
                        row.update(from: source, count: innerCount)
                    }
                } else if add {
                    for k in 0..<innerCount { row[inner[k]] = combine(row[inner[k]], source[valueInner[k]]) }
                } else {
                    for k in 0..<innerCount { row[inner[k]] = source[valueInner[k]] }
                }
            }
        }
    }
}

extension NDArray {
    /// A contiguous copy that never shares storage with `self` (a target that is written).
    package func freshCopy() -> NDArray {
        struct Copy: DTypeVisitor {
            let array: NDArray
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                array.mapElements(from: T.self, to: T.self) { $0 }
            }
        }
        return dtype.dispatch(Copy(array: self))
    }
}
