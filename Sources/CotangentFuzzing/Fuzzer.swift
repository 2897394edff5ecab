import Cotangent

/// A failure the fuzzer knows about and does not count against a run: its cause is understood,
/// and its fix belongs elsewhere. Each carries the reason and a Swift reproducer.
public struct KnownFailure: Sendable {
    /// A short name.
    public let name: String
    /// The checks that fail (one cause can fail several).
    public let checks: Set<FuzzCheck>
    /// Why it fails, and where the fix belongs.
    public let reason: String
    /// Swift code that shows the failure.
    public let reproducer: String
    /// Whether a (shrunk) failing case is this one.
    let matches: @Sendable (FuzzCase, FuzzFailure) -> Bool
}

/// One failing case of a run.
public struct FuzzFinding: Sendable {
    /// The case's seed (`cotangent-fuzz --seed S --graphs 1` regenerates it).
    public let seed: UInt64
    /// The failure on the shrunk case.
    public let failure: FuzzFailure
    /// The shrunk case.
    public let shrunk: FuzzCase
    /// The known failure it matches, if any.
    public let known: KnownFailure?

    /// The failure, the seed and the shrunk case as Swift code.
    public var report: String {
        "seed \(seed): \(failure)" + (known.map { "\n(known: \($0.name))" } ?? "")
            + "\n// Swift code that rebuilds the shrunk case:\n\(shrunk.swiftCode)"
    }
}

/// The result of a run.
public struct FuzzReport: Sendable {
    /// How many cases were generated and checked.
    public var graphs = 0
    /// How many checks ran (checks that did not apply to a case are not counted).
    public var checksRun = 0
    /// Cases per op family ("unary exp", "reduce", …): how the run covered the ops.
    public var stepCounts: [String: Int] = [:]
    /// The failing cases, shrunk.
    public var findings: [FuzzFinding] = []
    /// Wall time.
    public var duration: Duration = .zero

    /// Findings not in the known-failures list.
    public var newFailures: [FuzzFinding] { findings.filter { $0.known == nil } }

    /// One line per figure and one block per finding.
    public var summary: String {
        let known = findings.count - newFailures.count
        return "\(graphs) graphs, \(checksRun) checks, \(newFailures.count) new failures, \(known) known failures, "
            + "\(seconds) s"
    }

    /// The wall time in seconds, to a tenth.
    public var seconds: Double {
        let (whole, fraction) = duration.components
        return ((Double(whole) + Double(fraction) * 1e-18) * 10).rounded() / 10
    }
}

/// The fuzzer: generates cases from consecutive seeds, checks each, shrinks failures.
public struct Fuzzer: Sendable {
    /// The case generator.
    public var generator = FuzzGenerator()
    /// The checks.
    public var checker = FuzzChecker()
    /// Whether failures are shrunk (slower; off for a quick survey).
    public var shrinks = true
    /// Failures whose cause is known (see ``knownFailures``).
    public var known: [KnownFailure] = Fuzzer.knownFailures

    /// A fuzzer with the default generator and every check.
    public init() {}

    /// Checks the cases of seeds `firstSeed ..< firstSeed + graphs`; `progress` gets each
    /// seed before it is checked (so a crash names its seed) and each finding.
    public func run(
        graphs: Int, firstSeed: UInt64 = 1, progress: (UInt64, FuzzFinding?) -> Void = { _, _ in }
    ) -> FuzzReport {
        var report = FuzzReport()
        let start = ContinuousClock.now
        for offset in 0..<UInt64(graphs) {
            let seed = firstSeed &+ offset
            progress(seed, nil)
            let fuzzCase = generator.makeCase(seed: seed)
            for step in fuzzCase.steps { report.stepCounts[step.family, default: 0] += 1 }
            let (failures, run) = checker.failures(of: fuzzCase)
            report.graphs += 1
            report.checksRun += run
            for failure in failures {
                let finding = examine(fuzzCase, seed: seed, failure: failure)
                report.findings.append(finding)
                progress(seed, finding)
            }
        }
        report.duration = ContinuousClock.now - start
        return report
    }

    /// Shrinks a failing case (when enabled) and matches it against the known failures.
    public func examine(_ fuzzCase: FuzzCase, seed: UInt64, failure: FuzzFailure) -> FuzzFinding {
        var shrunk = fuzzCase
        var shrunkFailure = failure
        if shrinks {
            shrunk = FuzzShrinker(checker: checker).shrink(fuzzCase, failing: failure.check)
            shrunkFailure = checker.failures(of: shrunk, only: failure.check).failures.first ?? failure
        }
        let known = self.known.first { $0.checks.contains(failure.check) && $0.matches(shrunk, shrunkFailure) }
        return FuzzFinding(seed: seed, failure: shrunkFailure, shrunk: shrunk, known: known)
    }
}

extension FuzzStep {
    /// The op family, for coverage counts (`unary exp`, `binary +`, `reduce max`, `matmul`, …).
    public var family: String {
        switch self {
        case .unary(let f, _): "unary \(f)"
        case .binary(let f, _, _): "binary \(f)"
        case .reduce(let kind, _, _, _): "reduce \(kind)"
        default: String(describing: self).prefix { $0 != "(" }.description
        }
    }
}
