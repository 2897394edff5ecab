import CotangentArrays
import CotangentGraph
import CotangentOps

// Matrix products with structure: a product with a diagonal matrix is an elementwise product.

/// `Dot(Eye(n, n, 0) ⊙ w, B)` → `d[:, newAxis] ⊙ B` and `Dot(B, Eye ⊙ w)` → `B ⊙ d[newAxis, :]`,
/// where `d` is the diagonal `w` puts on the identity: a diagonal matrix product is a row (or
/// column) scaling, O(n²) instead of O(n³). This is what makes a vectorized Jacobian of `f(A·x)`
/// cheap (`eye(n) ⊙ f'(Ax)` is the stack of row cotangents). PyTensor reaches the same form.
package let localDotOfDiagonal = NodeRewriter(
    "local_dot_of_diagonal", tracks: [Dot.self],
    placed: [.canonicalize(310)]
) { context, node in
    guard node.inputs[0].type.ndim == 2, node.inputs[1].type.ndim == 2 else { return nil }
    let output = node.outputs[0]
    for side in 0..<2 {
        guard let diagonal = diagonalEntries(context, node.inputs[side]) else { continue }
        let other = context.handle(node.inputs[1 - side])
        let scaled = side == 0 ? diagonal.expandingDims([1]) * other : other * diagonal.expandingDims([0])
        return [matching(scaled, to: output, shape: context.shape(of: output))]
    }
    return nil
}

/// The diagonal `d` (a vector) of a matrix written `Eye(n, n, 0)` or `Eye(n, n, 0) ⊙ w` with `w` a
/// row `(1, n)`, a column `(n, 1)` or a scalar; nil for any other matrix.
private func diagonalEntries(_ context: RewriteContext, _ value: FunctionGraph.Value) -> Variable? {
    func squareIdentity(_ v: FunctionGraph.Value) -> FunctionGraph.Value? {
        guard let eye = v.owner, eye.isOp(Eye.self), uniformConstant(eye.inputs[2]) == 0 else { return nil }
        let (rows, columns) = (eye.inputs[0], eye.inputs[1])
        let same = rows === columns || (uniformConstant(rows) != nil && uniformConstant(rows) == uniformConstant(columns))
        return same ? rows : nil
    }
    if let n = squareIdentity(value) {
        return alloc(Variable(constant: NDArray.full([], value: 1, dtype: value.type.dtype)), shape: [context.handle(n)])
    }
    guard let product = value.owner, product.scalarOp == .mul, product.inputs.count == 2 else {
        return nil
    }
    for k in 0..<2 {
        guard let n = squareIdentity(product.inputs[k]) else { continue }
        let w = product.inputs[1 - k]
        let weights = context.handle(w)
        let entries: Variable
        switch (w.type.ndim, w.type.shape.first ?? nil, w.type.shape.last ?? nil) {
        case (0, _, _): entries = alloc(weights, shape: [context.handle(n)])
        case (1, _, _): entries = weights                       // broadcasts along rows: w_j at (i, j)
        case (2, 1, _): entries = weights.squeezed(axes: [0])   // a row: entry (i, i) is w_i
        case (2, _, 1): entries = weights.squeezed(axes: [1])   // a column: entry (i, i) is w_i
        default: continue
        }
        return entries.dtype == value.type.dtype ? entries : entries.cast(to: value.type.dtype)
    }
    return nil
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let dot: [NodeRewriter] = [
        localDotOfDiagonal,
    ]
}
