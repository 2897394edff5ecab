// Result records in the reference suite's schema (WORKLOADS.md §3), one JSON object per line.

/// One measurement record before the run-wide fields are added.
struct Record {
    var workload: String
    var caseName: String = ""
    var variant: String = ""
    var phase: String
    var n: Int?
    var dtype: String = "float64"
    var measurement: Measurement?
    var check: String?
    var status: String = "ok"
    var params: [(String, JSON)]?
    var note: String?
}

/// Writes records with the run-wide fields (`system`, `threads`, `mode`, `run_id`).
final class Recorder {
    let threads: Int
    let mode: String
    let runID: String
    private let writer: LineWriter
    private(set) var written = 0
    /// Failed checks and non-ok statuses: one entry per subject and problem, with its phases.
    private(set) var problems: [(key: String, phases: [String])] = []

    init(threads: Int, mode: String, runID: String, writer: LineWriter) {
        self.threads = threads
        self.mode = mode
        self.runID = runID
        self.writer = writer
    }

    func emit(_ record: Record) {
        let m = record.measurement
        let times = m?.times ?? []
        var note = record.note
        if threads == 2 { note = [note, Options.note2t].compactMap { $0 }.joined(separator: "; ") }
        let fields: [(String, JSON)] = [
            ("workload", .string(record.workload)),
            ("case", .string(record.caseName)),
            ("system", .string("cotangent")),
            ("variant", .string(record.variant)),
            ("phase", .string(record.phase)),
            ("n", JSON(record.n)),
            ("dtype", .string(record.dtype)),
            ("threads", .int(threads)),
            ("median_seconds", JSON(m?.median)),
            ("min", JSON(times.min())),
            ("max", JSON(times.max())),
            ("reps", .int(times.count)),
            ("inner", .int(m?.inner ?? 1)),
            ("cpu_util", JSON(rounded(m?.cpuUtil))),
            ("steal_s", JSON(rounded(m?.stealSeconds))),
            ("timed_wall_s", JSON(rounded(m.map(\.timedWall)))),
            ("check", JSON(record.check)),
            ("status", .string(record.status)),
            ("params", record.params.map(JSON.object) ?? .null),
            ("note", JSON(note)),
            ("mode", .string(mode)),
            ("run_id", .string(runID)),
        ]
        writer.write(JSON.object(fields).text)
        written += 1
        let median = m?.median.map(formatSeconds) ?? "n/a"
        var line = "  [cotangent/\(threads)t] \(pad(record.workload, 5)) \(pad(record.caseName, 12)) "
            + "\(pad(record.variant, 16)) \(pad(record.phase, 16)) n=\(pad(record.n.map(String.init) ?? "-", 8)) "
            + "\(pad(record.dtype, 7)) median=\(median) reps=\(times.count) inner=\(m?.inner ?? 1)"
        if let cpu = m?.cpuUtil, record.phase.hasPrefix("call") { line += " cpu=\(formatFixed(cpu, 2))" }
        if let check = record.check, check != "ok" { line += " CHECK=\(check)" }
        if record.status != "ok" { line += " STATUS=\(record.status)" }
        log(line)
        let subject = [record.workload, record.caseName, record.variant, record.dtype, "n=\(record.n.map(String.init) ?? "-")"]
            .filter { !$0.isEmpty }.joined(separator: " ")
        if let check = record.check, check != "ok" { noteProblem("\(subject): check \(check)", record.phase) }
        if record.status != "ok" {
            noteProblem("\(subject): status \(record.status) (\(record.note ?? ""))", record.phase)
        }
    }

    private func noteProblem(_ key: String, _ phase: String) {
        if let index = problems.firstIndex(where: { $0.key == key }) {
            problems[index].phases.append(phase)
        } else {
            problems.append((key, [phase]))
        }
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Seconds with an SI unit, 3 significant digits (`12.3 ms`).
func formatSeconds(_ seconds: Double) -> String {
    let (value, unit): (Double, String) =
        seconds >= 1 ? (seconds, "s") : seconds >= 1e-3 ? (seconds * 1e3, "ms")
        : seconds >= 1e-6 ? (seconds * 1e6, "µs") : (seconds * 1e9, "ns")
    let decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2
    return formatFixed(value, decimals) + " " + unit
}

/// `value` with a fixed number of decimals (no Foundation `String(format:)`).
func formatFixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
}

/// A short description of an error for `note` / `check` fields.
func describe(_ error: any Error) -> String {
    let text = "\(error)"
    return text.count > 400 ? String(text.prefix(400)) + "…" : text
}
