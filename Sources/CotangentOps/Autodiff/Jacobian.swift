import CotangentArrays
import CotangentGraph

/// The Jacobian `∂f/∂wrt`, shaped `f.shape + wrt.shape`.
///
/// With `vectorize: true` (the default; PyTensor's `vectorize=True`), one pullback graph is
/// built for a symbolic row cotangent, and ``vectorizeGraph(_:replacing:)`` replaces that row by
/// the rows of an identity matrix: every op of the pullback gains a leading batch dimension
/// (shifted axes, broadcasting, or `Blockwise`), so the whole Jacobian is one graph with no loop.
/// With `vectorize: false`, a `scan` over the row indices computes one row at a time
/// (PyTensor's route), which holds only one row's intermediates in memory; being a scan, it
/// has derivatives and batching rules of its own.
public func jacobian(
    _ f: Variable, wrt: Variable, vectorize: Bool = true, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> Variable {
    jacobian(f, wrt: [wrt], vectorize: vectorize, consideringConstant: consideringConstant,
             disconnected: disconnected)[0]
}

/// Jacobians of one output with respect to several inputs, in order.
public func jacobian(
    _ f: Variable, wrt: [Variable], vectorize: Bool = true, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> [Variable] {
    let policy: DisconnectedInputs = disconnected == .none ? .zero : disconnected
    // A statically scalar-like output: the Jacobian is a gradient.
    if f.type.shape.allSatisfy({ $0 == 1 }) {
        let scalar = f.ndim == 0 ? f : f.squeezed()
        let grads = grad(scalar, wrt: wrt, consideringConstant: consideringConstant, disconnected: policy)
        return f.ndim == 0
            ? grads
            : zip(grads, wrt).map { g, x in g.expandingDims(Array(0..<f.ndim)) }
    }
    let flat = f.ndim == 1 ? f : f.flattened()
    let rows: [Variable]
    if vectorize {
        let rowCotangent = Variable(type: flat.type.with(dtype: flat.dtype), name: "row_cotangent")
        let single = pullback(
            [flat], wrt: wrt, cotangents: [rowCotangent], consideringConstant: consideringConstant,
            disconnected: policy)
        let n = flat.shape[0]
        let identity = eye(n, dtype: flat.dtype)
        rows = vectorizeGraph(single, replacing: [rowCotangent: identity]).enumerated().map { k, row in
            // A gradient independent of the row (a constant zero) did not gain the batch dim.
            row.ndim == wrt[k].ndim + 1
                ? row : alloc(row, shape: [n] + wrt[k].symbolicShape)
        }
    } else {
        // PyTensor's form: a scan over the row indices whose body is one row's gradient. What
        // the rows share (the forward pass) depends on no row, so it is computed once, before
        // the loop.
        // A row has the shape of `wrt`, which the loop is told: with no row it cannot run one
        // to find out.
        let count = flat.type.shape[0].map { Variable(constant: NDArray(scalar: Int64($0))) } ?? flat.length(ofDimension: 0)
        let indices = arange(count, dtype: .int64)
        rows = wrt.map { x in
            let row = Variable(type: TensorType(dtype: .int64, shape: []), name: "row")
            let gradient = grad(flat[row], wrt: x, consideringConstant: consideringConstant, disconnected: policy)
            return Scan.make(
                carries: [], slices: [row], newCarries: [], outputs: [gradient], length: count, initial: [],
                sequences: [indices], reverse: false, outputShapes: [x.symbolicShape]
            ).outputs[0]
        }
    }
    guard f.ndim != 1 else { return rows }
    return zip(rows, wrt).map { row, x in row.reshaped(to: f.symbolicShape + x.symbolicShape) }
}

/// The Hessian of a scalar cost: `∂²cost/∂wrt²`, shaped `wrt.shape + wrt.shape`, as the
/// Jacobian of the gradient: vectorized (the default), or with `vectorize: false` a scan over
/// its rows (PyTensor's `hessian`).
public func hessian(
    _ cost: Variable, wrt: Variable, vectorize: Bool = true, consideringConstant: [Variable] = [],
    disconnected: DisconnectedInputs = .raise
) -> Variable {
    let g = grad(cost, wrt: wrt, consideringConstant: consideringConstant, disconnected: disconnected)
    return jacobian(g, wrt: wrt, vectorize: vectorize, consideringConstant: consideringConstant,
                    disconnected: disconnected == .raise ? .zero : disconnected)
}

/// The Hessian-vector product `H·v` of a scalar cost, without the Hessian: reverse over
/// reverse, `∂(∇cost · v)/∂wrt`.
public func hessianVectorProduct(
    _ cost: Variable, wrt: Variable, vector: Variable, consideringConstant: [Variable] = []
) -> Variable {
    let g = grad(cost, wrt: wrt, consideringConstant: consideringConstant)
    guard let checkedVector = checkCotangents([vector], for: [g], transform: "hessianVectorProduct") else {
        return placeholderVariable(wrt.type)
    }
    return grad((g * checkedVector[0]).sum(), wrt: wrt, consideringConstant: consideringConstant,
                disconnected: .zero)
}
