import Synchronization
import CotangentArrays
import CotangentGraph

// Draws inside loops. A loop body that draws from a generator it captures (a shared
// generator, a key from outside) would read the same generator at every step, and so draw the
// same numbers at every step. Instead, as PyTensor's scan does with its updates, the loop
// carries the generator: each step reads its own generator, the next step's derived from it
// (`RandomGeneratorAdvance{loopStep}`), so step t's draws are new and still a pure function
// of the generator the loop started from. Only draws the body's closure builds are threaded
// (a draw built outside the loop and read inside stays one draw); the closure's draws are
// recorded as they are built, through a task-local recorder the loop installs.

/// The draws (and splits, and inner loops) built while a loop's body closure runs: each node
/// with the input position of the generator it reads.
package final class LoopDrawRecorder: Sendable {
    private let reads = Mutex<[(node: Apply, input: Int)]>([])
    /// How many loop bodies enclose this one (0: the outermost).
    package let depth: Int

    private init(depth: Int) { self.depth = depth }

    /// The recorder of the loop whose body is being built, if any.
    @TaskLocal package static var current: LoopDrawRecorder?

    /// Notes that `node` reads a generator at input `input` (a no-op outside a loop body).
    package static func record(_ node: Apply?, input: Int) {
        guard let node, let recorder = current else { return }
        recorder.reads.withLock { $0.append((node, input)) }
    }

    /// Runs `build` (a loop body's closure) with a fresh recorder installed.
    package static func recording<T>(_ build: () -> T) -> (T, LoopDrawRecorder) {
        let recorder = LoopDrawRecorder(depth: current.map { $0.depth + 1 } ?? 0)
        let result = $current.withValue(recorder) { build() }
        return (result, recorder)
    }

    /// The recorded reads.
    var recorded: [(node: Apply, input: Int)] { reads.withLock { $0 } }
}

/// A loop body with the generators its draws capture turned into carries.
package struct LoopGenerators {
    /// The body's values (new carries and outputs) with the recorded draws reading the carried
    /// generators.
    package let values: [Variable]
    /// The carried generators' placeholders in the body.
    package let carries: [Variable]
    /// Their values before the first step (the captured generators).
    package let initial: [Variable]
    /// Their values for the next step.
    package let next: [Variable]

    /// Threads the generators that `recorder`'s draws read, where those do not already vary
    /// with `own` (the loop's carries and slices).
    package init(values: [Variable], own: [Variable], recorder: LoopDrawRecorder) {
        let nodes = GraphTraversal.toposort(values)
        var varying = Set(own)
        for node in nodes where node.inputs.contains(where: varying.contains) { varying.formUnion(node.outputs) }
        let inBody = Set(nodes)
        var carried: [Variable: Variable] = [:]
        var (carries, initial): ([Variable], [Variable]) = ([], [])
        var replacements: [Variable: Variable] = [:]
        for (node, input) in recorder.recorded where inBody.contains(node) {
            let generator = node.inputs[input]
            guard !varying.contains(generator) else { continue }
            let carry = carried[generator] ?? {
                let placeholder = Variable(type: .randomGenerator, name: generator.name.map { "\($0)[t]" })
                carried[generator] = placeholder
                carries.append(placeholder)
                initial.append(generator)
                return placeholder
            }()
            var inputs = node.inputs
            inputs[input] = carry
            let rebuilt = buildOutputs(node.op, inputs, outputCount: node.outputTypes.count)
            for (old, new) in zip(node.outputs, rebuilt) { replacements[old] = new }
        }
        self.values = replacements.isEmpty ? values : replacing(values, replacements)
        self.carries = carries
        self.initial = initial
        self.next = carries.map { build(RandomGeneratorAdvance(.loopStep(depth: recorder.depth)), $0) }
    }

    /// Records, for an enclosing loop, that the loop node `node` reads the carried generators'
    /// initial values at inputs `first`, `first + 1`, ….
    package func recordInitialValues(of node: Apply?, from first: Int) {
        for k in initial.indices { LoopDrawRecorder.record(node, input: first + k) }
    }
}
