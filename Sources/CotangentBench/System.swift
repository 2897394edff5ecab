// Clocks, /proc readers and file output through Glibc (the bench avoids Foundation like the
// library does).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum SystemClock {
    /// Monotonic wall-clock seconds (`CLOCK_MONOTONIC`, what Python's `perf_counter` reads).
    static func wall() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of the whole process, all threads (`CLOCK_PROCESS_CPUTIME_ID`, what Python's
    /// `process_time` reads).
    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Local time formatted with `strftime` (e.g. "%Y%m%dT%H%M%S").
    static func localTime(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

enum ProcFiles {
    /// The lines of a text file, or nil when it cannot be read.
    static func lines(_ path: String) -> [String]? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var result: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, file) > 0 {
            if let line {
                var text = String(cString: line)
                if text.hasSuffix("\n") { text.removeLast() }
                result.append(text)
            }
        }
        free(line)
        return result
    }

    /// The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status, e.g. "0-1").
    static func allowedCPUs() -> [Int]? {
        guard let status = lines("/proc/self/status"),
              let entry = status.first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        let list = entry.dropFirst("Cpus_allowed_list:".count).filter { $0 != " " && $0 != "\t" }
        var cpus: [Int] = []
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { cpus.append(bounds[0]) }
            if bounds.count == 2, bounds[0] <= bounds[1] { cpus.append(contentsOf: bounds[0]...bounds[1]) }
        }
        return cpus
    }

    /// Hypervisor steal time (seconds) summed over the CPUs this process may run on, from
    /// /proc/stat (the 8th value of each `cpuN` line, in clock ticks); nil when unavailable.
    static func stealSeconds() -> Double? {
        guard let cpus = allowedCPUs(), let stat = lines("/proc/stat") else { return nil }
        let names = Set(cpus.map { "cpu\($0)" })
        var ticks = 0
        for line in stat {
            let fields = line.split(separator: " ")
            guard fields.count > 8, names.contains(String(fields[0])), let steal = Int(fields[8]) else { continue }
            ticks += steal
        }
        let hz = sysconf(Int32(_SC_CLK_TCK))
        return Double(ticks) / Double(hz > 0 ? hz : 100)
    }

    /// The CPU model name from /proc/cpuinfo.
    static func cpuModel() -> String? {
        lines("/proc/cpuinfo")?.first { $0.hasPrefix("model name") }.map { line in
            String(line.split(separator: ":", maxSplits: 1).last ?? "").trimmed()
        }
    }
}

/// Writes whole lines to a file descriptor (stdout, stderr, the `--out` file), unbuffered, so
/// records survive a crash of a later workload.
func writeLine(_ line: String, to descriptor: Int32) {
    var bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { buffer in
            write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written <= 0 { return }
        offset += written
    }
    bytes.removeAll()
}

/// Writes each record line to stdout and, when given, appends it to a file (the `--out` JSONL).
final class LineWriter {
    private let descriptor: Int32?

    /// Opens `path` for appending (nil: stdout only).
    init(appendingTo path: String?) throws(OptionsError) {
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            guard fd >= 0 else { throw OptionsError("cannot open \(path) for appending") }
            descriptor = fd
        } else {
            descriptor = nil
        }
    }

    deinit { if let descriptor { close(descriptor) } }

    /// Writes one record line to stdout and, if open, to the output file.
    func write(_ line: String) {
        writeLine(line, to: 1)
        if let descriptor { writeLine(line, to: descriptor) }
    }
}

/// Progress and diagnostics on stderr (stdout carries only JSON records).
func log(_ message: String) {
    writeLine(message, to: 2)
}
