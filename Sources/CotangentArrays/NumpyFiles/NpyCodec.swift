/// Converts between `.npy` bytes and arrays, without Foundation.
enum NpyCodec {
    /// The array a complete `.npy` file holds.
    static func decode(_ bytes: [UInt8]) throws(NumpyFileError) -> NDArray {
        let header = try NpyHeader.parse(bytes)
        var count = 1
        for length in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: length)
            guard !overflow else {
                throw .malformedHeader(
                    reason: "shape \(formatShape(header.shape)) has too many elements",
                    at: NumpyFileLocation(offset: 8))
            }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.dtype.itemSize)
        var reader = ByteReader(bytes, from: header.dataOffset)
        guard !overflow else {
            throw .truncated(reason: "the data of shape \(formatShape(header.shape)) is too large", at: NumpyFileLocation(offset: header.dataOffset))
        }
        let data = try reader.take(
            byteCount, of: "the data of \(count) \(header.dtype) elements of shape \(formatShape(header.shape))")
        // A Fortran-order array's bytes are the C-order bytes of its transpose.
        let storedShape = header.isFortranOrder ? header.shape.reversed() : header.shape
        let array = NDArray.uninitialized(dtype: header.dtype, shape: storedShape)
        bytes.withUnsafeBytes { source in
            if byteCount > 0 {
                array.storage.pointer.copyMemory(from: source.baseAddress! + data.lowerBound, byteCount: byteCount)
            }
        }
        fixElements(of: array, storedBigEndian: header.isBigEndian)
        if header.isFortranOrder {
            return array.transposed(Array((0..<storedShape.count).reversed())).contiguous()
        }
        return array
    }

    /// The `.npy` bytes numpy's `save` writes for `array`: little-endian, C order.
    static func encode(_ array: NDArray) -> [UInt8] {
        var bytes = NpyHeader.encode(dtype: array.dtype, shape: array.shape)
        let source = array.contiguous()
        let byteCount = source.count * source.dtype.itemSize
        let headerCount = bytes.count
        bytes += repeatElement(0, count: byteCount)
        bytes.withUnsafeMutableBytes { target in
            if byteCount > 0 {
                let start = source.storage.pointer + source.offset * source.dtype.itemSize
                (target.baseAddress! + headerCount).copyMemory(from: start, byteCount: byteCount)
            }
        }
        if isBigEndianHost {
            bytes.withUnsafeMutableBytes { target in
                swapBytes(target.baseAddress! + headerCount, count: source.count, itemSize: source.dtype.itemSize)
            }
        }
        return bytes
    }

    private static let isBigEndianHost = 1.bigEndian == 1

    /// Brings freshly copied file bytes into the host's form: swapped to the host byte order, and
    /// bools made 0 or 1 (any other byte is not a valid Swift `Bool`; numpy reads it as true).
    private static func fixElements(of array: NDArray, storedBigEndian: Bool) {
        let pointer = array.storage.pointer
        if array.dtype == .bool {
            let flags = pointer.assumingMemoryBound(to: UInt8.self)
            for k in 0..<array.count where flags[k] > 1 { flags[k] = 1 }
        } else if storedBigEndian != isBigEndianHost {
            swapBytes(pointer, count: array.count, itemSize: array.dtype.itemSize)
        }
    }

    private static func swapBytes(_ pointer: UnsafeMutableRawPointer, count: Int, itemSize: Int) {
        func swap<T: FixedWidthInteger>(_: T.Type) {
            let typed = pointer.assumingMemoryBound(to: T.self)
            for k in 0..<count { typed[k] = typed[k].byteSwapped }
        }
        switch itemSize {
        case 2: swap(UInt16.self)
        case 4: swap(UInt32.self)
        case 8: swap(UInt64.self)
        default: break
        }
    }
}
