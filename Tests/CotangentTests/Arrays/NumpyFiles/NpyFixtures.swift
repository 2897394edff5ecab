import Foundation
import Testing

@testable import CotangentArrays

/// Loads the numpy-written files of `Tests/CotangentTests/Fixtures/npy`.
enum NpyFixtures {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/npy"))
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    /// The 2×3 arrays the fixture script saved for each dtype (`b1_le.npy`, `f8_be.npy`, …).
    static let expected: [(code: String, array: NDArray)] = [
        ("b1", NDArray(shape: [2, 3], elements: [true, false, true, false, false, true])),
        ("i1", NDArray(shape: [2, 3], elements: [-128, -1, 0, 1, 2, 127] as [Int8])),
        ("u1", NDArray(shape: [2, 3], elements: [0, 1, 2, 128, 254, 255] as [UInt8])),
        ("i2", NDArray(shape: [2, 3], elements: [-32768, -2, 0, 3, 300, 32767] as [Int16])),
        ("i4", NDArray(shape: [2, 3], elements: [-2_147_483_648, -2, 0, 3, 70000, 2_147_483_647] as [Int32])),
        ("i8", NDArray(shape: [2, 3], elements: [Int64.min, -2, 0, 3, 5_000_000_000, Int64.max])),
        ("f4", NDArray(shape: [2, 3], elements: [-1.5, 0, 0.1, 3.4028235e38, .infinity, -.infinity] as [Float])),
        ("f8", NDArray(shape: [2, 3], elements: [-1.5, -0.0, 0.1, 1e308, .nan, Double.leastNonzeroMagnitude] as [Double])),
    ]
}

/// Whether two arrays have the same dtype, shape and element bits (NaN matches NaN, -0 only -0).
func identical(_ a: NDArray, _ b: NDArray) -> Bool {
    guard a.dtype == b.dtype, a.shape == b.shape else { return false }
    if a.dtype.isFloat {
        return zip(a.asArray(Double.self), b.asArray(Double.self)).allSatisfy {
            $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN)
        }
    }
    return a.asArray(Int64.self) == b.asArray(Int64.self)
}
