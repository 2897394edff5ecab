import Synchronization
import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting

/// A scheduled graph: the interpreter every compiled function and `eval` run.
///
/// Values live in numbered slots. Constants are placed once at compile time; each step runs one
/// node's kernel on its input slots and writes its output slots; a slot is cleared right after
/// its last reader, so intermediates are freed as early as possible (PyTensor's `allow_gc`).
///
/// In-place execution follows PyTensor's destroy rules, split between compile time and run time.
/// At compile time a step's input is *destroyable* when the op can reuse it
/// (``Op/destroyCandidates(_:)``), this step is its last reader, it is read once by the step,
/// and its slot is not an argument, constant, shared value or output. At run time the engine
/// takes the value out of its slot and hands it over only if its memory has no other reference
/// (`isKnownUniquelyReferenced`): a view of an argument, of a constant or of a value still
/// needed keeps the memory referenced, so it is never overwritten, whatever the view chain.
struct Program: Sendable {
    /// One node's place in the schedule. Its slot lists are ranges of the program's `slab`, so
    /// that reading a step in the run loop copies plain integers (no array is retained).
    struct Step: Sendable {
        let node: Apply
        /// The node's op, read once here instead of through the node at every run.
        let op: any Op
        let inputs: Range<Int>
        let outputs: Range<Int>
        /// Slots whose last reader is this step (destroyable ones excluded: they are emptied
        /// before the kernel runs).
        let releases: Range<Int>
        /// Input positions the kernel may overwrite and their slots, as consecutive pairs.
        let destroyable: Range<Int>
        /// For an op that runs graphs of its own: the op and its prepared inner programs.
        let inner: (op: any InnerGraphOp, programs: [any InnerProgram])?
        /// Whether `inner` is set (tested without copying it).
        let hasInner: Bool
        /// The node's kernel prepared at compile time (``Op/preparedKernel(_:)``), if the op has one.
        let kernel: (any PreparedKernel)?
        /// Whether the node has one output and a prepared kernel, which then writes it into its
        /// slot without an array around it.
        let runsSingle: Bool
        /// For a one-output step that computes program output `k` (its first, if the value is
        /// several), or the value that step overwrites in place: `k`, whose donated buffer the
        /// step may compute into (``run(inputs:in:timings:donating:)``); else -1.
        let donatedOutput: Int
    }

    let slotCount: Int
    /// Every step's slot lists, one after the other (see ``Step``).
    let slab: [Int]
    let constants: [(slot: Int, value: NDArray)]
    let inputSlots: [Int]
    /// Whether each input is read by a step or is an output (`function`'s unused-input check,
    /// answered from the schedule instead of another walk of the graph).
    let readsInput: [Bool]
    /// Shared variables read from their storage at the start of each call.
    let sharedSlots: [(slot: Int, storage: SharedStorage)]
    let steps: [Step]
    let outputSlots: [Int]
    /// How many of `outputSlots` are user outputs (the rest are update values).
    var userOutputCount: Int
    /// The most inputs any step reads.
    let maxArity: Int
    /// Whether the constants' slots keep them from run to run: no output is a constant (the
    /// end of a run empties the output slots).
    let constantsStay: Bool

    /// Schedules `outputs` as functions of `inputs`. The inner graphs of ops that run graphs of
    /// their own (``InnerGraphOp``) are rewritten with `mode` and scheduled here too, once.
    ///
    /// - Throws: ``CotangentError/Kind/missingInput`` when a graph input is neither given nor
    ///   shared.
    init(inputs: [Variable], outputs: [Variable], mode: CompileMode) throws {
        let nodes = GraphTraversal.toposort(outputs)
        // Sized once, so the table is not rehashed as it grows.
        var slots = [Variable: Int](minimumCapacity: inputs.count + nodes.reduce(0) { $0 + $1.inputs.count + $1.outputTypes.count })
        var constants: [(Int, NDArray)] = []
        var shared: [(Int, SharedStorage)] = []
        func slot(for variable: Variable) -> Int {
            if let existing = slots[variable] { return existing }
            let index = slots.count
            slots[variable] = index
            return index
        }
        let inputSlots = inputs.map(slot(for:))
        var steps: [(Apply, [Int], [Int])] = []
        func place(_ variable: Variable) throws -> Int {
            if let existing = slots[variable] { return existing }
            if let value = variable.constantValue {
                let index = slot(for: variable)
                constants.append((index, value))
                return index
            }
            if let storage = variable.sharedStorage {
                let index = slot(for: variable)
                shared.append((index, storage))
                return index
            }
            throw CotangentError(
                .missingInput,
                "function: the outputs need input \(variable.name.map { "'\($0)'" } ?? "<unnamed>") of type "
                    + "\(variable.type), which is not among the inputs ("
                    + inputs.map { $0.name ?? "<unnamed>" }.joined(separator: ", ") + ")")
        }
        for node in nodes {
            let inputIndices = try node.inputs.map { input in
                input.owner == nil ? try place(input) : slots[input]!
            }
            let outputIndices = node.outputs.map(slot(for:))
            steps.append((node, inputIndices, outputIndices))
        }
        let outputSlots = try outputs.map { output in output.owner == nil ? try place(output) : slots[output]! }
        // Last use of every slot; inputs, constants, shared values and outputs are never released.
        // Per-slot tables are arrays indexed by slot (as dictionaries of small integers they
        // were about a third of scheduling W8's Hessian).
        var keep = [Bool](repeating: false, count: slots.count)
        for slot in outputSlots { keep[slot] = true }
        for slot in inputSlots { keep[slot] = true }
        for constant in constants { keep[constant.0] = true }
        for value in shared { keep[value.0] = true }
        var lastUse = [Int](repeating: -1, count: slots.count)
        for (position, step) in steps.enumerated() { for index in step.1 { lastUse[index] = position } }
        var destroyable = Array(repeating: [(position: Int, slot: Int)](), count: steps.count)
        for (position, step) in steps.enumerated() {
            for candidate in step.0.op.destroyCandidates(step.0) where candidate < step.1.count {
                let slot = step.1[candidate]
                guard !keep[slot], lastUse[slot] == position,
                    step.1.lazy.filter({ $0 == slot }).count == 1
                else { continue }
                destroyable[position].append((candidate, slot))
            }
        }
        var releases = Array(repeating: [Int](), count: steps.count)
        for (index, position) in lastUse.enumerated() where position >= 0 && !keep[index]
            && !destroyable[position].contains(where: { $0.slot == index }) {
            releases[position].append(index)
        }
        // A node output nobody reads is released right away.
        for (position, step) in steps.enumerated() {
            for index in step.2 where lastUse[index] < 0 && !keep[index] { releases[position].append(index) }
        }
        self.slotCount = slots.count
        self.constants = constants.map { (slot: $0.0, value: $0.1) }
        self.inputSlots = inputSlots
        self.readsInput = inputSlots.map { slot in lastUse[slot] >= 0 || outputSlots.contains(slot) }
        self.sharedSlots = shared.map { (slot: $0.0, storage: $0.1) }
        // Donated output buffers (see `run(inputs:in:timings:donating:)`): a one-output step
        // computing program output k takes output k's buffer; so does the step whose result
        // that step overwrites in place (its destroyable input made by a one-output step of the
        // output's dtype), which then computes straight into the buffer and hands it on (a
        // loop's carry `tanh(x + h·W)`: the product is written into the spare carry and the
        // elementwise kernel overwrites it there).
        let kernels = steps.map { Self.isInnerGraphNode($0.0) ? nil : $0.0.op.preparedKernel($0.0) }
        // (A value that is several outputs, a loop's carry also stacked as a step output, takes
        // the first one's buffer.)
        var donated = steps.map { step in step.2.count == 1 ? outputSlots.firstIndex(of: step.2[0]) ?? -1 : -1 }
        var producer = [Int](repeating: -1, count: slots.count)
        for (position, step) in steps.enumerated() { for slot in step.2 { producer[slot] = position } }
        for (position, step) in steps.enumerated() where donated[position] >= 0 && kernels[position] != nil {
            for (_, slot) in destroyable[position] {
                let source = producer[slot]
                guard source >= 0, donated[source] < 0, kernels[source] != nil, steps[source].2.count == 1,
                    steps[source].0.outputs[0].dtype == step.0.outputs[0].dtype
                else { continue }
                donated[source] = donated[position]
                break
            }
        }
        var slab: [Int] = []
        func append(_ values: [Int]) -> Range<Int> {
            slab += values
            return (slab.count - values.count)..<slab.count
        }
        self.steps = steps.enumerated().map { position, step in
            let inner = Self.prepareInnerPrograms(step.0, mode: mode)
            let kernel = inner == nil ? kernels[position] : nil
            return Step(
                node: step.0, op: step.0.op, inputs: append(step.1), outputs: append(step.2),
                releases: append(releases[position]),
                destroyable: append(destroyable[position].flatMap { [$0.position, $0.slot] }),
                inner: inner, hasInner: inner != nil, kernel: kernel, runsSingle: kernel != nil && step.2.count == 1,
                donatedOutput: donated[position])
        }
        self.slab = slab
        self.outputSlots = outputSlots
        self.userOutputCount = outputSlots.count
        self.maxArity = steps.map { $0.1.count }.max() ?? 0
        self.constantsStay = Set(outputSlots).isDisjoint(with: constants.map { $0.0 })
    }

    func splittingOutputs(at count: Int) -> Program {
        var copy = self
        copy.userOutputCount = count
        return copy
    }

    /// Runs the steps on argument values (already checked).
    ///
    /// With `timings`, each step's wall time is added to `timings[step]` (a profile).
    @inline(__always)
    private static func perform(_ step: UnsafePointer<Step>, _ arguments: [NDArray], _ destroying: InputSet) throws -> [NDArray] {
        if let kernel = step.pointee.kernel { return try kernel.perform(arguments, destroying: destroying) }
        return destroying.isEmpty
            ? try step.pointee.op.perform(arguments, node: step.pointee.node)
            : try step.pointee.op.perform(arguments, node: step.pointee.node, destroying: destroying)
    }

    /// Whether the node's op runs graphs of its own (it then has no prepared kernel).
    private static func isInnerGraphNode(_ node: Apply) -> Bool { node.op.asInnerGraphOp != nil }

    /// The inner programs of a node whose op runs graphs of its own, else nil. Each is rewritten
    /// and scheduled on its first run (see ``PreparedInnerProgram``).
    private static func prepareInnerPrograms(
        _ node: Apply, mode: CompileMode
    ) -> (op: any InnerGraphOp, programs: [any InnerProgram])? {
        guard let op = node.op.asInnerGraphOp else { return nil }
        return (op, op.innerGraphs(node).map { PreparedInnerProgram(graph: $0, mode: mode) })
    }

    /// The memory one run works in: a value per slot and the argument buffer of the steps.
    /// A loop running a program step after step reuses one frame (``Program/run(inputs:in:)``)
    /// instead of allocating them per step.
    struct Frame {
        var values: [NDArray?]
        var arguments: [NDArray]
        /// Whether the constants are in their slots. They stay there between runs (no step
        /// releases or overwrites a constant), so a kept frame places them once.
        var holdsConstants = false

        init(for program: Program) {
            // (`Array(repeating:count:)` costs about a thousand instructions here; this a tenth.)
            values = [NDArray?](unsafeUninitializedCapacity: program.slotCount) { buffer, count in
                for index in 0..<program.slotCount { (buffer.baseAddress! + index).initialize(to: nil) }
                count = program.slotCount
            }
            arguments = []
            arguments.reserveCapacity(program.maxArity)
        }
    }

    func run(
        inputs: [NDArray], timings: UnsafeMutableBufferPointer<Duration>? = nil
    ) throws -> (outputs: [NDArray], updates: [NDArray]) {
        var frame = Frame(for: self)
        return try run(inputs: inputs, in: &frame, timings: timings)
    }

    /// One run in a frame that may have served earlier runs of this program. Inputs and
    /// outputs leave the frame when the run ends (so nothing outlives its use there).
    func run(
        inputs: [NDArray], in frame: inout Frame, timings: UnsafeMutableBufferPointer<Duration>? = nil
    ) throws -> (outputs: [NDArray], updates: [NDArray]) {
        var none: [NDArray?] = []
        return try run(inputs: inputs, in: &frame, timings: timings, donating: &none)
    }

    /// ``run(inputs:in:timings:)`` with donated memory: `buffers` holds, per output, an array
    /// the caller gives up or nil (see ``InnerProgram/runRepeatedly(donating:)``). A kernel
    /// that computes into one takes it out of `buffers` (so the caller no longer references it
    /// and a later step may overwrite it in place).
    func run(
        inputs: [NDArray], in frame: inout Frame, timings: UnsafeMutableBufferPointer<Duration>? = nil,
        donating buffers: inout [NDArray?]
    ) throws -> (outputs: [NDArray], updates: [NDArray]) {
        var values = frame.values
        frame.values = []
        var arguments = frame.arguments
        frame.arguments = []
        defer {
            for slot in inputSlots { values[slot] = nil }
            for slot in outputSlots { values[slot] = nil }
            // A kept frame must not hold a shared variable's old value (nor its memory).
            for (slot, _) in sharedSlots { values[slot] = nil }
            // Nor the arguments of its last step (a failed step's too).
            while arguments.popLast() != nil {}
            frame.values = values
            frame.arguments = arguments
        }
        for (slot, value) in zip(inputSlots, inputs) { values[slot] = value }
        if !frame.holdsConstants {
            for (slot, value) in constants { values[slot] = value }
            frame.holdsConstants = constantsStay
        }
        for (slot, storage) in sharedSlots { values[slot] = storage.get() }
        // One argument buffer for every step: it is unique again once a kernel returns.
        // Steps and their slot lists are read in place (a `for step in steps` copy retains
        // each of its fields).
        try steps.withUnsafeBufferPointer { steps in
            try slab.withUnsafeBufferPointer { slab in
                for index in steps.indices {
                    let step = steps.baseAddress! + index
                    // (`removeAll(keepingCapacity:)` goes through a generic range replacement.)
                    while arguments.popLast() != nil {}
                    for k in step.pointee.inputs { arguments.append(values[slab[k]]!) }
                    if step.pointee.hasInner {
                        let inner = step.pointee.inner!
                        // (Timed too: a loop's profile row is its whole body's time.)
                        let start = timings == nil ? nil : ContinuousClock.now
                        let results = try inner.op.perform(arguments, node: step.pointee.node, programs: inner.programs)
                        if let timings, let start { timings[index] += ContinuousClock.now - start }
                        for (k, result) in zip(step.pointee.outputs, results) { values[slab[k]] = result }
                        for k in step.pointee.releases { values[slab[k]] = nil }
                        continue
                    }
                    var destroying = InputSet.none
                    // (A `while`: `stride(from:to:by:)` here ran through generic witnesses.)
                    var k = step.pointee.destroyable.lowerBound
                    while k < step.pointee.destroyable.upperBound {
                        let (position, slot) = (slab[k], slab[k + 1])
                        values[slot] = nil
                        if isKnownUniquelyReferenced(&arguments[position].storage) { destroying.insert(position) }
                        k += 2
                    }
                    if step.pointee.runsSingle && timings == nil {
                        let donated = step.pointee.donatedOutput
                        let result: NDArray
                        // (`if let`, not `!= nil`: that comparison ran through generic witnesses.)
                        if donated >= 0 && donated < buffers.count, let buffer = buffers[donated] {
                            result = try step.pointee.kernel!.performSingle(arguments, destroying: destroying, into: buffer)
                            if result.storage === buffer.storage { buffers[donated] = nil }
                        } else {
                            result = try step.pointee.kernel!.performSingle(arguments, destroying: destroying)
                        }
                        values[slab[step.pointee.outputs.lowerBound]] = result
                        for k in step.pointee.releases { values[slab[k]] = nil }
                        continue
                    }
                    let results: [NDArray]
                    if let timings {
                        // Profiling only: the clock's values are opaque types, costly on every step.
                        let start = ContinuousClock.now
                        results = try Self.perform(step, arguments, destroying)
                        timings[index] += ContinuousClock.now - start
                    } else {
                        results = try Self.perform(step, arguments, destroying)
                    }
                    for (k, result) in zip(step.pointee.outputs, results) { values[slab[k]] = result }
                    for k in step.pointee.releases { values[slab[k]] = nil }
                }
            }
        }
        var outputs: [NDArray] = []
        outputs.reserveCapacity(userOutputCount)
        for slot in outputSlots[..<userOutputCount] { outputs.append(values[slot]!) }
        guard outputSlots.count > userOutputCount else { return (outputs, []) }
        return (outputs, outputSlots[userOutputCount...].map { values[$0]! })
    }
}

/// An inner graph scheduled by the engine, run by the op that holds it.
///
/// The graph is rewritten and scheduled on the first run, not when the outer function is
/// compiled: a function whose loop or Jacobian row never runs (a branch not taken, a call that
/// fails first) pays nothing for it, and compiling an outer function costs what it did when
/// the op compiled its graph itself. Later runs, from any thread, reuse the one program; the
/// first callers wait for it under the lock.
private final class PreparedInnerProgram: InnerProgram {
    private let graph: InnerGraph
    private let mode: CompileMode
    private let program = Mutex<Program?>(nil)

    init(graph: InnerGraph, mode: CompileMode) {
        self.graph = graph
        self.mode = mode
    }

    private func prepared() throws -> Program {
        try program.locked { prepared in
            if let prepared { return prepared }
            let outputs = mode.include.isEmpty
                ? graph.outputs : rewriteGraph(graph.outputs, include: mode.include, exclude: mode.exclude)
            let program = try Program(inputs: graph.inputs, outputs: outputs, mode: mode)
            prepared = program
            return program
        }
    }

    func run(_ arguments: [NDArray]) throws -> [NDArray] {
        try prepared().run(inputs: arguments).outputs
    }

    /// The program is looked up once and every run reuses one frame.
    func runRepeatedly<R>(_ body: (_ run: ([NDArray]) throws -> [NDArray]) throws -> R) throws -> R {
        let program = try prepared()
        var frame = Program.Frame(for: program)
        return try body { arguments in try program.run(inputs: arguments, in: &frame).outputs }
    }

    /// As ``runRepeatedly(_:)``, the buffers handed to the kernels of the outputs.
    func runRepeatedly<R>(
        donating body: (_ run: (_ arguments: [NDArray], _ buffers: inout [NDArray?]) throws -> [NDArray]) throws -> R
    ) throws -> R {
        let program = try prepared()
        var frame = Program.Frame(for: program)
        return try body { arguments, buffers in try program.run(inputs: arguments, in: &frame, donating: &buffers).outputs }
    }
}
