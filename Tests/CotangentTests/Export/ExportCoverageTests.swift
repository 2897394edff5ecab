import Foundation
import Testing

@testable import Cotangent

/// Every op type of the library either is lowered by one of the XLA suites' cases or has an
/// explicit reason it cannot be exported, checked here by exporting a graph that uses it.
///
/// Op types are found by reading the sources (every type declared to conform to `Op` or to a
/// protocol refining it), so a new op fails this test until it gets a lowering and an XLA case,
/// or a reason and an entry below. Runs without XLA: it only exports.
struct ExportCoverageTests {
    /// The tests of every XLA suite, run here only to collect their cases.
    static let xlaTests: [@Sendable () throws -> Void] = [
        { try ElementwiseExportTests().floatScalarOps() }, { try ElementwiseExportTests().integerBoolAndMixedOps() },
        { try ShapeIndexReduceExportTests().shapesAndConstruction() },
        { try ShapeIndexReduceExportTests().reductionsAndProducts() }, { try ShapeIndexReduceExportTests().basicIndexing() },
        { try ShapeIndexReduceExportTests().fusedSums() },
        { try ShapeIndexReduceExportTests().advancedIndexing() }, { try ModelExportTests().modelsMatchCotangent() },
        { try ModelExportTests().dataParallelTrainingStepOnFourDevices() },
        { try LoopExportTests().scans() }, { try LoopExportTests().mapsAndWhileLoops() },
        { try LoopExportTests().scanGradient() }, { try LoopExportTests().branches() },
        { try LoopExportTests().linearRecurrences() }, { try LoopExportTests().opsFromGraphs() }, { try SortExportTests().sortsAndSearches() },
        { try RandomExportTests().distributionMoments() }, { try RandomExportTests().uniformEqualsCotangentAndStreamsDiffer() },
        { try RandomExportTests().determinism() }, { try RandomExportTests().permutationsAndChoices() },
        { try LinalgExportTests().choleskyFactors() }, { try LinalgExportTests().triangularSolves() },
        { try LinalgExportTests().choleskySolves() }, { try LinalgExportTests().generalSolves() },
        { try LinalgExportTests().inverseAndDeterminants() }, { try LinalgExportTests().matrixExponential() },
        { try LinalgExportTests().qrFactors() }, { try LinalgExportTests().batched() },
        { try LinalgExportTests().rightHandSideGradients() }, { try LinalgExportTests().matrixGradients() },
        { try CumulativeExportTests().sumsAndProducts() }, { try CumulativeExportTests().logSumExp() },
        { try BlockwiseExportTests().convolutions() }, { try BlockwiseExportTests().batchedByBlocks() },
    ]

    /// Cases of every XLA suite.
    static func allCases() -> [XLARunner.Case] {
        let collector = XLARunner.Collector()
        XLARunner.$collector.withValue(collector) {
            // A test that reads XLA's outputs stops at its first run; its cases are collected.
            for test in xlaTests { try? test() }
        }
        return collector.cases
    }

    /// Op types that cannot be exported, each with a graph using it and a phrase of its reason.
    static let notExportable: [String: (graph: @Sendable () -> (inputs: [Variable], outputs: [Variable], shapes: [[Int]]), reason: String)] = [
        "UniqueOp": ({ let x = Tensor.vector("x"); return ([x], [unique(x)], [[5]]) }, "depends on the data"),
        "Eigh": ({ let a = Tensor.matrix("a"); return ([a], [eigh(a).0], [[3, 3]]) }, "no symmetric eigensolver"),
        "SVD": ({ let a = Tensor.matrix("a"); return ([a], [singularValues(a)], [[3, 3]]) }, "LAPACK gesdd"),
        "MatrixPinv": ({ let a = Tensor.matrix("a"); return ([a], [pinv(a)], [[3, 3]]) }, "singular value decomposition"),
    ]

    @Test func everyOpTypeIsLoweredOrHasAReason() throws {
        let declared = try Self.declaredOpTypes()
        #expect(declared.count > 40, "found only \(declared.count) op types; the source scan is broken")
        let lowered = Self.allCases().reduce(into: Set<String>()) { $0.formUnion($1.loweredOps) }
        for op in declared.sorted() where !lowered.contains(op) && Self.notExportable[op] == nil {
            Issue.record("\(op): no XLA test case lowers it and it has no not-exportable entry")
        }
        for (op, entry) in Self.notExportable {
            let (inputs, outputs, shapes) = entry.graph()
            #expect {
                _ = try exportStableHLO(inputs: inputs, outputs: outputs, inputShapes: shapes)
            } throws: { error in
                (error as? StableHLOExportError)?.unsupportedOps.contains { $0.reason.contains(entry.reason) } == true
            }
            _ = op
        }
    }

    /// The names of the types in Sources that conform to `Op` or to a protocol refining it.
    static func declaredOpTypes() throws -> Set<String> {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
        var texts: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            texts.append(try String(contentsOf: file, encoding: .utf8))
        }
        let all = texts.joined(separator: "\n")
        // Protocols refining Op (InnerGraphOp, LinearSolveOp, …), found to a fixed point.
        var protocols: Set<String> = ["Op"]
        let protocolPattern = try Regex(#"protocol (\w+)\s*:\s*([\w\s,&]+)\{"#)
        var grew = true
        while grew {
            grew = false
            for match in all.matches(of: protocolPattern) {
                let name = String(match.output[1].substring!)
                let parents = match.output[2].substring!.split(whereSeparator: { ",& \n".contains($0) }).map(String.init)
                if !protocols.contains(name), parents.contains(where: protocols.contains) {
                    protocols.insert(name)
                    grew = true
                }
            }
        }
        let typePattern = try Regex(#"(?:struct|final class|class|enum)\s+(\w+)\s*:\s*([\w\s,&]+)\{"#)
        var types: Set<String> = []
        for match in all.matches(of: typePattern) {
            let parents = match.output[2].substring!.split(whereSeparator: { ",& \n".contains($0) }).map(String.init)
            if parents.contains(where: protocols.contains) { types.insert(String(match.output[1].substring!)) }
        }
        return types
    }
}
