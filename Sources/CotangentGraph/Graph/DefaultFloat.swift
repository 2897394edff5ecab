import CotangentArrays

// PyTensor's `floatX`: the float dtype of graph inputs declared without one. A task-local value,
// so a scope in one task (or one test running in parallel with others) never changes another's.

package enum DefaultDTypes {
    /// The float dtype of the current scope (float64 unless ``withDefaultFloat(_:_:)`` set it).
    @TaskLocal package static var float: DType = .float64
}

/// The float dtype that constructors taking no dtype use in the current scope: float64, or
/// what an enclosing ``withDefaultFloat(_:_:)`` set.
public var defaultFloatDType: DType { DefaultDTypes.float }

/// Runs `body` with `dtype` as the default float dtype (PyTensor's `floatX`).
///
/// Inside the scope, `Tensor.vector("x")`, `Tensor.matrix("A")` and the other constructors
/// that take no dtype declare `dtype` tensors, and a float number meeting an integer or bool
/// tensor (`n * 2.5`) becomes `dtype`. The scope is task-local: it covers `body` and the child
/// tasks it starts, and nothing running concurrently elsewhere.
///
/// ```swift
/// let loss = withDefaultFloat(.float32) {
///     let x = Tensor.vector("x")            // float32
///     return (x * 0.001).sum()              // float32: the literal takes x's dtype
/// }
/// ```
///
/// A dtype that is not float32 or float64 is a programmer error: it stops with a message (a
/// thrown error inside ``checked(_:)``) and `body` runs with float64.
public func withDefaultFloat<R>(_ dtype: DType, _ body: () throws -> R) rethrows -> R {
    var scoped = dtype
    if !dtype.isFloat {
        reportBuildError(.invalidGraph("withDefaultFloat(\(dtype)): the default float dtype must be float32 or float64"))
        scoped = .float64
    }
    return try DefaultDTypes.$float.withValue(scoped) { try body() }
}
