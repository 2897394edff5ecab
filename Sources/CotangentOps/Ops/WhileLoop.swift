import CotangentArrays
import CotangentGraph

// whileLoop: a scan whose steps stop when a condition of the carries fails.

/// Repeats `body` on the carries while `condition` holds (tested before each step), at most
/// `maxIterations` times: JAX's `lax.while_loop`, PyTensor's scan with `until`.
///
/// ```swift
/// let root = whileLoop(initial: [x0], maxIterations: 50, while: { s in abs(s[0]).max() .> 1e-12 },
///                      body: { s in [s[0] / 2] })
/// ```
/// The loop is a ``Scan`` with a condition: forward mode carries tangents beside the carries,
/// and reverse mode runs back over the carries of the steps that ran (they are stored, so the
/// pullback's length is the number of steps actually taken). The condition must be a scalar;
/// the body must keep each carry's dtype and shape (an error naming the carry otherwise).
public func whileLoop(
    initial: [Variable], maxIterations: Int? = nil, while condition: ([Variable]) -> Variable,
    body: ([Variable]) -> [Variable]
) -> [Variable] {
    let initial = initial.map(strongCarry)
    let carries = initial.map { Variable(type: $0.type, name: $0.name) }
    let (test, conditionDraws) = LoopDrawRecorder.recording { condition(carries) }
    guard test.ndim == 0 else {
        reportBuildError(
            CotangentError(.invalidGraph, "whileLoop: the condition must be a scalar, got \(test) of type \(test.type)"))
        return initial
    }
    guard !initial.isEmpty else {
        reportBuildError(CotangentError(.invalidGraph, "whileLoop: give at least one carry"))
        return initial
    }
    if let maxIterations, maxIterations < 0 {
        reportBuildError(CotangentError(.invalidGraph, "whileLoop: maxIterations is \(maxIterations); it must be at least 0"))
        return initial
    }
    if !conditionDraws.recorded.isEmpty {
        reportBuildError(CotangentError(.invalidGraph, "whileLoop: the condition draws random numbers; draw them in the body"))
        return initial
    }
    let (next, draws) = LoopDrawRecorder.recording { body(carries) }
    do {
        try Scan.checkCarries(next, initial: initial, transform: "whileLoop")
    } catch {
        reportBuildError(asCotangentError(error))
        return initial
    }
    // Generators the body's draws capture become carries, so each step draws anew.
    let generators = LoopGenerators(values: next, own: carries, recorder: draws)
    let result = Scan.make(
        carries: carries + generators.carries, slices: [], newCarries: generators.values + generators.next, outputs: [],
        condition: test.dtype == .bool ? test : test .!= 0,
        length: Variable(constant: NDArray(scalar: Int64(maxIterations ?? Int(Int64.max)))),
        initial: initial + generators.initial, sequences: [], reverse: false
    ).carries
    generators.recordInitialValues(of: result.first?.owner, from: 1 + initial.count)
    return Array(result.prefix(initial.count))
}
