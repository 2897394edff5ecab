import CotangentArrays
import CotangentGraph
import CotangentOps

// Small queries rewriters share.

extension FunctionGraph.Value {
    /// The elementwise scalar op computing this value, if any.
    package var elemwiseOp: ScalarOp? { owner?.scalarOp }

    /// The broadcast pattern (which dims are statically 1).
    package var broadcastable: [Bool] { type.broadcastable }
}

/// The single value of a constant all of whose elements are equal, looking through
/// `ExpandDims`/`DimShuffle`, `Alloc`, `second(_, c)` and casts — with each cast applied, so
/// `Cast{int8}(0.5)` is 0 (PyTensor's `get_underlying_scalar_constant_value`; see
/// ``exactConstant(_:)``).
package func uniformConstant(_ value: FunctionGraph.Value) -> Double? {
    if let known = value.uniformValue { return known }
    guard let constant = value.constantValue else { return exactConstant(value) }
    let elements = constant.asArray(Double.self)
    guard let first = elements.first, elements.allSatisfy({ $0 == first || ($0.isNaN && first.isNaN) }) else {
        value.uniformValue = .some(nil)
        return nil
    }
    value.uniformValue = first
    return first
}

/// The number of live nodes reading `value` (``RewriteContext/clients(_:)`` without the list).
package func liveClientCount(_ value: FunctionGraph.Value) -> Int { value.liveClientCount }

/// A 0-d constant of `dtype` holding `value`.
package func scalarConstant(_ value: Double, dtype: DType) -> Variable {
    Variable(constant: NDArray.full([], value: value, dtype: dtype))
}

/// Whether `variable` can replace `value` without changing its type: same dtype and rank, every
/// known length kept, and no dimension newly statically 1 (that would make it broadcast where
/// the original did not).
package func fits(_ variable: Variable, for value: FunctionGraph.Value) -> Bool {
    variable.dtype == value.type.dtype && variable.ndim == value.type.ndim
        && replaceableShapes(old: value.type.shape, new: variable.type.shape)
}

/// `variable` cast and broadcast (with `Alloc` over `shape`) so it can replace `value`, or nil
/// when that needs more than a cast and an Alloc.
package func matching(
    _ variable: Variable, to value: FunctionGraph.Value, shape: @autoclosure () -> [Variable]
) -> Variable {
    let cast = variable.dtype == value.type.dtype ? variable : variable.cast(to: value.type.dtype)
    if fits(cast, for: value) { return cast }
    return alloc(cast, shape: shape())
}

/// `variable`, standing for a value whose symbolic `shape` carries run-time checks (dims built
/// by ``checkedLength(_:message:)``, like `x + y`'s), with those checks kept where `variable`'s
/// own shape does not repeat them: `x + y - y` → `x` still fails when `x` and `y` differ in
/// length, as the computation it replaces did (the check `local_useless_alloc` keeps).
package func keepingShapeChecks(_ variable: Variable, shape: [Variable]) -> Variable {
    guard shape.contains(where: { $0.owner?.isOp(Assert.self) == true }) else { return variable }
    // A replacement that still reads every tensor whose lengths are checked runs those checks
    // itself (its own ops check them); only one that dropped a tensor (`y` in `x + y - y`)
    // needs them kept.
    let checked = Set(GraphTraversal.graphInputs(shape).filter { $0.constantValue == nil })
    let kept = Set(GraphTraversal.graphInputs([variable]))
    guard !checked.isSubset(of: kept) else { return variable }
    let own = variable.symbolicShape
    let conditions = zip(shape, own).filter { dim, mine in dim.owner?.isOp(Assert.self) == true && !sameLength(dim, mine) }
        .map { dim, mine in dim .== mine }
    return conditions.isEmpty ? variable : assert(variable, conditions, message: "Shapes must be equal")
}
