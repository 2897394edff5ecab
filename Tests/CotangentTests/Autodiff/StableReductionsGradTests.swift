import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

extension GradCase {
    /// Every derivative check of a case at points drawn from `seed` on: `verifyGrad` (float64
    /// one-sided, float32 central), pushforward against pullback (float64, float32), the
    /// vectorized Jacobian against pullback rows (static and unknown lengths), `vectorizeGraph`
    /// against stacked evaluations, and the derivatives' dtypes and shapes (float64 static,
    /// float32 unknown lengths).
    func checkDerivatives(seed: UInt64) throws {
        try verifyGrad(build, at: point(seed: seed))
        try verifyGrad(build, at: point(seed: seed + 100, dtype: .float32), differences: .central)
        try verifyPushforward(build, at: point(seed: seed + 200))
        try verifyPushforward(build, at: point(seed: seed + 250, dtype: .float32))
        let jacobianPoint = point(seed: seed + 300)
        try T.checkJacobians(build, at: jacobianPoint)
        try T.checkJacobians(build, at: jacobianPoint, staticShapes: false)
        let stack = (0..<3).map { T.random(shapes[0], seed: seed + 400 + UInt64($0)) }
        try T.checkVectorizeGraph(build, at: point(seed: seed + 450), batched: 0, stack: stack)
        try T.checkDerivativeTypes(build, at: point(seed: seed + 500))
        try T.checkDerivativeTypes(build, at: point(seed: seed + 550, dtype: .float32), staticShapes: false)
    }
}

@Suite("Stable reduction derivatives")
struct StableReductionsGradTests {
    static let cases: [GradCase] = [
        .init("logsumexp axis 1", [[3, 4]]) { logsumexp($0[0] * 3, axis: 1) },
        .init("logsumexp all", [[3, 4]]) { logsumexp($0[0], axis: nil) * $0[0] },
        .init("logsumexp axes 0,2 keepDims", [[2, 3, 4]]) { sqr(logsumexp($0[0], axes: [0, -1], keepDims: true)) },
        .init("logsumexp axis 0 keepDims", [[3, 4]]) { logsumexp($0[0], axis: 0, keepDims: true) * $0[0] },
        .init("logsumexp of a 0-d", [[]]) { logsumexp($0[0]) * 2 },
        .init("softmax axis 1", [[3, 4]]) { softmax($0[0] * 2, axis: 1) },
        .init("softmax axis 0", [[3, 4]]) { softmax($0[0], axis: 0) * $0[0] },
        .init("softmax all", [[2, 3]]) { softmax($0[0]) },
        .init("logSoftmax axis 1", [[3, 4]]) { logSoftmax($0[0], axis: 1) * $0[0] },
        .init("logSoftmax axis -2", [[2, 3, 2]]) { sqr(logSoftmax($0[0], axis: -2)) },
        .init("cumlogsumexp axis 1", [[3, 4]]) { cumlogsumexp($0[0] * 2, axis: 1) },
        .init("cumlogsumexp axis 0", [[3, 4]]) { cumlogsumexp($0[0], axis: 0) * $0[0] },
        .init("cumlogsumexp flat", [[3, 2]]) { sqr(cumlogsumexp($0[0])) },
        .init("cumlogsumexp middle axis", [[2, 3, 2]]) { cumlogsumexp($0[0], axis: 1) * $0[0] },
    ]

    @Test(arguments: cases)
    func derivatives(_ spec: GradCase) throws {
        try spec.checkDerivatives(seed: 2000)
    }

    /// Rows of ±1000 and −inf: the gradient of logsumexp is the softmax (scipy's values), finite
    /// everywhere, and 0 for a row of −inf (a finite change leaves it at −inf).
    @Test(arguments: [DType.float64, .float32])
    func logsumexpGradientIsTheSoftmaxForLargeInputs(dtype: DType) throws {
        let L = Tensor.matrix("L", dtype: dtype, shape: [5, 3])
        let g = try checked { grad(logsumexp(L, axis: 1).sum(), wrt: L) }
        #expect(g.type == L.type)
        let rows: [[Double]] = [
            [1000, 1000, 999], [-1000, -1000, -1001], [-.infinity, -.infinity, -.infinity], [-.infinity, 0, 1],
            [1e3, -.infinity, -1e3],
        ]
        StatisticsTesting.expectValues(g, ["L": StatisticsTesting.matrix(rows, dtype: dtype)], [
            0.4223187982515182, 0.4223187982515182, 0.15536240349696362, 0.4223187982515182, 0.4223187982515182,
            0.15536240349696362, 0, 0, 0, 0.0, 0.2689414213699951, 0.7310585786300049, 1.0, 0.0, 0.0,
        ], shape: [5, 3], dtype: dtype)
        // The pushforward is ⟨softmax, t⟩ per row, finite too.
        let t = Variable(constant: NDArray.full([5, 3], value: 1, dtype: dtype))
        let jvp = try checked { pushforward(logsumexp(L, axis: 1), wrt: L, tangent: t) }
        StatisticsTesting.expectValues(jvp, ["L": StatisticsTesting.matrix(rows, dtype: dtype)], [1, 1, 0, 1, 1],
                                       shape: [5], dtype: dtype)
    }

    /// The Hessian of logsumexp is `diag(p) − p pᵀ` (numpy's values), also at ±1000, and 0 for
    /// a vector of −inf.
    @Test(arguments: [DType.float64, .float32])
    func logsumexpHessianMatchesNumpy(dtype: DType) throws {
        let x = Tensor.vector("x", dtype: dtype, shape: [4])
        let H = try checked { hessian(logsumexp(x), wrt: x) }
        #expect(H.type == TensorType(dtype: dtype, shape: [4, 4]))
        let points: [([Double], [Double])] = [
            ([0.5, -1.25, 2.0, 0.75], [
                0.12333721242925619, -0.0036085252170949236, -0.09306509194864097, -0.026663595263520294,
                -0.0036085252170949236, 0.024414251338097073, -0.016172288025493614, -0.004633438095508533,
                -0.09306509194864097, -0.016172288025493614, 0.2287353234425713, -0.11949794346843672,
                -0.026663595263520294, -0.004633438095508533, -0.11949794346843672, 0.15079497682746554,
            ]),
            ([1000.0, 999.5, 998.0, 1001.0], [
                0.17393867237426586, -0.030489778088802426, -0.006803189067844573, -0.13664570521761887,
                -0.030489778088802426, 0.11749593057481236, -0.004126342753469544, -0.0828798097325404,
                -0.006803189067844573, -0.004126342753469544, 0.029422517040007253, -0.018492985218693133,
                -0.13664570521761887, -0.0828798097325404, -0.018492985218693133, 0.2380185001688524,
            ]),
            (Array(repeating: -.infinity, count: 4), Array(repeating: 0, count: 16)),
        ]
        for (point, expected) in points {
            StatisticsTesting.expectValues(H, ["x": NDArray(point).converted(to: dtype)], expected, shape: [4, 4],
                                           dtype: dtype)
        }
        // A −inf entry beside finite ones: its row and column are 0, the rest is the Hessian of
        // the finite entries.
        let mixed = try H.eval(["x": NDArray([0.5, -.infinity, 2.0, 0.75]).converted(to: dtype)]).asArray(Double.self)
        #expect(mixed.allSatisfy(\.isFinite) && (0..<4).allSatisfy { mixed[4 + $0] == 0 && mixed[4 * $0 + 1] == 0 })
    }

    /// Second derivatives of the softmax family against finite differences of their gradients.
    @Test func secondDerivativesMatchFiniteDifferences() throws {
        let weights = Variable(constant: NDArray(shape: [3, 4], elements: (0..<12).map { 0.5 + Double($0) / 12 }))
        let functions: [([Variable]) -> Variable] = [
            { grad((weights * softmax($0[0], axis: 1)).sum(), wrt: $0[0]) },
            { grad((weights * logSoftmax($0[0], axis: 0)).sum(), wrt: $0[0]) },
            { grad(logsumexp($0[0] * 2, axis: 1).sum(), wrt: $0[0]) },
            { grad((weights * cumlogsumexp($0[0], axis: 1)).sum(), wrt: $0[0]) },
            { grad((weights * cumlogsumexp($0[0], axis: 0)).sum(), wrt: $0[0]) },
        ]
        let point = [T.random([3, 4], seed: 2600, low: -2, high: 2)]
        for f in functions {
            try verifyGrad(f, at: point)
            try verifyPushforward(f, at: point)
            try T.checkJacobians(f, at: point)
        }
    }

    /// The cumlogsumexp pullback `Σ_{j≥i} w[j]·exp(x[i] − y[j])` (numpy's values), finite at
    /// ±1000 and 0 over a leading run of −inf.
    @Test func cumlogsumexpGradientMatchesNumpy() throws {
        let C = Tensor.matrix("C", shape: [3, 4])
        let w = Variable(constant: NDArray(shape: [1, 4], elements: [0.5, -1.0, 2.0, 1.5]))
        let g = try checked { grad((w * cumlogsumexp(C, axis: 1)).sum(), wrt: C) }
        let rows: [[Double]] = [[-.infinity, -.infinity, 0, 1000], [-1000, 0, 1000, -.infinity], [1.5, -2.0, 0.25, 3.0]]
        StatisticsTesting.expectValues(g, ["C": StatisticsTesting.matrix(rows)], [
            0.0, 0.0, 2.0, 1.5, 0.5, -1.0, 3.5, 0.0, 1.306951046274229, 0.02436781014738399, 0.5093020477321696,
            1.1593790958462173,
        ], shape: [3, 4])
        // The second derivatives stay finite there too.
        let H = try checked { hessian((w * cumlogsumexp(C, axis: 1)).sum(), wrt: C) }
        let value = try H.eval(["C": StatisticsTesting.matrix(rows)]).asArray(Double.self)
        #expect(!value.contains { !$0.isFinite }, "\(value)")
        let tangent = Variable(constant: NDArray.full([3, 4], value: 1))
        let jvp = try pushforward(cumlogsumexp(C, axis: 1), wrt: C, tangent: tangent).eval(["C": StatisticsTesting.matrix(rows)])
        let tangents = jvp.asArray(Double.self)
        #expect(!tangents.contains { !$0.isFinite }, "\(tangents)")
    }

    /// The Hessian is symmetric (the rules are exact second derivatives).
    @Test func hessiansAreSymmetric() throws {
        let x = Tensor.vector("x", shape: [5])
        let value = NDArray([0.3, -1.2, 2.5, 0.7, -0.4])
        for cost in [logsumexp(x * x), logSoftmax(x)[2] * 3, (cumlogsumexp(x) * x).sum(), softmax(x * 2)[1]] {
            let H = try checked { hessian(cost, wrt: x) }.eval(["x": value])
            let h = H.asArray(Double.self)
            for i in 0..<5 {
                for j in 0..<5 { #expect(Swift.abs(h[5 * i + j] - h[5 * j + i]) < 1e-12) }
            }
        }
    }
}
