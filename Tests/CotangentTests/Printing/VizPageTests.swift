import Foundation
import Testing
@testable import Cotangent
@testable import CotangentCLI

/// `vizHTML`'s page, loaded in headless Chromium with its `#selftest`: no script errors, every
/// node of both graphs drawn, hovering shows a node's details, the wheel zooms.
@Suite("Graph pages in a browser")
struct VizPageTests {
    /// Chromium on the PATH (Debian's package installs `chromium`).
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return ["chromium", "chromium-browser", "google-chrome"].lazy.flatMap { name in
            path.split(separator: ":").map { "\($0)/\(name)" }
        }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The page's self-test result, as the browser left it in the DOM.
    struct SelfTest: Decodable {
        struct Panel: Decodable {
            let nodes: Int
            let missing: [String]
            let hover: [String: Bool]
            let zoomed: Bool
        }
        let errors: [String]
        let panels: [String: Panel]
        let status: String
    }

    /// Loads `page` in headless Chromium with `#selftest` and returns what the self-test wrote.
    static func selfTest(_ page: String) throws -> SelfTest {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-page-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("page.html")
        try page.write(to: file, atomically: true, encoding: .utf8)
        // `timeout`: a browser that hangs fails the test instead of stalling the suite.
        let run = try Toolchain.run([
            "timeout", "120", try #require(chromium), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            "--disable-dev-shm-usage",
            "--user-data-dir=\(folder.appendingPathComponent("profile").path)", "--window-size=1400,900",
            "--virtual-time-budget=5000", "--dump-dom", file.absoluteString + "#selftest",
        ])
        let dom = run.standardOutput
        guard let start = dom.range(of: "<pre id=\"selftest-result\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else {
            Issue.record("no self-test result (status \(run.status)):\n\(run.standardError.suffix(2000))")
            throw CancellationError()
        }
        let text = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(SelfTest.self, from: Data(text.utf8))
    }

    static func check(_ result: SelfTest, before: Int, after: Int) {
        #expect(result.errors.isEmpty, "script errors: \(result.errors)")
        #expect(result.status == "pass")
        #expect(result.panels["before"]?.nodes == before)
        #expect(result.panels["after"]?.nodes == after)
        for (name, panel) in result.panels {
            #expect(panel.missing.isEmpty, "\(name): nodes not drawn: \(panel.missing)")
            #expect(!panel.hover.isEmpty && panel.hover.values.allSatisfy { $0 }, "\(name): hover: \(panel.hover)")
            #expect(panel.zoomed, "\(name): the wheel did not zoom")
        }
    }

    /// Where the page test must run (CI installs both), a missing browser or Graphviz fails.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["COTANGENT_REQUIRE_BROWSER"] != nil))
    func browserAndGraphvizAreInstalledWhereRequired() {
        #expect(Self.chromium != nil, "COTANGENT_REQUIRE_BROWSER is set but chromium is not on the PATH")
        #expect(GraphPicture.graphvizPath() != nil, "COTANGENT_REQUIRE_BROWSER is set but Graphviz's dot is not on the PATH")
    }

    static let layouts: [VizLayout] = GraphPicture.graphvizPath() != nil ? [.layered, .graphviz] : [.layered]

    @Test(
        .enabled(if: chromium != nil, "Chromium is not installed (apt-get install chromium); the page is not loaded"),
        arguments: ["jacobian_convolve1d", "hessian"], layouts)
    func pageLoadsShowsEveryNodeAndHovers(name: String, layout: VizLayout) throws {
        let example = try #require(VizExamples.named(name))
        let compiled = try function(inputs: example.inputs, outputs: example.outputs, onUnusedInput: .ignore)
        let profile = try compiled.profile(example.values, calls: 2)
        let page = try vizHTML(
            before: example.outputs, after: compiled.outputs, profile: profile, title: name, layout: layout)
        #expect(page.contains(layout == .graphviz ? "laid out by Graphviz dot" : "laid out by built-in layered layout"))
        // Self-contained: nothing loaded from elsewhere.
        for outside in ["<script src", "<link", "src=\"http", "href=\"http", "@import", "url(http"] {
            #expect(!page.contains(outside), "\(outside)")
        }
        let result = try Self.selfTest(page)
        Self.check(
            result, before: GraphPicture(outputs: example.outputs).nodes.count,
            after: GraphPicture(outputs: compiled.outputs).nodes.count)
    }

    /// Inner graphs on the page: a loop's body and a branch's two sides as clusters.
    @Test(
        .enabled(if: chromium != nil, "Chromium is not installed (apt-get install chromium); the page is not loaded"),
        arguments: layouts)
    func loopsAndBranchesAreDrawn(layout: VizLayout) throws {
        let x = Tensor.vector("x"), A = Tensor.matrix("A"), n = Tensor.scalar("n", dtype: .int64)
        let (last, sums) = scan(initial: x, over: A) { carry, row in (tanh(carry * row), carry.sum()) }
        let chosen = ifElse(n .> 0, then: last.sum(), else: sums.prod())
        let page = try vizHTML(
            inputs: [x, A, n], outputs: [chosen],
            profiling: [NDArray([0.5, 0.25]), NDArray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), NDArray(scalar: Int64(1))],
            calls: 2, layout: layout)
        let before = GraphPicture(outputs: [chosen])
        #expect(before.clusters.count >= 3, "a loop body and two branches: \(before.clusters.map(\.label))")
        for cluster in before.clusters { #expect(page.contains("before-\(cluster.id)") || page.contains("before&#45;\(cluster.id)")) }
        let result = try Self.selfTest(page)
        #expect(result.status == "pass", "\(result.errors) \(result.panels)")
        #expect(result.panels["before"]?.nodes == before.nodes.count)
    }

    /// A page whose script breaks reports it: the self-test is not a test that cannot fail.
    @Test(.enabled(if: chromium != nil, "Chromium is not installed (apt-get install chromium); the page is not loaded"))
    func aBrokenPageFailsItsSelfTest() throws {
        let x = Tensor.vector("x")
        let page = try vizHTML(before: [exp(x)], after: [exp(x)], layout: .layered)
        // A node missing from the drawing, and a script error.
        let broken = page.replacingOccurrences(of: "id=\"after-n1\"", with: "id=\"after-gone\"")
            .replacingOccurrences(of: "var hovered = null;", with: "var hovered = null; undefinedFunction();")
        let result = try Self.selfTest(broken)
        #expect(result.status == "fail")
        #expect(result.errors.contains { $0.contains("undefinedFunction") }, "\(result.errors)")
    }
}
