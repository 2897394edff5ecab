import Foundation
import Testing

/// Every public symbol of the library targets has a doc comment (`DocumentationScanner` states
/// the rule: which declarations count, and why implementations of protocol requirements and
/// overrides are exempt). DocC shows an undocumented symbol with an empty page; this names the
/// file and line of each.
@Suite("Documentation coverage")
struct DocumentationCoverageTests {
    /// The targets whose public symbols users see (the umbrella re-exports the others).
    static let libraryTargets = [
        "CotangentArrays", "CotangentGraph", "CotangentOps", "CotangentRewriting", "CotangentEngine",
        "CotangentExport", "Cotangent",
    ]

    /// The package's root folder, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The Swift files of the library targets, as (path relative to the package, text).
    static func librarySources() throws -> [(path: String, text: String)] {
        var files: [(path: String, text: String)] = []
        for target in libraryTargets {
            let folder = packageRoot.appendingPathComponent("Sources").appendingPathComponent(target)
            let urls = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
            for url in urls {
                let path = url.path.replacingOccurrences(of: packageRoot.path + "/", with: "")
                files.append((path, try String(contentsOf: url, encoding: .utf8)))
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    @Test func everyPublicDeclarationHasADocComment() throws {
        let files = try Self.librarySources()
        #expect(files.count > 100, "library sources not found under \(Self.packageRoot.path)")
        let findings = DocumentationScanner.undocumented(in: files)
        for finding in findings {
            Issue.record("no doc comment: \(finding)")
        }
    }

    /// The scanner itself: what it reports and what it lets pass.
    @Test func scannerAppliesTheRule() {
        let source = """
            /// Documented.
            public struct Documented: CustomStringConvertible, Worker {
                public var description: String { "" }     // a requirement: inherits its docs
                public func work(_ x: Int, times: Int) {} // a requirement of Worker
                public func work(_ x: Int) {}             // not a requirement: other labels
                /// Documented.
                @inlinable public var documented: Int { 1 }
                var internalOne: Int { 2 }
                public let a = "{ a brace in a string", b = 1
                func helper() {
                    public let insideABody = 1
                }
            }

            /// Documented.
            public protocol Worker {
                func work(_ x: Int, times: Int)
                /// Documented.
                var speed: Double { get }
            }

            extension Worker {
                public var speed: Double { 1 }            // a default implementation
                public func rest() {}
            }

            /// Documented.
            public enum Kind {
                case first
                /// Documented.
                case second
                case third, fourth
                /// Documented.
                public static func make() -> Kind { .first }
            }

            enum Hidden {
                case notPublic
            }

            /** Documented. */
            public func documentedByABlock() {}
            /* Not a doc comment. */
            public func plainComment() {}
            """
        let findings = DocumentationScanner.undocumented(in: [("probe.swift", source)]).map { "\($0.line): \($0.declaration)" }
        #expect(findings == [
            "5: func work(_:)",
            "9: let a",
            "17: func work(_:times:)",
            "24: func rest()",
            "29: case first",
            "32: case third, fourth (one comment for several cases: give each case its own line and comment)",
            "44: func plainComment()",
        ])
    }
}
