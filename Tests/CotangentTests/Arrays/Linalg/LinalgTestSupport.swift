import Glibc
@testable import CotangentArrays

/// Matrices and residual norms for the linear-algebra kernel tests (row-major `[T]`).
enum LinalgTestSupport {
    /// The sizes every residual test runs over.
    static let sizes = [1, 2, 3, 5, 17, 64, 130]
    /// The sizes of the slower checks (the debug build runs generic code unspecialized).
    static let smallSizes = [1, 2, 3, 5, 17, 64]

    /// An `m × n` matrix of uniform values in [−1, 1) from a fixed-seed generator.
    static func random<T: LinalgScalar>(_: T.Type, rows m: Int, columns n: Int, seed: UInt64) -> [T] {
        let generator = SplitMix64(seed: seed)
        return (0..<(m * n)).map { T(2 * generator.unit(UInt64($0)) - 1) }
    }

    /// `a · b` for row-major `m × k` and `k × n` matrices, accumulated in Double (unsafe
    /// buffers keep the debug build fast enough for n = 130).
    static func product<T: LinalgScalar>(_ a: [T], _ b: [T], m: Int, k: Int, n: Int) -> [T] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for p in 0..<k {
                            let factor = Double(a[i * k + p])
                            let row = p * n, target = i * n
                            for j in 0..<n { c[target + j] += factor * Double(b[row + j]) }
                        }
                    }
                }
            }
        }
        return c.map { T($0) }
    }

    /// The transpose of a row-major `m × n` matrix.
    static func transposed<T>(_ a: [T], rows m: Int, columns n: Int) -> [T] {
        (0..<(n * m)).map { a[($0 % m) * n + $0 / m] }
    }

    /// The Frobenius norm of `a − b`, or of `a` alone.
    static func norm<T: LinalgScalar>(_ a: [T], minus b: [T]? = nil) -> Double {
        var sum = 0.0
        for i in a.indices {
            let d = Double(a[i]) - (b.map { Double($0[i]) } ?? 0)
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// ‖QᵀQ − I‖ for the `m × n` `q` (orthonormal columns).
    static func orthogonalityError<T: LinalgScalar>(_ q: [T], rows m: Int, columns n: Int) -> Double {
        let gram = product(transposed(q, rows: m, columns: n), q, m: n, k: m, n: n)
        var identity = [T](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        return norm(gram, minus: identity)
    }

    /// `U diag(values) Vᵀ` with U and V orthogonal from the QR of random matrices: a matrix
    /// with chosen singular values (condition number `values.max / values.min`).
    static func withSingularValues<T: LinalgScalar>(_ values: [Double], seed: UInt64, symmetric: Bool = false) -> [T] {
        let n = values.count
        let u = Linalg.qr(random(Double.self, rows: n, columns: n, seed: seed), rows: n, columns: n).q
        let v = symmetric ? u : Linalg.qr(random(Double.self, rows: n, columns: n, seed: seed + 1), rows: n, columns: n).q
        var scaled = u
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= values[j] } }
        let a = product(scaled, transposed(v, rows: n, columns: n), m: n, k: n, n: n)
        guard symmetric else { return a.map { T($0) } }
        // Exactly symmetric, so that the lower triangle describes the whole matrix.
        return (0..<(n * n)).map { T((a[$0] + a[($0 % n) * n + $0 / n]) / 2) }
    }

    /// `n` values spaced geometrically from 1 down to `1 / condition`.
    static func geometric(_ n: Int, condition: Double) -> [Double] {
        (0..<n).map { n == 1 ? 1 : Glibc.exp(-Glibc.log(condition) * Double($0) / Double(n - 1)) }
    }

    /// Whether `a` and `b` agree elementwise within `tolerance` (absolute, relative to 1 + |b|).
    static func close<T: LinalgScalar>(_ a: [T], _ b: [Double], tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance * (1 + abs($1)) }
    }

    /// The working precision of `T`.
    static func epsilon<T: LinalgScalar>(_: T.Type) -> Double { Double(T.ulpOfOne) }
}
