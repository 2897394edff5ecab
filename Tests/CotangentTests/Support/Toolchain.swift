import Foundation

/// The Swift toolchain, run from tests that check what only a compiler or a release build shows
/// (code that must not compile, messages that must survive `-O`).
enum Toolchain {
    /// The package's root folder (this file is `Tests/CotangentTests/Support/Toolchain.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether a `swift` driver is on the PATH (it is wherever `swift test` ran these tests).
    static let isAvailable: Bool = {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { folder in
            FileManager.default.isExecutableFile(atPath: "\(folder)/swift")
        }
    }()

    /// What a finished process printed.
    struct Output {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// Runs `arguments` (found through the PATH) in `folder`, its output going to temporary files
    /// so that long outputs never block on a full pipe.
    static func run(_ arguments: [String], in folder: URL = packageRoot) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            standardOutput: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Type-checks `source` against the package's modules as this test run built them;
    /// returns the compiler's diagnostics and whether it accepted the code.
    static func typecheck(_ source: String) throws -> (accepted: Bool, diagnostics: String) {
        // The test bundle's resources sit in the products folder, next to `Modules/`.
        let products = Bundle.module.bundleURL.deletingLastPathComponent()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-\(UUID().uuidString).swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // C modules the Swift modules import (CVectorMath, swift-numerics' shims) need their maps.
        var maps: [String] = []
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: products.path)) ?? []
        for target in targets where FileManager.default.fileExists(atPath: products.path + "/\(target)/module.modulemap") {
            maps.append(products.path + "/\(target)/module.modulemap")
        }
        var folder = products
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkouts").path) {
            folder = folder.deletingLastPathComponent()
        }
        let checkouts = folder.appendingPathComponent("checkouts")
        if let walker = FileManager.default.enumerator(atPath: checkouts.path) {
            for case let path as String in walker where path.hasSuffix("include/module.modulemap") {
                maps.append(checkouts.path + "/" + path)
            }
        }
        let output = try run(
            ["swiftc", "-typecheck", file.path, "-I", products.appendingPathComponent("Modules").path]
                + maps.flatMap { ["-Xcc", "-fmodule-map-file=\($0)"] })
        return (output.status == 0, output.standardError + output.standardOutput)
    }
}
