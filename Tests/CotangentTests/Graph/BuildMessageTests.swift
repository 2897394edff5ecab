import Foundation
import Testing

/// A graph-building error outside `checked` stops with its message in release builds too
/// (`precondition` messages are dropped under `-O`; Cotangent stops with `fatalError`).
@Suite("Building errors in release builds")
struct BuildMessageTests {
    @Test(.enabled(if: Toolchain.isAvailable, "needs the swift driver on the PATH"), .timeLimit(.minutes(30)))
    func releaseBuildPrintsTheMessage() throws {
        // A scratch folder of its own: the `.build` of the running `swift test` stays locked.
        let scratch = Toolchain.packageRoot.appendingPathComponent(".build/release-check").path
        let build = try Toolchain.run(
            ["swift", "build", "-c", "release", "--product", "cotangent", "--scratch-path", scratch])
        try #require(build.status == 0, "release build failed:\n\(build.standardError)\(build.standardOutput)")
        let run = try Toolchain.run(["\(scratch)/release/cotangent", "stop-on-impossible-graph"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("Cotangent: "), "\(run.standardError)")
        #expect(run.standardError.contains("Matrix(float64, shape=(2, 3))"), "\(run.standardError)")
        #expect(run.standardError.contains("Matrix(float64, shape=(4, 5))"), "\(run.standardError)")
    }
}
