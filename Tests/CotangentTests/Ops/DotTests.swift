import Foundation
import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// Expected values come from numpy 2.4's `np.matmul` (`Fixtures/dots.json`): vector·vector,
// matrix·vector, vector·matrix, matrix·matrix, outer products of (3, 1)·(1, 3) and empty
// operands, for dtype pairs float64/float64, float32/float32, int64/int64, int32/int8,
// bool/bool, int32/float32, float32/int8, bool/float64 and uint8/int8.

private struct DotFixture: Decodable {
    struct Case: Decodable {
        let a: String
        let b: String
        let result: NumpyFixtureArray
    }

    let inputs: [String: NumpyFixtureArray]
    let cases: [Case]
}

@Suite("Dot and matmul")
struct DotTests {
    @Test(arguments: LayoutVariant.allCases)
    func valuesMatchNumpy(layout: LayoutVariant) throws {
        let fixture = try Bundle.decodeFixture("dots", as: DotFixture.self)
        #expect(fixture.cases.count == 99)
        for testCase in fixture.cases {
            let a = layout.apply(try #require(fixture.inputs[testCase.a]).array)
            let b = layout.apply(try #require(fixture.inputs[testCase.b]).array)
            let x = Tensor.tensor("a", dtype: a.dtype, shape: a.shape.map { _ in nil })
            let y = Tensor.tensor("b", dtype: b.dtype, shape: b.shape.map { _ in nil })
            let expected = testCase.result.array
            for (name, product) in [("dot", dot(x, y)), ("matmul", matmul(x, y))] {
                #expect(product.owner?.op.description == "Dot")
                #expect(product.dtype == expected.dtype)
                let result = try product.eval([x: a, y: b])
                #expect(
                    arraysMatch(result, expected),
                    "\(name)(\(testCase.a), \(testCase.b)) [\(layout)]: got \(result), numpy \(expected)")
            }
        }
    }

    @Test func largerProductsWithEveryOperandLayout() throws {
        // A[i, j] = (n * 37 % 101) * 0.01 - 0.5 (64×50), B = (n * 53 % 97) * 0.02 - 1 (50×70),
        // n the row-major index; numpy: (A @ B).sum(), corners, one inner entry, A @ B[:, 5]
        // and A[3] @ B summed.
        let aValues = (0..<3200).map { Double($0 * 37 % 101) * 0.01 - 0.5 }
        let bValues = (0..<3500).map { Double($0 * 53 % 97) * 0.02 - 1.0 }
        let aArray = NDArray(shape: [64, 50], elements: aValues)
        let bArray = NDArray(shape: [50, 70], elements: bValues)
        let a = Tensor.matrix("A"), b = Tensor.matrix("B")
        let product = dot(a, b)
        for layout in LayoutVariant.allCases {
            let c = try product.eval([a: layout.apply(aArray), b: layout.apply(bArray)])
            #expect(c.shape == [64, 70])
            let values = c.asArray(Double.self)
            #expect(Swift.abs(values.reduce(0, +) - 1.2299999999999203) < 1e-11, "\(layout)")
            #expect(Swift.abs(values[0] - 0.8789999999999999) < 1e-13)
            #expect(Swift.abs(values[63 * 70 + 69] - -0.034599999999999846) < 1e-13)
            #expect(Swift.abs(values[10 * 70 + 20] - 0.27040000000000036) < 1e-13)
        }
        // Matrix·vector on a column of B, plain and with A transposed in memory (column walk).
        let v = Tensor.vector("v")
        let column = bArray.indexed(axis: 1, at: 5)
        for layout in LayoutVariant.allCases {
            let mv = try dot(a, v).eval([a: layout.apply(aArray), v: column]).asArray(Double.self)
            #expect(mv.count == 64 && Swift.abs(mv.reduce(0, +) - -0.8523999999999976) < 1e-12, "\(layout)")
            let vm = try dot(v, b).eval([v: aArray.indexed(axis: 0, at: 3), b: layout.apply(bArray)])
            #expect(Swift.abs(vm.asArray(Double.self).reduce(0, +) - -1.1402000000000005) < 1e-12, "\(layout)")
        }
    }

    @Test func integerProductsWrapLikeNumpy() throws {
        let x = Tensor.vector("x", dtype: .int8), y = Tensor.vector("y", dtype: .int8)
        // numpy: int8 [100, 100] @ [2, 1] = 300 wrapped to 44.
        let result = try dot(x, y).eval([x: NDArray([Int8(100), 100]), y: NDArray([Int8(2), 1])])
        #expect(result.dtype == .int8 && result.item(Int64.self) == 44)
        let big = Tensor.vector("big", dtype: .int64)
        let exact = try dot(big, big).eval([big: NDArray([Int64(3_000_000_000), 1])])
        #expect(exact.item(Int64.self) == 9_000_000_000_000_000_001)
    }

    /// numpy's `outer`: the product of every pair; operands that are not vectors flattened.
    @Test func outerMatchesNumpy() throws {
        let u = Tensor.vector("u", dtype: .int64, shape: [3]), v = Tensor.vector("v", dtype: .int64)
        let product = outer(u, v)
        #expect(product.type == TensorType(dtype: .int64, shape: [3, nil]))
        let feed: [String: NDArray] = ["u": NDArray([Int64(1), 2, 3]), "v": NDArray([Int64(-1), 4])]
        // np.outer([1, 2, 3], [-1, 4])
        let value = try product.eval(feed)
        #expect(value.dtype == .int64 && value.shape == [3, 2])
        #expect(value.asArray(Int64.self) == [-1, 4, -2, 8, -3, 12])
        let shapes = try BasicOpsTesting.shapes(of: product, feed)
        #expect(shapes.inferred == shapes.actual)
        // np.outer([[1., 2.], [3., 4.]], [1., -1.]): the matrix flattened first.
        let m = Tensor.matrix("m"), w = Tensor.vector("w", shape: [2])
        let flattened = outer(m, w)
        #expect(flattened.type.shape == [nil, 2])
        let matrixFeed: [String: NDArray] = ["m": [[1.0, 2], [3, 4]], "w": [1.0, -1]]
        #expect(try flattened.eval(matrixFeed).asArray(Double.self) == [1, -1, 2, -2, 3, -3, 4, -4])
        #expect(try BasicOpsTesting.shapes(of: flattened, matrixFeed).inferred == [4, 2])
    }

    @Test func staticShapesAndDTypes() {
        let m = Tensor.matrix("m", shape: [2, nil]), n = Tensor.matrix("n", shape: [nil, 5])
        let v = Tensor.vector("v", shape: [3])
        #expect(dot(m, n).type == TensorType(dtype: .float64, shape: [2, 5]))
        #expect(dot(v, v).type.shape == [])
        #expect(dot(Tensor.matrix("k", shape: [4, 3]), v).type.shape == [4])
        #expect(dot(v, Tensor.matrix("r", shape: [3, 7])).type.shape == [7])
        #expect(dot(m, Tensor.vector("w")).type.shape == [2])
        let i32 = Tensor.matrix("i", dtype: .int32), i8 = Tensor.matrix("j", dtype: .int8)
        let f32 = Tensor.matrix("f", dtype: .float32), b = Tensor.matrix("b", dtype: .bool)
        #expect(dot(i32, i8).dtype == .int32)
        #expect(dot(i32, f32).dtype == .float64)
        #expect(dot(f32, i8).dtype == .float32)
        #expect(dot(b, b).dtype == .bool)
        #expect(matmul(f32, f32).dtype == .float32)
        // A 0-d operand makes dot an elementwise product (PyTensor's dense_dot).
        let s = Tensor.scalar("s")
        #expect(dot(s, m).owner?.op.description == "Mul")
    }

    @Test func inferShapeAgreesWithRealShapes() throws {
        let m = Tensor.matrix("m"), n = Tensor.matrix("n"), v = Tensor.vector("v"), w = Tensor.vector("w")
        let values: [Variable: NDArray] = [
            m: NDArray.zeros([2, 3]), n: NDArray.zeros([3, 4]), v: NDArray.zeros([3]), w: NDArray.zeros([2]),
        ]
        for product in [dot(m, n), dot(m, v), dot(w, m), dot(v, v), dot(n.T, m.T)] {
            let real = try product.eval(values).shape
            let inferred = try product.symbolicShape.map { Int(try $0.eval(values).item(Int64.self)) }
            #expect(inferred == real)
        }
        let dims = dot(m, n).symbolicShape
        // The rows, with the shared dimension's check on them (the kernel would check it).
        let rows = dims[0].owner?.op is Assert ? dims[0].owner!.inputs[0] : dims[0]
        #expect(rows.owner?.op.description == "Shape_i{0}" && rows.owner?.inputs[0] === m)
        #expect(dims[1].owner?.op.description == "Shape_i{1}" && dims[1].owner?.inputs[0] === n)
    }

    @Test func staticInnerDimensionMismatchIsAConstructionError() {
        let m = Tensor.matrix("m", shape: [2, 3]), v = Tensor.vector("v", shape: [4])
        for build in [{ dot(m, v) }, { matmul(m, v) }] {
            #expect {
                _ = try checked(build)
            } throws: { error in
                guard let error = error as? CotangentError else { return false }
                return error.kind == .invalidGraph && error.message.contains("Dot")
                    && error.message.contains("(2, 3)") && error.message.contains("(4,)")
                    && error.message.contains("Matrix(float64, shape=(2, 3))")
            }
        }
        // One known and one unknown length: accepted, checked at run time.
        #expect(throws: Never.self) { try checked { dot(m, Tensor.vector("u")) } }
    }

    @Test func runtimeInnerDimensionMismatchThrows() {
        let m = Tensor.matrix("m"), n = Tensor.matrix("n", dtype: .int32)
        #expect {
            try dot(m, n).eval([m: NDArray.zeros([2, 3]), n: NDArray.zeros([4, 5], dtype: .int32)])
        } throws: { error in
            guard let error = error as? CotangentError else { return false }
            return error.kind == .shapeMismatch && error.message.contains("Dot")
                && error.message.contains("(2, 3)") && error.message.contains("(4, 5)")
                && error.message.contains("int32")
        }
    }

    @Test func dotOfHigherRankOperandsIsNumpysTensordot() throws {
        let a = NDArray(shape: [2, 3, 4], elements: (0..<24).map { Double($0) / 10 })
        let b = NDArray(shape: [4, 5], elements: (0..<20).map { Double($0) / 7 - 1 })
        let (ta, tb) = (Tensor.tensor3("a"), Tensor.matrix("b"))
        let ab = dot(ta, tb)
        #expect(ab.type.shape.count == 3)
        let value = try ab.eval([ta: a, tb: b])
        #expect(value.shape == [2, 3, 5])
        expectClose(
            value.asArray(Double.self),
            [0.39999999999999997, 0.48571428571428565, 0.5714285714285714, 0.6571428571428573, 0.7428571428571429,
             0.5142857142857142, 0.8285714285714282, 1.1428571428571426, 1.4571428571428573, 1.7714285714285714,
             0.6285714285714286, 1.1714285714285713, 1.714285714285714, 2.2571428571428576, 2.8000000000000003,
             0.7428571428571428, 1.5142857142857138, 2.285714285714285, 3.0571428571428574, 3.8285714285714287,
             0.8571428571428569, 1.8571428571428565, 2.8571428571428568, 3.857142857142857, 4.857142857142858,
             0.9714285714285711, 2.199999999999999, 3.428571428571428, 4.6571428571428575, 5.885714285714286],
            inputs: (0..<30).map { "\($0)" }, relative: 1e-14, "dot(3-d, 2-d)")
        // A matrix on the left: the sum runs over the 3-tensor's second-to-last axis.
        let (m, t) = (Tensor.matrix("m"), Tensor.tensor3("t"))
        let mt = try dot(m, t).eval([
            m: NDArray(shape: [2, 3], elements: (0..<6).map(Double.init)),
            t: NDArray(shape: [2, 3, 4], elements: (0..<24).map { Double($0) * 0.5 }),
        ])
        #expect(mt.shape == [2, 2, 4])
        #expect(mt.asArray(Double.self) == [10, 11.5, 13, 14.5, 28, 29.5, 31, 32.5, 28, 34, 40, 46, 100, 106, 112, 118])
        try verifyGrad({ dot($0[0], $0[1]) }, at: [a, b])
    }

    @Test func unsupportedOperandsReportErrors() {
        let t = Tensor.tensor3("t"), m = Tensor.matrix("m"), s = Tensor.scalar("s")
        // matmul of stacks is a Blockwise Dot (Autodiff/DotGradTests); dot of a 3-tensor is
        // tensordot, whose lengths must match.
        #expect(throws: Never.self) { _ = try checked { matmul(t, m) } }
        #expect(throws: CotangentError.self) {
            _ = try checked { dot(Tensor.tensor3("u", shape: [2, 3, 4]), Tensor.matrix("w", shape: [5, 6])) }
        }
        #expect {
            _ = try checked { matmul(s, m) }
        } throws: { error in
            guard let error = error as? CotangentError else { return false }
            return error.kind == .invalidGraph && error.message.contains("scalar")
        }
        #expect(throws: CotangentError.self) { try Dot().outputTypes(for: [t, m]) }
        #expect(throws: CotangentError.self) { try Dot().outputTypes(for: [m]) }
    }
}
