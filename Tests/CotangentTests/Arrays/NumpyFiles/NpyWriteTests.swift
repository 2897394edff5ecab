import Foundation
import Testing

@testable import CotangentArrays

@Suite("Writing .npy files")
struct NpyWriteTests {
    @Test("the bytes are numpy.save's for the same arrays")
    func matchesNumpySave() throws {
        let cases: [(String, NDArray)] = [
            ("save_f8_2x3.npy", NDArray(shape: [2, 3], elements: [0, 0.25, 0.5, 0.75, 1, 1.25])),
            ("save_i2_4.npy", NDArray([-1, 0, 1, 1000] as [Int16])),
            ("save_b1_0d.npy", NDArray(scalar: false)),
            ("save_u1_2x0.npy", NDArray.zeros([2, 0], dtype: .uint8)),
            ("save_f4_1x1x1x1.npy", NDArray(shape: [1, 1, 1, 1], filledWith: Float(7))),
        ]
        for (name, array) in cases {
            #expect([UInt8](array.npyData()) == (try NpyFixtures.bytes(name)), "\(name)")
        }
    }

    @Test("a transposed view is written as its logical C-order array")
    func nonContiguous() throws {
        let matrix = NDArray(shape: [3, 2], elements: [0, 0.75, 0.25, 1, 0.5, 1.25]).transposed([1, 0])
        #expect([UInt8](matrix.npyData()) == (try NpyFixtures.bytes("save_f8_2x3.npy")))
    }

    @Test("every dtype round-trips through a file")
    func roundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (code, array) in NpyFixtures.expected {
            let url = directory.appendingPathComponent("\(code).npy")
            try array.write(npyFile: url)
            #expect(identical(try NDArray(npyFile: url), array))
            #expect(try Data(contentsOf: url) == Data(try NpyFixtures.bytes("\(code)_le.npy")))
        }
    }

    @Test("headers too long for version 1.0 are written as version 2.0")
    func version2() throws {
        let deep = NDArray.zeros(Array(repeating: 1, count: 22_000), dtype: .int8)
        let bytes = [UInt8](deep.npyData())
        #expect(bytes[6] == 2)
        #expect((bytes.count - 1) % 64 == 0)
        let back = try NDArray(npyData: Data(bytes))
        #expect(back.shape == deep.shape)
        #expect([UInt8](NDArray(scalar: Int8(1)).npyData())[6] == 1)
    }

    @Test("a missing file throws a file-access error naming it")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/x.npy")
        do throws(NumpyFileError) {
            _ = try NDArray(npyFile: url)
            Issue.record("read a missing file")
        } catch {
            guard case .fileAccess(let path, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(path == "/nonexistent/x.npy")
        }
    }
}
