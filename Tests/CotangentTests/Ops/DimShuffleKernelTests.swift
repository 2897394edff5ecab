import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// `DimShuffle`'s prepared kernel keeps the last input layout's view layout: as layouts change
/// from call to call it must give `perform`'s view exactly (and throw where `perform` throws).
@Suite("DimShuffle prepared kernel")
struct DimShuffleKernelTests {
    /// A `rows × columns` array of distinct values.
    static func matrix(_ rows: Int, _ columns: Int, from start: Double = 0) -> NDArray {
        NDArray(shape: [rows, columns], elements: (0..<(rows * columns)).map { start + Double($0) })
    }

    @Test(arguments: [[Int?](arrayLiteral: 1, 0), [nil, 1, 0, nil], [1, nil]])
    func preparedKernelGivesPerformsViewAsLayoutsChange(_ order: [Int?]) throws {
        // `[1, nil]` drops axis 0, which must be 1.
        let dropsRows = !order.contains(0)
        let x = Variable(type: TensorType(dtype: .float64, shape: [dropsRows ? 1 : nil, nil]), name: "x")
        let node = try #require(x.dimShuffled(order).owner)
        #expect(node.op is DimShuffle)
        let kernel = try #require(node.op.preparedKernel(node))
        let rows = dropsRows ? 1 : 3
        let big = Self.matrix(rows + 4, 9)
        let layouts: [NDArray] = [
            Self.matrix(rows, 5), Self.matrix(rows, 5, from: 100),  // the same layout, other values
            big.sliced(axis: 0, start: 1, step: 1, count: rows).sliced(axis: 1, start: 2, step: 2, count: 3),
            big.sliced(axis: 0, start: 2, step: 1, count: rows).sliced(axis: 1, start: 3, step: 2, count: 3),  // shifted
            Self.matrix(5, rows).transposed([1, 0]),
            Self.matrix(rows, 0), Self.matrix(rows, 7),
            Self.matrix(rows + 1, 5),  // a dropped axis that is not 1: both throw
            Self.matrix(rows, 5),
        ]
        for (k, value) in layouts.enumerated() {
            let expected = Result { try node.op.perform([value], node: node)[0] }
            let prepared = Result { try kernel.performSingle([value], destroying: .none) }
            switch (expected, prepared) {
            case (.success(let want), .success(let got)):
                #expect(got.shape == want.shape && got.strides == want.strides && got.offset == want.offset, "call \(k)")
                #expect(got.storage === value.storage, "call \(k): a view of the input")
                #expect(got == want, "call \(k)")
            case (.failure(let want), .failure(let got)):
                #expect("\(got)" == "\(want)", "call \(k)")
            default:
                Issue.record("call \(k): perform gave \(expected), the prepared kernel \(prepared)")
            }
        }
    }
}
