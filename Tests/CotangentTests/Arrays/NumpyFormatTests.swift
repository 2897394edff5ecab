import Foundation
import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One array of `Fixtures/numpy_repr_corpus.json`, printed by numpy 2.4.
private struct CorpusEntry: Decodable, CustomTestStringConvertible {
    let dtype: String
    let shape: [Int]
    let values: [CorpusValue]
    let repr: String
    let str: String

    var testDescription: String { "\(dtype)\(shape) \(repr.prefix(60))" }

    var flatValues: FlatValues {
        switch DType(rawValue: dtype) {
        case .bool:
            return .bools(values.map { $0.bool })
        case .float32:
            // Encoded as the float64 repr of the float32 value, so the conversion is exact.
            return .float32s(values.map { Float($0.double) })
        case .float64:
            return .float64s(values.map { $0.double })
        default:
            return .integers(values.map { $0.integer })
        }
    }
}

/// A JSON value of the corpus: a boolean, an integer, or a float as Python's `repr` string
/// (`"0.1"`, `"nan"`, `"-inf"`).
private enum CorpusValue: Decodable {
    case bool(Bool)
    case integer(Int64)
    case float(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else {
            self = .float(try container.decode(String.self))
        }
    }

    var bool: Bool {
        guard case .bool(let b) = self else { fatalError("expected a bool, got \(self)") }
        return b
    }

    var integer: Int64 {
        guard case .integer(let i) = self else { fatalError("expected an integer, got \(self)") }
        return i
    }

    var double: Double {
        guard case .float(let text) = self, let d = Double(text) else {
            fatalError("expected a float string, got \(self)")
        }
        return d
    }
}

private func loadCorpus() throws -> [CorpusEntry] {
    let url = try #require(
        Bundle.module.url(
            forResource: "numpy_repr_corpus", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode([CorpusEntry].self, from: Data(contentsOf: url))
}

@Suite("NumpyFormat")
struct NumpyFormatTests {
    @Test("the numpy corpus is printed byte for byte")
    func corpus() throws {
        let entries = try loadCorpus()
        #expect(entries.count >= 250)
        var failures = 0
        for entry in entries {
            let dtype = try #require(DType(rawValue: entry.dtype))
            let values = entry.flatValues
            let repr = NumpyFormat.repr(dtype: dtype, shape: entry.shape, values: values)
            let str = NumpyFormat.str(dtype: dtype, shape: entry.shape, values: values)
            if repr != entry.repr || str != entry.str { failures += 1 }
            #expect(repr == entry.repr, "repr of \(entry.dtype)\(entry.shape):\n\(repr)\nexpected:\n\(entry.repr)")
            #expect(str == entry.str, "str of \(entry.dtype)\(entry.shape):\n\(str)\nexpected:\n\(entry.str)")
        }
        #expect(failures == 0, "\(failures) of \(entries.count) corpus entries differ")
    }

    @Test("seed arrays")
    func seedArrays() {
        func f64(_ shape: [Int], _ v: [Double]) -> (String, String) {
            (NumpyFormat.repr(dtype: .float64, shape: shape, values: .float64s(v)),
             NumpyFormat.str(dtype: .float64, shape: shape, values: .float64s(v)))
        }
        #expect(f64([3], [4, 2.5, 2]) == ("array([4. , 2.5, 2. ])", "[4.  2.5 2. ]"))
        #expect(f64([3, 3], [1, 0, 0, 0, 0.5, 0, 0, 0, 1.0 / 3]).0 == """
            array([[1.        , 0.        , 0.        ],
                   [0.        , 0.5       , 0.        ],
                   [0.        , 0.        , 0.33333333]])
            """)
        #expect(f64([4], [0, 1, 1, -2]) == ("array([ 0.,  1.,  1., -2.])", "[ 0.  1.  1. -2.]"))
        #expect(f64([2], [8, 11]) == ("array([ 8., 11.])", "[ 8. 11.]"))
        #expect(f64([1], [1]) == ("array([1.])", "[1.]"))
        let lower = FlatValues.integers([1, 0, 0, 1, 1, 0, 1, 1, 1])
        #expect(NumpyFormat.repr(dtype: .int64, shape: [3, 3], values: lower) == """
            array([[1, 0, 0],
                   [1, 1, 0],
                   [1, 1, 1]])
            """)
        #expect(NumpyFormat.str(dtype: .int64, shape: [3, 3], values: lower) == "[[1 0 0]\n [1 1 0]\n [1 1 1]]")
        #expect(NumpyFormat.repr(dtype: .int64, shape: [2], values: .integers([6, 6])) == "array([6, 6])")
        #expect(NumpyFormat.repr(dtype: .bool, shape: [1], values: .bools([false])) == "array([False])")
        #expect(NumpyFormat.str(dtype: .bool, shape: [1], values: .bools([false])) == "[False]")
    }

    @Test("dtype suffix, 0-d and empty arrays")
    func suffixes() {
        #expect(NumpyFormat.repr(dtype: .int8, shape: [2], values: .integers([1, 2])) == "array([1, 2], dtype=int8)")
        #expect(NumpyFormat.repr(dtype: .float64, shape: [], values: .float64s([3])) == "array(3.)")
        #expect(NumpyFormat.str(dtype: .float64, shape: [], values: .float64s([3])) == "3.0")
        #expect(NumpyFormat.repr(dtype: .float32, shape: [], values: .float32s([0.1])) == "array(0.1, dtype=float32)")
        #expect(NumpyFormat.repr(dtype: .float64, shape: [0], values: .float64s([])) == "array([], dtype=float64)")
        #expect(NumpyFormat.repr(dtype: .float64, shape: [0, 3], values: .float64s([]))
            == "array([], shape=(0, 3), dtype=float64)")
        #expect(NumpyFormat.str(dtype: .float64, shape: [0, 3], values: .float64s([])) == "[]")
    }

    @Test("scalar strings follow Python's float repr")
    func scalars() {
        func s(_ x: Double) -> String { NumpyFormat.scalarString(dtype: .float64, value: .float64s([x])) }
        #expect(s(1) == "1.0")
        #expect(s(0.1) == "0.1")
        #expect(s(0.1 + 0.2) == "0.30000000000000004")
        #expect(s(1e-5) == "1e-05")
        #expect(s(1e16) == "1e+16")
        #expect(s(1e15) == "1000000000000000.0")
        #expect(s(-0.0) == "-0.0")
        #expect(s(.nan) == "nan")
        #expect(s(-.infinity) == "-inf")
        #expect(NumpyFormat.scalarString(dtype: .float32, value: .float32s([0.1])) == "0.1")
        #expect(NumpyFormat.scalarString(dtype: .float32, value: .float32s([1e-4])) == "1e-04")
        #expect(NumpyFormat.scalarString(dtype: .int8, value: .integers([-1])) == "-1")
        #expect(NumpyFormat.scalarString(dtype: .bool, value: .bools([true])) == "True")
    }

    @Test("precision 8 rounds the exact binary value")
    func rounding() {
        func r(_ v: [Double]) -> String { NumpyFormat.repr(dtype: .float64, shape: [v.count], values: .float64s(v)) }
        #expect(r([0.1 + 0.2]) == "array([0.3])")
        // 1/512 = 0.001953125 is an exact tie at the 8th digit: ties go to the even digit.
        #expect(r([1.0 / 512, 1]) == "array([0.00195312, 1.        ])")
        #expect(r([1e-5, 1]) == "array([1.e-05, 1.e+00])")
    }
}
