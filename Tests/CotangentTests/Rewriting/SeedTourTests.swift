import Foundation
import Testing
@testable import Cotangent
@testable import CotangentCLI
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The tour reproduces every block of the seed's expected outputs, byte for byte, in order.
@Suite("Seed tour")
struct SeedTourTests {
    /// `(name, text)` blocks of `seed_expected_outputs.txt` (a copy of the seed's expected outputs).
    static let expected: [(name: String, text: String)] = {
        let url = Bundle.module.url(forResource: "seed_expected_outputs", withExtension: "txt", subdirectory: "Fixtures")!
        let content = try! String(contentsOf: url, encoding: .utf8)
        var blocks: [(String, String)] = []
        var name: String? = nil
        var lines: [String] = []
        for line in content.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("=== ") {
                if let name { blocks.append((name, lines.joined(separator: "\n"))) }
                name = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(String(line))
            }
        }
        if let name {
            while lines.last == "" { lines.removeLast() }
            blocks.append((name, lines.joined(separator: "\n")))
        }
        return blocks
    }()

    static let blocks: [String: String] = {
        var result: [String: String] = [:]
        for section in SeedTour.sections() { for block in section.blocks { result[block.name] = block.text } }
        return result
    }()

    @Test(arguments: SeedTourTests.expected.map(\.name))
    func blockMatchesTheSeed(_ name: String) {
        let expected = Self.expected.first { $0.name == name }!.text
        #expect(Self.blocks[name] == expected, "block \(name)")
    }

    @Test func tourTextContainsEveryBlockInOrder() {
        let text = SeedTour.text()
        var searchFrom = text.startIndex
        for (name, block) in Self.expected {
            guard let range = text.range(of: block, range: searchFrom..<text.endIndex) else {
                Issue.record("block \(name) missing (or out of order) in the tour")
                continue
            }
            searchFrom = range.upperBound
        }
    }
}
