import Testing

@testable import CotangentArrays

/// Whether two float lists agree element by element, NaN matching NaN and zeros by sign.
func sameFloats(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { x, y in
            (x.isNaN && y.isNaN) || (x == y && x.sign == y.sign)
        }
}

/// Expected values are numpy 2.4 / JAX 0.10 results.
@Suite struct SortTests {
    let mixed = NDArray([3.0, -0.0, .nan, 1.5, 0.0, -.infinity, .infinity, 1.5, -2.0, .nan])

    @Test func ascendingSortPutsNaNsLastAndKeepsSignedZerosInInputOrder() throws {
        // jnp.sort (stable): -0.0 (index 1) stays before +0.0 (index 4).
        let sorted = try mixed.sorted().asArray(Double.self)
        #expect(sameFloats(sorted, [-.infinity, -2.0, -0.0, 0.0, 1.5, 1.5, 3.0, .infinity, .nan, .nan]))
    }

    @Test func descendingSortIsTheReversedAscendingSort() throws {
        // jnp.sort(x, descending=True)
        let sorted = try mixed.sorted(order: .descending).asArray(Double.self)
        #expect(sameFloats(sorted, [.nan, .nan, .infinity, 3.0, 1.5, 1.5, 0.0, -0.0, -2.0, -.infinity]))
    }

    @Test func argsortIsStableInBothDirections() throws {
        // np.argsort(kind='stable'); jnp.argsort(descending=True, stable=True)
        #expect(try mixed.argsort().asArray(Int64.self) == [5, 8, 1, 4, 3, 7, 0, 6, 2, 9])
        #expect(try mixed.argsort(order: .descending).asArray(Int64.self) == [2, 9, 6, 0, 3, 7, 1, 4, 8, 5])
        #expect(try mixed.argsort().dtype == .int64)
    }

    @Test(arguments: DType.allCases)
    func everyDTypeSortsAndArgsortsLikeNumpy(dtype: DType) throws {
        let x = NDArray([5, -3, 0, 127, -128, 5, 1, 0] as [Int64]).converted(to: dtype)
        let expectedSorted: [Int64]
        let ascending: [Int64]
        let descending: [Int64]
        switch dtype {
        case .bool:
            expectedSorted = [0, 0, 1, 1, 1, 1, 1, 1]
            ascending = [2, 7, 0, 1, 3, 4, 5, 6]
            descending = [0, 1, 3, 4, 5, 6, 2, 7]
        case .uint8:
            expectedSorted = [0, 0, 1, 5, 5, 127, 128, 253]
            ascending = [2, 7, 6, 0, 5, 3, 4, 1]
            descending = [1, 4, 3, 0, 5, 6, 2, 7]
        default:
            expectedSorted = [-128, -3, 0, 0, 1, 5, 5, 127]
            ascending = [4, 1, 2, 7, 6, 0, 5, 3]
            descending = [3, 0, 5, 6, 2, 7, 1, 4]
        }
        let sorted = try x.sorted()
        #expect(sorted.dtype == dtype)
        #expect(sorted.asArray(Int64.self) == expectedSorted)
        #expect(try x.argsort().asArray(Int64.self) == ascending)
        #expect(try x.argsort(order: .descending).asArray(Int64.self) == descending)
        #expect(try x.sorted(order: .descending).asArray(Int64.self) == expectedSorted.reversed())
    }

    @Test func emptyAndSingleElementLanes() throws {
        #expect(try NDArray([Double]()).sorted().shape == [0])
        #expect(try NDArray.zeros([2, 0]).argsort(axis: 1).shape == [2, 0])
        #expect(try NDArray.zeros([0, 3]).sorted(axis: 1).shape == [0, 3])
        #expect(try NDArray([Double.nan]).sorted().asArray(Double.self)[0].isNaN)
        #expect(try NDArray([Int8(7)]).argsort().asArray(Int64.self) == [0])
    }

    @Test func badAxesThrowInsteadOfCrashing() {
        #expect(throws: SortingError.axisOutOfRange(axis: 2, ndim: 2)) { try NDArray.zeros([2, 3]).sorted(axis: 2) }
        #expect(throws: SortingError.axisOutOfRange(axis: -3, ndim: 2)) { try NDArray.zeros([2, 3]).argsort(axis: -3) }
        #expect(throws: SortingError.axisOutOfRange(axis: -1, ndim: 0)) { try NDArray(scalar: 1.0).sorted() }
    }

    /// `t = ((arange(30) * 7) % 11 - 5).reshape(2, 5, 3).transpose(2, 0, 1)[:, :, ::-2]`: a
    /// (3, 2, 3) view with permuted, negative and non-unit strides.
    var strided3d: NDArray {
        let values = (0..<30).map { Double(($0 * 7) % 11) - 5 }
        let a = NDArray(shape: [2, 5, 3], elements: values)
        return a.transposed([2, 0, 1]).sliced(axis: 2, start: 4, step: -2, count: 3)
    }

    @Test func sortsAlongEveryAxisOfAStridedView() throws {
        let t = strided3d
        #expect(t.shape == [3, 2, 3] && !t.isContiguous)
        #expect(try t.sorted(axis: 1).asArray(Double.self) == [
            -3, -1, -5, 2, 4, 1, -2, -5, -3, 4, 0, 2, 0, -4, -2, 5, 2, 4,
        ])
        #expect(try t.argsort(axis: 2).asArray(Int64.self) == [
            2, 0, 1, 0, 1, 2, 0, 1, 2, 1, 2, 0, 1, 2, 0, 0, 1, 2,
        ])
        #expect(try t.argsort(axis: 0, order: .descending).asArray(Int64.self) == [
            2, 0, 1, 1, 2, 2, 0, 1, 2, 2, 0, 0, 1, 2, 0, 0, 1, 1,
        ])
    }

    @Test(arguments: [DType.float64, .float32, .int64, .int16, .uint8])
    func largeRandomLanesComeOutSortedAndPermuted(dtype: DType) throws {
        // Long enough for two radix levels; lanes along axis 0 of a (n, 2) array are strided.
        let n = 20_000
        let rng = SplitMix64(seed: 7)
        let raw = (0..<(2 * n)).map { i -> Double in
            let u = rng.unit(UInt64(i))
            // Some NaNs and repeated values among spread-out magnitudes.
            if i % 997 == 0 { return .nan }
            if i % 13 == 0 { return 42 }
            return (u - 0.5) * 1e4 * (i % 3 == 0 ? 1e-3 : 1)
        }
        let x = NDArray(shape: [n, 2], elements: raw).converted(to: dtype)
        for order in [SortOrder.ascending, .descending] {
            let sorted = try x.sorted(axis: 0, order: order).asArray(Double.self)
            let permutation = try x.argsort(axis: 0, order: order).asArray(Int64.self)
            let input = x.asArray(Double.self)
            for lane in 0..<2 {
                let column = (0..<n).map { sorted[2 * $0 + lane] }
                let picked = (0..<n).map { input[2 * Int(permutation[2 * $0 + lane]) + lane] }
                // NaNs rank above +inf.
                let keys = column.map { $0.isNaN ? Double.infinity : $0 }
                let pairs = zip(keys, keys.dropFirst())
                #expect(order == .ascending ? pairs.allSatisfy { $0 <= $1 } : pairs.allSatisfy { $0 >= $1 })
                // The permutation picks exactly the sorted values.
                #expect(sameFloats(picked, column))
                #expect(Set(permutation.enumerated().filter { $0.offset % 2 == lane }.map(\.element)).count == n)
            }
        }
    }

    @Test func argsortKeepsTiesInIndexOrderOnLongLanes() throws {
        // Eight distinct values, repeated: each run of equal keys must list increasing indices.
        // Past 2^16 elements the radix passes take 11-bit digits.
        let n = 70_000
        let x = NDArray((0..<n).map { Int32(($0 * 5) % 8) })
        for order in [SortOrder.ascending, .descending] {
            let permutation = try x.argsort(order: order).asArray(Int64.self)
            let keys = permutation.map { Int32((Int($0) * 5) % 8) }
            for i in 1..<n where keys[i] == keys[i - 1] {
                #expect(permutation[i] > permutation[i - 1])
            }
        }
    }
}
