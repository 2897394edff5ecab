import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// An int64 index constant.
func indexConstant(_ values: [Int64], shape: [Int]? = nil) -> Variable {
    Variable(constant: NDArray(shape: shape ?? [values.count], elements: values))
}

/// A bool mask constant.
func maskConstant(_ values: [Bool], shape: [Int]? = nil) -> Variable {
    Variable(constant: NDArray(shape: shape ?? [values.count], elements: values))
}

/// A 0-d bool constant (numpy's `np.True_` / `np.False_` as an index).
func boolConstant(_ value: Bool) -> Variable {
    Variable(constant: NDArray(scalar: value))
}

/// One advanced-indexing expression on `arange(count).reshape(shape)` (x: `arange(5) * 1.5 - 2`),
/// with numpy's result.
struct AdvancedIndexCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shape: [Int]
    let index: @Sendable (Variable) -> Variable
    let expectedShape: [Int]
    let expected: [Double]
    /// The static shape the graph must know.
    let staticShape: [Int?]
    var testDescription: String { name }

    static func source(_ shape: [Int]) -> NDArray {
        let count = shape.reduce(1, *)
        if shape == [5] { return NDArray(shape: shape, elements: (0..<5).map { Double($0) * 1.5 - 2 }) }
        return NDArray(shape: shape, elements: (0..<count).map(Double.init))
    }

    static let all: [AdvancedIndexCase] = [
        .init(name: "x[[0, 2, 2, -1]]", shape: [5], index: { $0[indexConstant([0, 2, 2, -1])] },
              expectedShape: [4], expected: [-2, 1, 1, 4], staticShape: [4]),
        .init(name: "A[[2, 0]]", shape: [3, 4], index: { $0[indexConstant([2, 0])] },
              expectedShape: [2, 4], expected: [8, 9, 10, 11, 0, 1, 2, 3], staticShape: [2, 4]),
        .init(name: "A[[[0, 1], [2, 2]]]", shape: [3, 4], index: { $0[indexConstant([0, 1, 2, 2], shape: [2, 2])] },
              expectedShape: [2, 2, 4], expected: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11],
              staticShape: [2, 2, 4]),
        .init(name: "A[[0, 2], [1, 3]]", shape: [3, 4], index: { $0[indexConstant([0, 2]), indexConstant([1, 3])] },
              expectedShape: [2], expected: [1, 11], staticShape: [2]),
        .init(name: "A[[0, 2], 1:]", shape: [3, 4], index: { $0[indexConstant([0, 2]), 1...] },
              expectedShape: [2, 3], expected: [1, 2, 3, 9, 10, 11], staticShape: [2, 3]),
        .init(name: "A[:, [3, 0]]", shape: [3, 4], index: { $0[.all, indexConstant([3, 0])] },
              expectedShape: [3, 2], expected: [3, 0, 7, 4, 11, 8], staticShape: [3, 2]),
        .init(name: "A[1, [0, 3]] (an int is advanced)", shape: [3, 4], index: { $0[1, indexConstant([0, 3])] },
              expectedShape: [2], expected: [4, 7], staticShape: [2]),
        .init(name: "A[A > 5]", shape: [3, 4], index: { $0[$0 .> 5] },
              expectedShape: [6], expected: [6, 7, 8, 9, 10, 11], staticShape: [nil]),
        .init(name: "A[[True, False, True]]", shape: [3, 4], index: { $0[maskConstant([true, false, true])] },
              expectedShape: [2, 4], expected: [0, 1, 2, 3, 8, 9, 10, 11], staticShape: [nil, 4]),
        .init(name: "T[0, :, [1, 2]] (separated: index dims first)", shape: [2, 3, 4],
              index: { $0[0, .all, indexConstant([1, 2])] },
              expectedShape: [2, 3], expected: [1, 5, 9, 2, 6, 10], staticShape: [2, 3]),
        .init(name: "T[:, [0, 2], [1, 3]] (adjacent)", shape: [2, 3, 4],
              index: { $0[.all, indexConstant([0, 2]), indexConstant([1, 3])] },
              expectedShape: [2, 2], expected: [1, 11, 13, 23], staticShape: [2, 2]),
        .init(name: "T[[0, 1], :, [1, 3]]", shape: [2, 3, 4], index: { $0[indexConstant([0, 1]), .all, indexConstant([1, 3])] },
              expectedShape: [2, 3], expected: [1, 5, 9, 15, 19, 23], staticShape: [2, 3]),
        .init(name: "T[None, [1], 0]", shape: [2, 3, 4], index: { $0[.newAxis, indexConstant([1]), 0] },
              expectedShape: [1, 1, 4], expected: [12, 13, 14, 15], staticShape: [1, 1, 4]),
        .init(name: "T[[1, 0], ..., None]", shape: [2, 3, 4], index: { $0[indexConstant([1, 0]), .ellipsis, .newAxis] },
              expectedShape: [2, 3, 4, 1], expected: (12..<24).map(Double.init) + (0..<12).map(Double.init),
              staticShape: [2, 3, 4, 1]),
        .init(name: "T[[[0], [1]], [0, 2]] (broadcast)", shape: [2, 3, 4],
              index: { $0[indexConstant([0, 1], shape: [2, 1]), indexConstant([0, 2])] },
              expectedShape: [2, 2, 4], expected: [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23],
              staticShape: [2, 2, 4]),
        .init(name: "T[:, mask (3, 4)]", shape: [2, 3, 4],
              index: {
                  $0[.all, maskConstant([true, false, false, true, false, false, false, false, true, true, false, false], shape: [3, 4])]
              },
              expectedShape: [2, 4], expected: [0, 3, 8, 9, 12, 15, 20, 21], staticShape: [2, nil]),
        .init(name: "T[1, ::-1, [0, 0, 3]]", shape: [2, 3, 4], index: { $0[1, .stride(by: -1), indexConstant([0, 0, 3])] },
              expectedShape: [3, 3], expected: [20, 16, 12, 20, 16, 12, 23, 19, 15], staticShape: [3, 3]),
        .init(name: "A[[]] (empty index)", shape: [3, 4], index: { $0[indexConstant([])] },
              expectedShape: [0, 4], expected: [], staticShape: [0, 4]),
        .init(name: "x[x > 100] (all-false mask)", shape: [5], index: { $0[$0 .> 100] },
              expectedShape: [0], expected: [], staticShape: [nil]),
        .init(name: "A[[0, 2], i] (0-d tensor)", shape: [3, 4],
              index: { $0[indexConstant([0, 2]), Variable(constant: NDArray(scalar: Int64(-1)))] },
              expectedShape: [2], expected: [3, 11], staticShape: [2]),
        .init(name: "T[True] (0-d bool: a new axis of length 1)", shape: [2, 3, 4], index: { $0[boolConstant(true)] },
              expectedShape: [1, 2, 3, 4], expected: (0..<24).map(Double.init), staticShape: [nil, 2, 3, 4]),
        .init(name: "T[False] (0-d bool: a new axis of length 0)", shape: [2, 3, 4], index: { $0[boolConstant(false)] },
              expectedShape: [0, 2, 3, 4], expected: [], staticShape: [nil, 2, 3, 4]),
        .init(name: "x[True]", shape: [5], index: { $0[boolConstant(true)] },
              expectedShape: [1, 5], expected: [-2, -0.5, 1, 2.5, 4], staticShape: [nil, 5]),
        .init(name: "A[True, [0, 2]] (broadcast with an array)", shape: [3, 4],
              index: { $0[boolConstant(true), indexConstant([0, 2])] },
              expectedShape: [2, 4], expected: [0, 1, 2, 3, 8, 9, 10, 11], staticShape: [2, 4]),
        .init(name: "A[[0, 2], True]", shape: [3, 4], index: { $0[indexConstant([0, 2]), boolConstant(true)] },
              expectedShape: [2, 4], expected: [0, 1, 2, 3, 8, 9, 10, 11], staticShape: [2, 4]),
        .init(name: "A[:, True, 1]", shape: [3, 4], index: { $0[.all, boolConstant(true), 1] },
              expectedShape: [3, 1], expected: [1, 5, 9], staticShape: [3, nil]),
    ]
}

@Suite("Advanced indexing")
struct AdvancedIndexingTests {
    @Test(arguments: AdvancedIndexCase.all)
    func valuesMatchNumpy(_ spec: AdvancedIndexCase) throws {
        let source = AdvancedIndexCase.source(spec.shape)
        let x = Variable(type: TensorType(dtype: .float64, shape: spec.shape.map { $0 }), name: "x")
        let y = try checked { spec.index(x) }
        #expect(y.type.shape == spec.staticShape)
        let value = try y.eval(["x": source])
        #expect(value.shape == spec.expectedShape)
        #expect(value.asArray(Double.self) == spec.expected)
        // inferShape, with the input's lengths unknown.
        let unknown = Variable(type: TensorType(dtype: .float64, shape: spec.shape.map { _ in nil }), name: "x")
        let shapes = try BasicOpsTesting.shapes(of: try checked { spec.index(unknown) }, ["x": source])
        #expect(shapes.inferred == spec.expectedShape)
        #expect(shapes.actual == spec.expectedShape)
    }

    @Test func printedNames() throws {
        let x = Tensor.vector("x")
        let A = Tensor.matrix("A")
        let i = Tensor.vector("i", dtype: .int64)
        #expect(x[i].owner?.op.description == "AdvancedSubtensor1")
        #expect(A[i, 1...].owner?.op.description == "AdvancedSubtensor{idx_list=(0, slice(1, None, None))}")
        #expect(A[.all, i].owner?.op.description == "AdvancedSubtensor{idx_list=(slice(None, None, None), 0)}")
        #expect(x[x .> 0].owner?.op.description == "AdvancedSubtensor{idx_list=(0,)}")
        #expect(x.incremented(at: i, by: x).owner?.op.description == "AdvancedIncSubtensor1{no_inplace,inc}")
        #expect(x.setting(at: i, to: x).owner?.op.description == "AdvancedIncSubtensor1{no_inplace,set}")
        #expect(A.incremented(at: [i, ..<2], by: x).owner?.op.description == "AdvancedIncSubtensor")
        #expect(A.setting(at: [.all, i], to: x).owner?.op.description == "AdvancedSetSubtensor")
    }

    @Test func incrementAccumulatesDuplicatesAndSetKeepsTheLast() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let zeros = NDArray.zeros([5])
        // numpy: np.add.at(z, [0, 2, 2, -1], [1, 2, 3, 4]); z[[0, 2, 2]] = [1, 2, 3]
        let added = try x.incremented(at: indexConstant([0, 2, 2, -1]), by: v).eval(["x": zeros, "v": [1.0, 2, 3, 4]])
        #expect(added.asArray(Double.self) == [1, 0, 5, 0, 4])
        let set = try x.setting(at: indexConstant([0, 2, 2]), to: v).eval(["x": zeros, "v": [1.0, 2, 3]])
        #expect(set.asArray(Double.self) == [1, 0, 3, 0, 0])
    }

    /// As for basic increments, a value dim that is 1 only at run time does not broadcast.
    @Test func onlyStaticOnesBroadcastIntoAdvancedRegions() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let error = try #require(cotangentError {
            _ = try x.incremented(at: indexConstant([0, 2]), by: v).eval(["x": NDArray.zeros([3]), "v": [1.0]])
        })
        #expect(error.kind == .shapeMismatch)
        #expect(error.message.contains("AdvancedIncSubtensor1{no_inplace,inc}: the value of shape (1,)"))
        let one = Tensor.vector("one", shape: [1])
        let added = try x.incremented(at: indexConstant([0, 2]), by: one).eval(["x": NDArray.zeros([3]), "one": [1.0]])
        #expect(added.asArray(Double.self) == [1, 0, 1])
    }

    @Test func multiDimensionalUpdatesMatchNumpy() throws {
        let A = Tensor.matrix("A")
        let T = Tensor.tensor3("T")
        let source = AdvancedIndexCase.source([3, 4])
        // np.add.at(B, ([0, 2, 0], [1, 3, 1]), 10.)
        let pairs = try A.incremented(at: [indexConstant([0, 2, 0]), indexConstant([1, 3, 1])], by: Variable(constant: 10.0))
            .eval(["A": source])
        #expect(pairs.asArray(Double.self) == [0, 21, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21])
        // np.add.at(B, (slice(None), [0, 0]), [[1], [2], [3]])
        let column = try A.incremented(at: [.all, indexConstant([0, 0])], by: Variable(constant: NDArray(shape: [3, 1], elements: [1.0, 2, 3])))
            .eval(["A": source])
        #expect(column.asArray(Double.self) == [2, 1, 2, 3, 8, 5, 6, 7, 14, 9, 10, 11])
        // np.add.at(U, (0, slice(None), [1, 2]), arange(6).reshape(2, 3)): index dims first.
        let separated = try T.incremented(at: [0, .all, indexConstant([1, 2])],
                                          by: Variable(constant: NDArray(shape: [2, 3], elements: (0..<6).map(Double.init))))
            .eval(["T": AdvancedIndexCase.source([2, 3, 4])])
        #expect(separated.asArray(Double.self) == [0, 1, 5, 3, 4, 6, 10, 7, 8, 11, 15, 11] + (12..<24).map(Double.init))
        // B[[True, False, True]] = -1
        let masked = try A.setting(at: maskConstant([true, false, true]), to: Variable(constant: -1.0)).eval(["A": source])
        #expect(masked.asArray(Double.self) == [-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1])
    }

    /// Updates with new axes and 0-d booleans in the subscript: the region of the expanded
    /// tensor is written (numpy's `x[None, idx] = y`, `x[True] = y`).
    @Test func updatesWithNewAxesAndZeroDBooleansMatchNumpy() throws {
        let A = Tensor.matrix("A")
        let feed = ["A": AdvancedIndexCase.source([3, 4])]
        let rows: [Double] = [0, 1, 2, 3]
        let middle: [Double] = [4, 5, 6, 7]
        let last: [Double] = [8, 9, 10, 11]
        let cases: [(String, Variable, [Double])] = [
            // B[None, [2, 0]] = [[-1], [-2]]
            ("B[None, [2, 0]] = [[-1], [-2]]",
             A.setting(at: [.newAxis, indexConstant([2, 0])], to: Variable(constant: NDArray(shape: [2, 1], elements: [-1.0, -2]))),
             [-2, -2, -2, -2] + middle + [-1, -1, -1, -1]),
            // B[[0, 2], None] = 7
            ("B[[0, 2], None] = 7", A.setting(at: [indexConstant([0, 2]), .newAxis], to: Variable(constant: 7.0)),
             [7, 7, 7, 7] + middle + [7, 7, 7, 7]),
            // np.add.at(B, ([1, 1], None), [10., 20, 30, 40]): the repeated row accumulates
            ("add.at(B, ([1, 1], None), …)",
             A.incremented(at: [indexConstant([1, 1]), .newAxis], by: Variable(constant: NDArray([10.0, 20, 30, 40]))),
             rows + [24, 45, 66, 87] + last),
            // B[True] = -1; B[False] = -1
            ("B[True] = -1", A.setting(at: [boolConstant(true)], to: Variable(constant: -1.0)), Array(repeating: -1, count: 12)),
            ("B[False] = -1", A.setting(at: [boolConstant(false)], to: Variable(constant: -1.0)), rows + middle + last),
            // B[True, [0, 2]] = [5., 6, 7, 8]
            ("B[True, [0, 2]] = [5, 6, 7, 8]",
             A.setting(at: [boolConstant(true), indexConstant([0, 2])], to: Variable(constant: NDArray([5.0, 6, 7, 8]))),
             [5, 6, 7, 8] + middle + [5, 6, 7, 8]),
            // Empty index arrays and an all-false mask write nothing.
            ("B[[]] = 5", A.setting(at: [indexConstant([])], to: Variable(constant: 5.0)), rows + middle + last),
            ("np.add.at(B, (slice(None), []), 5)", A.incremented(at: [.all, indexConstant([])], by: Variable(constant: 5.0)),
             rows + middle + last),
            ("B[B > 100] = -1", A.setting(at: [A .> 100], to: Variable(constant: -1.0)), rows + middle + last),
        ]
        for (label, update, expected) in cases {
            #expect(update.type == A.type, "\(label)")
            let value = try update.eval(feed)
            #expect(value.shape == [3, 4] && value.asArray(Double.self) == expected, "\(label): \(value)")
        }
        // A false 0-d boolean is an index of length 0, which does not broadcast with [0, 2].
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(A[boolConstant(false), indexConstant([0, 2])], feed), .shapeMismatch,
            ["could not be broadcast together with shapes (0,) (2,)"]))
    }

    @Test func integerTensorsAndSymbolicIndices() throws {
        let x = Tensor.vector("x", dtype: .int32)
        let i = Tensor.vector("i", dtype: .int32)
        let y = try checked { x[i] }
        #expect(y.dtype == .int32 && y.type.shape == [nil])
        let value = try y.eval(["x": NDArray([Int32(5), 6, 7]), "i": NDArray([Int32(2), -3, 2])])
        #expect(value.asArray(Int32.self) == [7, 5, 7])
        let counts = try checked { zeros(shape: [4], dtype: .int64).incremented(at: Tensor.vector("j", dtype: .int64), by: ones(shape: [1], dtype: .int64)) }
        #expect(try counts.eval(["j": NDArray([Int64(3), 1, 3, 3])]).asArray(Int64.self) == [0, 1, 0, 3])
    }

    @Test func outOfRangeIndexNamesOpAxisIndexAndLength() {
        let A = Tensor.matrix("A")
        let i = Tensor.vector("i", dtype: .int64)
        let error = BasicOpsTesting.runtimeError(A[i], ["A": NDArray.zeros([3, 4]), "i": NDArray([Int64(0), 3])])
        #expect(BasicOpsTesting.matches(error, .invalidValue, ["AdvancedSubtensor1", "index 3 is out of bounds for axis 0 with size 3"]))
        let negative = BasicOpsTesting.runtimeError(A[.all, i], ["A": NDArray.zeros([3, 4]), "i": NDArray([Int64(-5)])])
        #expect(BasicOpsTesting.matches(negative, .invalidValue, ["AdvancedSubtensor", "index -5 is out of bounds for axis 1 with size 4"]))
        let update = BasicOpsTesting.runtimeError(
            A.incremented(at: i, by: Variable(constant: 1.0)), ["A": NDArray.zeros([3, 4]), "i": NDArray([Int64(7)])])
        #expect(BasicOpsTesting.matches(update, .invalidValue, ["AdvancedIncSubtensor1", "index 7 is out of bounds for axis 0 with size 3"]))
        let increment = BasicOpsTesting.runtimeError(
            A.incremented(at: [.all, i], by: Variable(constant: 1.0)), ["A": NDArray.zeros([3, 4]), "i": NDArray([Int64(1), 4])])
        #expect(BasicOpsTesting.matches(increment, .invalidValue, [
            "AdvancedIncSubtensor", "index 4 is out of bounds for axis 1 with size 4", "input shape (3, 4), dtype float64",
        ]))
        let set = BasicOpsTesting.runtimeError(
            A.setting(at: [i, indexConstant([0])], to: Variable(constant: 1.0)), ["A": NDArray.zeros([3, 4]), "i": NDArray([Int64(-4)])])
        #expect(BasicOpsTesting.matches(set, .invalidValue, ["AdvancedSetSubtensor", "index -4 is out of bounds for axis 0 with size 3"]))
    }

    @Test func badIndicesAreTypedErrors() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let mask = Tensor.vector("m", dtype: .bool)
        let j = Tensor.vector("j", dtype: .int64)
        // A float index array.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { A[Tensor.vector("f")] }, .invalidGraph, ["neither an integer nor a boolean"]))
        // A 0-d boolean given to the op itself (the subscript rewrites it as a new axis and a mask).
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { build(AdvancedSubtensor(idxList: [.array]), [A, boolConstant(true)]) }, .unsupported,
            ["AdvancedSubtensor{idx_list=(0,)}: a 0-d boolean index input is not supported", "Scalar(bool"]))
        // Too many indices.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { A[j, j, j] }, .invalidGraph, ["too many indices", "but 3 were indexed"]))
        // A mask of the wrong static length.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { A[maskConstant([true, false])] }, .invalidGraph,
            ["boolean index did not match indexed array along axis 0; size of axis is 3 but size of corresponding boolean axis is 2"]))
        // ... and at run time.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(A[mask], ["A": NDArray.zeros([3, 4]), "m": NDArray([true, false])]), .invalidValue,
            ["size of axis is 3 but size of corresponding boolean axis is 2"]))
        // Index arrays that do not broadcast, statically and at run time.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { A[indexConstant([0, 1]), indexConstant([0, 1, 2])] }, .invalidGraph,
            ["shape mismatch: indexing arrays could not be broadcast together with shapes (2,) (3,)"]))
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(A[j, indexConstant([0, 1, 2])], ["A": NDArray.zeros([3, 4]), "j": NDArray([Int64(0), 1])]),
            .shapeMismatch, ["could not be broadcast together with shapes (2,) (3,)"]))
        // A value that cannot broadcast to the region.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { A.incremented(at: indexConstant([0, 1]), by: Tensor.vector("v", shape: [3])) },
            .invalidGraph, ["cannot broadcast to the region"]))
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(A.incremented(at: j, by: Tensor.vector("v")),
                                         ["A": NDArray.zeros([3, 4]), "j": NDArray([Int64(0)]), "v": [1.0, 2.0]]),
            .shapeMismatch, ["cannot broadcast a value of shape (2,)"]))
    }
}
