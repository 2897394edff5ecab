import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Functions with known Jacobian structure, built from many op families, and the dense
/// references the sparse results are checked against.
enum SparseTesting {
    /// A float64 vector input of static length `n`.
    static func input(_ n: Int, _ name: String = "u") -> Variable { Tensor.vector(name, dtype: .float64, shape: [n]) }

    static func point(_ n: Int, seed: UInt64, low: Double = 0.5, high: Double = 1.5) -> NDArray {
        SplitMix64(seed: seed).uniform(shape: [n], low: low, high: high)
    }

    /// W12's tridiagonal function: `α(u₋ − 2u + u₊) + u² − u·u₊` with zero ends
    /// (Join, Subtensor, Alloc, Elemwise).
    static func tridiagonal(_ u: Variable, alpha: Double = 0.25) -> Variable {
        let n = u.type.shape[0]!
        let zero = zeros(shape: [1], dtype: .float64)
        let up = concatenate([zero, u[..<(n - 1)]])
        let un = concatenate([u[1...], zero])
        return alpha * (up - 2 * u + un) + u * u - u * un
    }

    /// Block-diagonal with blocks of `block` elements: each block's softmax-like mix
    /// (Reshape, Sum with kept dims, DimShuffle, exp, division).
    static func blockDiagonal(_ u: Variable, block: Int) -> Variable {
        let n = u.type.shape[0]!
        let x = u.reshaped(to: [n / block, block])
        let e = exp(x)
        let mixed = e / e.sum(axis: 1, keepDims: true) + x.transposed().transposed() * 0.5
        return mixed.flattened()
    }

    /// Arrowhead: `F₀ = Σ u²`, `Fᵢ = uᵢ² + u₀uᵢ` (an element read by all, a sum written into
    /// the first element: IncSubtensor).
    static func arrowhead(_ u: Variable) -> Variable {
        let body = sqr(u) + u[0] * u
        return body.setting(at: [0], to: sqr(u).sum())
    }

    /// A random-looking sparse map: gathers at constant indices, a product of two gathers, a
    /// cumulative sum of a slice and a banded convolution, joined.
    static func randomSparse(_ u: Variable) -> Variable {
        let n = u.type.shape[0]!
        let first = Variable(constant: NDArray([Int64(3), 0, 7, 7, 2, Int64(n - 1)]))
        let second = Variable(constant: NDArray([Int64(1), 5, 2, 9, 2, 4]))
        let products = u[first] * tanh(u[second])
        let prefix = cumsum(log(u[2..<6]))
        let kernel = Variable(constant: NDArray([0.5, -1.0, 2.0]))
        let band = convolve1d(u[4..<10], kernel, mode: .full)
        let stacked = stack([u[1], u[8] * u[9]])
        return concatenate([products, prefix, band, stacked])
    }

    /// The dense Jacobian's values at a point, row-major `[m, n]`.
    static func denseJacobian(_ f: Variable, wrt u: Variable, at point: NDArray) throws -> [Double] {
        try jacobian(f, wrt: u).eval([u: point]).asArray(Double.self)
    }

    /// The positions where the dense Jacobian is nonzero at any of the points.
    static func nonzeros(_ f: Variable, wrt u: Variable, points: [NDArray]) throws -> Set<[Int]> {
        let n = u.type.shape.reduce(1) { $0 * $1! }
        var found = Set<[Int]>()
        for point in points {
            for (k, value) in try denseJacobian(f, wrt: u, at: point).enumerated() where value != 0 {
                found.insert([k / n, k % n])
            }
        }
        return found
    }

    static func positions(_ pattern: SparsityPattern) -> Set<[Int]> {
        Set(zip(pattern.rows, pattern.columns).map { [$0, $1] })
    }

    /// True when no row holds two columns of one colour.
    static func isValidColumnColoring(_ pattern: SparsityPattern, colors: [Int]) -> Bool {
        let offsets = pattern.rowOffsets
        for r in 0..<pattern.shape[0] {
            let used = pattern.columns[offsets[r]..<offsets[r + 1]].map { colors[$0] }
            if Set(used).count != used.count { return false }
        }
        return true
    }

    /// `|a − b| ≤ tolerance·(1 + |b|)` for every element.
    static func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * (1 + abs($1)) }
    }
}
