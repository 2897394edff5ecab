#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads and writes `.npz` files: zip archives of `.npy` members, as `numpy.savez` (stored) and
/// `numpy.savez_compressed` (deflate) write them.
///
/// Member names drop and regain the `.npy` suffix as numpy's do, so the names are the keyword
/// names given to `numpy.savez` (`arr_0`, `arr_1`, … for positional arrays). No system library
/// is used: compression, decompression and the CRC-32 are implemented here.
///
/// ```swift
/// let url = URL(filePath: "model.npz")
/// try NumpyArchive.write([("weights", w), ("bias", b)], to: url, compressed: true)
/// for (name, array) in try NumpyArchive.read(from: url) { print(name, array.shape) }
/// ```
public enum NumpyArchive {
    /// The named arrays of an `.npz` file, in the archive's order.
    ///
    /// Throws ``NumpyFileError`` naming the file, the member and the byte offset when the zip
    /// structure, a compressed stream, a checksum or a member's `.npy` data is invalid.
    ///
    /// ```swift
    /// let arrays = try NumpyArchive.read(from: URL(filePath: "data.npz"))
    /// let x = arrays.first { $0.name == "x" }?.array
    /// ```
    public static func read(from url: URL) throws(NumpyFileError) -> [(name: String, array: NDArray)] {
        let bytes = try NumpyFileIO.read(url)
        do {
            return try arrays(in: bytes)
        } catch {
            throw error.located(file: url.path)
        }
    }

    /// The named arrays of `.npz` bytes, in the archive's order (see ``read(from:)``).
    ///
    /// ```swift
    /// let data = NumpyArchive.data(of: [("x", NDArray([1.0, 2.0]))])
    /// let arrays = try NumpyArchive.read(data: data)   // [("x", array([1., 2.]))]
    /// ```
    public static func read(data: Data) throws(NumpyFileError) -> [(name: String, array: NDArray)] {
        try arrays(in: [UInt8](data))
    }

    /// Writes named arrays to an `.npz` file that `numpy.load` reads; `compressed` deflates the
    /// members as `numpy.savez_compressed` does. An existing file is replaced.
    ///
    /// ```swift
    /// try NumpyArchive.write([("a", a), ("b", b)], to: URL(filePath: "ab.npz"))
    /// ```
    public static func write(
        _ arrays: [(name: String, array: NDArray)], to url: URL, compressed: Bool = false
    ) throws(NumpyFileError) {
        try NumpyFileIO.write(archive(arrays, compressed: compressed), to: url)
    }

    /// The `.npz` bytes of named arrays (see ``write(_:to:compressed:)``).
    ///
    /// ```swift
    /// let data = NumpyArchive.data(of: [("x", x)], compressed: true)
    /// ```
    public static func data(of arrays: [(name: String, array: NDArray)], compressed: Bool = false) -> Data {
        Data(archive(arrays, compressed: compressed))
    }

    static func arrays(in bytes: [UInt8]) throws(NumpyFileError) -> [(name: String, array: NDArray)] {
        var result: [(name: String, array: NDArray)] = []
        for member in try ZipReader.members(of: bytes) {
            do {
                let array = try NpyCodec.decode(member.bytes)
                let name = member.name.hasSuffix(".npy") ? String(member.name.dropLast(4)) : member.name
                result.append((name, array))
            } catch {
                throw error.located(file: nil, member: member.name)
            }
        }
        return result
    }

    static func archive(_ arrays: [(name: String, array: NDArray)], compressed: Bool, forcesZip64: Bool = false) -> [UInt8] {
        ZipWriter.archive(
            arrays.map { ($0.name + ".npy", NpyCodec.encode($0.array)) }, compressed: compressed, forcesZip64: forcesZip64)
    }
}
