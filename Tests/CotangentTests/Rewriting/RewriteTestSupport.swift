import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Checks shared by the rewrite-family tests: rewrite a graph, count what fired, compare values
/// before and after, and check that rewriting the result again changes nothing.
enum RewriteTesting {
    /// The standard query (`fast_run`, no in-place rewrites), or a narrower one.
    static let fastRun: Set<String> = ["fast_run"]

    /// `output` rewritten with `include`, and the report.
    static func rewrite(_ output: Variable, include: Set<String> = fastRun, exclude: Set<String> = [])
        -> (result: Variable, report: RewriteReport)
    {
        var report = RewriteReport()
        // Fusion (tested on its own) would fold the structures these tests inspect into Composites.
        let result = rewriteGraph([output], include: include, exclude: exclude.union(["fusion"]), report: &report)[0]
        return (result, report)
    }

    /// Whether two arrays hold the same values up to `tolerance` (relative, with the same
    /// absolute floor): nan matches nan, infinities must be equal.
    static func close(_ actual: NDArray, _ expected: NDArray, tolerance: Double = 1e-12) -> Bool {
        guard actual.shape == expected.shape, actual.dtype == expected.dtype else { return false }
        let a = actual.asArray(Double.self)
        let b = expected.asArray(Double.self)
        return zip(a, b).allSatisfy { x, y in
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
            if x.isInfinite || y.isInfinite { return x == y }
            return Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(y))
        }
    }

    /// Rewrites `output`, expects every `fired` rewriter to have fired (at least once, or exactly
    /// the given count), no failures, the same dtype and rank, and that rewriting the result
    /// again changes nothing (same dprint, none of `fired` fires). Returns the rewritten graph.
    @discardableResult
    static func expectRewrite(
        _ output: Variable, fires fired: [String: Int?], include: Set<String> = fastRun, exclude: Set<String> = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Variable {
        let (result, report) = rewrite(output, include: include, exclude: exclude)
        for (name, count) in fired {
            let applied = report.applied[name] ?? 0
            if let count {
                #expect(applied == count, "\(name) fired \(applied) times, expected \(count)\n\(report)",
                        sourceLocation: sourceLocation)
            } else {
                #expect(applied > 0, "\(name) did not fire\n\(report)", sourceLocation: sourceLocation)
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)", sourceLocation: sourceLocation)
        #expect(result.dtype == output.dtype && result.ndim == output.ndim, sourceLocation: sourceLocation)
        let (again, secondReport) = rewrite(result, include: include, exclude: exclude)
        #expect(again.dprint() == result.dprint(), "not idempotent:\n\(result.dprint())\n→\n\(again.dprint())",
                sourceLocation: sourceLocation)
        for name in fired.keys {
            #expect(secondReport.applied[name] == nil, "\(name) fired on its own output", sourceLocation: sourceLocation)
        }
        return result
    }

    /// Expects `rewriter` not to fire on `output`.
    static func expectNoRewrite(
        _ output: Variable, _ rewriter: String, include: Set<String> = fastRun,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let (_, report) = rewrite(output, include: include)
        #expect(report.applied[rewriter] == nil, "\(rewriter) fired\n\(report)", sourceLocation: sourceLocation)
    }

    /// Evaluates `original` and `rewritten` on the same inputs and expects close values.
    static func expectSameValues(
        _ original: Variable, _ rewritten: Variable, _ inputs: [String: NDArray], tolerance: Double = 1e-12,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let before = try run(original, inputs)
            let after = try run(rewritten, inputs)
            #expect(close(after, before, tolerance: tolerance),
                    "before \(before.asArray(Double.self)) after \(after.asArray(Double.self))",
                    sourceLocation: sourceLocation)
        } catch {
            Issue.record("evaluation failed: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The graph's value computed as built (`eval` would rewrite it first).
    static func run(_ output: Variable, _ inputs: [String: NDArray]) throws -> NDArray {
        try output.eval(inputs, mode: .unoptimized)
    }

    /// Random values in `[low, high)` followed by edge values (each converted to `dtype`).
    static func values(
        _ count: Int, low: Double, high: Double, edges: [Double] = [], dtype: DType = .float64, seed: UInt64 = 7
    ) -> NDArray {
        let random = SplitMix64(seed: seed).uniform(shape: [count], low: low, high: high).asArray(Double.self)
        let all = random + edges
        return NDArray(shape: [all.count], elements: all).converted(to: dtype)
    }

    /// The ops of a graph's nodes, as printed, in dprint order (for structure checks).
    static func opNames(_ output: Variable) -> [String] {
        output.dprint().split(separator: "\n").map { line in
            let text = String(line.drop(while: { " │├└─".contains($0) }))
            return String(text[..<(text.range(of: " [id ")?.lowerBound ?? text.endIndex)])
        }
    }
}
