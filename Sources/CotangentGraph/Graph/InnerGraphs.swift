import CotangentArrays

/// A graph an op runs inside its own kernel: a Jacobian loop's row, a loop body, a branch.
///
/// `inputs` are the variables the op feeds on each run (graph inputs of `outputs`, in the order
/// the op passes values); `outputs` are what one run computes.
public struct InnerGraph: Sendable {
    /// The variables fed on each run, in order.
    public let inputs: [Variable]
    /// The variables one run computes, in order.
    public let outputs: [Variable]
    /// Whether the op runs this graph only in a corner case (the row shape of a loop that
    /// runs no step) rather than as part of its computation; `dprint` leaves it out.
    public let isAuxiliary: Bool

    /// An inner graph computing `outputs` from `inputs`.
    public init(inputs: [Variable], outputs: [Variable], isAuxiliary: Bool = false) {
        self.inputs = inputs
        self.outputs = outputs
        self.isAuxiliary = isAuxiliary
    }
}

/// An inner graph prepared by the engine: rewritten and scheduled once (on its first run), then
/// run as often as the op needs, from any thread.
public protocol InnerProgram: Sendable {
    /// Runs the inner graph on one value per ``InnerGraph/inputs``, returning one value per
    /// ``InnerGraph/outputs``.
    func run(_ arguments: [NDArray]) throws -> [NDArray]

    /// Calls `body` with a function that runs the inner graph, for many runs in a row on one
    /// thread (a loop's steps): the engine looks the program up once and reuses the memory of
    /// one run for the next. The function must not escape `body`.
    func runRepeatedly<R>(_ body: (_ run: ([NDArray]) throws -> [NDArray]) throws -> R) throws -> R

    /// ``runRepeatedly(_:)`` whose runs also take, per output, an array the caller gives up
    /// (or nil): memory no one else references, of the output's dtype and shape, that the run
    /// may compute the output into instead of allocating (a loop's carry from two steps before,
    /// so fixed-size carries need no new memory per step). A run sets the entries it used to
    /// nil; the output is returned either way.
    func runRepeatedly<R>(
        donating body: (_ run: (_ arguments: [NDArray], _ buffers: inout [NDArray?]) throws -> [NDArray]) throws -> R
    ) throws -> R
}

extension InnerProgram {
    /// Without a faster way, each run is a ``run(_:)``.
    public func runRepeatedly<R>(_ body: (_ run: ([NDArray]) throws -> [NDArray]) throws -> R) throws -> R {
        try body { try run($0) }
    }

    /// Without a way to use them, the buffers are ignored: each run is a ``run(_:)``.
    public func runRepeatedly<R>(
        donating body: (_ run: (_ arguments: [NDArray], _ buffers: inout [NDArray?]) throws -> [NDArray]) throws -> R
    ) throws -> R {
        try body { arguments, _ in try run(arguments) }
    }
}

/// An op whose kernel runs graphs of its own.
///
/// Ops never call the engine: the engine asks such an op for its ``innerGraphs(_:)`` when it
/// schedules the node, prepares one ``InnerProgram`` for each, and calls
/// ``perform(_:node:programs:)`` with them. The plain ``Op/perform(_:node:)`` of such an op
/// reports that the node needs a compiled function.
public protocol InnerGraphOp: Op {
    /// The graphs this node runs, prepared in this order.
    func innerGraphs(_ node: Apply) -> [InnerGraph]

    /// The kernel, given the prepared programs of ``innerGraphs(_:)`` in order.
    func perform(_ inputs: [NDArray], node: Apply, programs: [any InnerProgram]) throws -> [NDArray]
}

extension InnerGraphOp {
    /// The op itself.
    public var asInnerGraphOp: (any InnerGraphOp)? { self }

    /// Without prepared programs the node cannot run: only the engine can prepare them.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        throw CotangentError(
            .invalidGraph,
            "\(self) runs inner graphs, which only a compiled function (function, eval) prepares")
    }
}
