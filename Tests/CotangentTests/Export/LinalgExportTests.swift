import Foundation
import Testing

@testable import Cotangent

/// Deterministic test matrices: entries in (-1, 1) from a sine hash, so every run sees the same
/// well-conditioned inputs.
enum ExportMatrices {
    static func entries(_ count: Int, seed: Int) -> [Double] {
        (0..<count).map { k in
            let x = Foundation.sin(Double(k * 7919 + seed * 104729) * 0.61803398875) * 43758.5453
            return 2 * (x - x.rounded(.down)) - 1
        }
    }

    /// A general `shape` array (batch dims then a matrix), diagonally shifted by `shift` so it
    /// is well conditioned.
    static func general(_ shape: [Int], seed: Int, shift: Double = 3) -> NDArray {
        let n = shape.last!
        var values = entries(shape.reduce(1, *), seed: seed)
        for k in values.indices where (k % (n * n)) / n == k % n { values[k] += shift }
        return NDArray(shape: shape, elements: values)
    }

    /// Symmetric positive-definite matrices `M Mᵀ + n I` of `shape`.
    static func spd(_ shape: [Int], seed: Int) -> NDArray {
        let n = shape.last!
        let m = entries(shape.reduce(1, *), seed: seed)
        var values = [Double](repeating: 0, count: m.count)
        for block in 0..<(m.count / (n * n)) {
            let base = block * n * n
            for i in 0..<n {
                for j in 0..<n {
                    var sum = i == j ? Double(n) : 0
                    for k in 0..<n { sum += m[base + i * n + k] * m[base + j * n + k] }
                    values[base + i * n + j] = sum
                }
            }
        }
        return NDArray(shape: shape, elements: values)
    }

    /// Plain entries in (-1, 1).
    static func plain(_ shape: [Int], seed: Int) -> NDArray {
        NDArray(shape: shape, elements: entries(shape.reduce(1, *), seed: seed))
    }
}

/// Linear algebra on XLA: Cholesky and the triangular solves (native StableHLO ops), and the
/// portable LU behind solve, inverse and determinants, against Cotangent's kernels.
@Suite(.enabled(if: XLARunner.isEnabled))
struct LinalgExportTests {
    @Test func choleskyFactors() throws {
        let a = Tensor.matrix("A")
        let spd = ExportMatrices.spd([5, 5], seed: 1)
        // Garbage in the upper triangle: only the lower one is read.
        var skewed = spd.asArray(Double.self)
        for i in 0..<5 { for j in (i + 1)..<5 { skewed[i * 5 + j] += 10 } }
        let notSymmetric = NDArray(shape: [5, 5], elements: skewed)
        let notPD = NDArray(shape: [3, 3], elements: [1.0, 2, 0, 2, 1, 0, 0, 0, 1])
        try XLARunner.check([
            try XLARunner.graphCase("lower", inputs: [a], outputs: [cholesky(a)], values: [notSymmetric]),
            try XLARunner.graphCase("upper", inputs: [a], outputs: [cholesky(a, lower: false)], values: [notSymmetric]),
            try XLARunner.graphCase(
                "not positive definite gives NaNs", inputs: [a], outputs: [cholesky(a, onError: .nan)], values: [notPD]),
        ])
    }

    @Test func triangularSolves() throws {
        let a = Tensor.matrix("A")
        let b = Tensor.matrix("b")
        let v = Tensor.vector("v")
        let matrix = ExportMatrices.general([4, 4], seed: 2)
        let rhs = ExportMatrices.plain([4, 3], seed: 3)
        let vector = ExportMatrices.plain([4], seed: 4)
        var cases: [XLARunner.Case] = []
        for lower in [true, false] {
            for transposed in [false, true] {
                for unit in [false, true] {
                    let name = "lower \(lower) trans \(transposed) unit \(unit)"
                    cases.append(
                        try XLARunner.graphCase(
                            name, inputs: [a, b],
                            outputs: [solveTriangular(a, b, lower: lower, transposed: transposed, unitDiagonal: unit)],
                            values: [matrix, rhs]))
                }
            }
            cases.append(
                try XLARunner.graphCase(
                    "vector lower \(lower)", inputs: [a, v], outputs: [solveTriangular(a, v, lower: lower)],
                    values: [matrix, vector]))
        }
        try XLARunner.check(cases)
    }

    @Test func choleskySolves() throws {
        let l = Tensor.matrix("L")
        let b = Tensor.matrix("b")
        let v = Tensor.vector("v")
        // A factor with garbage in the triangle that is not read.
        let factor = ExportMatrices.general([4, 4], seed: 5)
        try XLARunner.check([
            try XLARunner.graphCase(
                "lower", inputs: [l, b], outputs: [choleskySolve(l, b)],
                values: [factor, ExportMatrices.plain([4, 2], seed: 6)]),
            try XLARunner.graphCase(
                "upper", inputs: [l, b], outputs: [choleskySolve(l, b, lower: false)],
                values: [factor, ExportMatrices.plain([4, 2], seed: 6)]),
            try XLARunner.graphCase(
                "vector", inputs: [l, v], outputs: [choleskySolve(l, v)],
                values: [factor, ExportMatrices.plain([4], seed: 7)]),
        ])
    }

    @Test func generalSolves() throws {
        let a = Tensor.matrix("A")
        let b = Tensor.matrix("b")
        let v = Tensor.vector("v")
        // Small diagonal shift: the pivots are off the diagonal, so the row swaps matter.
        let matrix = ExportMatrices.general([6, 6], seed: 8, shift: 0.1)
        let spd = ExportMatrices.spd([6, 6], seed: 9)
        let rhs = ExportMatrices.plain([6, 3], seed: 10)
        let vector = ExportMatrices.plain([6], seed: 11)
        try XLARunner.check([
            try XLARunner.graphCase("gen", inputs: [a, b], outputs: [solve(a, b)], values: [matrix, rhs]),
            try XLARunner.graphCase("gen vector", inputs: [a, v], outputs: [solve(a, v)], values: [matrix, vector]),
            try XLARunner.graphCase(
                "sym", inputs: [a, b], outputs: [solve(a, b, assume: .symmetric)], values: [matrix, rhs]),
            try XLARunner.graphCase(
                "pos", inputs: [a, b], outputs: [solve(a, b, assume: .positiveDefinite)], values: [spd, rhs]),
            try XLARunner.graphCase(
                "pos vector", inputs: [a, v], outputs: [solve(a, v, assume: .positiveDefinite)], values: [spd, vector]),
        ])
    }

    @Test func inverseAndDeterminants() throws {
        let a = Tensor.matrix("A")
        let matrix = ExportMatrices.general([5, 5], seed: 12, shift: 0.2)
        // A negative determinant and a singular matrix (slogdet: sign 0, log −inf; det 0).
        let negative = NDArray(shape: [3, 3], elements: [0.0, 1, 0, 1, 0, 0, 0, 0, 2])
        let singular = NDArray(shape: [3, 3], elements: [1.0, 2, 3, 2, 4, 6, 1, 0, 1])
        let (sign, logAbs) = slogdet(a)
        var cases: [XLARunner.Case] = [
            try XLARunner.graphCase("inv", inputs: [a], outputs: [inv(a)], values: [matrix])
        ]
        for (name, value) in [("general", matrix), ("negative", negative), ("singular", singular)] {
            cases.append(try XLARunner.graphCase("det \(name)", inputs: [a], outputs: [det(a)], values: [value]))
            cases.append(
                try XLARunner.graphCase("slogdet \(name)", inputs: [a], outputs: [sign, logAbs], values: [value]))
        }
        try XLARunner.check(cases)
    }

    @Test func matrixExponential() throws {
        let a = Tensor.matrix("A")
        // Norms below and above θ₁₃ (no squaring, and several squarings), and the zero matrix.
        let small = NDArray(shape: [4, 4], elements: ExportMatrices.entries(16, seed: 13).map { $0 * 0.5 })
        let large = NDArray(shape: [4, 4], elements: ExportMatrices.entries(16, seed: 14).map { $0 * 6 })
        try XLARunner.check([
            try XLARunner.graphCase("small", inputs: [a], outputs: [expm(a)], values: [small]),
            try XLARunner.graphCase("large", inputs: [a], outputs: [expm(a)], values: [large], rtol: 1e-11),
            try XLARunner.graphCase("zero", inputs: [a], outputs: [expm(a)], values: [NDArray.zeros([3, 3], dtype: .float64)]),
        ])
    }

    /// Householder QR in both modes, tall, wide and square, and a stack.
    @Test func qrFactors() throws {
        let a = Tensor.matrix("A")
        let a3 = Tensor.tensor3("A3")
        var cases: [XLARunner.Case] = []
        for shape in [[5, 3], [3, 5], [4, 4]] {
            for complete in [false, true] {
                let (q, r) = qr(a, mode: complete ? .complete : .reduced)
                cases.append(
                    try XLARunner.graphCase(
                        "\(shape) complete \(complete)", inputs: [a], outputs: [q, r],
                        values: [ExportMatrices.plain(shape, seed: 50 + shape[0])]))
            }
        }
        let (q, r) = qr(a3)
        cases.append(
            try XLARunner.graphCase(
                "batched", inputs: [a3], outputs: [q, r], values: [ExportMatrices.plain([2, 4, 3], seed: 55)]))
        try XLARunner.check(cases)
    }

    /// Stacks of matrices: the core ops' batched lowerings through Blockwise, including a
    /// length-1 batch dim that broadcasts.
    @Test func batched() throws {
        let a = Tensor.tensor3("A")
        let b = Tensor.tensor3("b")
        let stack = ExportMatrices.general([3, 4, 4], seed: 15, shift: 0.3)
        let spd = ExportMatrices.spd([3, 4, 4], seed: 16)
        let rhs = ExportMatrices.plain([3, 4, 2], seed: 17)
        let one = Tensor.tensor("one", shape: [1, nil, nil])
        let (sign, logAbs) = slogdet(a)
        try XLARunner.check([
            try XLARunner.graphCase("cholesky", inputs: [a], outputs: [cholesky(a)], values: [spd]),
            try XLARunner.graphCase("solve", inputs: [a, b], outputs: [solve(a, b)], values: [stack, rhs]),
            try XLARunner.graphCase(
                "solve pos", inputs: [a, b], outputs: [solve(a, b, assume: .positiveDefinite)], values: [spd, rhs]),
            try XLARunner.graphCase(
                "solveTriangular", inputs: [a, b], outputs: [solveTriangular(a, b, lower: false, transposed: true)],
                values: [stack, rhs]),
            try XLARunner.graphCase("choleskySolve", inputs: [a, b], outputs: [choleskySolve(a, b)], values: [stack, rhs]),
            try XLARunner.graphCase("inv", inputs: [a], outputs: [inv(a)], values: [stack]),
            try XLARunner.graphCase("det", inputs: [a], outputs: [det(a)], values: [stack]),
            try XLARunner.graphCase("slogdet", inputs: [a], outputs: [sign, logAbs], values: [stack]),
            try XLARunner.graphCase("expm", inputs: [a], outputs: [expm(a)], values: [stack]),
            try XLARunner.graphCase(
                "broadcast batch dim", inputs: [one, b], outputs: [solve(one, b)],
                values: [ExportMatrices.general([1, 4, 4], seed: 18), rhs]),
        ])
    }

    /// Gradients whose graphs use only ops lowered so far: the right-hand side's gradient of the
    /// triangular, Cholesky and positive-definite solves (each another solve), batched too.
    /// (Gradients with respect to the matrices also need transposes and products, whose
    /// lowerings are not in this branch.)
    @Test func rightHandSideGradients() throws {
        let a = Tensor.matrix("A")
        let b = Tensor.matrix("b")
        let w = Tensor.matrix("w")
        let a3 = Tensor.tensor3("A3")
        let b3 = Tensor.tensor3("b3")
        let matrix = ExportMatrices.general([4, 4], seed: 41)
        let spd = ExportMatrices.spd([4, 4], seed: 42)
        let rhs = ExportMatrices.plain([4, 2], seed: 43)
        let weights = ExportMatrices.plain([4, 2], seed: 44)
        try XLARunner.check([
            try XLARunner.graphCase(
                "solveTriangular", inputs: [a, b, w],
                outputs: [grad((solveTriangular(a, b, lower: false) * w).sum(), wrt: b)], values: [matrix, rhs, weights]),
            try XLARunner.graphCase(
                "choleskySolve", inputs: [a, b, w], outputs: [grad((choleskySolve(a, b) * w).sum(), wrt: b)],
                values: [matrix, rhs, weights]),
            try XLARunner.graphCase(
                "solve pos", inputs: [a, b, w],
                outputs: [grad((solve(a, b, assume: .positiveDefinite) * w).sum(), wrt: b)], values: [spd, rhs, weights]),
            try XLARunner.graphCase(
                "batched solveTriangular", inputs: [a3, b3], outputs: [grad(solveTriangular(a3, b3).sum(), wrt: b3)],
                values: [ExportMatrices.general([3, 4, 4], seed: 45), ExportMatrices.plain([3, 4, 2], seed: 46)]),
        ])
    }

    /// Gradients with respect to the matrices (transposes, products, the factorisations'
    /// pullbacks) and through the cumulative ops, as users take them: each graph exported
    /// whole and run on XLA.
    @Test func matrixGradients() throws {
        let a = Tensor.matrix("A")
        let b = Tensor.matrix("b")
        let w = Tensor.matrix("w")
        let x = Tensor.vector("x")
        let matrix = ExportMatrices.general([4, 4], seed: 51)
        let spd = ExportMatrices.spd([4, 4], seed: 52)
        let rhs = ExportMatrices.plain([4, 2], seed: 53)
        let weights = ExportMatrices.plain([4, 4], seed: 54)
        let vector = NDArray([0.3, -0.8, 1.1, 0.45, -0.2, 0.9])
        try XLARunner.check([
            try XLARunner.graphCase(
                "solve gen", inputs: [a, b], outputs: grad(solve(a, b).sum(), wrt: [a, b]), values: [matrix, rhs], rtol: 1e-10),
            try XLARunner.graphCase(
                "cholesky", inputs: [a, w], outputs: [grad((cholesky(a) * w).sum(), wrt: a)], values: [spd, weights], rtol: 1e-10),
            try XLARunner.graphCase(
                "inv", inputs: [a, w], outputs: [grad((inv(a) * w).sum(), wrt: a)], values: [matrix, weights], rtol: 1e-10),
            try XLARunner.graphCase("det", inputs: [a], outputs: [grad(det(a), wrt: a)], values: [matrix], rtol: 1e-10),
            try XLARunner.graphCase(
                "slogdet", inputs: [a], outputs: [grad(slogdet(a).logAbsDet, wrt: a)], values: [matrix], rtol: 1e-10),
            try XLARunner.graphCase(
                "expm", inputs: [a, w], outputs: [grad((expm(a * 0.3) * w).sum(), wrt: a)], values: [matrix, weights],
                rtol: 1e-9),
            try XLARunner.graphCase(
                "cumulative", inputs: [x],
                outputs: grad((cumprod(x) * x).sum() + (cumlogsumexp(x) * x).sum() + (cumsum(x) * x).sum(), wrt: [x]),
                values: [vector], rtol: 1e-10),
            try XLARunner.graphCase(
                "convolve", inputs: [x, b], outputs: grad((convolve1d(x, x[..<3]) * x[0]).sum(), wrt: [x]), values: [vector, rhs],
                rtol: 1e-10),
        ])
    }

    /// Ops without a portable StableHLO form are reported by name, all at once.
    @Test func notExportable() throws {
        let a = Tensor.matrix("A")
        let (w, _) = eigh(a)
        let s = singularValues(a)
        let z = pinv(a)
        #expect(throws: StableHLOExportError.self) {
            _ = try exportStableHLO(inputs: [a], outputs: [w, s, z], inputShapes: [[3, 3]])
        }
        do {
            _ = try exportStableHLO(inputs: [a], outputs: [w, s, z], inputShapes: [[3, 3]])
        } catch let error as StableHLOExportError {
            let names = error.unsupportedOps.map(\.op)
            for expected in ["Eigh", "SVD", "MatrixPinv"] {
                #expect(names.contains { $0.hasPrefix(expected) }, "\(expected) missing from \(names)")
            }
            #expect(error.description.contains("no symmetric eigensolver"))
        }
    }
}
