// Command-line options of `cotangent-bench`, parsed by hand (no package dependencies).

/// What one run of the benchmark measures and where its records go.
struct Options {
    /// `--quick`: smaller sizes and budgets (the reference suite's `quick` mode).
    var quick = false
    /// `--workloads W1,W5`: workload prefixes to run (empty: all).
    var workloads: [String] = []
    /// `--threads 1|2`: the CPU set the driver gave the process, and the threads a large float
    /// matrix product may use (see ``note2t``).
    var threads = 1
    /// `--out FILE`: also append every record to this JSONL file.
    var outPath: String?
    /// `--run-id ID`: tag of the run (default: the local start time).
    var runID: String?
    /// `--print-graphs`: print each compiled graph and its per-node profile to stderr.
    var printGraphs = false
    /// `--call-loop N`: for instruction counts (callgrind), compile each selected workload that
    /// uses the common measure path and call it N times, recording nothing (0: off).
    var callLoop = 0
    /// `--compile-loop N`: for profiles of compilation, build and compile each selected case of
    /// the common measure path N times and record or call nothing (0: off).
    var compileLoop = 0
    /// `--variants a,b`: with `--call-loop` or `--compile-loop`, only the cases of these
    /// variants (empty: all).
    var variants: [String] = []

    var mode: String { quick ? "quick" : "full" }

    static let usage = """
        usage: cotangent-bench [--quick | --full] [--workloads W1,W2,...] [--threads 1|2] [--out FILE] [--run-id ID]
                              [--print-graphs] [--call-loop N [--variants V,...]] [--compile-loop N] [-h | --help]

        Runs the reference workloads of ../shared/bench/WORKLOADS.md on Cotangent and prints one
        JSON record per line on stdout (progress goes to stderr).

          --quick          quick mode: W2 n=1e6 only, W3 n=1e6, W4 n=1e5, W7 D<=100, short budgets
          --full           full mode (the default; undoes an earlier --quick)
          --workloads L    comma-separated workload prefixes (W1, W1a, W2, ..., W11); default all.
          --only L         the same as --workloads (the reference suite's name for it).
                           LINALG and GEMM (square float matrix products in GFLOP/s, vector
                           and portable kernels) run only when named
          --threads N      1 (default) or 2. With 2, large float matrix products split their
                           rows and large elementwise kernels and whole-array sums their
                           elements over 2 threads (KernelSettings.matrixProductThreads,
                           .elementwiseThreads); with 1 every kernel runs on one thread (the
                           library's default is every core). Only the big workloads' calls
                           run (the reference suite's 2-thread pass), and `note` says so. Pin
                           the process from outside (taskset -c 0 / -c 0,1).
          --out FILE       also append the records to FILE
          --run-id ID      run tag written in every record
          --print-graphs   print each compiled graph (dprint with shapes) and a per-node
                           time profile (CompiledFunction.profile) to stderr
          --call-loop N    only compile each selected W1/W5-W8 case (trustInput as timed) and
                           call it N times, with no records: run under valgrind --tool=callgrind
                           at two N to count the instructions of one call
          --variants L     with --call-loop, only the listed variants (e.g. hessian,
                           jac_vec_of_grad), so a profiler sees one graph's calls
          --compile-loop N only build and compile each selected W1/W5-W8 case N times (no
                           calls, no records), for a profiler of the compile phase
          -h, --help       print this text and exit

        Every option that takes a value also takes it as --option=value.
        """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) -> Result<Options, OptionsError> {
        var options = Options()
        var index = 0
        func value(_ flag: String) -> Result<String, OptionsError> {
            index += 1
            guard index < arguments.count else { return .failure(OptionsError("\(flag) needs a value")) }
            return .success(arguments[index])
        }
        while index < arguments.count {
            let argument = arguments[index]
            // Accept --flag=value as well as --flag value.
            var flag = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            func take() -> Result<String, OptionsError> {
                if let inline { return .success(inline) }
                return value(flag)
            }
            /// The flag's value as a count (an integer ≥ 0).
            func takeCount() -> Result<Int, OptionsError> {
                take().flatMap { text in
                    guard let n = Int(text), n >= 0 else { return .failure(OptionsError("\(flag) must be a count, got \(text)")) }
                    return .success(n)
                }
            }
            switch flag {
            case "--quick":
                options.quick = true
            case "--full":
                options.quick = false
            case "--workloads", "--only":
                switch take() {
                case .success(let list):
                    options.workloads = list.split(separator: ",").map { String($0).trimmed() }.filter { !$0.isEmpty }
                case .failure(let error): return .failure(error)
                }
            case "--threads":
                switch take() {
                case .success(let text):
                    guard let n = Int(text), n == 1 || n == 2 else {
                        return .failure(OptionsError("--threads must be 1 or 2, got \(text)"))
                    }
                    options.threads = n
                case .failure(let error): return .failure(error)
                }
            case "--out":
                switch take() {
                case .success(let path): options.outPath = path
                case .failure(let error): return .failure(error)
                }
            case "--run-id":
                switch take() {
                case .success(let id): options.runID = id
                case .failure(let error): return .failure(error)
                }
            case "--print-graphs":
                options.printGraphs = true
            case "--call-loop":
                switch takeCount() {
                case .success(let n): options.callLoop = n
                case .failure(let error): return .failure(error)
                }
            case "--compile-loop":
                switch takeCount() {
                case .success(let n): options.compileLoop = n
                case .failure(let error): return .failure(error)
                }
            case "--variants":
                switch take() {
                case .success(let text): options.variants = text.split(separator: ",").map(String.init)
                case .failure(let error): return .failure(error)
                }
            case "-h", "--help":
                return .failure(OptionsError(""))
            default:
                return .failure(OptionsError("unknown argument \(argument)"))
            }
            index += 1
        }
        return .success(options)
    }

    /// Whether `workload` (e.g. "W1a") is selected: a listed prefix matches it, or a listed
    /// name is more specific than a group name passed here (`W1` runs when `W1a` is listed).
    func selects(_ workload: String) -> Bool {
        workloads.isEmpty || workloads.contains { Self.name(workload, isWithin: $0) || Self.name($0, isWithin: workload) }
    }

    /// Whether `name` is `group` or one of its parts ("W1a" is within "W1"; "W10" is not, since a
    /// digit after the prefix makes another workload number).
    static func name(_ name: String, isWithin group: String) -> Bool {
        guard name.hasPrefix(group) else { return false }
        let rest = name.dropFirst(group.count)
        return rest.first.map { !$0.isNumber } ?? true
    }

    /// Whether exactly this sub-workload is selected (for groups like W1a–d).
    func selectsExactly(_ workload: String) -> Bool {
        workloads.isEmpty || workloads.contains { Self.name(workload, isWithin: $0) }
    }

    /// The 2-thread pass measures only the calls of the big workloads (as the reference suite).
    var twoThreadPass: Bool { threads == 2 }

    /// The note every 2-thread record carries.
    static let note2t =
        "Cotangent's large float matrix products, convolutions, elementwise kernels and whole-array sums "
        + "split over 2 threads; its other kernels are single-threaded (taskset -c 0,1)"
}

/// A command-line error (an empty message asks for the usage text only).
struct OptionsError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension String {
    /// The string without leading and trailing spaces.
    func trimmed() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
