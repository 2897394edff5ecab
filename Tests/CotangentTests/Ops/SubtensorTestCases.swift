import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One basic-indexing expression, its numpy result (computed once with numpy, float64 inputs
/// `arange(n) - offset`), and the Swift spelling.
struct IndexCase: Sendable, CustomTestStringConvertible {
    enum Input: Sendable {
        case v, A, T

        /// The float64 value: `arange(6) - 2`, `(arange(12) - 5).reshape(3, 4)`,
        /// `(arange(24) - 7).reshape(2, 3, 4)`.
        var value: NDArray {
            switch self {
            case .v: NDArray(shape: [6], elements: (0..<6).map { Double($0) - 2 })
            case .A: NDArray(shape: [3, 4], elements: (0..<12).map { Double($0) - 5 })
            case .T: NDArray(shape: [2, 3, 4], elements: (0..<24).map { Double($0) - 7 })
            }
        }
    }

    let input: Input
    let label: String
    let shape: [Int]
    let values: [Double]
    let index: @Sendable (Variable) -> Variable

    init(
        input: Input, _ label: String, shape: [Int], values: [Double],
        index: @escaping @Sendable (Variable) -> Variable
    ) {
        self.input = input
        self.label = label
        self.shape = shape
        self.values = values
        self.index = index
    }

    var testDescription: String { label }

    static let cases: [IndexCase] = [
        IndexCase(input: .v, "x[::-1]", shape: [6], values: [3.0, 2.0, 1.0, 0.0, -1.0, -2.0]) { x in x[.stride(by: -1)] },
        IndexCase(input: .v, "x[1:]", shape: [5], values: [-1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[1...] },
        IndexCase(input: .v, "x[:3]", shape: [3], values: [-2.0, -1.0, 0.0]) { x in x[..<3] },
        IndexCase(input: .v, "x[1:3]", shape: [2], values: [-1.0, 0.0]) { x in x[1..<3] },
        IndexCase(input: .v, "x[0]", shape: [], values: [-2.0]) { x in x[0] },
        IndexCase(input: .v, "x[-1]", shape: [], values: [3.0]) { x in x[-1] },
        IndexCase(input: .v, "x[2:5]", shape: [3], values: [0.0, 1.0, 2.0]) { x in x[2...4] },
        IndexCase(input: .v, "x[-3:]", shape: [3], values: [1.0, 2.0, 3.0]) { x in x[(-3)...(-1)] },
        IndexCase(input: .v, "x[:3]", shape: [3], values: [-2.0, -1.0, 0.0]) { x in x[...2] },
        IndexCase(input: .v, "x[:]", shape: [6], values: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[.all] },
        IndexCase(input: .v, "x[...]", shape: [6], values: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[.ellipsis] },
        IndexCase(input: .v, "x[4::-2]", shape: [3], values: [2.0, 0.0, -2.0]) { x in x[.stride(from: 4, by: -2)] },
        IndexCase(input: .v, "x[-2:]", shape: [2], values: [2.0, 3.0]) { x in x[.slice(start: -2)] },
        IndexCase(input: .v, "x[10:]", shape: [0], values: []) { x in x[.slice(start: 10)] },
        IndexCase(input: .v, "x[-10:10]", shape: [6], values: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[.slice(start: -10, stop: 10)] },
        IndexCase(input: .v, "x[10:-10:-3]", shape: [2], values: [3.0, 0.0]) { x in x[.stride(from: 10, to: -10, by: -3)] },
        IndexCase(input: .v, "x[:-1:2]", shape: [3], values: [-2.0, 0.0, 2.0]) { x in x[.slice(stop: -1, step: 2)] },
        IndexCase(input: .v, "x[3:1]", shape: [0], values: []) { x in x[.slice(start: 3, stop: 1)] },
        IndexCase(input: .v, "x[:0:-1]", shape: [5], values: [3.0, 2.0, 1.0, 0.0, -1.0]) { x in x[.stride(to: 0, by: -1)] },
        IndexCase(input: .v, "x[::4]", shape: [2], values: [-2.0, 2.0]) { x in x[.stride(by: 4)] },
        IndexCase(input: .v, "x[::100]", shape: [1], values: [-2.0]) { x in x[.stride(by: 100)] },
        IndexCase(input: .v, "x[::-100]", shape: [1], values: [3.0]) { x in x[.stride(by: -100)] },
        IndexCase(input: .v, "x[None]", shape: [1, 6], values: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[.newAxis] },
        IndexCase(input: .v, "x[None, 1:]", shape: [1, 5], values: [-1.0, 0.0, 1.0, 2.0, 3.0]) { x in x[.newAxis, 1...] },
        IndexCase(input: .v, "x[::-1, None]", shape: [6, 1], values: [3.0, 2.0, 1.0, 0.0, -1.0, -2.0]) { x in x[.stride(by: -1), .newAxis] },
        IndexCase(input: .v, "x[2, None]", shape: [1], values: [0.0]) { x in x[2, .newAxis] },
        IndexCase(input: .v, "x[::-1][1:][::2]", shape: [3], values: [2.0, 0.0, -2.0]) { x in x[.stride(by: -1)][1...][.stride(by: 2)] },
        IndexCase(input: .A, "x[0]", shape: [4], values: [-5.0, -4.0, -3.0, -2.0]) { x in x[0] },
        IndexCase(input: .A, "x[-1]", shape: [4], values: [3.0, 4.0, 5.0, 6.0]) { x in x[-1] },
        IndexCase(input: .A, "x[:, ::-1]", shape: [3, 4], values: [-2.0, -3.0, -4.0, -5.0, 2.0, 1.0, 0.0, -1.0, 6.0, 5.0, 4.0, 3.0]) { x in x[.all, .stride(by: -1)] },
        IndexCase(input: .A, "x[..., ::-1]", shape: [3, 4], values: [-2.0, -3.0, -4.0, -5.0, 2.0, 1.0, 0.0, -1.0, 6.0, 5.0, 4.0, 3.0]) { x in x[.ellipsis, .stride(by: -1)] },
        IndexCase(input: .A, "x[1, 2]", shape: [], values: [1.0]) { x in x[1, 2] },
        IndexCase(input: .A, "x[:, 1]", shape: [3], values: [-4.0, 0.0, 4.0]) { x in x[.all, 1] },
        IndexCase(input: .A, "x[::2, 1::2]", shape: [2, 2], values: [-4.0, -2.0, 4.0, 6.0]) { x in x[.stride(by: 2), .stride(from: 1, by: 2)] },
        IndexCase(input: .A, "x[:, None]", shape: [3, 1, 4], values: [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) { x in x[.all, .newAxis] },
        IndexCase(input: .A, "x[0, None]", shape: [1, 4], values: [-5.0, -4.0, -3.0, -2.0]) { x in x[0, .newAxis] },
        IndexCase(input: .A, "x[..., None]", shape: [3, 4, 1], values: [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) { x in x[.ellipsis, .newAxis] },
        IndexCase(input: .A, "x[None, ..., 1]", shape: [1, 3], values: [-4.0, 0.0, 4.0]) { x in x[.newAxis, .ellipsis, 1] },
        IndexCase(input: .A, "x[-1, 1:3]", shape: [2], values: [4.0, 5.0]) { x in x[-1, 1..<3] },
        IndexCase(input: .A, "x[5:]", shape: [0, 4], values: []) { x in x[5...] },
        IndexCase(input: .A, "x[:, 2:2]", shape: [3, 0], values: []) { x in x[.all, 2..<2] },
        IndexCase(input: .A, "x[::-1, ::-1]", shape: [3, 4], values: [6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0, -2.0, -3.0, -4.0, -5.0]) { x in x[.stride(by: -1), .stride(by: -1)] },
        IndexCase(input: .A, "x.T[1]", shape: [3], values: [-4.0, 0.0, 4.0]) { x in x.T[1] },
        IndexCase(input: .A, "x.T[::-2, 0]", shape: [2], values: [-2.0, -4.0]) { x in x.T[.stride(by: -2), 0] },
        IndexCase(input: .A, "x.T[:, -1:0:-1]", shape: [4, 2], values: [3.0, -1.0, 4.0, 0.0, 5.0, 1.0, 6.0, 2.0]) { x in x.T[.all, .stride(from: -1, to: 0, by: -1)] },
        IndexCase(input: .T, "x[1, ..., 2]", shape: [3], values: [7.0, 11.0, 15.0]) { x in x[1, .ellipsis, 2] },
        IndexCase(input: .T, "x[:, -1]", shape: [2, 4], values: [1.0, 2.0, 3.0, 4.0, 13.0, 14.0, 15.0, 16.0]) { x in x[.all, -1] },
        IndexCase(input: .T, "x[..., 0]", shape: [2, 3], values: [-7.0, -3.0, 1.0, 5.0, 9.0, 13.0]) { x in x[.ellipsis, 0] },
        IndexCase(input: .T, "x[1, 1:, ::-1]", shape: [2, 4], values: [12.0, 11.0, 10.0, 9.0, 16.0, 15.0, 14.0, 13.0]) { x in x[1, 1..., .stride(by: -1)] },
        IndexCase(input: .T, "x[0][1][2]", shape: [], values: [-1.0]) { x in x[0][1][2] },
        IndexCase(input: .T, "x[-1, -1, -1]", shape: [], values: [16.0]) { x in x[-1, -1, -1] },
        IndexCase(input: .T, "x.transpose(2, 0, 1)[::-1, 1]", shape: [4, 3], values: [8.0, 12.0, 16.0, 7.0, 11.0, 15.0, 6.0, 10.0, 14.0, 5.0, 9.0, 13.0]) { x in x.transposed(axes: [2, 0, 1])[.stride(by: -1), 1] },
        IndexCase(input: .T, "x.transpose(2, 0, 1)[1:, :, ::-2][:, 1]", shape: [3, 2], values: [14.0, 6.0, 15.0, 7.0, 16.0, 8.0]) { x in x.transposed(axes: [2, 0, 1])[1..., .all, .stride(by: -2)][.all, 1] },
    ]
}

/// Slice lengths `len(range(*slice(start, stop, step).indices(length)))` from numpy, in the loop
/// order lengths × starts × stops × steps of `SliceGrid`.
enum SliceGrid {
    static let lengths = [0, 1, 5]
    static let bounds: [Int?] = [nil, -7, -2, 0, 2, 7]
    static let steps: [Int?] = [nil, -3, -1, 1, 2]
    static let counts: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1,
        1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1,
        1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1,
        1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1,
        0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        5, 2, 5, 5, 3, 0, 2, 5, 0, 0, 3, 1, 1, 3, 2, 0, 2, 4, 0, 0, 2, 1, 2, 2, 1, 5, 0, 0, 5, 3,
        5, 0, 0, 5, 3, 0, 0, 0, 0, 0, 3, 0, 0, 3, 2, 0, 0, 0, 0, 0, 2, 0, 0, 2, 1, 5, 0, 0, 5, 3,
        2, 2, 4, 2, 1, 0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1, 1, 0, 0, 2, 0, 0, 2, 1,
        5, 1, 1, 5, 3, 0, 1, 1, 0, 0, 3, 0, 0, 3, 2, 0, 0, 0, 0, 0, 2, 0, 0, 2, 1, 5, 0, 0, 5, 3,
        3, 1, 3, 3, 2, 0, 1, 3, 0, 0, 1, 0, 0, 1, 1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 3, 2,
        0, 2, 5, 0, 0, 0, 2, 5, 0, 0, 0, 1, 1, 0, 0, 0, 2, 4, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0,
    ]

    /// Every combination with its expected count.
    static var combinations: [(length: Int, start: Int?, stop: Int?, step: Int?, count: Int)] {
        var result: [(length: Int, start: Int?, stop: Int?, step: Int?, count: Int)] = []
        for length in lengths {
            for start in bounds {
                for stop in bounds {
                    for step in steps {
                        result.append((length, start, stop, step, counts[result.count]))
                    }
                }
            }
        }
        return result
    }
}
