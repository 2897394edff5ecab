import Foundation
import Testing

@testable import CotangentArrays

@Suite("NDArray conveniences")
struct NDArrayConveniencesTests {
    @Test("equality: dtype, shape and elements; NaN differs; layout does not matter")
    func equality() {
        let a = NDArray(shape: [2, 2], elements: [1.0, 2, 3, 4])
        #expect(a == NDArray(shape: [2, 2], elements: [1.0, 2, 3, 4]))
        #expect(a != NDArray(shape: [4], elements: [1.0, 2, 3, 4]))
        #expect(a != a.converted(to: .float32))
        #expect(a.transposed([1, 0]) == NDArray(shape: [2, 2], elements: [1.0, 3, 2, 4]))
        #expect(NDArray([Double.nan]) != NDArray([Double.nan]))
        #expect(NDArray([-0.0]) == NDArray([0.0]))
    }

    @Test("isClose and allClose follow numpy (values from numpy.isclose)")
    func closeness() throws {
        let a = NDArray([1.0, 1e10, 1e-8, .nan, .infinity, .infinity, 0])
        let b = NDArray([1.0 + 1e-6, 1.00001e10, 0, .nan, .infinity, -.infinity, 1e-9])
        // numpy.isclose(a, b) → [True, True, True, False, True, False, True]
        #expect(try a.isClose(b) == NDArray([true, true, true, false, true, false, true]))
        #expect(try a.isClose(b, equalNaN: true).asArray(Bool.self)[3])
        // numpy.isclose([1e-8, 1.0], [0, 1.1], atol=0, rtol=0.1) → [False, True]
        #expect(try NDArray([1e-8, 1.0]).isClose(NDArray([0.0, 1.1]), rtol: 0.1, atol: 0) == NDArray([false, true]))
        // Broadcasting a column against a row; integers mix with floats.
        let column = NDArray(shape: [2, 1], elements: [1, 2] as [Int32])
        #expect(try column.isClose(NDArray([1.0, 2.0, 1.0000001])).shape == [2, 3])
        #expect(try NDArray([1.0, 1.0]).allClose(NDArray(scalar: 1.000000001)))
        #expect(try !NDArray([1.0, 2.0]).allClose(NDArray([1.0, 2.1])))
        #expect(throws: NDArrayError.shapesNotBroadcastable([2], [3])) {
            try NDArray([1.0, 2.0]).allClose(NDArray([1.0, 2.0, 3.0]))
        }
    }

    @Test("subscripts give 0-d arrays and views; negative indices wrap; bad indices throw")
    func subscripts() throws {
        let a = NDArray(shape: [2, 3], elements: [1, 2, 3, 4, 5, 6] as [Int64])
        #expect(try a[1, 2] == NDArray(scalar: Int64(6)))
        #expect(try a[-1] == NDArray([4, 5, 6] as [Int64]))
        #expect(try a[-2, -3] == NDArray(scalar: Int64(1)))
        #expect(try a.transposed([1, 0])[2, 0] == NDArray(scalar: Int64(3)))
        #expect(try a.element(Double.self, at: 0, 1) == 2.0)
        #expect(try a.element(Int64.self, at: -1, -1) == 6)
        #expect(throws: NDArrayError.indexOutOfRange(index: 3, axis: 1, length: 3)) { try a[0, 3] }
        #expect(throws: NDArrayError.indexOutOfRange(index: -3, axis: 0, length: 2)) { try a[-3] }
        #expect(throws: NDArrayError.wrongIndexCount(given: 3, ndim: 2)) { try a[0, 0, 0] }
        #expect(throws: NDArrayError.wrongIndexCount(given: 1, ndim: 2)) { try a.element(Int64.self, at: 0) }
        #expect(try NDArray(scalar: 2.5).element(Double.self) == 2.5)
    }

    @Test("range subscripts slice leading dimensions as numpy does (negative bounds, clipping, empty)")
    func rangeSubscripts() throws {
        let a = NDArray(shape: [2, 3], elements: [1, 2, 3, 4, 5, 6] as [Int64])
        // Expected values from numpy: a[0:1, 1:3], a[-1:2], a[0:2, 1:3], a[1:9], a[0:2, -2:3], a[2:9] (shape (0, 3)), a.T[1:3, 0:1].
        #expect(try a[0..<1, 1..<3] == NDArray(shape: [1, 2], elements: [2, 3] as [Int64]))
        #expect(try a[-1..<2] == NDArray(shape: [1, 3], elements: [4, 5, 6] as [Int64]))
        #expect(try a[0..<2, 1..<3] == NDArray(shape: [2, 2], elements: [2, 3, 5, 6] as [Int64]))
        #expect(try a[1..<9] == NDArray(shape: [1, 3], elements: [4, 5, 6] as [Int64]))
        #expect(try a[0..<2, -2..<3] == NDArray(shape: [2, 2], elements: [2, 3, 5, 6] as [Int64]))
        let empty = try a[2..<9]
        #expect(empty.shape == [0, 3])
        #expect(try a.transposed([1, 0])[1..<3, 0..<1] == NDArray(shape: [2, 1], elements: [2, 3] as [Int64]))
        #expect(throws: NDArrayError.wrongIndexCount(given: 3, ndim: 2)) { try a[0..<1, 0..<1, 0..<1] }
    }

    @Test("JSON round trip is lossless, NaN and infinities included")
    func codable() throws {
        for (_, array) in NpyFixtures.expected {
            let json = try JSONEncoder().encode(array)
            #expect(identical(try JSONDecoder().decode(NDArray.self, from: json), array), "\(String(decoding: json, as: UTF8.self))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(NDArray([1.5, .nan, -.infinity])), as: UTF8.self)
        #expect(text == #"{"dtype":"float64","shape":[3],"values":[1.5,"nan","-inf"]}"#)
        let bad = [
            #"{"dtype":"complex128","shape":[1],"values":[1]}"#,
            #"{"dtype":"int8","shape":[1],"values":[300]}"#,
            #"{"dtype":"float64","shape":[2],"values":[1]}"#,
            #"{"dtype":"float64","shape":[-1],"values":[]}"#,
            #"{"dtype":"float32","shape":[1],"values":["one"]}"#,
        ]
        for json in bad {
            #expect(throws: DecodingError.self, "\(json)") { try JSONDecoder().decode(NDArray.self, from: Data(json.utf8)) }
        }
    }

    @Test("nested Swift arrays of any depth convert both ways")
    func nestedArrays() throws {
        let cube = try NDArray(nested: [[[1.0, 2], [3, 4]]])
        #expect(cube == NDArray(shape: [1, 2, 2], elements: [1.0, 2, 3, 4]))
        #expect(try NDArray(nested: [[1, 2, 3]]) == NDArray(shape: [1, 3], elements: [1, 2, 3] as [Int64]))
        #expect(try NDArray(nested: [true, false]) == NDArray([true, false]))
        #expect(try NDArray(nested: Float(2)) == NDArray(scalar: Float(2)))
        #expect(try NDArray(nested: [[Double]]()).shape == [0, 0])
        #expect(try NDArray(nested: [[Double](), []]).shape == [2, 0])
        #expect(throws: NDArrayError.raggedNesting(path: [1], length: 2, expected: 1)) {
            try NDArray(nested: [[1.0], [2.0, 3.0]])
        }
        #expect(throws: NDArrayError.raggedNesting(path: [0, 1], length: 1, expected: 2)) {
            try NDArray(nested: [[[1, 2], [3]]])
        }
        #expect(try cube.nestedArray([[[Double]]].self) == [[[1, 2], [3, 4]]])
        let four = NDArray(shape: [1, 2, 1, 2], elements: [1, 2, 3, 4] as [Int16])
        let rank4: [[[[Int]]]] = try four.nestedArray()
        #expect(rank4 == [[[[1, 2]], [[3, 4]]]])
        #expect(try NDArray([1.5, 2.5]).nestedArray([Int32].self) == [1, 2])
        #expect(try NDArray(scalar: 2.5).nestedArray(Double.self) == 2.5)
        #expect(throws: NDArrayError.rankMismatch(ndim: 3, nestingDepth: 2)) { try cube.nestedArray([[Double]].self) }
    }
}
