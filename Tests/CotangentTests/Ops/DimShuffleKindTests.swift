import Testing
@testable import CotangentOps

/// `DimShuffle`'s kinds (identity, expand, squeeze, transpose) are read from `newOrder` without
/// building its kept/added/dropped lists; they must say exactly what the lists say, for every
/// order, valid or not (an invalid one is still described in its error message).
@Suite("DimShuffle kinds")
struct DimShuffleKindTests {
    /// Every order of up to four entries, each nil or an axis in -1...3.
    static func orders() -> [[Int?]] {
        let entries: [Int?] = [nil, -1, 0, 1, 2, 3]
        var orders: [[Int?]] = [[]]
        var frontier: [[Int?]] = [[]]
        for _ in 0..<4 {
            frontier = frontier.flatMap { order in entries.map { order + [$0] } }
            orders += frontier
        }
        return orders
    }

    @Test func kindsMatchTheirDefinitionsOnEveryOrder() {
        var checked = 0
        for inputNdim in 0...3 {
            for order in Self.orders() {
                let op = DimShuffle(inputNdim: inputNdim, newOrder: order)
                let identity = Array(0..<inputNdim)
                let expand = op.drop.isEmpty && op.shuffle == identity && !op.augment.isEmpty
                let squeeze = op.augment.isEmpty && !op.drop.isEmpty && op.shuffle == op.shuffle.sorted()
                let transpose = op.augment.isEmpty && op.drop.isEmpty && op.shuffle != identity
                let same = op.augment.isEmpty && op.drop.isEmpty && op.shuffle == identity
                #expect(op.isExpandDims == expand, "\(inputNdim) \(order) expand")
                #expect(op.isSqueeze == squeeze, "\(inputNdim) \(order) squeeze")
                #expect(op.isTranspose == transpose, "\(inputNdim) \(order) transpose")
                #expect(op.isIdentity == same, "\(inputNdim) \(order) identity")
                checked += 1
            }
        }
        #expect(checked == 4 * 1555)
    }
}
