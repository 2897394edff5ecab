import Synchronization
import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting

/// How a graph is prepared before it runs.
public struct CompileMode: Sendable, Hashable {
    /// Rewrite tags to include and exclude (empty include: no rewriting).
    public let include: Set<String>
    /// Rewrite tags to exclude, whatever includes them.
    public let exclude: Set<String>

    /// A mode running the rewrites tagged with any of `include` (or named by one) and none of `exclude`.
    public init(include: Set<String>, exclude: Set<String> = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Every `fast_run` rewrite (PyTensor's default `FAST_RUN`).
    public static let fastRun = CompileMode(include: ["fast_run"], exclude: ["BlasOpt"])
    /// No rewriting: the graph runs as built (fast to prepare, no simplification).
    public static let unoptimized = CompileMode(include: [])
}

/// What to do with a declared input the outputs do not use (PyTensor's `on_unused_input`).
public enum UnusedInputPolicy: Sendable {
    /// Compiling throws `CotangentError` (`.unusedInput`) naming the unused input.
    case raise
    /// The input is accepted and its argument ignored.
    case ignore
}

/// A graph prepared to run many times: rewritten, scheduled, with constants in place.
///
/// Calls are independent (each has its own working storage), so one compiled function can be
/// called from several threads at once; shared-variable updates are applied atomically per
/// variable at the end of each call.
public final class CompiledFunction: Sendable {
    /// The declared inputs, in call order.
    public let inputs: [Variable]
    /// The outputs after rewriting (what runs).
    public let outputs: [Variable]
    /// The outputs' names, in order (nil for an unnamed output): the keys of the results of a
    /// call by name.
    public let outputNames: [String?]
    /// Skips the input checks (dtype, rank, static shape) for speed; inputs must then already
    /// have the declared dtypes and fitting shapes.
    public let trustInput: Bool
    /// The kernels' thread counts for every call; nil: the options in effect at each call
    /// (`KernelOptions/current`).
    public let kernelOptions: KernelOptions?
    let program: Program
    let updates: [(storage: SharedStorage, slot: Int)]
    /// Frames of finished calls, reused by later ones: a call then allocates no slot table or
    /// argument buffer of its own. A call takes a frame out (so concurrent calls never share
    /// one) and puts it back only when it succeeds (a failed call may leave values in it).
    private let frames = Mutex<[Program.Frame]>([])
    /// The most frames kept: one per thread that calls at the same time, up to this many.
    private static let keptFrames = 4

    init(
        inputs: [Variable], outputs: [Variable], outputNames: [String?], program: Program,
        updates: [(SharedStorage, Int)], trustInput: Bool, kernelOptions: KernelOptions? = nil
    ) {
        self.kernelOptions = kernelOptions
        self.inputs = inputs
        self.outputs = outputs
        self.outputNames = outputNames
        self.program = program
        self.updates = updates.map { (storage: $0.0, slot: $0.1) }
        self.trustInput = trustInput
    }

    /// Runs the function.
    ///
    /// - Throws: `CotangentError` for a wrong number of arguments, an argument of the wrong
    ///   dtype, rank or static shape (naming the input), or a runtime error of an op.
    public func callAsFunction(_ arguments: NDArray...) throws -> [NDArray] {
        try call(arguments)
    }

    /// Runs the function on an array of arguments.
    public func call(_ arguments: [NDArray]) throws -> [NDArray] {
        try run(arguments)
    }

    /// Runs the function on arguments given by input name; the results can be read by output
    /// name or position.
    ///
    /// ```swift
    /// let f = try function(inputs: [x, A], outputs: ["loss": loss, "gradient": g])
    /// let results = try f(["x": [1.0, 2.0], "A": [[1, 0], [0, 1]]])
    /// let loss = try results["loss"]             // or results[0]
    /// ```
    ///
    /// - Throws: `CotangentError` of kind `.unknownInput` for a name that is no input's (or
    ///   that several inputs share), `.duplicateInput` for a name given twice, `.missingInput`
    ///   for an input without a value, and the errors of a positional call.
    public func callAsFunction(_ arguments: KeyValuePairs<String, NDArray>) throws -> FunctionResults {
        FunctionResults(values: try run(try positionalArguments(arguments)), names: outputNames)
    }

    /// The arguments given by name, in input order.
    func positionalArguments(_ arguments: KeyValuePairs<String, NDArray>) throws -> [NDArray] {
        let listing = inputs.map { "\($0.name ?? "<unnamed>"): \($0.type)" }.joined(separator: ", ")
        var values = [NDArray?](repeating: nil, count: inputs.count)
        for (name, value) in arguments {
            let matches = inputs.indices.filter { inputs[$0].name == name }
            guard let position = matches.first else {
                throw CotangentError(.unknownInput, "function: no input is named '\(name)'; the inputs are \(listing)")
            }
            guard matches.count == 1 else {
                throw CotangentError(
                    .unknownInput, "function: \(matches.count) inputs are named '\(name)'; call the function with positional arguments")
            }
            guard values[position] == nil else {
                throw CotangentError(.duplicateInput, "function: input '\(name)' is given twice")
            }
            values[position] = value
        }
        if let missing = values.firstIndex(where: { $0 == nil }) {
            throw CotangentError(
                .missingInput,
                "function: no value for input \(inputs[missing].name.map { "'\($0)'" } ?? "\(missing) (unnamed)") "
                    + "of type \(inputs[missing].type); the inputs are \(listing)")
        }
        return values.compactMap { $0 }
    }

    /// One call: checked arguments, the program (timing each node into `timings` when given),
    /// then the shared-variable updates.
    func run(_ arguments: [NDArray], timings: UnsafeMutableBufferPointer<Duration>? = nil) throws -> [NDArray] {
        if let kernelOptions, KernelOptions.scoped != kernelOptions {
            return try kernelOptions.withCurrent { try run(arguments, timings: timings) }
        }
        let values = try checkedArguments(arguments)
        var frame = frames.locked { $0.popLast() } ?? Program.Frame(for: program)
        let results = try program.run(inputs: values, in: &frame, timings: timings)
        frames.locked { kept in if kept.count < Self.keptFrames { kept.append(frame) } }
        for (storage, slot) in updates { try storage.set(results.updates[slot]) }
        return results.outputs
    }

    /// The arguments, counted, checked (unless trusted) and converted where allowed.
    func checkedArguments(_ arguments: [NDArray]) throws -> [NDArray] {
        guard arguments.count == inputs.count else {
            throw CotangentError(
                .inputMismatch,
                "function expects \(inputs.count) arguments ("
                    + inputs.map { "\($0.name ?? "<unnamed>"): \($0.type)" }.joined(separator: ", ")
                    + "), got \(arguments.count)")
        }
        var values = arguments
        if !trustInput {
            for index in values.indices {
                let checked = try checkInputValue(values[index], for: inputs[index])
                // Only a converted argument is written back (a write copies the array).
                if checked.storage !== values[index].storage { values[index] = checked }
            }
        }
        return values
    }
}

/// Where a compiled function spends its time: one entry per node, in run order.
public struct FunctionProfile: Sendable, CustomStringConvertible {
    /// One scheduled node and its total time over the profiled calls.
    public struct Entry: Sendable {
        /// The node (as the function runs it, after rewriting).
        public let node: Apply
        /// Total wall time of the node's kernel over all calls.
        public let time: Duration
    }

    /// Nodes in run order.
    public let entries: [Entry]
    /// How many calls were timed.
    public let calls: Int

    /// The nodes sorted by time, with their share and time per call (PyTensor's profile summary).
    public var description: String {
        let total = entries.reduce(Duration.zero) { $0 + $1.time }
        func microseconds(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
        }
        let totalMicros = max(microseconds(total), 1e-9)
        var lines = ["\(entries.count) nodes, \(calls) calls, "
            + "\(formatMicros(microseconds(total) / Double(max(calls, 1)))) µs per call in kernels"]
        for (rank, entry) in entries.enumerated().sorted(by: { $0.1.time > $1.1.time }).map(\.1).enumerated() {
            let share = microseconds(entry.time) / totalMicros * 100
            let perCall = microseconds(entry.time) / Double(max(calls, 1))
            let shapes = entry.node.outputs.map { TensorType.format($0.type.shape) }.joined(separator: ", ")
            lines.append("\(rank + 1). \(formatMicros(perCall)) µs (\(formatMicros(share))%) \(entry.node.op) -> \(shapes)")
        }
        return lines.joined(separator: "\n")
    }

    private func formatMicros(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return "\(rounded)"
    }
}

extension CompiledFunction {
    /// Calls the function `calls` times on `arguments` and returns the time of each node
    /// (PyTensor's `profile=True`). Shared-variable updates are applied as in a normal call.
    public func profile(_ arguments: [NDArray], calls: Int = 1) throws -> FunctionProfile {
        var timings = [Duration](repeating: .zero, count: program.steps.count)
        try timings.withUnsafeMutableBufferPointer { buffer in
            for _ in 0..<max(calls, 1) { _ = try run(arguments, timings: buffer) }
        }
        return FunctionProfile(
            entries: zip(program.steps, timings).map { FunctionProfile.Entry(node: $0.node, time: $1) },
            calls: max(calls, 1))
    }
}

/// Compiles a graph into a callable (PyTensor's `pytensor.function`).
///
/// The outputs (and update expressions) are rewritten with `mode`'s rewrites, then scheduled:
/// every value gets a slot, constants are placed once, and each intermediate is released right
/// after its last use.
///
/// - Parameters:
///   - inputs: the arguments, in order; shared variables are read from their storage and must
///     not be listed.
///   - outputs: what a call returns, in order.
///   - mode: the rewrites to apply (``CompileMode/fastRun`` by default).
///   - updates: new values for shared variables, computed with the outputs and stored after
///     each call (PyTensor's `updates`). Shared random generators the graph reads get a
///     default update to their next call unless named here (`[rng: rng]` keeps one fixed).
///   - onUnusedInput: `.raise` (PyTensor's default) rejects inputs the outputs do not need.
///   - trustInput: skips the argument checks on every call (dtype, rank, static shape), for
///     callers that already pass fitting arrays.
///   - kernelOptions: the kernels' thread counts for every call of this function, whatever
///     the caller's; nil (the default) uses `KernelOptions/current` at each call.
/// - Throws: `CotangentError` when a graph input is neither an argument nor shared, an input
///   is listed twice or is not a graph input, or an update does not fit its shared variable.
public func function(
    inputs: [Variable], outputs: [Variable], mode: CompileMode = .fastRun,
    updates: [Variable: Variable] = [:], onUnusedInput: UnusedInputPolicy = .raise, trustInput: Bool = false,
    kernelOptions: KernelOptions? = nil
) throws -> CompiledFunction {
    try compileFunction(
        inputs: inputs, outputs: outputs, outputNames: outputs.map(\.name), mode: mode, updates: updates,
        onUnusedInput: onUnusedInput, trustInput: trustInput, kernelOptions: kernelOptions)
}

/// Compiles a graph whose outputs are named by the caller: the results of a call by name are
/// read with these names (`results["loss"]`). Otherwise as
/// ``function(inputs:outputs:mode:updates:onUnusedInput:trustInput:kernelOptions:)``.
///
/// - Throws: also `CotangentError` when two outputs have the same name.
public func function(
    inputs: [Variable], outputs: KeyValuePairs<String, Variable>, mode: CompileMode = .fastRun,
    updates: [Variable: Variable] = [:], onUnusedInput: UnusedInputPolicy = .raise, trustInput: Bool = false,
    kernelOptions: KernelOptions? = nil
) throws -> CompiledFunction {
    let names = outputs.map(\.key)
    if let repeated = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
        throw CotangentError(.invalidGraph, "function: two outputs are named '\(repeated.element)'")
    }
    return try compileFunction(
        inputs: inputs, outputs: outputs.map(\.value), outputNames: names, mode: mode, updates: updates,
        onUnusedInput: onUnusedInput, trustInput: trustInput, kernelOptions: kernelOptions)
}

/// `updates` plus the default update of every shared random generator the outputs or the
/// updates read and `updates` does not name: the generator's next call, so each call of the
/// function draws new numbers (PyTensor's `default_update`). An explicit update wins; mapping a
/// generator to itself keeps it fixed.
private func withDefaultUpdates(_ updates: [Variable: Variable], outputs: [Variable]) -> [Variable: Variable] {
    guard SharedStorage.anyGeneratorExists else { return updates }
    var all = updates
    for root in GraphTraversal.graphInputs(outputs + Array(updates.values))
    where root.type.isRandomGenerator && root.sharedStorage != nil && all[root] == nil {
        all[root] = build(RandomGeneratorAdvance(.call), root)
    }
    return all
}

private func compileFunction(
    inputs: [Variable], outputs: [Variable], outputNames: [String?], mode: CompileMode,
    updates: [Variable: Variable], onUnusedInput: UnusedInputPolicy, trustInput: Bool,
    kernelOptions: KernelOptions?
) throws -> CompiledFunction {
    for (index, input) in inputs.enumerated() {
        guard input.isGraphInput, input.sharedStorage == nil else {
            throw CotangentError(
                .invalidGraph,
                "function: input \(index) (\(input) of type \(input.type)) is not a graph input "
                    + (input.sharedStorage != nil ? "(shared variables are read from their storage)" : "(it is computed or constant)"))
        }
        if inputs[..<index].contains(where: { $0 === input }) {
            throw CotangentError(.invalidGraph, "function: input \(input) is listed twice")
        }
    }
    let updatePairs = withDefaultUpdates(updates, outputs: outputs)
        .sorted { ($0.key.name ?? "") < ($1.key.name ?? "") }
    for (shared, expression) in updatePairs {
        guard let storage = shared.sharedStorage else {
            throw CotangentError(.invalidGraph, "function: updates must target shared variables, not \(shared)")
        }
        guard expression.dtype == storage.type.dtype, expression.ndim == storage.type.ndim else {
            throw CotangentError(
                .invalidGraph,
                "function: the update of \(shared) (type \(storage.type)) has type \(expression.type)")
        }
    }
    let targets = outputs + updatePairs.map(\.value)
    let rewritten = mode.include.isEmpty
        ? targets : rewriteGraph(targets, include: mode.include, exclude: mode.exclude)
    let program = try Program(inputs: inputs, outputs: rewritten, mode: mode)
    if onUnusedInput == .raise, let (unused, _) = zip(inputs, program.readsInput).first(where: { !$0.1 }) {
        throw CotangentError(
            .unusedInput,
            "function: input \(unused) of type \(unused.type) is not used by the outputs "
                + "(pass onUnusedInput: .ignore to allow it)")
    }
    let outputCount = outputs.count
    let updateSlots = updatePairs.enumerated().map { k, pair in (pair.key.sharedStorage!, k) }
    return CompiledFunction(
        inputs: inputs, outputs: Array(rewritten.prefix(outputCount)), outputNames: outputNames,
        program: program.splittingOutputs(at: outputCount), updates: updateSlots, trustInput: trustInput,
        kernelOptions: kernelOptions)
}
