import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One `x[idx] += y` or `x[idx] = y` with its numpy result (float64 inputs of ``IndexCase``).
struct IncCase: Sendable, CustomTestStringConvertible {
    let input: IndexCase.Input
    let indices: [any TensorIndexConvertible]
    let label: String
    let set: Bool
    let value: NDArray
    let expected: [Double]

    init(
        input: IndexCase.Input, indices: [any TensorIndexConvertible], _ label: String, set: Bool,
        value: NDArray, expected: [Double]
    ) {
        self.input = input
        self.indices = indices
        self.label = label
        self.set = set
        self.value = value
        self.expected = expected
    }

    var testDescription: String { label }

    /// `x[idx] = y` or `x[idx] += y` for this case's pattern.
    func update(_ x: Variable, with y: Variable) -> Variable {
        set ? x.setting(at: indices, to: y) : x.incremented(at: indices, by: y)
    }

    /// Symbolic `x` and `y` of `dtype` for this case, every length unknown except `y`'s
    /// lengths of 1, which are static so that they broadcast (only static 1s do).
    func operands(dtype: DType) -> (x: Variable, y: Variable) {
        (Tensor.tensor("x", dtype: dtype, shape: input.value.shape.map { _ in nil }),
         Tensor.tensor("y", dtype: dtype, shape: value.shape.map { $0 == 1 ? 1 : nil }))
    }

    static let cases: [IncCase] = [
        IncCase(input: .v, indices: [1..<4], "x[1:4] += [10.0, 20.0, 30.0]", set: false, value: NDArray(shape: [3], elements: [10.0, 20.0, 30.0]), expected: [-2.0, 9.0, 20.0, 31.0, 2.0, 3.0]),
        IncCase(input: .v, indices: [..<2], "x[:2] = 7.0", set: true, value: NDArray(shape: [], elements: [7.0]), expected: [7.0, 7.0, 0.0, 1.0, 2.0, 3.0]),
        IncCase(input: .v, indices: [.stride(by: -1)], "x[::-1] += [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]", set: false, value: NDArray(shape: [6], elements: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), expected: [4.0, 4.0, 4.0, 4.0, 4.0, 4.0]),
        IncCase(input: .v, indices: [-1], "x[-1] += 5.0", set: false, value: NDArray(shape: [], elements: [5.0]), expected: [-2.0, -1.0, 0.0, 1.0, 2.0, 8.0]),
        IncCase(input: .v, indices: [.stride(from: 4, by: -2)], "x[4::-2] = [0.5, 0.25, 0.125]", set: true, value: NDArray(shape: [3], elements: [0.5, 0.25, 0.125]), expected: [0.125, -1.0, 0.25, 1.0, 0.5, 3.0]),
        IncCase(input: .v, indices: [.slice(start: 10)], "x[10:] += 1.0", set: false, value: NDArray(shape: [], elements: [1.0]), expected: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]),
        IncCase(input: .A, indices: [0], "x[0] = [1.0, 2.0, 3.0, 4.0]", set: true, value: NDArray(shape: [4], elements: [1.0, 2.0, 3.0, 4.0]), expected: [1.0, 2.0, 3.0, 4.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        IncCase(input: .A, indices: [.all, 1], "x[:, 1] += [10.0, 20.0, 30.0]", set: false, value: NDArray(shape: [3], elements: [10.0, 20.0, 30.0]), expected: [-5.0, 6.0, -3.0, -2.0, -1.0, 20.0, 1.0, 2.0, 3.0, 34.0, 5.0, 6.0]),
        IncCase(input: .A, indices: [.all, .stride(by: -2)], "x[:, ::-2] += [[100.0, 200.0]]", set: false, value: NDArray(shape: [1, 2], elements: [100.0, 200.0]), expected: [-5.0, 196.0, -3.0, 98.0, -1.0, 200.0, 1.0, 102.0, 3.0, 204.0, 5.0, 106.0]),
        IncCase(input: .A, indices: [1, 2], "x[1, 2] = -9.0", set: true, value: NDArray(shape: [], elements: [-9.0]), expected: [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, -9.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        IncCase(input: .A, indices: [5...], "x[5:] += 1.0", set: false, value: NDArray(shape: [], elements: [1.0]), expected: [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        IncCase(input: .A, indices: [.ellipsis, 0], "x[..., 0] = [0.0, 0.0, 0.0]", set: true, value: NDArray(shape: [3], elements: [0.0, 0.0, 0.0]), expected: [0.0, -4.0, -3.0, -2.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 5.0, 6.0]),
        IncCase(input: .A, indices: [], "x[()] += [1.0, 2.0, 3.0, 4.0]", set: false, value: NDArray(shape: [4], elements: [1.0, 2.0, 3.0, 4.0]), expected: [-4.0, -2.0, 0.0, 2.0, 0.0, 2.0, 4.0, 6.0, 4.0, 6.0, 8.0, 10.0]),
        IncCase(input: .T, indices: [1, .all, .stride(by: 2)], "x[1, :, ::2] += [1000.0, 2000.0]", set: false, value: NDArray(shape: [2], elements: [1000.0, 2000.0]), expected: [-7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 1005.0, 6.0, 2007.0, 8.0, 1009.0, 10.0, 2011.0, 12.0, 1013.0, 14.0, 2015.0, 16.0]),
        IncCase(input: .T, indices: [.stride(by: -1), 1..., (-1)...], "x[::-1, 1:, -1:] = [[[1.0], [2.0]], [[3.0], [4.0]]]", set: true, value: NDArray(shape: [2, 2, 1], elements: [1.0, 2.0, 3.0, 4.0]), expected: [-7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 3.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 1.0, 13.0, 14.0, 15.0, 2.0]),
    ]
}
