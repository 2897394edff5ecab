import Foundation
import Testing

/// The DocC catalog's articles that copy a document of the package stay in step with it, and
/// the landing page lists every article.
@Suite("Documentation catalog")
struct DocumentationCatalogTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
    static var catalog: URL { packageRoot.appendingPathComponent("Sources/Cotangent/Cotangent.docc") }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// The rows of the README's "PyTensor → Cotangent" table (header and separator included).
    static func readmeTableRows() throws -> [String] {
        let lines = try read(packageRoot.appendingPathComponent("README.md")).components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "## PyTensor → Cotangent") else { return [] }
        let section = lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }
        return section.filter { $0.hasPrefix("|") }
    }

    @Test func comingFromPyTensorHasEveryRowOfTheReadmeTable() throws {
        let rows = try Self.readmeTableRows()
        #expect(rows.count > 40, "the README's PyTensor → Cotangent table was not found")
        let article = try Self.read(Self.catalog.appendingPathComponent("ComingFromPyTensor.md"))
            .components(separatedBy: "\n")
        let articleRows = Set(article.filter { $0.hasPrefix("|") })
        for row in rows where !articleRows.contains(row) {
            Issue.record("ComingFromPyTensor.md lacks the README row: \(row)")
        }
        for row in articleRows.subtracting(rows) {
            Issue.record("ComingFromPyTensor.md has a row the README's table does not: \(row)")
        }
    }

    /// Architecture.md is ARCHITECTURE.md after its title, with its sections one level down.
    @Test func architectureArticleFollowsArchitectureMd() throws {
        let source = try Self.read(Self.packageRoot.appendingPathComponent("ARCHITECTURE.md"))
            .components(separatedBy: "\n").dropFirst()
            .map { $0.hasPrefix("## ") ? "#" + $0 : $0 }
            .filter { !$0.isEmpty }
        #expect(source.count > 50)
        let article = try Self.read(Self.catalog.appendingPathComponent("Architecture.md"))
            .components(separatedBy: "\n")
        // Every line of the document, in its order, in the article.
        var position = article.startIndex
        for line in source {
            guard let found = article[position...].firstIndex(of: line) else {
                Issue.record("Architecture.md lacks (or reorders) this line of ARCHITECTURE.md: \(line)")
                return
            }
            position = found + 1
        }
    }

    @Test func landingPageListsEveryArticle() throws {
        let landing = try Self.read(Self.catalog.appendingPathComponent("Cotangent.md"))
        let articles = try FileManager.default.contentsOfDirectory(atPath: Self.catalog.path)
            .filter { $0.hasSuffix(".md") && $0 != "Cotangent.md" }
        #expect(articles.count >= 8)
        for article in articles {
            let name = String(article.dropLast(3))
            if !landing.contains("<doc:\(name)>") { Issue.record("Cotangent.md does not list \(name)") }
        }
    }

    /// The lines of the articles' Swift code blocks, each as `DocumentationExamplesTests` runs it
    /// (compared without indentation and trailing `//` comments). Package manifests are exempt.
    @Test func articleCodeIsWhatTheExamplesTestRuns() throws {
        func normalized(_ line: Substring) -> String {
            var text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("//") { return "" }
            if let comment = text.range(of: "  //") ?? text.range(of: " // ") { text = String(text[..<comment.lowerBound]) }
            return text.trimmingCharacters(in: .whitespaces)
        }
        let examples = try Self.read(Self.packageRoot.appendingPathComponent(
            "Tests/CotangentTests/Docs/DocumentationExamplesTests.swift"))
        let run = Set(examples.split(separator: "\n").map(normalized))
        let articles = try FileManager.default.contentsOfDirectory(atPath: Self.catalog.path).filter { $0.hasSuffix(".md") }
        var checked = 0
        for article in articles.sorted() {
            let lines = try Self.read(Self.catalog.appendingPathComponent(article)).split(separator: "\n", omittingEmptySubsequences: false)
            var block: [Substring]?
            for line in lines {
                if line.hasPrefix("```swift") {
                    block = []
                } else if line.hasPrefix("```"), let code = block {
                    block = nil
                    if code.contains(where: { $0.contains(".package(") }) { continue }
                    for codeLine in code.map(normalized) where !codeLine.isEmpty {
                        checked += 1
                        if !run.contains(codeLine) {
                            Issue.record("\(article): not run by DocumentationExamplesTests: \(codeLine)")
                        }
                    }
                } else {
                    block?.append(line)
                }
            }
        }
        #expect(checked > 50)
    }
}
