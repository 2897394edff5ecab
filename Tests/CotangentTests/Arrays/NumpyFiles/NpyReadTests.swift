import Foundation
import Testing

@testable import CotangentArrays

@Suite("Reading .npy files")
struct NpyReadTests {
    @Test("every dtype in both byte orders reads as numpy saved it")
    func everyDType() throws {
        for (code, expected) in NpyFixtures.expected {
            let orders = code.hasSuffix("1") ? ["le"] : ["le", "be"]
            for order in orders {
                let array = try NDArray(npyFile: NpyFixtures.url("\(code)_\(order).npy"))
                #expect(identical(array, expected), "\(code)_\(order): \(array)")
            }
        }
    }

    @Test("Fortran-order files give the logical array")
    func fortranOrder() throws {
        let cube = try NDArray(npyFile: NpyFixtures.url("f8_fortran.npy"))
        #expect(identical(cube, NDArray(shape: [2, 3, 4], elements: (0..<24).map(Double.init))))
        let matrix = try NDArray(npyFile: NpyFixtures.url("i2_be_fortran.npy"))
        #expect(identical(matrix, NDArray(shape: [2, 3], elements: [0, 1, 2, 3, 4, 5] as [Int16])))
    }

    @Test("0-d and empty arrays keep their shapes")
    func zeroDimensionalAndEmpty() throws {
        #expect(identical(try NDArray(npyFile: NpyFixtures.url("f8_0d.npy")), NDArray(scalar: 2.5)))
        #expect(identical(try NDArray(npyFile: NpyFixtures.url("b1_0d.npy")), NDArray(scalar: true)))
        #expect(identical(try NDArray(npyFile: NpyFixtures.url("f4_empty.npy")), NDArray.zeros([0], dtype: .float32)))
        #expect(identical(try NDArray(npyFile: NpyFixtures.url("i8_empty_2x0x3.npy")), NDArray.zeros([2, 0, 3], dtype: .int64)))
    }

    @Test("format versions 2.0 and 3.0 are read")
    func laterVersions() throws {
        for name in ["i4_v2.npy", "i4_v3.npy"] {
            let bytes = try NpyFixtures.bytes(name)
            #expect(bytes[6] == (name.contains("v2") ? 2 : 3))
            let array = try NDArray(npyData: Data(bytes))
            #expect(identical(array, NDArray([0, 1, 2, 3, 4] as [Int32])))
        }
    }

    @Test("unsupported dtypes throw naming the dtype and file")
    func unsupportedDTypes() throws {
        for (name, descr) in [("c16.npy", "<c16"), ("object.npy", "|O"), ("f2.npy", "<f2")] {
            let url = try NpyFixtures.url(name)
            #expect(throws: NumpyFileError.unsupportedDType(descr: descr, at: NumpyFileLocation(file: url.path, offset: 10))) {
                try NDArray(npyFile: url)
            }
        }
        let structured = try NpyFixtures.url("structured.npy")
        do throws(NumpyFileError) {
            _ = try NDArray(npyFile: structured)
            Issue.record("a structured dtype was read")
        } catch {
            guard case .unsupportedDType(let descr, _) = error else { throw error }
            #expect(descr == "[('x', '<i4'), ('y', '<f8')]")
            #expect(error.description.contains("structured.npy"))
        }
    }

    @Test("every truncation of every fixture throws")
    func truncation() throws {
        for name in ["f8_le.npy", "i2_be_fortran.npy", "i4_v3.npy", "b1_0d.npy", "c16.npy"] {
            let bytes = try NpyFixtures.bytes(name)
            for length in 0..<bytes.count {
                do throws(NumpyFileError) {
                    _ = try NpyCodec.decode(Array(bytes[..<length]))
                    Issue.record("\(name) cut to \(length) bytes was read")
                } catch {
                    #expect(error.location != nil)
                }
            }
        }
    }

    @Test("malformed headers throw with the offset of the problem")
    func malformedHeaders() throws {
        func header(_ dict: String, version: UInt8 = 1) -> [UInt8] {
            var bytes = NpyHeader.magic + [version, 0]
            bytes.appendLittleEndian(UInt16(dict.utf8.count))
            return bytes + Array(dict.utf8)
        }
        let cases: [(bytes: [UInt8], offset: Int)] = [
            (Array("NUMPY\u{1}\u{0}xx".utf8), 0),
            (header("{}", version: 4), 6),
            (header("{'descr': '<f8', 'fortran_order': False}"), 10),
            (header("{'descr': '<f8', 'fortran_order': 1, 'shape': ()}"), 10),
            (header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}"), 10),
            (header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}"), 61),
            (header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x"), 66),
            (header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,) "), 65),
            (header("{'descr': '<f8', 'fortran_order': False, 'shape': __import__('os')}"), 60),
            (header(String(repeating: "(", count: 40)), 10),
        ]
        for (bytes, offset) in cases {
            do throws(NumpyFileError) {
                _ = try NDArray(npyData: Data(bytes))
                Issue.record("read \(String(decoding: bytes, as: UTF8.self))")
            } catch {
                guard case .malformedHeader(_, let at) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(at.offset == offset, "\(error)")
            }
        }
    }

    @Test("a shape whose element count overflows throws instead of allocating")
    func hugeShape() throws {
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"
        var bytes = NpyHeader.magic + [1, 0]
        bytes.appendLittleEndian(UInt16(dict.utf8.count))
        bytes += Array(dict.utf8)
        #expect(throws: NumpyFileError.self) { try NDArray(npyData: Data(bytes)) }
        let large = bytes.map { $0 }  // a plausible but absent 8 GB of data
        #expect(throws: NumpyFileError.self) {
            try NDArray(npyData: Data(large.replacingDigits()))
        }
    }
}

extension [UInt8] {
    /// The header with its huge first dimension replaced by an unremarkable large one.
    fileprivate func replacingDigits() -> [UInt8] {
        let text = String(decoding: self, as: UTF8.self)
            .replacingOccurrences(of: "4611686018427387904, 4", with: "1000000000, 1")
        return Array(text.utf8)
    }
}
