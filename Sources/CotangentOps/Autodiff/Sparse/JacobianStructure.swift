import CotangentGraph

/// The shape of a Jacobian's nonzeros, as a numerical-linear-algebra user names it.
public enum JacobianStructure: Hashable, Sendable, CustomStringConvertible {
    /// No nonzero: the output does not depend on the input.
    case zero
    /// Square with nonzeros only on the diagonal (elementwise functions).
    case diagonal
    /// Square blocks along the diagonal, at least two, not all of size 1; `blockSizes` in order.
    case blockDiagonal(blockSizes: [Int])
    /// Square with nonzeros on and below the diagonal only (prefix sums, causal filters).
    case lowerTriangular
    /// Square with nonzeros on and above the diagonal only (suffix sums).
    case upperTriangular
    /// Nonzeros only within `lower` subdiagonals and `upper` superdiagonals of the diagonal, a
    /// band narrower than the matrix's longer side (stencils, convolutions).
    case banded(lower: Int, upper: Int)
    /// Every entry a structural nonzero.
    case dense
    /// None of the above: `nonzeros` entries in no recognised layout.
    case sparse(nonzeros: Int)

    /// `banded (lower bandwidth 1, upper bandwidth 1)`.
    public var description: String {
        switch self {
        case .zero: "zero"
        case .diagonal: "diagonal"
        case .blockDiagonal(let sizes): "block diagonal (blocks of \(sizes.map(String.init).joined(separator: ", ")))"
        case .lowerTriangular: "lower triangular"
        case .upperTriangular: "upper triangular"
        case .banded(let lower, let upper): "banded (lower bandwidth \(lower), upper bandwidth \(upper))"
        case .dense: "dense"
        case .sparse(let nonzeros): "sparse (\(nonzeros) nonzeros)"
        }
    }
}

extension SparsityPattern {
    /// The most specific structure the pattern has: zero, diagonal, dense, block diagonal,
    /// lower or upper triangular (square patterns), banded, else general sparse.
    public var structure: JacobianStructure {
        let (m, n) = (shape[0], shape[1])
        guard nonzeroCount > 0 else { return .zero }
        var lower = 0, upper = 0
        for (i, j) in zip(rows, columns) {
            lower = Swift.max(lower, i - j)
            upper = Swift.max(upper, j - i)
        }
        let square = m == n
        if square, lower == 0, upper == 0 { return .diagonal }
        if nonzeroCount == m * n { return .dense }
        if square, let blocks = diagonalBlocks(), blocks.count > 1 { return .blockDiagonal(blockSizes: blocks) }
        if square, upper == 0 { return .lowerTriangular }
        if square, lower == 0 { return .upperTriangular }
        if lower + upper + 1 < Swift.max(m, n) { return .banded(lower: lower, upper: upper) }
        return .sparse(nonzeros: nonzeroCount)
    }

    /// The finest partition of a square pattern into diagonal blocks that holds every nonzero
    /// (a block closes at `k` when no row or column up to `k` reaches past `k`).
    func diagonalBlocks() -> [Int]? {
        let n = shape[0]
        var reach = [Int](repeating: 0, count: n)
        for (i, j) in zip(rows, columns) {
            reach[i] = Swift.max(reach[i], j)
            reach[j] = Swift.max(reach[j], i)
        }
        var blocks: [Int] = []
        var start = 0, end = 0
        for k in 0..<n {
            end = Swift.max(end, reach[k], k)
            if k == end {
                blocks.append(k - start + 1)
                start = k + 1
            }
        }
        return blocks.allSatisfy({ $0 == 1 }) ? nil : blocks
    }
}

/// The structure of the Jacobian `∂f/∂wrt` (flattened): diagonal, block diagonal, triangular,
/// banded, dense or sparse, from ``jacobianSparsity(_:wrt:)`` (the same requirements and
/// errors). `log(x)`'s is diagonal, `cumsum(x)`'s lower triangular, a full convolution's
/// banded.
public func jacobianStructure(_ f: Variable, wrt: Variable) -> JacobianStructure {
    jacobianSparsity(f, wrt: wrt).structure
}
