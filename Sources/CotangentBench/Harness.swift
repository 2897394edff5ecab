// The timing protocol of the reference suite's harness.py, in Swift.
//
// * Per-call timing (`timeCalls`): warm-up calls, then an inner loop sized so that one
//   repetition lasts >= `targetRep` seconds (tiny calls are batched; per-call = rep / inner),
//   then repetitions until the time budget is spent, within [minReps, maxReps].
// * One-shot phases (`timePhase`): an untimed `setup()` before every repetition (a fresh graph),
//   then `action(setup)` timed once.
// * Reported: median, min, max, reps, inner; `cpu_util` = process CPU time / wall time over the
//   timed repetitions; `steal_s` = hypervisor steal (from /proc/stat, over the CPUs the process
//   may use) accumulated while the repetitions ran (setup included, as in harness.py).
// Swift has no tracing garbage collector, so harness.py's "GC disabled inside timed regions"
// has no counterpart; the values a repetition creates are released after its clock stops.

/// The result of timing something.
struct Measurement {
    /// Seconds per call (calls) or per repetition (phases).
    var times: [Double]
    var inner = 1
    var cpuUtil: Double?
    var stealSeconds: Double?
    var timedWall: Double = 0

    var median: Double? {
        guard !times.isEmpty else { return nil }
        let sorted = times.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Per-mode repetition and budget knobs (harness.py's `Budget`).
struct Budget {
    let quick: Bool
    var callBudget: Double { quick ? 0.25 : 1.0 }
    var callMinReps: Int { quick ? 3 : 5 }
    var callMaxReps: Int { quick ? 10 : 30 }
    /// Repetitions of one-shot phases (build / rewrite / compile) on small graphs.
    var phaseReps: Int { quick ? 3 : 7 }
    /// Repetitions of one-shot phases on slow graphs.
    var slowPhaseReps: Int { quick ? 2 : 3 }

    /// Times `fn` per call; `big` workloads get fewer, longer repetitions with inner = 1.
    func calls(big: Bool = false, _ fn: () throws -> Void) rethrows -> Measurement {
        if big {
            return try timeCalls(
                fn, budget: callBudget * (quick ? 1 : 2.5), minReps: quick ? 3 : 5, maxReps: quick ? 5 : 11,
                targetRep: 0, warmup: 1)
        }
        return try timeCalls(fn, budget: callBudget, minReps: callMinReps, maxReps: callMaxReps)
    }
}

/// Per-call seconds of `fn` (harness.py's `time_calls`).
func timeCalls(
    _ fn: () throws -> Void, budget: Double = 1, minReps: Int = 5, maxReps: Int = 30, targetRep: Double = 0.02,
    warmup: Int = 2
) rethrows -> Measurement {
    for _ in 0..<warmup { try fn() }
    // Calibrate the inner loop so that one repetition lasts >= targetRep.
    var inner = 1
    var elapsed = 0.0
    while true {
        let start = SystemClock.wall()
        for _ in 0..<inner { try fn() }
        elapsed = SystemClock.wall() - start
        if elapsed >= targetRep || inner >= 1 << 20 { break }
        inner = elapsed <= 0 ? inner * 2 : max(inner * 2, Int(Double(inner) * targetRep / elapsed * 1.2))
    }
    let perRep = max(elapsed, 1e-9)
    let reps = Int(max(Double(minReps), min(Double(maxReps), budget / perRep)))
    var measurement = Measurement(times: [], inner: inner)
    var cpuTotal = 0.0
    let steal0 = ProcFiles.stealSeconds()
    for _ in 0..<reps {
        let cpu0 = SystemClock.processCPU()
        let start = SystemClock.wall()
        for _ in 0..<inner { try fn() }
        let end = SystemClock.wall()
        let cpu1 = SystemClock.processCPU()
        measurement.times.append((end - start) / Double(inner))
        measurement.timedWall += end - start
        cpuTotal += cpu1 - cpu0
    }
    measurement.cpuUtil = measurement.timedWall > 0 ? cpuTotal / measurement.timedWall : nil
    if let steal0, let steal1 = ProcFiles.stealSeconds() { measurement.stealSeconds = steal1 - steal0 }
    return measurement
}

/// Times `action(setup())` `reps` times, a fresh `setup()` (untimed) before each; returns the
/// measurement and the last result (harness.py's `time_phase`).
func timePhase<Setup, Result>(
    reps: Int, setup: () throws -> Setup, _ action: (Setup) throws -> Result
) rethrows -> (Measurement, Result?) {
    var measurement = Measurement(times: [])
    var last: Result?
    var cpuTotal = 0.0
    let steal0 = ProcFiles.stealSeconds()
    for _ in 0..<reps {
        let prepared = try setup()
        let cpu0 = SystemClock.processCPU()
        let start = SystemClock.wall()
        let result = try action(prepared)
        let end = SystemClock.wall()
        let cpu1 = SystemClock.processCPU()
        measurement.times.append(end - start)
        measurement.timedWall += end - start
        cpuTotal += cpu1 - cpu0
        last = result  // the previous repetition's values are released here, untimed
    }
    measurement.cpuUtil = measurement.timedWall > 0 ? cpuTotal / measurement.timedWall : nil
    if let steal0, let steal1 = ProcFiles.stealSeconds() { measurement.stealSeconds = steal1 - steal0 }
    return (measurement, last)
}

/// Times one `action()`.
func timeOnce<Result>(_ action: () throws -> Result) rethrows -> (Measurement, Result) {
    let (measurement, result) = try timePhase(reps: 1, setup: {}, { _ in try action() })
    return (measurement, result!)
}

/// Rounds to `digits` decimals (harness.py rounds cpu_util to 3 and steal_s to 3).
func rounded(_ value: Double?, _ digits: Int = 3) -> Double? {
    guard let value else { return nil }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return (value * scale).rounded() / scale
}
