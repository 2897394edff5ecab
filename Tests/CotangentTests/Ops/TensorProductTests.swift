import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// Expected values come from numpy 2.4 (`np.einsum`, `np.tensordot`, `np.inner`, `np.vdot`,
// `np.cross`) and the contraction orders from `np.einsum_path(..., optimize="greedy")`, on the
// operands `TensorProductTesting.ramp` makes.

/// Inputs shared by the tensor-product tests.
enum TensorProductTesting {
    /// Operand `seed` of a case: element `k` (row-major) is `((7k + 5·seed) mod 13 − 6) / 4` for
    /// floats, `(7k + 5·seed) mod 13 − 6` for integers and `(7k + 5·seed) mod 3 == 0` for bools.
    static func ramp(_ shape: [Int], seed: Int, dtype: DType = .float64) -> NDArray {
        let codes = (0..<shape.reduce(1, *)).map { ($0 * 7 + seed * 5) % 13 - 6 }
        if dtype == .bool { return NDArray(shape: shape, elements: (0..<codes.count).map { ($0 * 7 + seed * 5) % 3 == 0 }) }
        let values = codes.map { dtype.isFloat ? Double($0) / 4 : Double($0) }
        return NDArray(shape: shape, elements: values).converted(to: dtype)
    }

    /// Symbolic operands named `x0`, `x1`, … for arrays of these shapes: static lengths, or every
    /// length unknown.
    static func operands(_ shapes: [[Int]], _ dtypes: [DType], staticShapes: Bool) -> [Variable] {
        zip(shapes, dtypes).enumerated().map { k, pair in
            Tensor.tensor("x\(k)", dtype: pair.1, shape: pair.0.map { staticShapes ? $0 : nil })
        }
    }

    /// The operands' values, operand `k` made with seed `k + 1`.
    static func feed(_ shapes: [[Int]], _ dtypes: [DType]) -> [String: NDArray] {
        Dictionary(uniqueKeysWithValues: zip(shapes, dtypes).enumerated().map { k, pair in
            ("x\(k)", ramp(pair.0, seed: k + 1, dtype: pair.1))
        })
    }
}

private typealias P = TensorProductTesting

/// An einsum call and numpy's result for it.
struct EinsumCase: CustomTestStringConvertible, Sendable {
    let name: String
    let subscripts: String
    let shapes: [[Int]]
    let dtypes: [DType]
    let shape: [Int]
    let dtype: DType
    let values: [Double]
    var testDescription: String { name }

    init(
        _ name: String, _ subscripts: String, _ shapes: [[Int]], _ dtypes: [String], _ shape: [Int], _ dtype: DType,
        _ values: [Double]
    ) {
        self.name = name
        self.subscripts = subscripts
        self.shapes = shapes
        self.dtypes = dtypes.map { DType(rawValue: $0)! }
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }

    var expected: NDArray { NDArray(shape: shape, elements: values).converted(to: dtype) }
    /// A static length 1 broadcasts; one known only at run time would not.
    var needsStaticShapes: Bool { shapes.contains { $0.contains(1) } }
}

@Suite("Tensor products")
struct TensorProductTests {
    static let einsumCases: [EinsumCase] = [
        .init("matmul", "ij,jk->ik", [[2, 3], [3, 4]], ["float64", "float64"], [2, 4], .float64, [2.0, 0.125, -2.5625, 0.4375, 0.4375, 0.125, -1.0, -0.5]),
        .init("batched matmul", "bij,bjk->bik", [[2, 2, 3], [2, 3, 2]], ["float64", "float64"], [2, 2, 2], .float64, [1.625, -0.25, -3.0625, 0.6875, -0.25, 0.1875, 0.375, -0.0625]),
        .init("trace", "ii", [[3, 3]], ["float64"], [], .float64, [0.75]),
        .init("diagonal", "ii->i", [[3, 3]], ["float64"], [3], .float64, [-0.25, 0.25, 0.75]),
        .init("transpose", "ij->ji", [[2, 3]], ["float64"], [3, 2], .float64, [-0.25, -1.5, 1.5, 0.25, 0.0, -1.25]),
        .init("implicit matmul", "ij,jk", [[2, 3], [3, 2]], ["float64", "float64"], [2, 2], .float64, [1.625, -0.25, -3.0625, 0.6875]),
        .init("ellipsis broadcast", "...ij,...jk->...ik", [[2, 1, 2, 3], [3, 3, 2]], ["float64", "float64"], [2, 3, 2, 2], .float64, [1.625, -0.25, -3.0625, 0.6875, -1.5, 0.6875, 3.1875, -1.1875, -0.5625, 1.625, 1.3125, -3.0625, 0.375, 0.0, -0.25, 0.125, -0.25, 0.1875, 0.375, -0.0625, -0.0625, 0.375, 0.1875, -0.25]),
        .init("implicit ellipsis", "...ij,...jk", [[2, 2, 3], [3, 4]], ["float64", "float64"], [2, 2, 4], .float64, [2.0, 0.125, -2.5625, 0.4375, 0.4375, 0.125, -1.0, -0.5, -1.9375, 0.125, 1.375, 0.1875, 1.375, 0.125, -1.9375, 0.0625]),
        .init("outer", "i,j->ij", [[3], [2]], ["float64", "float64"], [3, 2], .float64, [-0.25, 0.125, 1.5, -0.75, 0.0, 0.0]),
        .init("chain of 3", "ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]], ["float64", "float64", "float64"], [2, 2], .float64, [-0.921875, -0.921875, 0.09375, -1.546875]),
        .init("chain of 4", "ab,bc,cd,de->ae", [[2, 3], [3, 5], [5, 2], [2, 3]], ["float64", "float64", "float64", "float64"], [2, 3], .float64, [6.08203125, -6.96875, 5.26953125, 1.7265625, -2.7890625, 1.734375]),
        .init("shared by 3", "i,i,i->", [[4], [4], [4]], ["float64", "float64", "float64"], [], .float64, [0.0625]),
        .init("total sum", "ij->", [[2, 3]], ["float64"], [], .float64, [-1.25]),
        .init("block traces", "iij->j", [[2, 2, 3]], ["float64"], [3], .float64, [-1.0, 2.5, -0.5]),
        .init("rowwise dot", "ij,ij->i", [[2, 3], [2, 3]], ["float64", "float64"], [2], .float64, [-1.0, 0.75]),
        .init("batched vector dot", "bi,bi->b", [[3, 4], [3, 4]], ["float64", "float64"], [3], .float64, [-0.625, -0.625, -2.6875]),
        .init("two summed indices", "ijk,jil->kl", [[2, 3, 2], [3, 2, 4]], ["float64", "float64"], [2, 4], .float64, [0.125, 0.0, -0.9375, -0.25, 2.625, -3.5, 5.0, -0.3125]),
        .init("merged rows", "abc,cd->abd", [[2, 3, 4], [4, 2]], ["float64", "float64"], [2, 3, 2], .float64, [3.875, -0.625, 0.9375, -0.0625, 2.0625, -0.3125, 3.1875, -0.5625, -3.8125, 0.8125, -2.6875, 0.5625]),
        .init("two batch indices", "abij,abjk->abik", [[2, 2, 2, 3], [2, 2, 3, 2]], ["float64", "float64"], [2, 2, 2, 2], .float64, [1.625, -0.25, -3.0625, 0.6875, -0.25, 0.1875, 0.375, -0.0625, -1.1875, 3.1875, 0.6875, -1.5, -0.375, 2.25, 0.3125, -1.1875]),
        .init("ellipsis of rank 0", "...i,...i->...", [[2, 3], [3]], ["float64", "float64"], [2], .float64, [-1.0, -3.1875]),
        .init("scalar operand", "i,->i", [[3], []], ["float64", "float64"], [3], .float64, [-0.25, 1.5, 0.0]),
        .init("matrix-vector", "ij,j->i", [[2, 3], [3]], ["float64", "float64"], [2], .float64, [-1.0, -3.1875]),
        .init("capitals first", "BaA", [[2, 3, 4]], ["float64"], [4, 2, 3], .float64, [-0.25, 0.25, 0.75, 1.25, -1.5, -1.0, 1.5, -1.25, -0.75, -0.25, 0.25, 0.75, 0.0, 0.5, 1.0, 1.5, -1.25, -0.75, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0]),
        .init("diagonal times vector", "ii,i->i", [[3, 3], [3]], ["float64", "float64"], [3], .float64, [-0.25, -0.125, 0.9375]),
        .init("labelled broadcast", "ij,jk->ik", [[2, 1], [3, 4]], ["float64", "float64"], [2, 4], .float64, [-0.3125, 0.0, 0.3125, -0.1875, 1.875, 0.0, -1.875, 1.125]),
        .init("three-way outer", "i,j,k->ijk", [[2], [3], [2]], ["float64", "float64", "float64"], [2, 3, 2], .float64, [0.25, -0.1875, -0.125, 0.09375, 0.3125, -0.234375, -1.5, 1.125, 0.75, -0.5625, -1.875, 1.40625]),
        .init("hadamard", "ij,ij->ij", [[2, 3], [2, 3]], ["float64", "float64"], [2, 3], .float64, [-0.25, -0.75, 0.0, 0.375, 0.375, 0.0]),
        .init("sum over one operand", "ij,k->ik", [[2, 3], [2]], ["float64", "float64"], [2, 2], .float64, [1.25, -0.625, -2.5, 1.25]),
        .init("spaced", " i j , j k -> k i ", [[2, 3], [3, 2]], ["float64", "float64"], [2, 2], .float64, [1.625, -3.0625, -0.25, 0.6875]),
        .init("int32 by int8", "ij,jk->ik", [[2, 3], [3, 2]], ["int32", "int8"], [2, 2], .int32, [26, -4, -49, 11]),
        .init("int32 trace", "ii->", [[3, 3]], ["int32"], [], .int32, [3]),
        .init("bool dot", "i,i->", [[4], [4]], ["bool", "bool"], [], .bool, [0]),
        .init("uint8 by int8", "ij,j->i", [[2, 3], [3]], ["uint8", "int8"], [2], .int16, [1008, 2253]),
        .init("float32 by float64", "ij,jk->ik", [[2, 3], [3, 2]], ["float32", "float64"], [2, 2], .float64, [1.625, -0.25, -3.0625, 0.6875]),
        .init("float32 sum", "ij->j", [[2, 3]], ["float32"], [3], .float32, [-1.75, 1.75, -1.25]),
        .init("broadcast diagonal", "ii,i->i", [[1, 1], [3]], ["float64", "float64"], [3], .float64, [-0.25, 0.125, -0.3125]),
        .init("empty rows", "ij,jk->ik", [[0, 3], [3, 2]], ["float64", "float64"], [0, 2], .float64, []),
        .init("empty sum", "ij,jk->ik", [[2, 0], [0, 2]], ["float64", "float64"], [2, 2], .float64, [0.0, 0.0, 0.0, 0.0]),
    ]

    /// Values, dtype and static shape against numpy, with static and unknown operand lengths,
    /// rewritten and not; the symbolic shape (`inferShape`) agrees with the value's.
    @Test(arguments: einsumCases)
    func einsumMatchesNumpy(_ spec: EinsumCase) throws {
        let feed = P.feed(spec.shapes, spec.dtypes)
        for staticShapes in spec.needsStaticShapes ? [true] : [true, false] {
            let operands = P.operands(spec.shapes, spec.dtypes, staticShapes: staticShapes)
            let result = try checked { einsum(spec.subscripts, operands) }
            #expect(result.dtype == spec.dtype)
            #expect(result.type.shape == (staticShapes ? spec.shape : spec.shape.map { _ in nil }), "\(result.type)")
            for mode in [CompileMode.fastRun, .unoptimized] {
                let value = try result.eval(feed, mode: mode)
                #expect(arraysMatch(value, spec.expected), "\(spec.name) [\(staticShapes), \(mode)]: \(value)")
            }
            let shapes = try BasicOpsTesting.shapes(of: result, feed)
            #expect(shapes.inferred == spec.shape && shapes.actual == spec.shape)
        }
        // The variadic form is the array form.
        if spec.shapes.count == 2 {
            let operands = P.operands(spec.shapes, spec.dtypes, staticShapes: true)
            let pair = try checked { einsum(spec.subscripts, operands[0], operands[1]) }
            #expect(arraysMatch(try pair.eval(feed), spec.expected))
        }
    }

    /// The greedy order is numpy's `einsum_path(optimize="greedy")` on these chains, and
    /// contracting in it gives the value of the products taken left to right.
    @Test func greedyOrderMatchesNumpyAndKeepsTheValue() throws {
        let paths: [(String, [[Int]], [(Int, Int)])] = [
            ("ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]], [(1, 2), (0, 1)]),
            ("ab,bc,cd,de->ae", [[2, 3], [3, 5], [5, 2], [2, 3]], [(1, 2), (0, 2), (0, 1)]),
            ("ab,bc,cd,de->ae", [[10, 2], [2, 10], [10, 2], [2, 10]], [(1, 2), (0, 2), (0, 1)]),
            ("ij,jk,kl,lm->im", [[2, 20], [20, 20], [20, 20], [20, 3]], [(0, 1), (0, 2), (0, 1)]),
            ("ab,cd,bc->ad", [[4, 5], [6, 7], [5, 6]], [(1, 2), (0, 1)]),
            ("ijk,jl,kl->i", [[3, 4, 5], [4, 6], [5, 6]], [(1, 2), (0, 1)]),
        ]
        for (subscripts, shapes, expected) in paths {
            let path = try einsumPath(subscripts, shapes: shapes.map { $0.map { $0 } })
            #expect(path.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] }, "\(subscripts) \(shapes): \(path)")
            let dtypes = shapes.map { _ in DType.float64 }
            let operands = P.operands(shapes, dtypes, staticShapes: true)
            let feed = P.feed(shapes, dtypes)
            let greedy = try checked { einsum(subscripts, operands) }.eval(feed)
            var leftToRight: Variable
            if subscripts == "ab,cd,bc->ad" {
                leftToRight = matmul(matmul(operands[0], operands[2]), operands[1])
            } else if subscripts == "ijk,jl,kl->i" {
                leftToRight = (operands[0] * matmul(operands[1], operands[2].T).expandingDims([0])).sum(axes: [1, 2])
            } else {
                leftToRight = operands.dropFirst().reduce(operands[0], matmul)
            }
            #expect(arraysMatch(greedy, try leftToRight.eval(feed), tolerance: 1e-12), "\(subscripts)")
        }
        // Pairs sharing an index come before pairs that share none; with unknown lengths too.
        #expect(try einsumPath("i,j,jk->ik", shapes: [[2], [3], [3, 4]]).map { [$0.0, $0.1] } == [[1, 2], [0, 1]])
        #expect(try einsumPath("i,j,jk->ik", shapes: [[nil], [nil], [nil, nil]]).map { [$0.0, $0.1] } == [[1, 2], [0, 1]])
    }

    /// Each pairwise contraction is a matrix product the rewrites and kernels see.
    @Test func contractionsAreMatrixProducts() throws {
        let a = Tensor.matrix("a"), b = Tensor.matrix("b")
        let product = try checked { einsum("ij,jk->ik", a, b) }
        #expect(product.owner?.op is Dot)
        let compiled = rewriteGraph(product, include: ["fast_run"]).dprint()
        #expect(compiled.hasPrefix("Dot"), "\(compiled)")
        let s = Tensor.tensor3("s"), t = Tensor.tensor3("t")
        let batched = rewriteGraph(try checked { einsum("bij,bjk->bik", s, t) }, include: ["fast_run"]).dprint()
        #expect(batched.contains("Blockwise{Dot") || batched.contains("BatchedDot"), "\(batched)")
        // Several summed indices are merged by a reshape into one matrix product.
        let u = Tensor.tensor3("u"), v = Tensor.tensor3("v")
        let merged = rewriteGraph(try checked { einsum("ijk,jkl->il", u, v) }, include: ["fast_run"]).dprint()
        #expect(merged.contains("Dot") && merged.contains("Reshape"), "\(merged)")
        // A product summing nothing is elementwise.
        let hadamard = try checked { einsum("ij,ij->ij", a, b) }
        #expect(!hadamard.dprint().contains("Dot"))
    }

    @Test func singleOperandsNeedNoProduct() throws {
        let a = Tensor.matrix("a", shape: [2, 3])
        #expect(try checked { einsum("ij", a) } === a)
        #expect(try checked { einsum("ij->ji", a) }.type.shape == [3, 2])
        #expect(try checked { einsum("ij->j", a) }.type.shape == [3])
        #expect(!(try checked { einsum("ij->", a) }).dprint().contains("Dot"))
    }

    /// A length one operand knows statically is the result's, whichever operand knows it.
    @Test func staticLengthsComeFromAnyOperand() throws {
        let a = Tensor.matrix("a", shape: [2, nil]), b = Tensor.matrix("b", shape: [nil, 4])
        #expect(try checked { einsum("ij,jk->ik", a, b) }.type.shape == [2, 4])
        let diagonal = try checked { einsum("ii->i", Tensor.matrix("q", shape: [3, nil])) }
        #expect(diagonal.type.shape == [3])
        #expect(try diagonal.eval(["q": P.ramp([3, 3], seed: 1)]).asArray(Double.self) == [-0.25, 0.25, 0.75])
        let s = Tensor.tensor3("s", shape: [2, nil, nil]), t = Tensor.tensor3("t", shape: [nil, nil, 5])
        let batched = try checked { einsum("bij,bjk->bik", s, t) }
        #expect(batched.type.shape == [2, nil, 5])
        let value = try batched.eval(["s": P.ramp([2, 2, 3], seed: 1), "t": P.ramp([2, 3, 5], seed: 2)])
        #expect(value.shape == [2, 2, 5])
        let outerProduct = try checked { einsum("i,j", Tensor.vector("u", shape: [nil]), Tensor.vector("v", shape: [3])) }
        #expect(outerProduct.type.shape == [nil, 3])
    }

    /// A number is a 0-d int64 or float64 operand, as numpy's einsum reads a Python number.
    @Test func numberOperandsHaveNumpysDtypes() throws {
        let x = Tensor.vector("x", dtype: .float32, shape: [3])
        let scaled = try checked { einsum("i,->i", x, 2.5) }
        #expect(scaled.type == TensorType(dtype: .float64, shape: [3]))
        #expect(try scaled.eval(["x": P.ramp([3], seed: 1, dtype: .float32)]).asArray(Double.self) == [-0.625, 3.75, 0.0])
        let n = Tensor.vector("n", dtype: .int8, shape: [3])
        let doubled = try checked { einsum("i,->i", n, 2) }
        #expect(doubled.type == TensorType(dtype: .int64, shape: [3]))
        #expect(try doubled.eval(["n": P.ramp([3], seed: 1, dtype: .int8)]).asArray(Int64.self) == [-2, 12, 0])
    }

    // MARK: - tensordot, inner, vdot, cross

    /// (name, the product built on operands x0, x1, operand shapes and dtypes, numpy's shape, dtype
    /// and values).
    static let productCases: [(String, @Sendable ([Variable]) -> Variable, [[Int]], [DType], [Int], DType, [Double])] = [
        ("tensordot axes 2", { tensordot($0[0], $0[1]) }, [[2, 3, 4], [3, 4, 5]], [.float64, .float64], [2, 5], .float64, [0.75, -3.0625, -1.1875, -1.75, 3.375, -3.875, 3.5, 0.3125, 0.375, 0.4375]),
        ("tensordot axes 1", { tensordot($0[0], $0[1], axes: 1) }, [[2, 3], [3, 4]], [.float64, .float64], [2, 4], .float64, [2.0, 0.125, -2.5625, 0.4375, 0.4375, 0.125, -1.0, -0.5]),
        ("tensordot axes 0", { tensordot($0[0], $0[1], axes: 0) }, [[2], [3]], [.float64, .float64], [2, 3], .float64, [-0.25, 0.125, -0.3125, 1.5, -0.75, 1.875]),
        ("tensordot pairs", { tensordot($0[0], $0[1], axes: ([0, 2], [1, 0])) }, [[3, 2, 4], [4, 3, 5]], [.float64, .float64], [2, 5], .float64, [5.625, -3.125, 5.1875, -5.1875, -0.125, 2.1875, -2.5625, 0.8125, -5.5625, 5.125]),
        ("tensordot negative pairs", { tensordot($0[0], $0[1], axes: ([-1], [-1])) }, [[2, 3], [4, 3]], [.float64, .float64], [2, 4], .float64, [-1.0, 2.3125, 0.75, -1.625, -3.1875, 0.75, 3.875, -1.9375]),
        ("tensordot int", { tensordot($0[0], $0[1], axes: 1) }, [[2, 3], [3, 2]], [.int32, .int64], [2, 2], .int64, [26, -4, -49, 11]),
        ("inner matrices", { inner($0[0], $0[1]) }, [[2, 3], [4, 3]], [.float64, .float64], [2, 4], .float64, [-1.0, 2.3125, 0.75, -1.625, -3.1875, 0.75, 3.875, -1.9375]),
        ("inner vectors", { inner($0[0], $0[1]) }, [[3], [3]], [.float64, .float64], [], .float64, [-1.0]),
        ("inner scalar", { inner(2.5, $0[1]) }, [[], [2, 3]], [.float64, .float64], [2, 3], .float64, [2.5, -1.25, 3.125, -0.625, 3.75, 0.0]),
        ("vdot", { vdot($0[0], $0[1]) }, [[2, 3], [3, 2]], [.float64, .float64], [], .float64, [-0.25]),
        ("vdot int8", { vdot($0[0], $0[1]) }, [[2, 3], [6]], [.int8, .int8], [], .int8, [-4]),
        ("cross", { cross($0[0], $0[1]) }, [[3], [3]], [.float64, .float64], [3], .float64, [1.875, 0.3125, -1.375]),
        ("cross broadcast", { cross($0[0], $0[1]) }, [[3], [2, 3]], [.float64, .float64], [2, 3], .float64, [1.875, 0.3125, -1.375, 0.0, 0.0, 0.0]),
        ("cross axis 0", { cross($0[0], $0[1], axis: 0) }, [[3, 4], [3, 4]], [.float64, .float64], [3, 4], .float64, [-1.4375, -0.625, 1.0, -0.625, 0.4375, -0.375, 1.25, 1.25, -0.625, -0.625, -0.625, -0.625]),
        ("cross axis 0 broadcast", { cross($0[0], $0[1], axis: 0) }, [[3], [3, 5]], [.float64, .float64], [3, 5], .float64, [-1.5, 1.125, -1.125, 1.5, -0.75, -0.25, 0.1875, -0.1875, 0.25, -0.125, -1.5, 1.125, -1.9375, 0.6875, -2.375]),
        ("cross int", { cross($0[0], $0[1]) }, [[2, 3], [2, 3]], [.int8, .int32], [2, 3], .int32, [30, 5, -22, 30, 5, -35]),
    ]

    @Test func productsMatchNumpy() throws {
        for (name, build, shapes, dtypes, shape, dtype, values) in Self.productCases {
            let feed = P.feed(shapes, dtypes)
            let expected = NDArray(shape: shape, elements: values).converted(to: dtype)
            for staticShapes in [true, false] {
                let result = try checked { build(P.operands(shapes, dtypes, staticShapes: staticShapes)) }
                #expect(result.dtype == dtype, "\(name)")
                if staticShapes { #expect(result.type.shape == shape, "\(name): \(result.type)") }
                #expect(result.ndim == shape.count, "\(name): \(result.type)")
                let value = try result.eval(feed)
                #expect(arraysMatch(value, expected), "\(name) [\(staticShapes)]: \(value)")
                let shapes = try BasicOpsTesting.shapes(of: result, feed)
                #expect(shapes.inferred == shape && shapes.actual == shape, "\(name)")
            }
        }
    }

    /// tensordot is one Dot of matrices, as numpy computes it.
    @Test func tensordotIsOneMatrixProduct() throws {
        let a = Tensor.tensor3("a"), b = Tensor.tensor3("b")
        let text = rewriteGraph(try checked { tensordot(a, b) }, include: ["fast_run"]).dprint()
        #expect(text.components(separatedBy: "Dot [id").count == 2, "\(text)")
    }

    // MARK: - Bad inputs

    /// Each bad request throws inside `checked`, naming the function, its subscripts or axes,
    /// the problem and the operand types.
    @Test func badSubscriptsThrow() {
        let m = Tensor.matrix("m", shape: [2, 3]), n = Tensor.matrix("n", shape: [4, 5]), s = Tensor.matrix("s", shape: [3, 3])
        let v2 = Tensor.vector("v", shape: [2]), v3 = Tensor.vector("w", shape: [3])
        let cases: [(() -> Variable, [String])] = [
            ({ einsum("ijk", m) }, ["einsum(\"ijk\")", "operand 0 has 2 dimension(s)", "name 3", "Matrix(float64, shape=(2, 3))"]),
            ({ einsum("ij,jk", m) }, ["einsum(\"ij,jk\")", "name 2 operand(s) but 1 were given"]),
            ({ einsum("ij->k", m) }, ["output subscript 'k' is not a subscript of any operand"]),
            ({ einsum("ij->ii", m) }, ["output subscript 'i' appears more than once"]),
            ({ einsum("ij,jk->ik", m, n) }, ["einsum(\"ij,jk->ik\")", "index 'j' has length 3 in operand 0 and 4 in operand 1", "(2, 3)", "(4, 5)"]),
            ({ einsum("ii", m) }, ["repeated index 'i' of operand 0 has lengths 2 and 3"]),
            ({ einsum("ii->i", Tensor.matrix("r", shape: [1, 3])) }, ["repeated index 'i' of operand 0 has lengths 1 and 3"]),
            ({ einsum("i.j", m) }, ["a '.' that is not part of one ellipsis"]),
            ({ einsum("...i...", m) }, ["a '.' that is not part of one ellipsis"]),
            ({ einsum("1i", m) }, ["invalid subscript '1' in operand 0"]),
            ({ einsum("ij->i.", m) }, ["the output has a '.'"]),
            ({ einsum("i->i->i", v2) }, ["'->' appears more than once"]),
            ({ einsum("...i->i", m) }, ["operand 0 has 1 dimension(s) under '...' but the output has no '...'"]),
            ({ einsum("...ijk", m) }, ["fewer than the 3 letters of '...ijk'"]),
            ({ einsum("...,...", v2, v3) }, ["index '...' dimension 0 has length 2 in operand 0 and 3 in operand 1"]),
            ({ einsum("i,i", v2, v3) }, ["index 'i' has length 2 in operand 0 and 3 in operand 1"]),
            ({ einsum("i", []) }, ["einsum(\"i\"): needs at least one operand"]),
            ({ tensordot(m, n, axes: -1) }, ["tensordot(axes: -1)", "axes must be ≥ 0"]),
            ({ tensordot(m, n, axes: 3) }, ["cannot sum over 3 axes of operands of ranks 2 and 2"]),
            ({ tensordot(m, n) }, ["tensordot(axes: 2)", "axis 0 of the first operand has length 2, axis 0 of the second 4"]),
            ({ tensordot(m, s, axes: ([1], [0, 1])) }, ["axis lists have different lengths (1 and 2)"]),
            ({ tensordot(m, s, axes: ([1, 1], [0, 1])) }, ["repeated axis in [1, 1]"]),
            ({ tensordot(m, s, axes: ([5], [0])) }, ["tensordot(axes: ([5], [0]))", "axis 5 is out of bounds for a tensor of rank 2"]),
            ({ tensordot(m, Tensor.matrix("o", shape: [1, 4]), axes: 1) }, ["axis 1 of the first operand has length 3, axis 0 of the second 1"]),
            ({ inner(m, n) }, ["inner:", "axis 1 of the first operand has length 3, axis 1 of the second 5"]),
            ({ vdot(m, n) }, ["vdot:", "the operands have 6 and 20 elements"]),
            ({ cross(v2, v2) }, ["cross(axis: -1)", "2-vectors", "not supported"]),
            ({ cross(Tensor.vector("f", shape: [4]), v3) }, ["vectors of length 4 along axis -1; cross needs 3"]),
            ({ cross(Tensor.scalar("z"), v3) }, ["at least one dimension"]),
            ({ cross(v3, v3, axis: 1) }, ["cross(axis: 1)", "axis 1 is out of bounds for a tensor of rank 1"]),
            ({ cross(Tensor.vector("p", dtype: .bool, shape: [3]), v3) }, ["bool operands"]),
        ]
        for (build, fragments) in cases {
            let error = BasicOpsTesting.buildError(build)
            #expect(BasicOpsTesting.matches(error, .invalidGraph, fragments), "\(fragments): \(String(describing: error))")
        }
    }

    /// Lengths known only at run time are checked when the graph runs, including lengths whose
    /// products would agree after a reshape.
    @Test func runtimeLengthMismatchesThrow() throws {
        func fails(_ output: Variable, _ feed: [String: NDArray], _ fragment: String) {
            for mode in [CompileMode.fastRun, .unoptimized] {
                #expect(throws: CotangentError.self, "\(fragment) [\(mode)]") { try output.eval(feed, mode: mode) }
            }
            if let error = BasicOpsTesting.runtimeError(output, feed) {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        let a = Tensor.matrix("a"), b = Tensor.matrix("b")
        fails(try checked { einsum("ij,jk->ik", a, b) }, ["a": P.ramp([2, 3], seed: 1), "b": P.ramp([4, 5], seed: 2)], "Dot")
        fails(try checked { einsum("ii->i", a) }, ["a": P.ramp([2, 3], seed: 1)], "repeated index 'i' of operand 0 has different lengths")
        let column = Tensor.matrix("c", shape: [nil, 1])
        fails(try checked { einsum("ii->i", column) }, ["c": P.ramp([3, 1], seed: 1)], "repeated index 'i' of operand 0 has different lengths")
        #expect(try checked { einsum("ii->i", column) }.eval(["c": P.ramp([1, 1], seed: 1)]).asArray(Double.self) == [-0.25])
        let t = Tensor.tensor3("t"), u = Tensor.tensor3("u")
        fails(
            try checked { einsum("ijk,jkl->il", t, u) }, ["t": P.ramp([2, 2, 3], seed: 1), "u": P.ramp([3, 2, 4], seed: 2)],
            "Assert")
        fails(
            try checked { tensordot(t, u) }, ["t": P.ramp([2, 2, 3], seed: 1), "u": P.ramp([3, 2, 4], seed: 2)], "Assert")
        fails(
            try checked { einsum("bij,bjk->bik", t, u) }, ["t": P.ramp([2, 2, 3], seed: 1), "u": P.ramp([3, 3, 4], seed: 2)],
            "Blockwise")
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        fails(try checked { cross(x, y) }, ["x": P.ramp([4], seed: 1), "y": P.ramp([4], seed: 2)], "SpecifyShape")
        fails(try checked { vdot(a, x) }, ["a": P.ramp([2, 3], seed: 1), "x": P.ramp([5], seed: 2)], "Dot")
    }
}
