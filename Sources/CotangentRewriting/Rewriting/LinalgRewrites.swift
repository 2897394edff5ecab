import CotangentArrays
import CotangentGraph
import CotangentOps

// Linear-algebra rewrites: an inverse feeding a product is a solve, inverses cancel, the log of
// a determinant is slogdet's log, and determinants, inverses and solves of identity matrices and
// of triangular (Cholesky) factors reduce to their diagonals. They match the linalg core ops
// inside their Blockwise (before `local_useless_unbatched_blockwise`) or bare (after it).

/// The linalg core op a node computes, whether wrapped in `Blockwise` or not.
private func coreOp(_ node: FunctionGraph.Node?) -> (any Op)? {
    guard let node else { return nil }
    return node.castOp(to: Blockwise.self)?.core ?? node.op
}

/// Whether the node applies a `T`, alone or as a `Blockwise`'s core (`coreOp(node) is T`, by
/// comparing types).
private func appliesCore<T: Op>(_ node: FunctionGraph.Node?, _: T.Type) -> Bool {
    guard let node else { return false }
    if node.isOp(T.self) { return true }
    guard node.isOp(Blockwise.self), let blockwise = node.castOp(to: Blockwise.self) else { return false }
    return type(of: blockwise.core) == T.self
}

/// Whether `value` is `Eye(n, n, 0)`: the identity matrix.
private func isIdentity(_ value: FunctionGraph.Value) -> Bool {
    guard let node = value.owner, node.isOp(Eye.self), uniformConstant(node.inputs[2]) == 0 else { return false }
    let (rows, columns) = (node.inputs[0], node.inputs[1])
    return rows === columns || (uniformConstant(rows) != nil && uniformConstant(rows) == uniformConstant(columns))
}

/// The diagonals (last axis) of a (stack of) square matrix.
private func diagonals(_ x: Variable) -> Variable {
    (x * eye(x.length(ofDimension: x.ndim - 1), dtype: x.dtype)).sum(axis: -1)
}

/// `inv(inv(A))` → `A`.
package let localInvInv = NodeRewriter(
    "local_inv_inv", tracks: [Blockwise.self, MatrixInverse.self],
    placed: [.canonicalize(400)]
) { context, node in
    guard appliesCore(node, MatrixInverse.self), let inner = node.inputs[0].owner, appliesCore(inner, MatrixInverse.self) else {
        return nil
    }
    return context.replacement(context.handle(inner.inputs[0], as: node.outputs[0].type.dtype), for: node.outputs[0])
}

/// `dot(inv(A), b)` and `matmul(inv(A), b)` → `solve(A, b)`: one LU and two triangular solves
/// instead of an inverse and a product, and more accurate. Only when nothing else reads the
/// inverse (else it is computed anyway).
package let localInvDotToSolve = NodeRewriter(
    "local_inv_dot_to_solve", tracks: [Dot.self, Blockwise.self],
    placed: [.specialize(400)]
) { context, node in
    guard appliesCore(node, Dot.self), let inverse = node.inputs[0].owner, appliesCore(inverse, MatrixInverse.self),
        context.hasSingleClient(node.inputs[0])
    else { return nil }
    let (a, b) = (node.inputs[0], node.inputs[1])
    guard a.type.ndim >= 2, b.type.ndim >= 1, node.isOp(Blockwise.self) || b.type.ndim <= 2 else { return nil }
    let solution = solve(context.handle(inverse.inputs[0]), context.handle(b))
    guard solution.ndim == node.outputs[0].type.ndim else { return nil }
    return context.replacement(solution, for: node.outputs[0])
}

/// `log(abs(det(A)))` → `slogdet(A).logAbsDet` and `log(det(A))` → the same where the sign is
/// not negative (nan where it is, as the log of a negative determinant): no overflow of the
/// determinant on the way.
package let localLogDetToSlogdet = NodeRewriter(
    "local_log_det_to_slogdet", elemwise: [.log],
    placed: [.stabilize(400)]
) { context, node in
    let output = node.outputs[0]
    var argument = node.inputs[0]
    var absolute = false
    if let inner = unaryOperand(argument, .abs) {
        argument = inner
        absolute = true
    }
    guard let determinant = argument.owner, appliesCore(determinant, Det.self) else { return nil }
    let (sign, logAbs) = slogdet(context.handle(determinant.inputs[0]))
    if absolute { return context.replacement(logAbs, for: output) }
    let nan = scalarConstant(.nan, dtype: logAbs.dtype)
    return context.replacement(select(sign .< scalarConstant(0, dtype: sign.dtype), nan, logAbs), for: output)
}

/// Determinants of structured matrices: `det(I)` → 1, and the determinant of a Cholesky factor
/// → the product of its diagonal (`slogdet` of one → sign 1, log the sum of the diagonal's logs).
package let localStructuredDeterminant = NodeRewriter(
    "local_structured_determinant", tracks: [Blockwise.self, Det.self, SLogDet.self],
    placed: [.specialize(410)]
) { context, node in
    let core = coreOp(node)
    guard core is Det || core is SLogDet else { return nil }
    let input = node.inputs[0]
    let dtype = node.outputs[0].type.dtype
    if isIdentity(input) {
        let one = scalarConstant(1, dtype: dtype)
        return core is Det ? [one] : [one, scalarConstant(0, dtype: dtype)]
    }
    guard let factor = input.owner, appliesCore(factor, Cholesky.self) else { return nil }
    let entries = diagonals(context.handle(input))
    // Over all axes when unbatched: the canonical form of a full reduction, so a later pass
    // finds nothing to change.
    let batched = entries.ndim > 1
    if core is Det {
        return context.replacement(batched ? entries.prod(axis: -1) : entries.prod(), for: node.outputs[0])
    }
    let logAbs = batched ? log(entries).sum(axis: -1) : log(entries).sum()
    return [
        matching(onesLike(logAbs), to: node.outputs[0], shape: context.shape(of: node.outputs[0])),
        matching(logAbs, to: node.outputs[1], shape: context.shape(of: node.outputs[1])),
    ]
}

/// `inv(I)` → `I` and `solve(I, b)`, `solveTriangular(I, b)`, `choleskySolve(I, b)` → `b`.
package let localIdentitySolve = NodeRewriter(
    "local_identity_solve",
    tracks: [Blockwise.self, MatrixInverse.self, Solve.self, SolveTriangular.self, CholeskySolve.self],
    placed: [.canonicalize(410)]
) { context, node in
    let output = node.outputs[0]
    switch coreOp(node) {
    case is MatrixInverse:
        guard isIdentity(node.inputs[0]) else { return nil }
        return context.replacement(context.handle(node.inputs[0], as: output.type.dtype), for: output)
    case is Solve, is SolveTriangular, is CholeskySolve:
        guard isIdentity(node.inputs[0]) else { return nil }
        return context.replacement(context.handle(node.inputs[1], as: output.type.dtype), for: output)
    default:
        return nil
    }
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let linalg: [NodeRewriter] = [
        localInvInv, localInvDotToSolve, localLogDetToSlogdet, localStructuredDeterminant, localIdentitySolve,
    ]
}
