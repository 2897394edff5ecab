import Foundation
import Testing

@testable import CotangentArrays

@Suite("Reading and writing .npz archives")
struct NumpyArchiveTests {
    static let stored: [(name: String, array: NDArray)] = [
        ("x", NDArray(shape: [2, 3], elements: [0.0, 1, 2, 3, 4, 5])),
        ("flags", NDArray([true, false])),
        ("scalar", NDArray(scalar: Int32(3))),
        ("empty", NDArray.zeros([0, 2], dtype: .int8)),
    ]

    static func compressed() -> [(name: String, array: NDArray)] {
        [
            ("repeating", NDArray((0..<2000).map { Int64($0 % 50) })),
            ("small", NDArray([1, 2] as [Float])),
            ("text", NDArray((0..<500).map { Double($0) / 499 })),
        ]
    }

    @Test("numpy.savez archives (stored, ZIP64 local headers) read in order")
    func storedArchive() throws {
        let arrays = try NumpyArchive.read(from: NpyFixtures.url("stored.npz"))
        #expect(arrays.map(\.name) == ["x", "flags", "scalar", "empty"])
        for (read, expected) in zip(arrays, NumpyArchiveTests.stored) { #expect(identical(read.array, expected.array)) }
        let positional = try NumpyArchive.read(from: NpyFixtures.url("positional.npz"))
        #expect(positional.map(\.name) == ["arr_0", "arr_1"])
        #expect(identical(positional[0].array, NDArray([0, 1, 2] as [Int16])))
    }

    @Test("numpy.savez_compressed archives (fixed, dynamic and stored blocks) read")
    func compressedArchive() throws {
        let arrays = try NumpyArchive.read(from: NpyFixtures.url("compressed.npz"))
        #expect(arrays.map(\.name) == ["repeating", "noise", "small", "text"])
        let expected = NumpyArchiveTests.compressed()
        #expect(identical(arrays[0].array, expected[0].array))
        #expect(arrays[1].array.shape == [3000] && arrays[1].array.dtype == .uint8)
        #expect(identical(arrays[2].array, expected[1].array))
        // linspace's values may differ from i/499 in the last bit.
        #expect(try arrays[3].array.allClose(expected[2].array, rtol: 1e-15, atol: 0))
    }

    @Test("write → read round-trips every dtype, stored and compressed, with and without ZIP64")
    func roundTrip() throws {
        let arrays = NpyFixtures.expected.map { (name: $0.code, array: $0.array) } + NumpyArchiveTests.compressed()
        for compressed in [false, true] {
            for forcesZip64 in [false, true] {
                let bytes = NumpyArchive.archive(arrays, compressed: compressed, forcesZip64: forcesZip64)
                let back = try NumpyArchive.arrays(in: bytes)
                #expect(back.map(\.name) == arrays.map(\.name))
                for (read, written) in zip(back, arrays) { #expect(identical(read.array, written.array)) }
            }
        }
        let directory = FileManager.default.temporaryDirectory
        let url = directory.appendingPathComponent("npz-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: url) }
        try NumpyArchive.write(arrays, to: url, compressed: true)
        #expect(try NumpyArchive.read(from: url).count == arrays.count)
        #expect(try NumpyArchive.read(data: NumpyArchive.data(of: [])).isEmpty)
    }

    @Test("archives written here are the bytes numpy was checked to read")
    func numpyReadsOurArchives() throws {
        for (name, compressed) in [("ours_stored.npz", false), ("ours_compressed.npz", true)] {
            let bytes = NumpyArchive.archive(NumpyArchiveTests.stored + NumpyArchiveTests.compressed(), compressed: compressed)
            #expect(bytes == (try NpyFixtures.bytes(name)), "\(name)")
        }
    }

    @Test("every truncation of an archive throws")
    func truncation() throws {
        for name in ["stored.npz", "compressed.npz"] {
            let bytes = try NpyFixtures.bytes(name)
            for length in 0..<bytes.count {
                #expect(throws: NumpyFileError.self) { try NumpyArchive.arrays(in: Array(bytes[..<length])) }
            }
        }
    }

    @Test("damaged archives throw errors naming the member and offset")
    func damage() throws {
        var bytes = try NpyFixtures.bytes("stored.npz")
        // A flipped data byte of member x.npy (its data starts at 0x37 + 128).
        bytes[0x37 + 130] ^= 1
        do throws(NumpyFileError) {
            _ = try NumpyArchive.arrays(in: bytes)
            Issue.record("a damaged member was read")
        } catch {
            guard case .checksumMismatch(_, _, let at) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(at.member == "x.npy" && at.offset == 0x37)
        }
        // Every single-byte corruption of a compressed archive throws or reads; none traps.
        let compressed = try NpyFixtures.bytes("compressed.npz")
        for position in stride(from: 0, to: compressed.count, by: 41) {
            var damaged = compressed
            damaged[position] ^= 0xA5
            _ = try? NumpyArchive.arrays(in: damaged)
        }
        // Not a zip file at all; the file name appears in the message.
        let notZip = try NpyFixtures.url("f8_le.npy")
        do throws(NumpyFileError) {
            _ = try NumpyArchive.read(from: notZip)
        } catch {
            #expect(error.description.contains("f8_le.npy") && error.description.contains("end-of-central-directory"))
        }
    }

    @Test("unsupported compression methods and encryption are refused")
    func unsupportedFeatures() throws {
        var bytes = NumpyArchive.archive([("a", NDArray([1.0]))], compressed: false)
        var method = bytes
        method[8] = 12  // bzip2 in the local header; the central header's method is at 30 + name + data
        let centralMethodOffset = bytes.count - 22 - 46 - 5 + 10
        method[centralMethodOffset] = 12
        #expect(throws: NumpyFileError.self) { try NumpyArchive.arrays(in: method) }
        bytes[bytes.count - 22 - 46 - 5 + 8] |= 1
        #expect(throws: NumpyFileError.self) { try NumpyArchive.arrays(in: bytes) }
    }
}
