import Testing

@testable import Cotangent

/// Sorting and searching on XLA against Cotangent's kernels: numpy's order (NaNs last, stable),
/// descending orders, top-k in total order, and unique's refusal.
@Suite(.enabled(if: XLARunner.isEnabled))
struct SortExportTests {
    @Test func sortsAndSearches() throws {
        let X = Tensor.matrix("X")
        let v = Tensor.vector("v")
        let data = NDArray(
            shape: [3, 5], elements: [3.0, .nan, -1.0, 3.0, 0.0, -0.0, 2.5, .nan, -7.0, 2.5, 1.0, 1.0, 1.0, -.infinity, .infinity])
        let ints = Tensor.vector("i", dtype: .int64)
        let intData = NDArray([Int64(4), -2, 4, 0, 9, -2])
        let sorted = Tensor.vector("sorted")
        let probes = Tensor.matrix("probes")
        let sortedData = NDArray([-3.0, -1.0, 0.0, 0.0, 2.0, 2.0, 5.0, .nan])
        let probeData = NDArray(shape: [2, 4], elements: [0.0, -0.0, 2.0, 10.0, -5.0, .nan, 5.0, 1.5])
        let cases = [
            try XLARunner.graphCase("sort", inputs: [X], outputs: [sort(X), sort(X, axis: 0)], values: [data]),
            try XLARunner.graphCase(
                "sort descending", inputs: [X], outputs: [sort(X, descending: true), sort(X, axis: 0, descending: true)],
                values: [data]),
            try XLARunner.graphCase(
                "argsort", inputs: [X], outputs: [argsort(X), argsort(X, axis: 0), argsort(X, descending: true)],
                values: [data]),
            try XLARunner.graphCase(
                "integers", inputs: [ints], outputs: [sort(ints), argsort(ints), argsort(ints, descending: true)],
                values: [intData]),
            try XLARunner.graphCase(
                "searchsorted", inputs: [sorted, probes],
                outputs: [searchsorted(sorted, probes), searchsorted(sorted, probes, right: true)],
                values: [sortedData, probeData]),
            try XLARunner.graphCase(
                "top k", inputs: [X, v], outputs: [topK(X, 3).values, topK(X, 3).indices, topK(v, 2).values, topK(v, 2).indices],
                values: [data, NDArray([1.0, -0.0, 0.0, 1.0])]),
        ]
        try XLARunner.check(cases)
    }

    @Test func uniqueIsNotExportable() throws {
        let v = Tensor.vector("v")
        #expect {
            try exportStableHLO(inputs: [v], outputs: [unique(v)], inputShapes: [[4]])
        } throws: { error in
            "\(error)".contains("number of distinct values")
        }
    }
}
