@testable import Cotangent
@testable import CotangentEngine
@testable import CotangentGraph

/// Compiled with every fast_run rewrite or, when `rewrite` names one, with all but that one:
/// the reference a fusion's values are compared with (the same graph, the unfused kernels).
func compiledFastRun(_ inputs: [Variable], _ outputs: [Variable], excluding rewrite: String? = nil) throws
    -> CompiledFunction
{
    try function(
        inputs: inputs, outputs: outputs,
        mode: rewrite.map { CompileMode(include: ["fast_run"], exclude: ["BlasOpt", $0]) } ?? .fastRun)
}

/// The ops of type `T` in a compiled function's graph.
func ops<T: Op>(_ type: T.Type, in f: CompiledFunction) -> [T] {
    GraphTraversal.toposort(f.outputs).compactMap { $0.op as? T }
}
