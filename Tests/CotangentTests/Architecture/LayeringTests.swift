import Foundation
import Testing

/// The layers, bottom to top, and what each may import. The package graph already makes an
/// upward import a build error (a cycle, or with `--explicit-target-dependency-import-check
/// error`, as CI builds, an undeclared dependency); this test reads the sources so the rule is
/// also checked, with a readable message, by a plain `swift test`.
@Suite("Layering")
struct LayeringTests {
    static let layers = ["CotangentArrays", "CotangentGraph", "CotangentOps", "CotangentRewriting", "CotangentEngine", "Cotangent"]

    /// The package's Sources folder, found from this file's path.
    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// The library modules a Swift file imports (`import CotangentX`, `@_exported import …`).
    static func cotangentImports(of file: URL) throws -> Set<String> {
        let text = try String(contentsOf: file, encoding: .utf8)
        var found: Set<String> = []
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let position = words.firstIndex(of: "import"), position + 1 < words.count,
                words[..<position].allSatisfy({ $0.hasPrefix("@") })
            else { continue }
            let module = words[position + 1]
            if layers.contains(module) { found.insert(module) }
        }
        return found
    }

    @Test(arguments: layers)
    func layerImportsOnlyLowerLayers(_ layer: String) throws {
        let level = Self.layers.firstIndex(of: layer)!
        let allowed = Set(Self.layers[..<level])
        let folder = Self.sources.appendingPathComponent(layer)
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(!files.isEmpty, "no sources found for \(layer) at \(folder.path)")
        for file in files {
            let forbidden = try Self.cotangentImports(of: file).subtracting(allowed)
            #expect(forbidden.isEmpty, "\(layer)/\(file.lastPathComponent) imports \(forbidden.sorted()), above its layer")
        }
    }

    /// The check itself reads imports the way the compiler does.
    @Test func importScannerFindsAttributedImports() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("layering-probe-\(UUID()).swift")
        try "import CotangentOps\n@_exported import CotangentEngine\n// import CotangentRewriting\nimport Foundation\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try Self.cotangentImports(of: file) == ["CotangentOps", "CotangentEngine"])
    }
}
