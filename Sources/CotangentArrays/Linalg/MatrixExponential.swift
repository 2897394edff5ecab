// expm by scaling and squaring with Padé approximants (Higham, "The scaling and squaring
// method for the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26, 2005), and
// integer matrix powers by repeated squaring.

extension Linalg {
    /// The Padé degrees of Higham's 2005 algorithm with their 1-norm bounds θ_m (double
    /// precision): below θ_m the [m/m] approximant is accurate to unit roundoff.
    private static let padeBounds: [(degree: Int, theta: Double)] = [
        (3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
        (9, 2.097847961257068e0), (13, 5.371920351148152e0),
    ]

    /// The coefficients `b_k = (2m − k)! m! / ((2m)! k! (m − k)!)` of the [m/m] Padé
    /// approximant to `exp`, scaled so that `b_m = 1` (Higham's integer coefficients).
    private static func padeCoefficients(degree m: Int) -> [Double] {
        var c = [Double](repeating: 1, count: m + 1)
        // c_{k+1} / c_k = (m − k) / ((2m − k)(k + 1)).
        for k in 0..<m { c[k + 1] = c[k] * Double(m - k) / (Double(2 * m - k) * Double(k + 1)) }
        return c.map { $0 / c[m] }
    }

    /// Overwrites the `n × n` matrix `a` with its exponential `e^A` (scipy's `expm`).
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` only if the Padé denominator is singular,
    ///   which happens for non-finite input.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func matrixExponential<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) {
        guard n > 0 else { return }
        let count = n &* n
        var norm = T.zero
        for j in 0..<n {
            var sum = T.zero
            for i in 0..<n { sum += abs(a[i &* n + j]) }
            norm = max(norm, sum)
        }
        var degree = 13
        var squarings = 0
        if let bound = padeBounds.first(where: { T($0.theta) >= norm }) {
            degree = bound.degree
        } else if norm.isFinite {
            // Scale A by 2^−s, the smallest s that brings its norm down to θ₁₃.
            var scaled = Double(norm)
            while scaled > padeBounds.last!.theta {
                scaled /= 2
                squarings += 1
            }
            let scale = T(Double(sign: .plus, exponent: -squarings, significand: 1))
            for i in 0..<count { a[i] *= scale }
        }
        let b = padeCoefficients(degree: degree).map { T($0) }
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: 6 &* count)
        defer { buffer.deallocate() }
        let (a2, a4, a6, u, v, scratch) = (buffer, buffer + count, buffer + 2 &* count, buffer + 3 &* count, buffer + 4 &* count, buffer + 5 &* count)
        let matrix = { (p: UnsafeMutablePointer<T>) in StridedMatrix(UnsafePointer(p), rowStride: n) }
        LinalgProduct.store(matrix(a), matrix(a), m: n, k: n, n: n, into: a2, cRowStride: n)
        if degree >= 5 { LinalgProduct.store(matrix(a2), matrix(a2), m: n, k: n, n: n, into: a4, cRowStride: n) }
        if degree >= 7 { LinalgProduct.store(matrix(a4), matrix(a2), m: n, k: n, n: n, into: a6, cRowStride: n) }
        if degree == 13 {
            // U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I],
            // V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I.
            for i in 0..<count { scratch[i] = b[13] * a6[i] + b[11] * a4[i] + b[9] * a2[i] }
            LinalgProduct.store(matrix(a6), matrix(scratch), m: n, k: n, n: n, into: v, cRowStride: n)
            for i in 0..<count { v[i] += b[7] * a6[i] + b[5] * a4[i] + b[3] * a2[i] }
            for i in 0..<n { v[i &* n + i] += b[1] }
            LinalgProduct.store(matrix(a), matrix(v), m: n, k: n, n: n, into: u, cRowStride: n)
            for i in 0..<count { scratch[i] = b[12] * a6[i] + b[10] * a4[i] + b[8] * a2[i] }
            LinalgProduct.store(matrix(a6), matrix(scratch), m: n, k: n, n: n, into: v, cRowStride: n)
            for i in 0..<count { v[i] += b[6] * a6[i] + b[4] * a4[i] + b[2] * a2[i] }
            for i in 0..<n { v[i &* n + i] += b[0] }
        } else {
            // Degrees 3–9: U = A Σ b_{2j+1} A^{2j}, V = Σ b_{2j} A^{2j}; A8 when needed.
            let powers: [UnsafeMutablePointer<T>?] = [nil, a2, a4, a6, degree == 9 ? scratch : nil]
            if degree == 9 { LinalgProduct.store(matrix(a4), matrix(a4), m: n, k: n, n: n, into: scratch, cRowStride: n) }
            for i in 0..<count { (u[i], v[i]) = (.zero, .zero) }
            for i in 0..<n { (u[i &* n + i], v[i &* n + i]) = (b[1], b[0]) }
            for j in 1...(degree / 2) {
                let power = powers[j]!
                for i in 0..<count {
                    u[i] += b[2 * j + 1] * power[i]
                    v[i] += b[2 * j] * power[i]
                }
            }
            for i in 0..<count { scratch[i] = u[i] }
            LinalgProduct.store(matrix(a), matrix(scratch), m: n, k: n, n: n, into: u, cRowStride: n)
        }
        // R = (V − U)⁻¹ (V + U).
        for i in 0..<count {
            let (ui, vi) = (u[i], v[i])
            a[i] = vi + ui
            v[i] = vi - ui
        }
        try solve(v, order: n, a, columns: n)
        for _ in 0..<squarings {
            scratch.update(from: a, count: count)
            LinalgProduct.store(matrix(scratch), matrix(scratch), m: n, k: n, n: n, into: a, cRowStride: n)
        }
    }

    /// Overwrites the `n × n` matrix `a` with `A^power` by repeated squaring (numpy's
    /// `matrix_power`): the identity for 0, powers of the inverse for negative `power`.
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` for a negative power of a singular matrix.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func matrixPower<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, order n: Int, power: Int) throws(LinalgError) {
        let count = n &* n
        if power < 0 { try invert(a, order: n) }
        var remaining = power.magnitude
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: 3 &* max(count, 1))
        defer { buffer.deallocate() }
        let (base, result, scratch) = (buffer, buffer + count, buffer + 2 &* count)
        base.update(from: a, count: count)
        setIdentity(result, rows: n, columns: n)
        var hasResult = false
        let matrix = { (p: UnsafeMutablePointer<T>) in StridedMatrix(UnsafePointer(p), rowStride: n) }
        while remaining > 0 {
            if remaining & 1 == 1 {
                if hasResult {
                    scratch.update(from: result, count: count)
                    LinalgProduct.store(matrix(scratch), matrix(base), m: n, k: n, n: n, into: result, cRowStride: n)
                } else {
                    result.update(from: base, count: count)
                    hasResult = true
                }
            }
            remaining >>= 1
            guard remaining > 0 else { break }
            scratch.update(from: base, count: count)
            LinalgProduct.store(matrix(scratch), matrix(scratch), m: n, k: n, n: n, into: base, cRowStride: n)
        }
        a.update(from: result, count: count)
    }
}
