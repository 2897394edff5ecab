// Small helpers shared by the linear-algebra kernels: copies between row-major layouts and the
// Householder reflector generator. The factorizations keep the vectors they work on as
// contiguous rows (a column of A is a row of Aᵀ) so that their inner loops run on unit stride.

extension Linalg {
    /// Writes the transpose of the `rows × columns` row-major matrix `source` (row stride
    /// `sourceStride`) to `target` (`columns × rows`, row stride `targetStride`).
    static func transpose<T>(
        _ source: UnsafePointer<T>, rows: Int, columns: Int, sourceStride: Int,
        into target: UnsafeMutablePointer<T>, targetStride: Int
    ) {
        // Tiles keep both the reads and the writes within a few cache lines.
        let tile = 32
        for i0 in stride(from: 0, to: rows, by: tile) {
            for j0 in stride(from: 0, to: columns, by: tile) {
                for i in i0..<min(i0 + tile, rows) {
                    let row = source + i &* sourceStride
                    for j in j0..<min(j0 + tile, columns) { target[j &* targetStride + i] = row[j] }
                }
            }
        }
    }

    /// Fills the `rows × columns` row-major `target` with the identity (ones on the diagonal).
    static func setIdentity<T: LinalgScalar>(_ target: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
        target.update(repeating: .zero, count: rows &* columns)
        for i in 0..<min(rows, columns) { target[i &* columns + i] = 1 }
    }

    /// `sqrt(a² + b²)` without overflow or harmful underflow.
    @inline(__always)
    static func hypotenuse<T: LinalgScalar>(_ a: T, _ b: T) -> T {
        let (x, y) = (abs(a), abs(b))
        let big = max(x, y), small = min(x, y)
        if big == .zero || big.isInfinite { return big + small }
        let ratio = small / big
        return big * (1 + ratio * ratio).squareRoot()
    }

    /// The Euclidean norm of `count` contiguous elements, scaled so that it neither overflows
    /// nor underflows.
    static func norm<T: LinalgScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
        var scale = T.zero
        for i in 0..<count { scale = max(scale, abs(x[i])) }
        guard scale > .zero, scale.isFinite else { return scale }
        var sum = T.zero
        for i in 0..<count {
            let r = x[i] / scale
            sum += r * r
        }
        return scale * sum.squareRoot()
    }

    /// Turns `(alpha, x)` into an elementary reflector `H = I − τ v vᵀ` with `v = (1, x')`
    /// such that `H (alpha, x) = (β, 0)`, as LAPACK's `larfg` does (β has the opposite sign of
    /// alpha, τ = 0 when x is already zero). Overwrites `x` with `x'` and returns `(β, τ)`.
    static func makeReflector<T: LinalgScalar>(
        alpha: T, _ x: UnsafeMutablePointer<T>, count: Int
    ) -> (beta: T, tau: T) {
        let xNorm = norm(x, count: count)
        if xNorm == .zero { return (alpha, .zero) }
        let magnitude = hypotenuse(alpha, xNorm)
        let beta = alpha >= .zero ? -magnitude : magnitude
        let tau = (beta - alpha) / beta
        let scale = 1 / (alpha - beta)
        for i in 0..<count { x[i] *= scale }
        return (beta, tau)
    }
}
