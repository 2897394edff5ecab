import Testing

@testable import CotangentArrays

/// Expected values are numpy 2.4 / JAX 0.10 results.
@Suite struct SearchUniqueTopKTests {
    @Test func searchSortedFollowsNumpyIncludingNaNs() throws {
        let sorted = NDArray([-1.0, 0.0, 0.0, 2.0, 2.0, .infinity, .nan, .nan])
        let values = NDArray([[.nan, -0.0, 2.0], [-.infinity, 3.0, .infinity]])
        let left = try sorted.searchSorted(values, side: .left)
        #expect(left.shape == [2, 3] && left.dtype == .int64)
        #expect(left.asArray(Int64.self) == [6, 1, 3, 0, 5, 5])
        #expect(try sorted.searchSorted(values, side: .right).asArray(Int64.self) == [8, 3, 5, 0, 5, 6])
    }

    @Test func searchSortedPromotesMixedDTypesAndHandlesEdges() throws {
        // int64 sorted, float64 values: compared as float64.
        let sorted = NDArray([1, 3, 5] as [Int64])
        #expect(try sorted.searchSorted(NDArray([2.5, 5.0, -1.0])).asArray(Int64.self) == [1, 2, 0])
        #expect(try NDArray([Double]()).searchSorted(NDArray([1.0, 2.0])).asArray(Int64.self) == [0, 0])
        #expect(try sorted.searchSorted(NDArray(scalar: Int64(4))).shape == [])
        #expect(try sorted.searchSorted(NDArray(scalar: Int64(4))).item(Int64.self) == 2)
    }

    @Test func batchedSearchSortedUsesOneSortedRowPerLeadingIndex() throws {
        let sorted: NDArray = [[1, 3, 5, 7], [2, 2, 2, 9]]
        let values: NDArray = [[0, 5, 8], [2, 9, 10]]
        #expect(try sorted.searchSorted(values).asArray(Int64.self) == [0, 2, 4, 0, 3, 4])
        #expect(try sorted.searchSorted(values, side: .right).asArray(Int64.self) == [0, 3, 4, 3, 4, 4])
        // A transposed (non-contiguous) sorted array gives the same answers.
        let transposed = NDArray(shape: [4, 2], elements: [1, 2, 3, 2, 5, 2, 7, 9] as [Int64]).transposed([1, 0])
        #expect(try transposed.searchSorted(values).asArray(Int64.self) == [0, 2, 4, 0, 3, 4])
        #expect(throws: SortingError.self) { try sorted.searchSorted(NDArray([1, 2] as [Int64])) }
        #expect(throws: SortingError.self) { try NDArray(scalar: 1.0).searchSorted(NDArray([1.0])) }
    }

    @Test func uniqueCollapsesNaNsAndSignedZeros() {
        let x = NDArray([[2.0, .nan, -0.0], [1.0, 0.0, .nan], [2.0, -1.0, 1.0]])
        let result = x.unique(returning: [.indices, .inverse, .counts])
        let values = result.values.asArray(Double.self)
        #expect(sameFloats(values, [-1.0, -0.0, 1.0, 2.0, .nan]))
        #expect(result.indices?.asArray(Int64.self) == [7, 2, 3, 0, 1])
        #expect(result.inverse?.shape == [3, 3])
        #expect(result.inverse?.asArray(Int64.self) == [3, 4, 1, 2, 1, 4, 3, 0, 2])
        #expect(result.counts?.asArray(Int64.self) == [1, 2, 2, 2, 2])
        // Values alone take the sort-only path and must agree.
        #expect(sameFloats(x.unique().values.asArray(Double.self), values))
        #expect(x.unique().indices == nil)
    }

    @Test func uniqueOfIntegersAndEmptyArrays() {
        let x = NDArray([3, 1, 3, 3, -2, 1] as [Int8])
        let result = x.unique(returning: [.indices, .inverse, .counts])
        #expect(result.values.dtype == .int8)
        #expect(result.values.asArray(Int64.self) == [-2, 1, 3])
        #expect(result.indices?.asArray(Int64.self) == [4, 1, 0])
        #expect(result.inverse?.asArray(Int64.self) == [2, 1, 2, 2, 0, 1])
        #expect(result.counts?.asArray(Int64.self) == [1, 2, 3])
        let empty = NDArray.zeros([0, 2]).unique(returning: [.inverse, .counts])
        #expect(empty.values.shape == [0] && empty.counts?.shape == [0] && empty.inverse?.shape == [0, 2])
        #expect(NDArray([true, false, true]).unique().values.asArray(Bool.self) == [false, true])
    }

    @Test func topKMatchesJaxLaxTopK() throws {
        // Total order: +NaN first, -NaN last, +0.0 above -0.0; ties by lower index.
        let x = NDArray([[1.0, .nan, 3.0, -.nan, 3.0, -0.0, 0.0], [5.0, 4.0, 4.0, 4.0, -.infinity, 9.0, 9.0]])
        let (values, indices) = try x.topK(4)
        #expect(values.shape == [2, 4] && indices.dtype == .int64)
        #expect(sameFloats(values.asArray(Double.self), [.nan, 3.0, 3.0, 1.0, 9.0, 9.0, 5.0, 4.0]))
        #expect(indices.asArray(Int64.self) == [1, 2, 4, 0, 5, 6, 0, 1])
        let all = try x.topK(7)
        #expect(all.indices.asArray(Int64.self) == [1, 2, 4, 0, 6, 5, 3, 5, 6, 0, 1, 2, 3, 4])
        let ints = try NDArray([2, 7, 7, -1, 7] as [Int16]).topK(3)
        #expect(ints.values.asArray(Int64.self) == [7, 7, 7] && ints.indices.asArray(Int64.self) == [1, 2, 4])
    }

    @Test func topKHandlesEdgesAndRejectsBadK() throws {
        #expect(try NDArray([1.0, 2.0]).topK(0).values.shape == [0])
        #expect(try NDArray.zeros([3, 0]).topK(0).indices.shape == [3, 0])
        #expect(throws: SortingError.invalidK(k: 3, length: 2)) { try NDArray([1.0, 2.0]).topK(3) }
        #expect(throws: SortingError.invalidK(k: -1, length: 2)) { try NDArray([1.0, 2.0]).topK(-1) }
        #expect(throws: SortingError.self) { try NDArray(scalar: 1.0).topK(0) }
    }

    @Test func topKOfALongStridedLaneAgreesWithADescendingArgsort() throws {
        let n = 20_000
        let rng = SplitMix64(seed: 3)
        let x = NDArray(shape: [n, 2], elements: (0..<(2 * n)).map { Float(Int(rng.unit(UInt64($0)) * 500)) })
            .transposed([1, 0])
        let (values, indices) = try x.topK(50)
        // Without NaNs or signed zeros both orders agree, ties included.
        let reference = try x.argsort(axis: 1, order: .descending).asArray(Int64.self)
        let rows = indices.asArray(Int64.self)
        for row in 0..<2 {
            #expect(Array(rows[(row * 50)..<(row * 50 + 50)]) == Array(reference[(row * n)..<(row * n + 50)]))
        }
        let sortedValues = try x.sorted(axis: 1, order: .descending).asArray(Float.self)
        #expect(Array(values.asArray(Float.self)[0..<50]) == Array(sortedValues[0..<50]))
    }
}
