// Thread counts scoped to one computation, so that concurrent callers (tests running in
// parallel, two compiled functions with different needs) never race on a process-wide switch.

/// How many threads Cotangent's kernels may use, for the computations run inside
/// `withCurrent(_:)` (or by a compiled function given these options).
///
/// The options in effect are the innermost `withCurrent(_:)` of the current task or thread;
/// outside any, the process-wide defaults of ``KernelSettings``. A scope is task-local: it
/// binds only the code it runs (and child tasks), so two threads or tasks can run with
/// different thread counts at the same time. Results never depend on the thread counts (split
/// kernels sum in the same order).
///
/// ```swift
/// let twoThreads = KernelOptions(elementwiseThreads: 2, matrixProductThreads: 2)
/// let values = try twoThreads.withCurrent { try f(x) }
/// ```
public struct KernelOptions: Sendable, Hashable {
    /// How many threads a large elementwise kernel (2^16 elements and more, operands in one
    /// line of memory) or a large whole-array float sum may split its elements over. Values
    /// below 1 count as 1.
    public var elementwiseThreads: Int {
        didSet { elementwiseThreads = Swift.max(1, elementwiseThreads) }
    }
    /// How many threads a large float matrix product (about 4 M multiply-adds and more) may
    /// split its rows over. Values below 1 count as 1.
    public var matrixProductThreads: Int {
        didSet { matrixProductThreads = Swift.max(1, matrixProductThreads) }
    }

    /// Options with the given thread counts (values below 1 count as 1); a count left out is
    /// ``KernelSettings/defaultThreads``, every core the process may run on.
    public init(elementwiseThreads: Int? = nil, matrixProductThreads: Int? = nil) {
        self.elementwiseThreads = Swift.max(1, elementwiseThreads ?? KernelSettings.defaultThreads)
        self.matrixProductThreads = Swift.max(1, matrixProductThreads ?? KernelSettings.defaultThreads)
    }

    /// The same thread count for every kernel family (1: everything on the calling thread).
    public init(threads: Int) {
        self.init(elementwiseThreads: threads, matrixProductThreads: threads)
    }

    /// Every kernel on the calling thread.
    public static let singleThreaded = KernelOptions(threads: 1)

    /// The scope's options, nil outside every ``withCurrent(_:)``.
    @TaskLocal package static var scoped: KernelOptions?

    /// The options in effect here: the innermost `withCurrent(_:)`, else the process-wide
    /// defaults of ``KernelSettings``.
    public static var current: KernelOptions {
        scoped ?? KernelOptions(
            elementwiseThreads: KernelSettings.elementwiseThreads,
            matrixProductThreads: KernelSettings.matrixProductThreads)
    }

    /// Runs `body` with these options in effect for every kernel it runs on this task or thread
    /// (and in child tasks), then restores the previous ones.
    public func withCurrent<Result>(_ body: () throws -> Result) rethrows -> Result {
        try Self.$scoped.withValue(self, operation: body)
    }

    /// The async form of ``withCurrent(_:)``.
    public func withCurrent<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        try await Self.$scoped.withValue(self, operation: body)
    }
}
