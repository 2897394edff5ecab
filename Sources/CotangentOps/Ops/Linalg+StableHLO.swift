import CotangentArrays
import CotangentGraph

// What the linear-algebra lowerings share: the protocol through which Blockwise hands a core
// op its operands with leading batch dimensions, and the StableHLO pieces several ops use
// (triangle masks, the batched LU with partial pivoting, solves from it, diagonals).
//
// StableHLO has `cholesky` and `triangular_solve` but no LU. The LU here is a `stablehlo.while`
// over the columns built from portable ops only, so the exported module runs wherever XLA
// does; JAX instead calls LAPACK or cuSOLVER through per-platform custom calls.

/// A core op whose StableHLO lowering takes any number of leading batch dimensions, so that
/// ``Blockwise`` lowers it in one piece (XLA's `cholesky`, `triangular_solve` and
/// `dot_general` batch natively) rather than one block at a time.
package protocol BatchedStableHLOLowering: Op {
    /// The op on operands that all have the same leading batch dimensions followed by their
    /// core dimensions (Blockwise broadcasts them first), giving values of `outputTypes`
    /// (the batch dimensions followed by the core output's).
    ///
    /// - Parameters:
    ///   - node: the core node (unbatched types), for static operands such as flags.
    ///   - operands: the operands, batched.
    ///   - batchRank: the number of leading batch dimensions.
    ///   - outputTypes: the types to return.
    ///   - context: the lowering context (its builder receives the ops).
    func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue]
}

extension BatchedStableHLOLowering {
    /// The unbatched lowering: the batched one with no batch dimensions.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        try lowerToStableHLO(
            batched: node, operands: operands, batchRank: 0,
            outputTypes: node.outputs.indices.map { context.outputType(node, $0) }, context: context)
    }
}

extension StableHLOBuilder {
    /// A bool mask of `shape` (batch dims, then a matrix) true on and below the diagonal
    /// (`lower`) or on and above it, off the diagonal only when `strict`.
    package func triangleMask(_ shape: [Int], lower: Bool, strict: Bool = false) -> StableHLOValue {
        let rows = iota(.int64, shape: shape, dimension: shape.count - 2)
        let columns = iota(.int64, shape: shape, dimension: shape.count - 1)
        let direction = lower ? (strict ? "GT" : "GE") : (strict ? "LT" : "LE")
        return compare(direction, rows, columns)
    }

    /// The triangle of the (batched) matrix `x` named by `lower`, zeros elsewhere.
    package func triangularPart(_ x: StableHLOValue, lower: Bool) -> StableHLOValue {
        select(triangleMask(x.shape, lower: lower), x, constant(0, like: x))
    }

    /// `x` with its last two dimensions swapped.
    package func matrixTranspose(_ x: StableHLOValue) -> StableHLOValue {
        let r = x.rank
        return transpose(x, Array(0..<(r - 2)) + [r - 1, r - 2])
    }

    /// The diagonals of a (batched) square matrix: batch dims then `n`.
    package func diagonal(_ x: StableHLOValue) -> StableHLOValue {
        let onDiagonal = compare(
            "EQ", iota(.int64, shape: x.shape, dimension: x.rank - 2), iota(.int64, shape: x.shape, dimension: x.rank - 1))
        let zero = constant(0, x.dtype)
        return reduce(select(onDiagonal, x, constant(0, like: x)), initial: zero, dimensions: [x.rank - 1], combiner: "stablehlo.add")
    }

    /// `stablehlo.cholesky` reading the lower triangle; the other triangle of the result is
    /// whatever XLA leaves there (callers mask it).
    package func choleskyLower(_ a: StableHLOValue) -> StableHLOValue {
        emit1("stablehlo.cholesky", [a], attributes: ["lower = true"], result: a.type)
    }

    /// `op(a) x = b` solved for `x` by `stablehlo.triangular_solve` (`a` on the left), reading
    /// only the triangle named by `lower` (and not the diagonal when `unitDiagonal`). `a` and
    /// `b` have the same batch dimensions; `b` is a (batched) matrix.
    package func triangularSolve(
        _ a: StableHLOValue, _ b: StableHLOValue, lower: Bool, transposeA: Bool = false, unitDiagonal: Bool = false
    ) -> StableHLOValue {
        emit1(
            "stablehlo.triangular_solve", [a, b],
            attributes: [
                "left_side = true", "lower = \(lower)", "unit_diagonal = \(unitDiagonal)",
                "transpose_a = #stablehlo<transpose \(transposeA ? "TRANSPOSE" : "NO_TRANSPOSE")>",
            ],
            result: b.type)
    }

    /// The LU decomposition with partial pivoting `P a = L U` of a (batched) square matrix, as
    /// LAPACK's `getrf` computes it: at column `k` the row with the largest `|a[i, k]|` (i ≥ k,
    /// the first one on ties) is swapped into row `k`, the multipliers `a[i, k] / a[k, k]` are
    /// stored below the diagonal and the trailing rows updated. A zero pivot (a singular
    /// matrix) leaves its column as it is, as `getrf` does, so `U` gets a zero diagonal entry.
    ///
    /// - Returns: `lu` (`L`'s strict lower triangle, unit diagonal implied, and `U`), the row
    ///   permutation `perm` (int64, batch dims then `n`: row `i` of `P a` is row `perm[i]` of
    ///   `a`), and `sign` (batch dims, `a`'s dtype), the permutation's parity ±1.
    package func luDecomposition(_ a: StableHLOValue) -> (lu: StableHLOValue, perm: StableHLOValue, sign: StableHLOValue) {
        let r = a.rank
        let n = a.shape[r - 1]
        let batch = Array(a.shape.prefix(r - 2))
        let batchDims = Array(0..<(r - 2))
        let vectorShape = batch + [n]
        let perm0 = iota(.int64, shape: vectorShape, dimension: r - 2)
        let sign0 = constant(1, a.dtype, shape: batch)
        let results = countedLoop(count: n, carried: [a, perm0, sign0]) { b, k, carried in
            let (a, perm, sign) = (carried[0], carried[1], carried[2])
            let zero = b.constant(0, .int64)
            let batchStarts = Array(repeating: zero, count: r - 2)
            let rows = b.iota(.int64, shape: a.shape, dimension: r - 2)
            let columns = b.iota(.int64, shape: a.shape, dimension: r - 1)
            let kMatrix = b.broadcastInDim(k, shape: a.shape, dimensions: [])
            let rowIndex = b.iota(.int64, shape: vectorShape, dimension: r - 2)
            let kVector = b.broadcastInDim(k, shape: vectorShape, dimensions: [])

            // The pivot: the first row i ≥ k with the largest |a[i, k]|.
            let column = b.reshape(b.dynamicSlice(a, starts: batchStarts + [zero, k], sizes: batch + [n, 1]), vectorShape)
            let candidate = b.compare("GE", rowIndex, kVector)
            let magnitude = b.select(candidate, b.unary("stablehlo.abs", column), b.constant(-1, like: column))
            let largest = b.reduce(
                magnitude, initial: b.constant(-.infinity, a.dtype), dimensions: [r - 2], combiner: "stablehlo.maximum")
            let isLargest = b.binary(
                "stablehlo.and", candidate,
                b.compare("EQ", magnitude, b.broadcastInDim(largest, shape: vectorShape, dimensions: batchDims)))
            let first = b.reduce(
                b.select(isLargest, rowIndex, b.constant(Double(n), .int64, shape: vectorShape)),
                initial: b.constant(Double(n), .int64), dimensions: [r - 2], combiner: "stablehlo.minimum")
            // A NaN column has no largest entry: keep row k.
            let kBatch = b.broadcastInDim(k, shape: batch, dimensions: [])
            let p = b.select(b.compare("EQ", first, b.constant(Double(n), .int64, shape: batch)), kBatch, first)
            let pMatrix = b.broadcastInDim(p, shape: a.shape, dimensions: batchDims)
            let pVector = b.broadcastInDim(p, shape: vectorShape, dimensions: batchDims)

            // Swap rows k and p (p differs across the batch: row p is picked by a masked sum,
            // which adds only zeros to it and so is exact).
            let rowK = b.broadcastInDim(
                b.dynamicSlice(a, starts: batchStarts + [k, zero], sizes: batch + [1, n]), shape: a.shape,
                dimensions: Array(0..<r))
            let rowPVector = b.reduce(
                b.select(b.compare("EQ", rows, pMatrix), a, b.constant(0, like: a)), initial: b.constant(0, a.dtype),
                dimensions: [r - 2], combiner: "stablehlo.add")
            let rowP = b.broadcastInDim(rowPVector, shape: a.shape, dimensions: batchDims + [r - 1])
            let swapped = b.select(
                b.compare("EQ", rows, kMatrix), rowP, b.select(b.compare("EQ", rows, pMatrix), rowK, a))

            // Eliminate below the pivot.
            let pivot = b.dynamicSlice(swapped, starts: batchStarts + [k, k], sizes: batch + [1, 1])
            let safePivot = b.select(b.compare("EQ", pivot, b.constant(0, like: pivot)), b.constant(1, like: pivot), pivot)
            let pivotColumn = b.dynamicSlice(swapped, starts: batchStarts + [zero, k], sizes: batch + [n, 1])
            let multipliers = b.broadcastInDim(
                b.divide(pivotColumn, b.broadcastInDim(safePivot, shape: batch + [n, 1], dimensions: Array(0..<r))),
                shape: a.shape, dimensions: Array(0..<r))
            let below = b.compare("GT", rows, kMatrix)
            let right = b.compare("GT", columns, kMatrix)
            let trailing = b.binary("stablehlo.and", below, right)
            let updated = b.select(trailing, b.subtract(swapped, b.multiply(multipliers, rowP)), swapped)
            let stored = b.select(
                b.binary("stablehlo.and", below, b.compare("EQ", columns, kMatrix)), multipliers, updated)

            // The permutation and its parity.
            let permK = b.broadcastInDim(
                b.reshape(b.dynamicSlice(perm, starts: batchStarts + [k], sizes: batch + [1]), batch), shape: vectorShape,
                dimensions: batchDims)
            let permP = b.broadcastInDim(
                b.reduce(
                    b.select(b.compare("EQ", rowIndex, pVector), perm, b.constant(0, like: perm)),
                    initial: b.constant(0, .int64), dimensions: [r - 2], combiner: "stablehlo.add"),
                shape: vectorShape, dimensions: batchDims)
            let newPerm = b.select(
                b.compare("EQ", rowIndex, kVector), permP, b.select(b.compare("EQ", rowIndex, pVector), permK, perm))
            let newSign = b.select(b.compare("EQ", p, kBatch), sign, b.unary("stablehlo.negate", sign))
            return [stored, newPerm, newSign]
        }
        return (results[0], results[1], results[2])
    }

    /// The solution of `a x = b` from `a`'s ``luDecomposition(_:)``: `b`'s rows permuted
    /// (by a one-hot product, exact for finite values), then the unit lower and the upper
    /// triangular solves. `b` is a (batched) matrix with `lu`'s batch dims.
    package func luSolve(lu: StableHLOValue, perm: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        let r = lu.rank
        let batchDims = Array(0..<(r - 2))
        let indices = broadcastInDim(perm, shape: lu.shape, dimensions: batchDims + [r - 2])
        let oneHot = convert(compare("EQ", indices, iota(.int64, shape: lu.shape, dimension: r - 1)), to: b.dtype)
        let permuted = dotGeneral(
            oneHot, b, batchA: batchDims, batchB: batchDims, contractA: [r - 1], contractB: [r - 2])
        let y = triangularSolve(lu, permuted, lower: true, unitDiagonal: true)
        return triangularSolve(lu, y, lower: false)
    }
}

/// A right-hand side as a (batched) matrix: a core vector `(…, m)` becomes `(…, m, 1)`.
package func rightHandSideMatrix(_ b: StableHLOValue, bNdim: Int, builder: StableHLOBuilder) -> StableHLOValue {
    bNdim == 1 ? builder.reshape(b, b.shape + [1]) : b
}
