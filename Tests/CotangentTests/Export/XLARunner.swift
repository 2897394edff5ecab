import Foundation
import Testing

@testable import Cotangent
import CotangentExport

/// Runs exported modules on XLA through `xla/run_stablehlo.py` and compares them with
/// Cotangent's own values.
///
/// The suites that use it are enabled when `COTANGENT_XLA_PYTHON` names a Python with jaxlib
/// (`.ci/run` installs one and sets it, together with `COTANGENT_REQUIRE_XLA=1`). When XLA is
/// required but no Python is given, they run and fail, so CI can never skip them.
enum XLARunner {
    /// The Python to run the script with, if configured.
    static var python: String? { ProcessInfo.processInfo.environment["COTANGENT_XLA_PYTHON"] }

    /// Whether the XLA suites run (configured, or required and so failing without it).
    static var isEnabled: Bool { python != nil || ProcessInfo.processInfo.environment["COTANGENT_REQUIRE_XLA"] == "1" }

    /// The repository's runner script.
    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("xla/run_stablehlo.py")
    }

    /// One export to run: the module, its arguments and the values it must give.
    struct Case {
        let name: String
        let module: String
        let inputs: [NDArray]
        var expected: [NDArray]
        var rtol = 1e-12
        var atol = 1e-12
        /// The op types the export lowered (not counting nodes folded at export).
        var loweredOps: Set<String> = []
    }

    /// A case built from a graph: exported for the inputs' shapes, expected values from a
    /// compiled Cotangent function.
    static func graphCase(
        _ name: String, inputs: [Variable], outputs: [Variable], values: [NDArray], rtol: Double = 1e-12,
        atol: Double = 1e-12
    ) throws -> Case {
        let module = try exportStableHLOModule(inputs: inputs, outputs: outputs, inputShapes: values.map(\.shape))
        let f = try function(inputs: inputs, outputs: outputs, onUnusedInput: .ignore)
        return Case(
            name: name, module: module.text, inputs: values, expected: try f.call(values), rtol: rtol, atol: atol,
            loweredOps: module.loweredOps)
    }

    /// Gathers the cases the suites would run instead of running them (the coverage test reads
    /// which op types they lower, without XLA).
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var collected: [Case] = []
        func add(_ cases: [Case]) { lock.withLock { collected += cases } }
        var cases: [Case] { lock.withLock { collected } }
    }

    /// Set by the coverage test: `check` and `run` hand their cases to it and run nothing.
    @TaskLocal static var collector: Collector?

    /// Runs the cases in one Python process (`--batch`) and returns each case's outputs, or
    /// the error XLA reported for it. While collecting, records the cases and throws (a test
    /// reading outputs cannot go on without them).
    static func run(_ cases: [Case], devices: Int = 0) throws -> [String: Result<[NDArray], XLAFailure>] {
        if let collector {
            collector.add(cases)
            throw XLAFailure(message: "collecting cases: not run")
        }
        let names = cases.map(\.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw XLAFailure(message: "two cases are named '\(repeated)': their results would be confused")
        }
        guard let python else {
            throw XLAFailure(message: "COTANGENT_REQUIRE_XLA is set but COTANGENT_XLA_PYTHON names no Python with jaxlib")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-xla-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, testCase) in cases.enumerated() {
            let caseFolder = folder.appendingPathComponent(String(format: "%04d", index))
            try FileManager.default.createDirectory(at: caseFolder, withIntermediateDirectories: true)
            try testCase.module.write(to: caseFolder.appendingPathComponent("module.mlir"), atomically: true, encoding: .utf8)
            for (k, input) in testCase.inputs.enumerated() {
                try input.write(npyFile: caseFolder.appendingPathComponent("input_\(k).npy"))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, "--batch", folder.path] + (devices > 0 ? ["--devices", "\(devices)"] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw XLAFailure(message: "run_stablehlo.py exited with \(process.terminationStatus):\n\(log)")
        }
        var results: [String: Result<[NDArray], XLAFailure>] = [:]
        for (index, testCase) in cases.enumerated() {
            let caseFolder = folder.appendingPathComponent(String(format: "%04d", index))
            let error = caseFolder.appendingPathComponent("error.txt")
            if let text = try? String(contentsOf: error, encoding: .utf8) {
                results[testCase.name] = .failure(XLAFailure(message: text + "\n" + testCase.module))
                continue
            }
            let outputs = try testCase.expected.indices.map { k in
                try NDArray(npyFile: caseFolder.appendingPathComponent("output_\(k).npy"))
            }
            results[testCase.name] = .success(outputs)
        }
        return results
    }

    /// Runs the cases and records an issue for each one whose outputs differ from the expected
    /// values (dtype, shape, or a value beyond the tolerances) or that XLA rejected.
    static func check(_ cases: [Case], devices: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let collector {
            collector.add(cases)
            return
        }
        let results = try run(cases, devices: devices)
        for testCase in cases {
            switch results[testCase.name]! {
            case .failure(let failure):
                Issue.record("\(testCase.name): XLA failed: \(failure.message)", sourceLocation: sourceLocation)
            case .success(let outputs):
                for mismatch in mismatches(testCase, outputs) {
                    Issue.record(Comment(rawValue: mismatch), sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// Why XLA's outputs differ from the case's expected values (empty when they agree).
    static func mismatches(_ testCase: Case, _ outputs: [NDArray]) -> [String] {
        guard outputs.count == testCase.expected.count else {
            return ["\(testCase.name): XLA gave \(outputs.count) outputs, expected \(testCase.expected.count)"]
        }
        var found: [String] = []
        for (k, (got, want)) in zip(outputs, testCase.expected).enumerated() {
            let sameType = got.dtype == want.dtype && got.shape == want.shape
            let close =
                sameType && (try? got.allClose(want, rtol: testCase.rtol, atol: testCase.atol, equalNaN: true)) == true
            if !close {
                found.append(
                    "\(testCase.name) output \(k): XLA gave \(got) (\(got.dtype) \(got.shape)), Cotangent \(want) "
                        + "(\(want.dtype) \(want.shape))")
            }
        }
        return found
    }
}

/// XLA could not compile or run a module (or the runner could not start).
struct XLAFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
