import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

/// A linear-algebra function and the point to check it at (matrices built to be well
/// conditioned, positive definite or triangular as the op needs).
struct LinalgGradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let point: @Sendable () -> [NDArray]
    let build: @Sendable ([Variable]) -> Variable
    var testDescription: String { name }

    init(_ name: String, _ point: @escaping @Sendable () -> [NDArray], _ build: @escaping @Sendable ([Variable]) -> Variable) {
        self.name = name
        self.point = point
        self.build = build
    }
}

/// Random entries in [-1, 1) plus `shift` on the diagonal of every trailing square block.
func linalgPoint(_ shape: [Int], seed: UInt64, shift: Double = 3) -> NDArray {
    var values = T.random(shape, seed: seed).asArray(Double.self)
    let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
    for block in 0..<(values.count / max(rows * columns, 1)) {
        for i in 0..<min(rows, columns) { values[block * rows * columns + i * columns + i] += shift }
    }
    return NDArray(shape: shape, elements: values)
}

/// `X Xᵀ / n + I` for random `X`, per trailing block: symmetric positive definite.
func positiveDefinitePoint(_ shape: [Int], seed: UInt64) -> NDArray {
    let x = T.random(shape, seed: seed).asArray(Double.self)
    let n = shape[shape.count - 1]
    var values = [Double](repeating: 0, count: x.count)
    for block in 0..<(x.count / max(n * n, 1)) {
        let base = block * n * n
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += x[base + i * n + k] * x[base + j * n + k] }
                values[base + i * n + j] = sum / Double(n) + (i == j ? 1 : 0)
            }
        }
    }
    return NDArray(shape: shape, elements: values)
}

/// A random point in [-1, 1).
func plainPoint(_ shape: [Int], seed: UInt64) -> NDArray { T.random(shape, seed: seed) }

/// Outputs joined into one vector so one projection checks them all.
func joined(_ outputs: [Variable]) -> Variable { concatenate(outputs.map { $0.flattened() }) }

@Suite("Linear algebra derivatives")
struct LinalgGradTests {
    static let cases: [LinalgGradCase] = [
        .init("cholesky 3x3", { [positiveDefinitePoint([3, 3], seed: 1)] }) { cholesky($0[0]) },
        .init("cholesky batched 2x4x4", { [positiveDefinitePoint([2, 4, 4], seed: 2)] }) { cholesky($0[0]) },
        .init("cholesky upper", { [positiveDefinitePoint([3, 3], seed: 3)] }) { cholesky($0[0], lower: false) },
        .init("cholesky 1x1", { [positiveDefinitePoint([1, 1], seed: 4)] }) { cholesky($0[0]) },
        .init("solve general", { [linalgPoint([3, 3], seed: 5), plainPoint([3, 2], seed: 6)] }) { solve($0[0], $0[1]) },
        .init("solve vector", { [linalgPoint([4, 4], seed: 7), plainPoint([4], seed: 8)] }) { solve($0[0], $0[1]) },
        .init("solve batched", { [linalgPoint([2, 3, 3], seed: 9), plainPoint([2, 3, 1], seed: 10)] }) {
            solve($0[0], $0[1])
        },
        .init("solve broadcast matrix", { [linalgPoint([3, 3], seed: 11), plainPoint([2, 3, 2], seed: 12)] }) {
            solve($0[0], $0[1])
        },
        .init("solve positive definite", { [positiveDefinitePoint([3, 3], seed: 13), plainPoint([3, 2], seed: 14)] }) {
            solve($0[0], $0[1], assume: .positiveDefinite)
        },
        .init("solve symmetric", { [positiveDefinitePoint([4, 4], seed: 15), plainPoint([4], seed: 16)] }) {
            solve($0[0], $0[1], assume: .symmetric)
        },
        .init("solveTriangular lower", { [linalgPoint([3, 3], seed: 17), plainPoint([3, 2], seed: 18)] }) {
            solveTriangular($0[0], $0[1])
        },
        .init("solveTriangular upper transposed", { [linalgPoint([3, 3], seed: 19), plainPoint([3], seed: 20)] }) {
            solveTriangular($0[0], $0[1], lower: false, transposed: true)
        },
        .init("solveTriangular unit diagonal", { [linalgPoint([3, 3], seed: 21), plainPoint([3, 2], seed: 22)] }) {
            solveTriangular($0[0], $0[1], unitDiagonal: true)
        },
        .init("solveTriangular batched", { [linalgPoint([2, 3, 3], seed: 23), plainPoint([2, 3, 2], seed: 24)] }) {
            solveTriangular($0[0], $0[1], lower: false)
        },
        .init("choleskySolve", { [linalgPoint([3, 3], seed: 25), plainPoint([3, 2], seed: 26)] }) {
            choleskySolve($0[0], $0[1])
        },
        .init("choleskySolve upper vector", { [linalgPoint([3, 3], seed: 27), plainPoint([3], seed: 28)] }) {
            choleskySolve($0[0], $0[1], lower: false)
        },
        .init("inv", { [linalgPoint([3, 3], seed: 29)] }) { inv($0[0]) },
        .init("inv batched", { [linalgPoint([2, 2, 2], seed: 30)] }) { inv($0[0]) },
        .init("det", { [linalgPoint([3, 3], seed: 31)] }) { det($0[0]) },
        .init("det batched", { [linalgPoint([3, 2, 2], seed: 32)] }) { det($0[0]) },
        .init("slogdet", { [linalgPoint([4, 4], seed: 33)] }) { slogdet($0[0]).logAbsDet },
        .init("slogdet negative determinant", { [linalgPoint([3, 3], seed: 34, shift: -3)] }) {
            slogdet($0[0]).logAbsDet * 2
        },
        .init("eigh", { [positiveDefinitePoint([3, 3], seed: 35)] }) { let e = eigh($0[0]); return joined([e.0, e.1]) },
        .init("eigh batched", { [positiveDefinitePoint([2, 3, 3], seed: 36)] }) {
            let e = eigh($0[0])
            return joined([e.0, e.1])
        },
        .init("eigvalsh", { [plainPoint([4, 4], seed: 37)] }) { eigvalsh($0[0]) },
        .init("singularValues tall", { [plainPoint([4, 3], seed: 38)] }) { singularValues($0[0]) },
        .init("singularValues wide", { [plainPoint([2, 3], seed: 39)] }) { singularValues($0[0]) },
        // Singular vectors are unique only up to sign, and the kernel may choose another sign at a
        // point 1e-7 away; squares keep the check on U's and Vᵀ's derivatives without the jump.
        .init("svd reduced tall", { [plainPoint([4, 3], seed: 40)] }) {
            let f = svd($0[0], fullMatrices: false)
            return joined([sqr(f.u), f.s, sqr(f.vt)])
        },
        .init("svd reduced wide", { [plainPoint([2, 4], seed: 41)] }) {
            let f = svd($0[0], fullMatrices: false)
            return joined([sqr(f.u), f.s, sqr(f.vt)])
        },
        .init("svd full square", { [plainPoint([3, 3], seed: 42)] }) {
            let f = svd($0[0])
            return joined([sqr(f.u), f.s, sqr(f.vt)])
        },
        .init("qr reduced tall", { [plainPoint([4, 3], seed: 43)] }) { let f = qr($0[0]); return joined([f.q, f.r]) },
        .init("qr square batched", { [linalgPoint([2, 3, 3], seed: 44)] }) { let f = qr($0[0]); return joined([f.q, f.r]) },
        .init("pinv tall", { [plainPoint([4, 2], seed: 45)] }) { pinv($0[0]) },
        .init("pinv wide", { [plainPoint([2, 3], seed: 46)] }) { pinv($0[0]) },
        .init("expm", { [plainPoint([3, 3], seed: 47)] }) { expm($0[0]) },
        .init("expm batched", { [plainPoint([2, 2, 2], seed: 48)] }) { expm($0[0]) },
        .init("lstsq", { [plainPoint([4, 2], seed: 49), plainPoint([4], seed: 50)] }) { lstsq($0[0], $0[1]) },
        .init("matrixPower 3", { [plainPoint([3, 3], seed: 51)] }) { matrixPower($0[0], 3) },
        .init("matrixPower -2", { [linalgPoint([3, 3], seed: 52)] }) { matrixPower($0[0], -2) },
        .init("norm frobenius", { [plainPoint([3, 2], seed: 53)] }) { norm($0[0], ord: .frobenius) },
        .init("norm nuclear and 2", { [plainPoint([3, 3], seed: 54)] }) {
            norm($0[0], ord: .nuclear) + norm($0[0], ord: .p(2)) * 2
        },
        .init("norm vector 3", { [plainPoint([4], seed: 55)] }) { norm($0[0], ord: .p(3)) },
        .init("kron", { [plainPoint([2, 3], seed: 56), plainPoint([2, 2], seed: 57)] }) { kron($0[0], $0[1]) },
        .init("blockDiagonal", { [plainPoint([2, 3], seed: 58), plainPoint([1, 2], seed: 59)] }) {
            blockDiagonal([$0[0], $0[1]])
        },
    ]

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ spec: LinalgGradCase) throws {
        try verifyGrad(spec.build, at: spec.point())
    }

    @Test(arguments: cases)
    func pushforwardAgreesWithPullback(_ spec: LinalgGradCase) throws {
        try verifyPushforward(spec.build, at: spec.point())
    }

    @Test(arguments: cases.filter { ["cholesky 3x3", "solve general", "solve vector", "solveTriangular lower", "inv", "det", "slogdet", "eigh", "svd reduced tall", "qr reduced tall", "expm", "choleskySolve"].contains($0.name) })
    func vectorizedJacobianMatchesRows(_ spec: LinalgGradCase) throws {
        let point = spec.point()
        for wrt in point.indices {
            try T.checkJacobians(spec.build, at: point, wrt: wrt, tolerance: 1e-8)
        }
    }

    /// Second derivatives where users take them: the log-determinant, solves and Cholesky (a
    /// Newton step or a Laplace approximation differentiates their gradients).
    @Test(arguments: cases.filter { ["cholesky 3x3", "solve general", "solve positive definite", "slogdet", "choleskySolve", "inv", "solveTriangular lower"].contains($0.name) })
    func derivativesOfThePullback(_ spec: LinalgGradCase) throws {
        let function: ([Variable]) -> Variable = { xs in
            let output = spec.build(xs)
            return pullback(output, wrt: xs[0], cotangent: cos(output))
        }
        try verifyPushforward(function, at: spec.point())
        try verifyGrad(function, at: spec.point())
    }

    @Test func float32GradientsOfTheCoreOps() throws {
        let spd = positiveDefinitePoint([3, 3], seed: 60).converted(to: .float32)
        let general = linalgPoint([3, 3], seed: 61).converted(to: .float32)
        let b = plainPoint([3, 2], seed: 62).converted(to: .float32)
        try verifyGrad({ cholesky($0[0]) }, at: [spd])
        try verifyGrad({ solve($0[0], $0[1]) }, at: [general, b])
        try verifyGrad({ slogdet($0[0]).logAbsDet }, at: [general])
        try verifyGrad({ inv($0[0]) }, at: [general])
        let out = cholesky(Tensor.matrix("A", dtype: .float32))
        #expect(out.dtype == .float32)
        #expect(grad(out.sum(), wrt: out.owner!.inputs[0]).dtype == .float32)
    }

    @Test func gaussianLogDensityGradient() throws {
        // The multivariate normal's log-density: −½ rᵀ K⁻¹ r − Σ log L_ii, with K = L Lᵀ.
        let function: ([Variable]) -> Variable = { xs in
            let k = dot(xs[0], xs[0].T) + 3 * eye(3)
            let l = cholesky(k)
            let z = solveTriangular(l, xs[1])
            return -0.5 * sqr(z).sum() - log(diagonalPart(l).sum(axis: 0)).sum()
        }
        try verifyGrad(function, at: [plainPoint([3, 3], seed: 63), plainPoint([3], seed: 64)])
        try verifyPushforward(function, at: [plainPoint([3, 3], seed: 63), plainPoint([3], seed: 64)])
    }

    @Test func sliceOfBatchGradientMatchesUnbatched() throws {
        // The batched rule is the vectorized core rule: block 1's gradient equals the 2-d one.
        let point = linalgPoint([2, 3, 3], seed: 65)
        let a = Tensor.tensor3("a")
        let m = Tensor.matrix("m")
        let batched = try grad(slogdet(a).logAbsDet.sum(), wrt: a).eval(["a": point])
        let single = try grad(slogdet(m).logAbsDet, wrt: m).eval(["m": point.batchBlock(at: [1]).contiguous()])
        #expect(try batched.batchBlock(at: [1]).contiguous().allClose(single, rtol: 1e-12, atol: 1e-12))
    }
}
