import Synchronization
import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting

/// A key naming a graph input in `eval`: its name or the variable itself.
public enum InputKey: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The input of that name (`Tensor.vector("x")` is named `"x"`).
    case name(String)
    /// The input itself.
    case variable(Variable)

    public init(stringLiteral value: String) { self = .name(value) }

    public var description: String {
        switch self {
        case .name(let name): "'\(name)'"
        case .variable(let variable): "\(variable) <\(variable.type)>"
        }
    }
}

extension Variable {
    /// Computes this tensor from input values keyed by input name.
    ///
    /// Keys the graph does not need are ignored, as PyTensor's `eval` does, unless `strict` is
    /// set. The graph is compiled with `mode` (PyTensor's default rewrites; `.unoptimized` runs it
    /// as built) and the compiled program is cached. Values are converted to the input's dtype when that loses nothing (an int64 array
    /// for a float64 input, float64 values exactly representable in float32).
    ///
    /// - Throws: `CotangentError` naming the input or op, the shapes and the dtypes: a missing
    ///   input, a value of the wrong dtype, rank or static shape, or a runtime shape conflict.
    public func eval(_ inputs: [String: NDArray] = [:], strict: Bool = false, mode: CompileMode = .fastRun) throws -> NDArray {
        try evaluate([self], Dictionary(uniqueKeysWithValues: inputs.map { (InputKey.name($0.key), $0.value) }),
                     strict: strict, mode: mode)[0]
    }

    /// Computes this tensor from input values keyed by input variable.
    public func eval(_ inputs: [Variable: NDArray], strict: Bool = false, mode: CompileMode = .fastRun) throws -> NDArray {
        try evaluate([self], Dictionary(uniqueKeysWithValues: inputs.map { (InputKey.variable($0.key), $0.value) }),
                     strict: strict, mode: mode)[0]
    }
}

/// Evaluates several outputs together (shared subgraphs computed once).
///
/// Like `Variable/eval(_:strict:mode:)`: the graph is compiled with `mode` (cached, so
/// evaluating the same graph again reuses the compiled program) and run on the given values.
public func evaluate(
    _ outputs: [Variable], _ inputs: [InputKey: NDArray], strict: Bool = false, mode: CompileMode = .fastRun
) throws -> [NDArray] {
    // Strictness is judged on the graph as built; what must be given, on the graph that runs
    // (rewriting may remove a dependency, e.g. a shape that no longer reads a tensor).
    let roots = GraphTraversal.graphInputs(outputs)
    let compiled = EvalCache.shared.rewritten(outputs, mode: mode)
    let needed = GraphTraversal.graphInputs(compiled)
    var given: [Variable] = []
    var values: [NDArray] = []
    var used = Set<InputKey>()
    for root in roots {
        // A variable key wins over a name key for the same input.
        if inputs[.variable(root)] != nil {
            used.insert(.variable(root))
        } else if let key = root.name.map(InputKey.name), inputs[key] != nil {
            used.insert(key)
        }
    }
    for root in needed {
        let byVariable = inputs[.variable(root)]
        let byName = root.name.flatMap { inputs[.name($0)] }
        guard let value = byVariable ?? byName else {
            if root.sharedStorage != nil { continue }  // read from its storage
            throw CotangentError(
                .missingInput,
                "eval: no value for input \(root.name.map { "'\($0)'" } ?? "<unnamed>") of type \(root.type); "
                    + "the graph needs " + roots.map { $0.name ?? "<\($0.type)>" }.joined(separator: ", "))
        }
        given.append(root)
        values.append(try checkInputValue(value, for: root))
    }
    // Names given for several distinct inputs are ambiguous.
    let names = roots.compactMap(\.name)
    for name in Set(names) where names.filter({ $0 == name }).count > 1 && inputs[.name(name)] != nil {
        throw CotangentError(
            .unknownInput, "eval: the name '\(name)' matches several inputs of the graph; key them by variable")
    }
    if strict {
        for key in inputs.keys where !used.contains(key) {
            // An input variable the graph does not use (or one given twice) is unused; a name
            // that matches no input, or a variable that is not an input, is unknown.
            let known: Bool
            switch key {
            case .name(let name): known = roots.contains { $0.name == name }
            case .variable(let variable): known = variable.isGraphInput
            }
            throw CotangentError(
                known ? .unusedInput : .unknownInput,
                known
                    ? "eval (strict): input \(key) is given but not used"
                    : "eval (strict): \(key) names no input of the graph; inputs are "
                        + roots.map { $0.name ?? "<\($0.type)>" }.joined(separator: ", "))
        }
    }
    let program = try EvalCache.shared.program(outputs: compiled, inputs: given, mode: mode)
    let results = try program.run(inputs: values).outputs
    // Shared generators move on to their next call, as a compiled function's default update
    // moves them (PyTensor's `eval` of a draw also draws anew each time).
    for root in roots where root.type.isRandomGenerator {
        if let storage = root.sharedStorage, let value = GeneratorValue(storage.get()) {
            try storage.set(value.nextCall.array)
        }
    }
    return results
}

/// Compiled programs of recently evaluated graphs (bounded, least recently used evicted).
///
/// Entries hold their graphs strongly, which is why the cache is small.
final class EvalCache: Sendable {
    static let shared = EvalCache(capacity: 64)

    struct Key: Hashable {
        let outputs: [Variable]
        let inputs: [Variable]
        let mode: CompileMode
    }

    private let capacity: Int
    private let entries = Mutex<(programs: [Key: Program], order: [Key])>(([:], []))
    private let rewrites = Mutex<(graphs: [Key: [Variable]], order: [Key])>(([:], []))

    init(capacity: Int) { self.capacity = capacity }

    /// The outputs as `mode` rewrites them (cached).
    func rewritten(_ outputs: [Variable], mode: CompileMode) -> [Variable] {
        guard !mode.include.isEmpty else { return outputs }
        let key = Key(outputs: outputs, inputs: [], mode: mode)
        if let cached = rewrites.locked({ $0.graphs[key] }) { return cached }
        let result = rewriteGraph(outputs, include: mode.include, exclude: mode.exclude)
        rewrites.locked { state in
            if state.graphs[key] == nil { state.order.append(key) }
            state.graphs[key] = result
            while state.order.count > capacity { state.graphs[state.order.removeFirst()] = nil }
        }
        return result
    }

    /// The program running already-rewritten `outputs` from `inputs` (cached).
    func program(outputs: [Variable], inputs: [Variable], mode: CompileMode) throws -> Program {
        let key = Key(outputs: outputs, inputs: inputs, mode: mode)
        if let cached = entries.locked({ state -> Program? in
            guard let program = state.programs[key] else { return nil }
            state.order.removeAll { $0 == key }
            state.order.append(key)
            return program
        }) {
            return cached
        }
        let program = try Program(inputs: inputs, outputs: outputs, mode: mode)
        entries.locked { state in
            state.programs[key] = program
            state.order.append(key)
            while state.order.count > capacity { state.programs[state.order.removeFirst()] = nil }
        }
        return program
    }
}

/// Converts and checks one input value against its variable's type.
func checkInputValue(_ value: NDArray, for variable: Variable) throws -> NDArray {
    let type = variable.type
    // Built only for a message: a call with good inputs formats no strings.
    var label: String { variable.name.map { "'\($0)'" } ?? "<unnamed>" }
    guard value.ndim == type.ndim else {
        throw CotangentError(
            .inputMismatch,
            "input \(label) of type \(type) expects \(type.ndim) dimensions, got an array of shape "
                + "\(formatShape(value.shape)) (\(value.ndim) dimensions, dtype \(value.dtype))")
    }
    guard type.accepts(shape: value.shape) else {
        throw CotangentError(
            .inputMismatch,
            "input \(label) of type \(type) has static shape \(TensorType.format(type.shape)), "
                + "got an array of shape \(formatShape(value.shape)) (dtype \(value.dtype))")
    }
    if value.dtype == type.dtype { return value }
    if value.dtype.canCastSafely(to: type.dtype) { return value.converted(to: type.dtype) }
    // A narrowing conversion is accepted only when it changes no value (compared in the value's
    // own dtype: through double, int64 2**60 + 1 would equal its float32 rounding, and NaN would
    // differ from itself).
    let converted = value.converted(to: type.dtype)
    if !(value.dtype.isFloat && type.dtype.isDiscrete),
        value.dtype.dispatch(SameElements(a: value, b: converted.converted(to: value.dtype)))
    {
        return converted
    }
    throw CotangentError(
        .inputMismatch,
        "input \(label) of type \(type) cannot hold an array of dtype \(value.dtype) (shape "
            + "\(formatShape(value.shape))) without losing precision; convert it first")
}

/// Whether two arrays of the visited dtype hold the same elements (NaN equal to NaN).
private struct SameElements: DTypeVisitor {
    let a: NDArray
    let b: NDArray
    func visit<T: ArrayElement>(_: T.Type) -> Bool {
        zip(a.asArray(T.self), b.asArray(T.self)).allSatisfy { x, y in x == y || (x != x && y != y) }
    }
}
