// cotangent-fuzz: the differential fuzzer from the command line.

import CotangentFuzzing

#if os(Linux)
    import Glibc
#else
    import Darwin
#endif

let usage = """
    usage: cotangent-fuzz [--graphs N] [--seed S] [--max-steps K] [--no-shrink] [--show-case]

    Generates N random graphs (default 2000) from seeds S, S+1, … (default 1), checks each
    (values with and without rewrites against an op-by-op reference, rewriting idempotence and
    dprint, verifyGrad, pushforward against pullback, derivative types, vectorized against
    looped Jacobians, Hessian symmetry), shrinks every failure and prints it as Swift code.
    Exits 1 when a failure is not in the known-failures list.

      --graphs N      how many graphs
      --seed S        the first seed (`--seed S --graphs 1` reruns one case)
      --max-steps K   the most steps per graph (default 6)
      --no-shrink     report failures unshrunk (faster)
      --show-case     print each case's Swift code before checking it
    """

/// Prints a progress line on standard error (unbuffered, so a crash still shows it).
func printProgress(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
}

var fuzzer = Fuzzer()
var graphs = 2000
var firstSeed: UInt64 = 1
var showCase = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value(_ flag: String) -> String {
        guard let next = arguments.popFirst() else {
            print("cotangent-fuzz: \(flag) needs a value\n\n\(usage)")
            exit(2)
        }
        return next
    }
    switch argument {
    case "--graphs": graphs = Int(value(argument)) ?? graphs
    case "--seed": firstSeed = UInt64(value(argument)) ?? firstSeed
    case "--max-steps": fuzzer.generator.maxSteps = Int(value(argument)) ?? fuzzer.generator.maxSteps
    case "--no-shrink": fuzzer.shrinks = false
    case "--show-case": showCase = true
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        print("cotangent-fuzz: unknown argument \(argument)\n\n\(usage)")
        exit(2)
    }
}

let report = fuzzer.run(graphs: graphs, firstSeed: firstSeed) { seed, finding in
    if let finding {
        print("\n" + finding.report)
    } else {
        if showCase { print("// seed \(seed)\n" + fuzzer.generator.makeCase(seed: seed).swiftCode) }
        if (seed - firstSeed) % 500 == 0 && seed != firstSeed {
            printProgress("… seed \(seed)")
        }
    }
}
print("\n" + report.summary)
let families = report.stepCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
print("steps by family: " + families.joined(separator: ", "))
exit(report.newFailures.isEmpty ? 0 : 1)
