// The phases every workload shares (WORKLOADS.md §1.2, "a port should time"):
//
//   build_diff        graph construction + differentiation (symbolic)
//   rewrite           rewriteGraph(outs, include: ["fast_run"], exclude: ["inplace"]) on a fresh graph
//   compile_first     the first function(...) of that graph in this process
//   compile           function(...) on a pre-built fresh graph (every repetition a new graph)
//   e2e               build_diff + compile in one go
//   call              f.call(args): inputs already NDArrays, outputs computed
//   call_trust_input  the same through a function compiled with trustInput: true
//
// A graph that cannot be built (e.g. a missing derivative rule) is detected once inside
// `checked { }` and reported as status "skipped" with the error in `note`; a compile or call
// that throws is reported as status "error". Records of the graph phases wait until the
// compiled function's output check is known, so they carry it too.

import Cotangent

/// A graph ready to compile: the declared inputs (call order) and the outputs.
struct BuiltGraph {
    let inputs: [Variable]
    let outputs: [Variable]
}

enum GraphPhase: String, CaseIterable {
    case buildDiff = "build_diff"
    case rewrite
    case compileFirst = "compile_first"
    case compile
    case e2e
}

/// What a set of records is about (the record fields besides phase, n and timings).
struct Subject {
    var workload: String
    var caseName: String
    var variant: String = ""
    var dtype: String = "float64"
    var params: [(String, JSON)]?
    var note: String?

    func record(_ phase: String, n: Int?) -> Record {
        Record(
            workload: workload, caseName: caseName, variant: variant, phase: phase, n: n, dtype: dtype,
            params: params, note: note)
    }
}

/// The outcome of the graph phases of one subject.
struct GraphRun {
    /// The compiled function (nil when the graph could not be built or compiled).
    var function: CompiledFunction?
    /// Records waiting for the output check.
    var pending: [Record] = []
    /// Why there is no function: (status, note).
    var failure: (status: String, note: String)?
}

/// Runs phases and writes records.
final class Bench {
    let options: Options
    let budget: Budget
    let recorder: Recorder
    /// Graphs already shown by `--print-graphs` (a graph is compiled once per phase).
    private var printedGraphs: Set<String> = []

    init(options: Options, recorder: Recorder) {
        self.options = options
        self.budget = Budget(quick: options.quick)
        self.recorder = recorder
    }

    /// Compiles with PyTensor's settings for the suite (unused inputs allowed, as `W1b`'s `x`).
    func compile(_ graph: BuiltGraph, trustInput: Bool = false) throws -> CompiledFunction {
        let compiled = try function(
            inputs: graph.inputs, outputs: graph.outputs, onUnusedInput: .ignore, trustInput: trustInput)
        if options.printGraphs {
            let text = dprint(compiled.outputs, printShape: true)
            if printedGraphs.insert(text).inserted { log(text) }
        }
        return compiled
    }

    /// Builds `build` once inside `checked`, turning construction errors into a message.
    func probe(_ build: () -> BuiltGraph) -> Result<BuiltGraph, CotangentError> {
        do {
            return .success(try checked { build() })
        } catch let error as CotangentError {
            return .failure(error)
        } catch {
            return .failure(CotangentError(.invalidGraph, "\(error)"))
        }
    }

    /// Times the requested graph phases of `build` (in the order of ``GraphPhase``) and
    /// returns the compiled function (from `compile_first`, else compiled untimed).
    func graphPhases(
        _ subject: Subject, n: Int?, phases: [GraphPhase], reps: Int, build: () -> BuiltGraph
    ) -> GraphRun {
        var run = GraphRun()
        switch probe(build) {
        case .failure(let error):
            let note = "graph cannot be built: \(describe(error))"
            run.failure = ("skipped", note)
            for phase in GraphPhase.allCases where phases.contains(phase) {
                var record = subject.record(phase.rawValue, n: n)
                record.status = "skipped"
                record.note = [subject.note, note].compactMap { $0 }.joined(separator: "; ")
                run.pending.append(record)
            }
            return run
        case .success:
            break
        }
        func add(_ phase: GraphPhase, _ measurement: Measurement) {
            var record = subject.record(phase.rawValue, n: n)
            record.measurement = measurement
            run.pending.append(record)
        }
        func addError(_ phase: GraphPhase, _ error: any Error) {
            var record = subject.record(phase.rawValue, n: n)
            record.status = "error"
            record.note = [subject.note, "\(phase.rawValue) threw: \(describe(error))"].compactMap { $0 }
                .joined(separator: "; ")
            run.pending.append(record)
            if run.failure == nil { run.failure = ("error", "\(phase.rawValue) threw: \(describe(error))") }
        }
        for phase in GraphPhase.allCases where phases.contains(phase) {
            switch phase {
            case .buildDiff:
                add(phase, timePhase(reps: reps, setup: {}) { _ in build() }.0)
            case .rewrite:
                add(phase, timePhase(reps: reps, setup: build) { graph in
                    rewriteGraph(graph.outputs, include: ["fast_run"], exclude: ["inplace"])
                }.0)
            case .compileFirst:
                let graph = build()
                do {
                    let (measurement, function) = try timeOnce { try compile(graph) }
                    add(phase, measurement)
                    run.function = function
                } catch {
                    addError(phase, error)
                }
            case .compile:
                do {
                    let (measurement, function) = try timePhase(reps: reps, setup: build) { try compile($0) }
                    add(phase, measurement)
                    if run.function == nil { run.function = function }
                } catch {
                    addError(phase, error)
                }
            case .e2e:
                do {
                    add(phase, try timePhase(reps: reps, setup: {}) { _ in try compile(build()) }.0)
                } catch {
                    addError(phase, error)
                }
            }
        }
        if run.function == nil && run.failure == nil {
            do { run.function = try compile(build()) } catch { addError(.compile, error) }
        }
        return run
    }

    /// Times calls of `function` on `arguments` after checking its outputs once; with
    /// `trusted`, also `call_trust_input`. Returns the check.
    @discardableResult
    func callPhases(
        _ subject: Subject, n: Int?, function: CompiledFunction, trusted: CompiledFunction? = nil,
        arguments: [NDArray], big: Bool = false, check: ([NDArray]) -> String,
        checked onCheck: (String) -> Void = { _ in }
    ) -> String {
        if options.printGraphs, let profile = try? function.profile(arguments, calls: big ? 3 : 50) {
            log("profile of \(subject.workload) \(subject.caseName) \(subject.variant) n=\(n.map(String.init) ?? "-"):\n\(profile)")
        }
        let checkResult: String
        do {
            checkResult = check(try function.call(arguments))
        } catch {
            var record = subject.record("call", n: n)
            record.status = "error"
            record.check = "fail: call threw: \(describe(error))"
            onCheck(record.check!)
            recorder.emit(record)
            return record.check!
        }
        onCheck(checkResult)
        var variants: [(String, CompiledFunction)] = [("call", function)]
        if let trusted { variants.append(("call_trust_input", trusted)) }
        for (phase, callee) in variants {
            var record = subject.record(phase, n: n)
            do {
                // The trusted function's outputs are checked as well (same graph, other entry).
                record.check = callee === function ? checkResult : check(try callee.call(arguments))
                record.measurement = try budget.calls(big: big) { _ = try callee.call(arguments) }
            } catch {
                record.status = "error"
                record.check = "fail: call threw: \(describe(error))"
            }
            recorder.emit(record)
        }
        return checkResult
    }

    /// Writes pending graph-phase records with the check of their function.
    func flush(_ run: GraphRun, check: String?) {
        for var record in run.pending {
            if record.status == "ok" { record.check = check }
            recorder.emit(record)
        }
    }

    /// Writes records for call phases that cannot run (status and note of the failure).
    func skipCalls(_ subject: Subject, n: Int?, phases: [String] = ["call"], failure: (status: String, note: String)) {
        for phase in phases {
            var record = subject.record(phase, n: n)
            record.status = failure.status == "skipped" ? "skipped" : "error"
            record.note = [subject.note, failure.note].compactMap { $0 }.joined(separator: "; ")
            recorder.emit(record)
        }
    }

    /// Graph phases, then calls on one set of arguments, then the graph records with the
    /// check: the common shape of W1, W5, W6, W7 and W8.
    func measure(
        _ subject: Subject, n: Int?, phases: [GraphPhase], reps: Int, build: () -> BuiltGraph,
        arguments: @autoclosure () -> [NDArray], trustInput: Bool, big: Bool = false,
        check: ([NDArray]) -> String
    ) {
        if options.callLoop > 0 {
            guard options.variants.isEmpty || options.variants.contains(subject.variant) else { return }
            loopCalls(build: build, arguments: arguments(), trustInput: trustInput)
            return
        }
        if options.compileLoop > 0 {
            // `--compile-loop`: builds and compiles N times; nothing timed, recorded or called.
            guard options.variants.isEmpty || options.variants.contains(subject.variant) else { return }
            for _ in 0..<options.compileLoop { _ = try? compile(build()) }
            return
        }
        let run = graphPhases(subject, n: n, phases: phases, reps: reps, build: build)
        guard let function = run.function else {
            flush(run, check: nil)
            skipCalls(subject, n: n, phases: trustInput ? ["call", "call_trust_input"] : ["call"],
                      failure: run.failure ?? ("error", "no compiled function"))
            return
        }
        let trusted = trustInput ? try? compile(build(), trustInput: true) : nil
        callPhases(
            subject, n: n, function: function, trusted: trusted, arguments: arguments(), big: big, check: check,
            checked: { flush(run, check: $0) })
    }

    /// `--call-loop`: compiles the graph and calls it `options.callLoop` times, nothing timed or
    /// recorded, so that an instruction counter sees compile + N calls.
    func loopCalls(build: () -> BuiltGraph, arguments: [NDArray], trustInput: Bool) {
        do {
            let function = try compile(build(), trustInput: trustInput)
            for _ in 0..<options.callLoop { _ = try function.call(arguments) }
        } catch {
            log("call loop failed: \(error)")
        }
    }
}
