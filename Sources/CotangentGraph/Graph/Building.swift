import Synchronization
import CotangentArrays

// Graph building never needs `try`: a statically impossible request is a programmer error and
// stops with the op's precise message. Code that builds graphs from data it does not control
// wraps the building in `checked { … }`, which turns every such failure into a thrown error.

/// Runs graph-building code and throws the first construction error instead of stopping.
///
/// Every operator, math function, indexing, reshaping and derivative transform reports invalid
/// requests here. Inside the closure a failed step returns a placeholder so the closure can run
/// to its end; the first error is then thrown and the placeholders are discarded.
///
/// ```swift
/// let y = try checked { matmul(a, b) + c }   // throws CotangentError(.invalidGraph, …)
/// ```
public func checked<T>(_ body: () throws -> T) throws -> T {
    let sink = BuildErrorSink()
    let result = try BuildContext.$sink.withValue(sink) { try body() }
    if let error = sink.firstError { throw error }
    return result
}

package enum BuildContext {
    @TaskLocal package static var sink: BuildErrorSink?
}

package final class BuildErrorSink: Sendable {
    private let errors = Mutex<[CotangentError]>([])
    /// The number of recorded errors, readable without the lock: every rewrite attempt reads
    /// it (to see whether building its replacement failed), almost always to find it unchanged.
    @usableFromInline let recorded = Atomic<Int>(0)
    /// An empty sink.
    package init() {}
    package func record(_ error: CotangentError) {
        errors.locked { $0.append(error) }
        recorded.add(1, ordering: .releasing)
    }
    package var firstError: CotangentError? { errors.locked { $0.first } }
    /// How many errors were recorded so far.
    @inlinable package var count: Int { recorded.load(ordering: .acquiring) }
    /// The errors recorded after the first `count` ones.
    package func errors(after count: Int) -> [CotangentError] { errors.locked { Array($0.dropFirst(count)) } }
}

/// Reports a construction error: thrown later by the enclosing ``checked(_:)``, or a stop with
/// the error's message when building unchecked.
package func reportBuildError(_ error: CotangentError) {
    guard let sink = BuildContext.sink else { stopBuilding(error.message) }
    sink.record(error)
}

/// Stops the program on a graph-building error that nothing can catch. `fatalError` (unlike
/// `precondition`, whose message `-O` drops) prints the message in release builds too.
package func stopBuilding(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("Cotangent: " + message, file: file, line: line)
}

/// Converts any thrown error into a ``CotangentError``.
package func asCotangentError(_ error: any Error) -> CotangentError {
    (error as? CotangentError) ?? CotangentError(.invalidGraph, "\(error)")
}

/// A stand-in returned after a recorded construction error inside `checked`.
package func placeholderVariable(_ type: TensorType = TensorType(dtype: .float64, shape: [])) -> Variable {
    Variable(type: type, name: "<invalid>")
}

/// Builds a node of `op` on `inputs` and returns its outputs; an invalid node is reported
/// (see ``checked(_:)``) and replaced by placeholders.
///
/// Inlinable, so that the ops' modules specialise it per op type: unspecialised, every node
/// built paid for generic dispatch (a tenth of rewriting W8's Hessian). The cold paths stay
/// behind non-generic calls.
@inlinable
package func buildOutputs(_ op: some Op, _ inputs: [Variable], outputCount: Int = 1) -> [Variable] {
    do {
        let inputs = op.resolvesWeakScalars ? inputs : pyTensorTypedInputs(inputs)
        let outputs = try op.makeNode(inputs).outputs
        // The op becomes an existential (boxed when large) only on the error path.
        if let problem = builtTypeProblem(outputs) { throw invalidBuiltType(problem, op: op, inputs: inputs) }
        return outputs
    } catch {
        return failedBuild(error, outputCount: outputCount)
    }
}

/// The inputs with weak scalars given PyTensor's types (for ops that do not resolve them).
@usableFromInline
package func pyTensorTypedInputs(_ inputs: [Variable]) -> [Variable] {
    inputs.map(WeakScalars.pyTensorTyped)
}

/// Why one of the output types is one no array can have (it would overflow the shape
/// arithmetic downstream), or nil.
@usableFromInline
package func builtTypeProblem(_ outputs: [Variable]) -> String? {
    outputs.lazy.compactMap(\.type.staticShapeProblem).first
}

/// The error for an output type no array can have, naming the op and the input types.
@usableFromInline
package func invalidBuiltType(_ problem: String, op: any Op, inputs: [Variable]) -> CotangentError {
    CotangentError(.invalidGraph, "\(op): \(problem); input types: \(describeTypes(inputs))")
}

/// Reports a failed build and returns placeholders for its outputs.
@usableFromInline
package func failedBuild(_ error: any Error, outputCount: Int) -> [Variable] {
    reportBuildError(asCotangentError(error))
    return (0..<outputCount).map { _ in placeholderVariable() }
}

/// Builds a one-output node of `op` on `inputs`.
@inlinable
package func build(_ op: some Op, _ inputs: Variable...) -> Variable {
    buildOutputs(op, inputs)[0]
}

/// Builds a one-output node of `op` on `inputs`.
@inlinable
package func build(_ op: some Op, _ inputs: [Variable]) -> Variable {
    buildOutputs(op, inputs)[0]
}

/// Runs a throwing graph-building step, reporting its error like an op's.
package func reporting<T>(_ fallback: @autoclosure () -> T, _ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        reportBuildError(asCotangentError(error))
        return fallback()
    }
}

// MARK: - Applying an op

extension Op {
    /// Applies the op to `inputs`, giving its outputs: the way to use an op defined outside
    /// Cotangent (PyTensor's `op(x, y)`). The op's ``outputTypes(for:)`` checks the inputs; an
    /// invalid application stops with its message, or throws inside ``checked(_:)``, where it
    /// returns `outputCount` placeholders so the closure can run to its end.
    public func callAsFunction(_ inputs: [Variable], outputCount: Int = 1) -> [Variable] {
        buildOutputs(self, inputs, outputCount: outputCount)
    }

    /// Applies the op to `inputs`, giving its outputs.
    public func callAsFunction(_ inputs: Variable...) -> [Variable] { buildOutputs(self, inputs) }
}
