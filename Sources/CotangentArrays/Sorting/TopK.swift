extension NDArray {
    /// The `k` largest elements of each lane along the last axis and their indices (int64),
    /// largest first, as `jax.lax.top_k`: elements compare in IEEE 754 total order
    /// (``SortableElement/totalOrderKey``: `+NaN` above `+inf`, `-NaN` below `-inf`,
    /// `+0.0` above `-0.0`), and equal elements come in index order.
    ///
    /// One pass per lane keeps a heap of the best `k` seen so far: O(n log k), no full sort,
    /// and nearly O(n) when `k` is small.
    ///
    /// - Throws: ``SortingError/invalidK(k:length:)`` unless `0 <= k <=` the last axis's length
    ///   (0-d arrays have no last axis).
    package func topK(_ k: Int) throws(SortingError) -> (values: NDArray, indices: NDArray) {
        let length = shape.last ?? 0
        guard ndim >= 1, k >= 0, k <= length else { throw .invalidK(k: k, length: length) }
        return dtype.dispatchSortable(TopKKernel(array: self, k: k))
    }
}

/// Fills `k` slots (every `step` elements) of `values` and `indices` with the `k` largest of
/// `count` elements read from `source` (every `sourceStep` elements), in total order, largest
/// first, ties by lower index; see ``NDArray/topK(_:)``.
package func selectTopK<T: SortableElement>(
    from source: UnsafePointer<T>, step sourceStep: Int, count: Int, k: Int,
    values: UnsafeMutablePointer<T>, indices: UnsafeMutablePointer<Int64>, step: Int,
    scratch: SortScratch
) {
    guard k > 0 else { return }
    let regions = scratch.regions([
        k * MemoryLayout<T.SortKey>.stride, k * MemoryLayout<Int>.stride,
    ])
    let keys = regions[0].bindMemory(to: T.SortKey.self, capacity: k)
    let positions = regions[1].bindMemory(to: Int.self, capacity: k)
    // A min-heap of the best k so far: the root is the worst of them (smallest key, and among
    // equal keys the highest index). Elements arrive in index order, so a newcomer with the
    // root's key never displaces it: only strictly larger keys enter.
    var heap = TopKHeap(keys: keys, positions: positions, count: 0)
    for i in 0..<count {
        let key = source[i * sourceStep].totalOrderKey
        if heap.count < k {
            heap.push(key, i)
        } else if key > keys[0] {
            heap.replaceRoot(key, i)
        }
    }
    // Emptying the heap yields worst first: fill the output from the back.
    for slot in stride(from: k - 1, through: 0, by: -1) {
        let position = heap.popRoot()
        values[slot * step] = source[position * sourceStep]
        indices[slot * step] = Int64(position)
    }
}

/// A binary min-heap of (key, index) pairs ordered worst first: smaller key, or equal key and
/// higher index.
private struct TopKHeap<Key: FixedWidthInteger & UnsignedInteger> {
    let keys: UnsafeMutablePointer<Key>
    let positions: UnsafeMutablePointer<Int>
    var count: Int

    /// Whether entry `a` ranks below entry `b`.
    @inline(__always)
    func isWorse(_ a: Int, _ b: Int) -> Bool {
        keys[a] < keys[b] || (keys[a] == keys[b] && positions[a] > positions[b])
    }

    @inline(__always)
    func swapAt(_ a: Int, _ b: Int) {
        swap(&keys[a], &keys[b])
        swap(&positions[a], &positions[b])
    }

    mutating func push(_ key: Key, _ position: Int) {
        var child = count
        keys[child] = key
        positions[child] = position
        count += 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard isWorse(child, parent) else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    mutating func replaceRoot(_ key: Key, _ position: Int) {
        keys[0] = key
        positions[0] = position
        siftDown()
    }

    /// Removes the worst entry and returns its index.
    mutating func popRoot() -> Int {
        let position = positions[0]
        count -= 1
        keys[0] = keys[count]
        positions[0] = positions[count]
        siftDown()
        return position
    }

    private func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            let right = left + 1
            let child = right < count && isWorse(right, left) ? right : left
            guard isWorse(child, parent) else { return }
            swapAt(child, parent)
            parent = child
        }
    }
}

/// Runs ``selectTopK(from:step:count:k:values:indices:step:scratch:)`` on every lane.
private struct TopKKernel: SortableVisitor {
    let array: NDArray
    let k: Int

    func visit<T: SortableElement>(_: T.Type) -> (values: NDArray, indices: NDArray) {
        let axis = array.ndim - 1
        var outShape = array.shape
        outShape[axis] = k
        let values = NDArray.uninitialized(dtype: T.dtype, shape: outShape)
        let indices = NDArray.uninitialized(dtype: .int64, shape: outShape)
        let source = array.basePointer(as: T.self)
        let (valueTarget, indexTarget) = (values.basePointer(as: T.self), indices.basePointer(as: Int64.self))
        let rowLength = k
        var row = 0
        SortScratch.withReused { scratch in
            forEachLane(shape: array.shape, axis: axis, operands: [(array.strides, array.offset)]) { starts in
                selectTopK(
                    from: source + starts[0], step: array.strides[axis], count: array.shape[axis], k: k,
                    values: valueTarget + row * rowLength, indices: indexTarget + row * rowLength, step: 1,
                    scratch: scratch)
                row += 1
            }
        }
        return (values, indices)
    }
}
