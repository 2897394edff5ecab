#if os(Linux)
import Glibc
#endif

/// Raw, aligned element memory shared by an array and its views.
///
/// Storage is written only while an array is being produced (by a kernel that owns it) and is
/// read-only afterwards, which is what makes `NDArray` safe to share across threads. The one
/// exception is in-place execution: the engine hands a kernel an input whose storage nothing
/// else references (`isKnownUniquelyReferenced`), which is then the kernel's to overwrite.
@usableFromInline package final class ArrayStorage: @unchecked Sendable {
    @usableFromInline package let pointer: UnsafeMutableRawPointer
    @usableFromInline package let byteCount: Int

    /// The buffer's size class when it came from (and returns to) ``BufferCache``.
    private let cacheClass: (index: Int, bytes: Int)?

    @usableFromInline package init(byteCount: Int) {
        self.byteCount = byteCount
        ArrayMemory.allocated(byteCount)
        cacheClass = BufferCache.sizeClass(forBytes: byteCount)
        if let cacheClass {
            pointer = BufferCache.allocate(sizeClass: cacheClass)
            return
        }
        // 64-byte alignment keeps vector loads of larger arrays within cache lines. Small
        // buffers take malloc's own 16-byte alignment: an aligned allocation costs ~10× a plain
        // one, and kernels load unaligned (views start at any element) so need no more.
        pointer = .allocate(
            byteCount: max(byteCount, 1), alignment: byteCount < ArrayStorage.alignedFrom ? 16 : 64)
        #if os(Linux)
        // Large buffers come fresh from mmap, and faulting them in 4 KiB pages costs more than
        // a pass over the data; ask for transparent huge pages, as numpy does from 4 MiB on.
        if byteCount >= 1 << 22 {
            let page = 4096
            let start = (Int(bitPattern: pointer) + page - 1) / page * page
            let end = (Int(bitPattern: pointer) + byteCount) / page * page
            if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        }
        #endif
    }

    /// Buffers of this many bytes and more are 64-byte aligned.
    package static let alignedFrom = 1024

    deinit {
        ArrayMemory.released(byteCount)
        if let cacheClass {
            BufferCache.release(pointer, sizeClass: cacheClass)
        } else {
            pointer.deallocate()
        }
    }
}

/// A runtime value: a dense n-dimensional array of one ``DType``.
///
/// Arrays have value semantics. Elements live in shared storage addressed by `shape`, `strides`
/// (in elements, possibly negative or zero) and an offset, so transposes, slices with any step and
/// broadcasts are views that copy nothing. `description` is numpy's `repr`.
///
/// ```swift
/// let a: NDArray = [[1, 2], [3, 4]]        // int64, shape [2, 2]
/// let b = NDArray([1.0, 2.0, 3.0])         // float64, shape [3]
/// a.asArray(Double.self)                   // [1.0, 2.0, 3.0, 4.0]
/// ```
public struct NDArray: Sendable {
    /// The element type.
    public let dtype: DType
    /// The length of each dimension.
    public let shape: [Int]
    /// Element steps between consecutive indices of each dimension.
    public let strides: [Int]
    /// Index of element `[0, 0, …]` in the storage, in elements.
    @usableFromInline package let offset: Int
    // `var` only so the engine can ask `isKnownUniquelyReferenced` whether it may reuse the memory.
    @usableFromInline package var storage: ArrayStorage

    /// The number of dimensions.
    @inlinable public var ndim: Int { shape.count }
    /// The number of elements.
    @inlinable public var count: Int { shape.reduce(1, *) }

    @inlinable package init(dtype: DType, shape: [Int], strides: [Int], offset: Int, storage: ArrayStorage) {
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.storage = storage
    }

    /// Row-major strides of a shape, in elements. (Inlinable, as are the constructors below:
    /// kernels in the layers above make arrays on every call.)
    @inlinable package static func contiguousStrides(_ shape: [Int]) -> [Int] {
        // 0-d and 1-d arrays (most small ones) share one buffer instead of allocating.
        switch shape.count {
        case 0: return []
        case 1: return unitStrides
        default: break
        }
        // Built by appending: `Array(repeating:count:)` looks its storage class up in the
        // runtime's metadata cache on every call, several hundred instructions.
        var strides: [Int] = []
        strides.reserveCapacity(shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides.append(step)
            step *= max(shape[axis], 1)
        }
        strides.reverse()
        return strides
    }

    /// The strides of every contiguous 1-d array.
    @usableFromInline static let unitStrides = [1]

    /// A fresh, uninitialised contiguous array. The caller must write every element.
    @inlinable package static func uninitialized(dtype: DType, shape: [Int]) -> NDArray {
        let count = shape.reduce(1, *)
        return NDArray(
            dtype: dtype, shape: shape, strides: contiguousStrides(shape), offset: 0,
            storage: ArrayStorage(byteCount: count * dtype.itemSize))
    }

    /// A contiguous array filled with zeros (false for bool).
    @inlinable public static func zeros(_ shape: [Int], dtype: DType = .float64) -> NDArray {
        let result = uninitialized(dtype: dtype, shape: shape)
        result.storage.pointer.initializeMemory(
            as: UInt8.self, repeating: 0, count: result.storage.byteCount)
        return result
    }

    /// A contiguous array with every element equal to `value` (converted to `dtype`).
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float64) -> NDArray {
        struct Fill: DTypeVisitor {
            let shape: [Int]
            let value: Double
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                NDArray(shape: shape, filledWith: T(converting: value))
            }
        }
        return dtype.dispatch(Fill(shape: shape, value: value))
    }

    /// A contiguous array with every element equal to `value`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    @_specialize(where T == Int64)
    @_specialize(where T == Bool)
    public init<T: ArrayElement>(shape: [Int], filledWith value: T) {
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        result.storage.pointer.bindMemory(to: T.self, capacity: result.count)
            .initialize(repeating: value, count: result.count)
        self = result
    }

    /// An array of the given shape from row-major elements.
    ///
    /// - Precondition: `elements.count` equals the product of `shape`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    @_specialize(where T == Int64)
    @_specialize(where T == Bool)
    public init<T: ArrayElement>(shape: [Int], elements: [T]) {
        precondition(
            shape.reduce(1, *) == elements.count,
            "NDArray: \(elements.count) elements do not fill shape \(formatShape(shape))")
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        let typed = result.storage.pointer.bindMemory(to: T.self, capacity: elements.count)
        elements.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { typed.initialize(from: base, count: elements.count) }
        }
        self = result
    }

    /// A 1-d array of the given elements.
    public init<T: ArrayElement>(_ elements: [T]) {
        self.init(shape: [elements.count], elements: elements)
    }

    /// A 0-d array holding one scalar.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    @_specialize(where T == Int64)
    @_specialize(where T == Bool)
    public init<T: ArrayElement>(scalar: T) {
        self.init(shape: [], elements: [scalar])
    }

    /// Whether the elements are laid out row-major with no gaps, starting at the offset.
    @inlinable public var isContiguous: Bool {
        var expected = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Typed base pointer of the storage (element 0 of storage, not of the view).
    @inlinable package func basePointer<T>(as _: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer.assumingMemoryBound(to: T.self)
    }
}

// MARK: - Reading elements

extension NDArray {
    // Rewrites in other targets read constants this way: unspecialised, each call looked up
    // the generic metadata of its buffers (1% of compiling W8's Hessian).
    /// Row-major elements converted to `T` (numpy `astype` rules).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    @_specialize(where T == Int64)
    @_specialize(where T == Bool)
    public func asArray<T: ArrayElement>(_: T.Type) -> [T] {
        let source = self.converted(to: T.dtype).contiguous()
        let pointer = source.basePointer(as: T.self) + source.offset
        return Array(UnsafeBufferPointer(start: pointer, count: source.count))
    }

    // Kernels in other targets read index and shape inputs this way on every call, and cannot
    // specialise a generic that is not inlinable: a 0-d array of `T` itself is read inline, the
    // rest goes to `convertedItem`, whose `@_specialize` entries cover the common dtypes.
    /// The one element of a 1-element array (of any shape), converted to `T` by `astype` rules.
    ///
    /// A precondition failure when the array has more or fewer than one element.
    @inlinable
    public func item<T: ArrayElement>(_: T.Type) -> T {
        if shape.isEmpty, T.dtype == dtype { return basePointer(as: T.self)[offset] }
        return convertedItem(T.self)
    }

    /// ``item(_:)`` by dispatch on the dtype.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    @_specialize(where T == Int64)
    @_specialize(where T == Bool)
    @usableFromInline
    func convertedItem<T: ArrayElement>(_: T.Type) -> T {
        precondition(count == 1, "item: array of shape \(formatShape(shape)) has \(count) elements")
        // The one element sits at the offset whatever the strides; read it in place rather
        // than through a converted copy.
        return dtype.dispatch(ElementReader<T>(array: self))
    }

    /// The elements as a flat list of `FlatValues` (the storage class printing works on).
    package var flatValues: FlatValues {
        switch dtype {
        case .bool: .bools(asArray(Bool.self))
        case .float32: .float32s(asArray(Float.self))
        case .float64: .float64s(asArray(Double.self))
        default: .integers(asArray(Int64.self))
        }
    }
}

/// Reads the element at an array's offset as `T` (numpy `astype` rules), for ``NDArray/item(_:)``.
private struct ElementReader<T: ArrayElement>: DTypeVisitor {
    package let array: NDArray
    package func visit<S: ArrayElement>(_: S.Type) -> T {
        let value = array.basePointer(as: S.self)[array.offset]
        if S.self == T.self { return unsafeBitCast(value, to: T.self) }
        switch S.dtype {
        case .float32, .float64: return T(converting: value.doubleValue)
        case .bool: return T(converting: value.boolValue)
        default: return T(converting: value.int64Value)
        }
    }
}

/// Formats a shape as Python prints a tuple: `()`, `(3,)`, `(2, 3)`.
package func formatShape(_ shape: [Int]) -> String {
    if shape.count == 1 { return "(\(shape[0]),)" }
    return "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
