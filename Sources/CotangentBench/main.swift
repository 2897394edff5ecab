// cotangent-bench: the reference workloads of ../shared/bench/WORKLOADS.md on Cotangent, one
// JSON record per line on stdout in the reference suite's schema (system "cotangent").
//
//   swift build -c release --product cotangent-bench
//   taskset -c 0 .build/release/cotangent-bench --quick --out bench/out/cotangent.jsonl
//
// bench/compare.sh runs it next to the reference suite and prints the ratio table.

#if canImport(Glibc)
import Glibc
#endif
import Cotangent

let options: Options
switch Options.parse(Array(CommandLine.arguments.dropFirst())) {
case .success(let parsed):
    options = parsed
case .failure(let error):
    if !error.message.isEmpty { log("cotangent-bench: \(error.message)") }
    log(Options.usage)
    exit(error.message.isEmpty ? 0 : 2)
}

let writer: LineWriter
do {
    writer = try LineWriter(appendingTo: options.outPath)
} catch {
    log("cotangent-bench: \(error.message)")
    exit(2)
}

let runID = options.runID ?? SystemClock.localTime("%Y%m%dT%H%M%S")
let recorder = Recorder(threads: options.threads, mode: options.mode, runID: runID, writer: writer)
let bench = Bench(options: options, recorder: recorder)

log(
    "cotangent-bench mode=\(options.mode) threads=\(options.threads) run_id=\(runID) "
        + "cpus=\(ProcFiles.allowedCPUs().map { $0.map(String.init).joined(separator: ",") } ?? "?") "
        + "cpu=\(ProcFiles.cpuModel() ?? "?") workloads=\(options.workloads.isEmpty ? "all" : options.workloads.joined(separator: ","))")

// The input generator must reproduce WORKLOADS.md §1.1 before anything is measured.
let generatorCheck = Inputs.selfCheck()
if generatorCheck != "ok" {
    log("cotangent-bench: SplitMix64 does not reproduce the reference check values: \(generatorCheck)")
    var record = Record(workload: "inputs", caseName: "splitmix", phase: "check")
    record.check = generatorCheck
    record.status = "error"
    recorder.emit(record)
    exit(1)
}

// The 2-thread pass covers the big workloads only (W2, W3, W4, W5, W6 n=500), as in run_all.sh.
let groups: [(name: String, big: Bool, run: (Bench) -> Void)] = [
    ("W1", false, { $0.runW1() }),
    ("W2", true, { $0.runW2() }),
    ("W3", true, { $0.runW3() }),
    ("W4", true, { $0.runW4() }),
    ("W5", true, { $0.runW5() }),
    ("W6", true, { $0.runW6() }),
    ("W7", false, { $0.runW7() }),
    ("W8", false, { $0.runW8() }),
    ("W9", false, { $0.runW9() }),
    ("W11", false, { $0.runW11() }),
    ("W12", false, { $0.runW12() }),

    ("SORT", false, { $0.runSort() }),
    ("W10", false, { $0.runW10() }),
    ("LINALG", false, { $0.runLinalgKernels() }),
    ("GEMM", false, { $0.runGEMMKernels() }),

    ("RNG", false, { $0.runRandom() }),
]
// The 2-thread pass lets large float matrix products split their rows over both CPUs.
KernelSettings.matrixProductThreads = options.threads
KernelSettings.elementwiseThreads = options.threads
let start = SystemClock.wall()
for group in groups where options.selects(group.name) && (!options.twoThreadPass || group.big) {
    group.run(bench)
}
log("cotangent-bench: \(recorder.written) records in \(formatSeconds(SystemClock.wall() - start))")
if !recorder.problems.isEmpty {
    log("cotangent-bench: failed checks and non-ok statuses:")
    for problem in recorder.problems { log("  [\(problem.phases.joined(separator: ","))] \(problem.key)") }
}
