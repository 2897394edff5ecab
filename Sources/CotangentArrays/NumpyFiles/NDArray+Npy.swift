#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NDArray {
    /// Reads an array saved by numpy (`numpy.save`) from `.npy` bytes.
    ///
    /// Format versions 1.0, 2.0 and 3.0 are read; dtypes `|b1`, `|i1`, `|u1`, `i2`, `i4`, `i8`,
    /// `f4`, `f8` in either byte order; Fortran-order files give the same logical array (stored
    /// C-order). Other dtypes, malformed headers and missing bytes throw ``NumpyFileError``.
    ///
    /// ```swift
    /// let data = NDArray([1.0, 2.0]).npyData()
    /// let back = try NDArray(npyData: data)   // array([1., 2.])
    /// ```
    public init(npyData data: Data) throws(NumpyFileError) {
        self = try NpyCodec.decode([UInt8](data))
    }

    /// Reads an array saved by numpy (`numpy.save`) from a `.npy` file.
    ///
    /// Errors name the file: see ``init(npyData:)``.
    ///
    /// ```swift
    /// let weights = try NDArray(npyFile: URL(filePath: "weights.npy"))
    /// ```
    public init(npyFile url: URL) throws(NumpyFileError) {
        let bytes = try NumpyFileIO.read(url)
        do {
            self = try NpyCodec.decode(bytes)
        } catch {
            throw error.located(file: url.path)
        }
    }

    /// The `.npy` bytes of this array, the same bytes `numpy.save` writes: format version 1.0
    /// (2.0 when the header is too long for 1.0), little-endian, C order.
    ///
    /// ```swift
    /// let data = NDArray(shape: [2, 2], elements: [1, 2, 3, 4] as [Int32]).npyData()
    /// // numpy.load(io.BytesIO(data)) is array([[1, 2], [3, 4]], dtype=int32)
    /// ```
    public func npyData() -> Data {
        Data(NpyCodec.encode(self))
    }

    /// Writes this array to a `.npy` file that `numpy.load` reads, byte-identical to what
    /// `numpy.save` writes (see ``npyData()``). An existing file is replaced.
    ///
    /// ```swift
    /// try NDArray([1.0, 2.0]).write(npyFile: URL(filePath: "x.npy"))
    /// ```
    public func write(npyFile url: URL) throws(NumpyFileError) {
        try NumpyFileIO.write(NpyCodec.encode(self), to: url)
    }
}

/// Whole-file reads and writes that report failures as ``NumpyFileError``.
enum NumpyFileIO {
    static func read(_ url: URL) throws(NumpyFileError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .fileAccess(path: url.path, reason: "cannot be read (\(error))")
        }
    }

    static func write(_ bytes: [UInt8], to url: URL) throws(NumpyFileError) {
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .fileAccess(path: url.path, reason: "cannot be written (\(error))")
        }
    }
}
