import Foundation
import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// Expected values come from numpy 2.4 (`Fixtures/reductions.json`: inputs of shapes (5,), (3, 4)
// and (2, 3, 4) in float64, float32, int64, int32 and bool, and every reduction of them over
// axes None, 0, 1, -1 and [0, 2]; multi-axis argmax is numpy's argmax of the reduced axes
// moved last and flattened, argmin is argmax of -x / ~x checked against np.argmin).

/// The fixture file.
private struct ReductionFixture: Decodable {
    let inputs: [String: NumpyFixtureArray]
    let cases: [ReductionCase]

    static func load() throws -> ReductionFixture {
        try Bundle.decodeFixture("reductions", as: ReductionFixture.self)
    }
}

private struct ReductionCase: Decodable, CustomStringConvertible {
    let kind: String
    let input: String
    let axes: [Int]?
    let dtype: String
    let shape: [Int]
    let values: [NumpyFixtureValue]

    var expected: NumpyFixtureArray { NumpyFixtureArray(dtype: dtype, shape: shape, values: values) }
    var description: String { "\(kind) of \(input) over \(axes.map { "\($0)" } ?? "None")" }
}

/// Applies a reduction by its fixture name, using the `axis:` API for one axis and `axes:` for several.
private func reduction(_ kind: String, _ x: Variable, axes: [Int]?) -> Variable {
    let axis = axes?.count == 1 ? axes![0] : nil
    let useAxes = (axes?.count ?? 1) > 1
    switch kind {
    case "sum": return useAxes ? x.sum(axes: axes!) : x.sum(axis: axis)
    case "prod": return useAxes ? x.prod(axes: axes!) : x.prod(axis: axis)
    case "max": return useAxes ? x.max(axes: axes!) : x.max(axis: axis)
    case "min": return useAxes ? x.min(axes: axes!) : x.min(axis: axis)
    case "all": return useAxes ? x.all(axes: axes!) : x.all(axis: axis)
    case "any": return useAxes ? x.any(axes: axes!) : x.any(axis: axis)
    case "mean": return useAxes ? x.mean(axes: axes!) : x.mean(axis: axis)
    case "argmax": return useAxes ? x.argmax(axes: axes!) : x.argmax(axis: axis)
    case "argmin": return useAxes ? x.argmin(axes: axes!) : x.argmin(axis: axis)
    default: fatalError("unknown reduction \(kind)")
    }
}

@Suite("Reductions")
struct ReduceTests {
    // MARK: Values against numpy

    @Test(arguments: LayoutVariant.allCases)
    func valuesMatchNumpy(layout: LayoutVariant) throws {
        let fixture = try ReductionFixture.load()
        #expect(fixture.cases.count == 540)
        for testCase in fixture.cases {
            let input = try #require(fixture.inputs[testCase.input])
            let value = layout.apply(input.array)
            if layout != .contiguous && value.ndim >= 2 { #expect(!value.isContiguous) }
            let x = Tensor.tensor("x", dtype: value.dtype, shape: value.shape.map { _ in nil })
            let y = reduction(testCase.kind, x, axes: testCase.axes)
            let result = try y.eval(["x": value])
            let expected = testCase.expected.array
            #expect(
                arraysMatch(result, expected),
                "\(testCase) [\(layout)]: got \(result) (\(result.dtype)), numpy \(expected) (\(expected.dtype))")
        }
    }

    @Test func floatSumOfAMillionValuesIsWithin1e12OfNumpy() throws {
        // x[i] = ((i * 7919 % 10007) * 0.001 - 5) * 1e8 + 0.1: exact IEEE steps in both numpy and
        // Swift, large terms of both signs. numpy's pairwise sum is 300720900000.0134, the exact
        // sum (math.fsum) 300720900000.01965; a naive loop gives 300720900001.838 (6e-12 off).
        let count = 1_000_000
        let values: [Double] = (0..<count).map { (i: Int) -> Double in
            let k = Double(i * 7919 % 10007)
            return (k * 0.001 - 5.0) * 1e8 + 0.1
        }
        let x = Tensor.vector("x")
        let total = try x.sum().eval(["x": NDArray(values)]).item(Double.self)
        let numpy = 300720900000.0134
        #expect(Swift.abs(total - numpy) <= 1e-12 * Swift.abs(numpy))

        // Reversed (stride -1) and as the rows of a matrix summed over axis 1 then 0.
        let reversed = NDArray(values).sliced(axis: 0, start: count - 1, step: -1, count: count)
        let reversedTotal = try x.sum().eval(["x": reversed]).item(Double.self)
        #expect(Swift.abs(reversedTotal - numpy) <= 1e-12 * Swift.abs(numpy))
        let m = Tensor.matrix("m")
        let byRows = try m.sum(axis: 1).sum().eval(["m": NDArray(shape: [1000, 1000], elements: values)])
        #expect(Swift.abs(byRows.item(Double.self) - numpy) <= 1e-12 * Swift.abs(numpy))
    }

    @Test func float32SumAccumulatesInDouble() throws {
        // 1e6 copies of float32(0.1): numpy's float32 pairwise sum gives 100000.01; accumulating in
        // double gives 100000.00149011612, rounded once to float32: 100000.0.
        let x = Tensor.vector("x", dtype: .float32)
        let total = try x.sum().eval(["x": NDArray(shape: [1_000_000], filledWith: Float(0.1))])
        #expect(total.dtype == .float32)
        #expect(total.item(Float.self) == 100000.0)
    }

    @Test func columnSumsOfALargeMatrixMatchNumpy() throws {
        // m[i, j] = (i * 1000 + j) % 97 * 0.5 - 20; numpy m.sum(axis=0)[:3] and [-1].
        let values = (0..<1_000_000).map { Double($0 % 97) * 0.5 - 20 }
        let m = Tensor.matrix("m")
        let sums = try m.sum(axis: 0).eval(["m": NDArray(shape: [1000, 1000], elements: values)])
        let columns = sums.asArray(Double.self)
        #expect(columns.count == 1000)
        #expect(Array(columns.prefix(3)) == [3985, 4000, 4015])
        #expect(columns[999] == 3983.5)
    }

    @Test func integerSumsUpcastAndWrapLikeNumpy() throws {
        let small = Tensor.vector("s", dtype: .int8)
        let sum = try small.sum().eval(["s": NDArray([Int8(100), 100, 100])])
        #expect(sum.dtype == .int64 && sum.item(Int64.self) == 300)
        let big = Tensor.vector("b", dtype: .int64)
        #expect(try big.sum().eval(["b": NDArray([Int64.max, 1])]).item(Int64.self) == Int64.min)
        let bytes = Tensor.vector("u", dtype: .uint8)
        let product = try bytes.prod().eval(["u": NDArray([UInt8(200), 200])])
        #expect(product.dtype == .int64 && product.item(Int64.self) == 40000)
        // Max keeps the dtype; min of int8 includes the minimum value.
        let extremes = try small.min().eval(["s": NDArray([Int8(5), -128, 127])])
        #expect(extremes.dtype == .int8 && extremes.item(Int64.self) == -128)
        #expect(try small.argmin().eval(["s": NDArray([Int8(5), -128, 127])]).item(Int64.self) == 1)
    }

    @Test func nanPropagatesInMaxAndMinAndWinsArgmax() throws {
        let x = Tensor.matrix("x")
        let value = NDArray(shape: [2, 3], elements: [1.0, .nan, 3.0, -.infinity, 2.0, .nan])
        #expect(try x.max(axis: 1).eval(["x": value]).asArray(Double.self).map(\.isNaN) == [true, true])
        let columnMax = try x.max(axis: 0).eval(["x": value]).asArray(Double.self)
        #expect(columnMax[0] == 1.0 && columnMax[1].isNaN && columnMax[2].isNaN)
        let columnMin = try x.min(axis: 0).eval(["x": value]).asArray(Double.self)
        #expect(columnMin[0] == -.infinity && columnMin[1].isNaN && columnMin[2].isNaN)
        #expect(try x.sum().eval(["x": value]).item(Double.self).isNaN)
        // numpy: argmax/argmin return the first NaN.
        #expect(try x.argmax().eval(["x": value]).item(Int64.self) == 1)
        #expect(try x.argmax(axis: 1).eval(["x": value]).asArray(Int64.self) == [1, 2])
        #expect(try x.argmin(axis: 1).eval(["x": value]).asArray(Int64.self) == [1, 2])
        #expect(try x.argmax(axis: 0).eval(["x": value]).asArray(Int64.self) == [0, 0, 1])
    }

    @Test func emptyReductionsGiveIdentities() throws {
        let x = Tensor.matrix("x")
        let empty = NDArray.zeros([2, 0])
        #expect(try x.sum(axis: 1).eval(["x": empty]).asArray(Double.self) == [0, 0])
        #expect(try x.prod(axis: 1).eval(["x": empty]).asArray(Double.self) == [1, 1])
        #expect(try x.all(axis: 1).eval(["x": empty]).asArray(Bool.self) == [true, true])
        #expect(try x.any(axis: 1).eval(["x": empty]).asArray(Bool.self) == [false, false])
        #expect(try x.sum().eval(["x": empty]).item(Double.self) == 0)
        #expect(try x.mean().eval(["x": empty]).item(Double.self).isNaN)
        // Reducing a non-empty axis of an empty array: an empty result, no error (numpy).
        let maxOverRows = try x.max(axis: 0).eval(["x": empty])
        #expect(maxOverRows.shape == [0])
        #expect(try x.argmax(axis: 0).eval(["x": empty]).shape == [0])
        // The same where the kernel walks planes (the fastest moving axis is kept).
        let cube = Tensor.tensor("cube", dtype: .float64, shape: [nil, nil, nil])
        #expect(try cube.argmax(axis: 0).eval(["cube": NDArray.zeros([2, 3, 0])]).shape == [3, 0])
        let sums = try x.sum(axis: 0).eval(["x": empty])
        #expect(sums.shape == [0] && sums.dtype == .float64)
    }

    @Test func zeroDimensionalInputsReduceNothing() throws {
        let s = Tensor.scalar("s", dtype: .int32)
        let total = s.sum(axis: 0)
        #expect(total.owner!.op.description == "Sum{axis=0}")
        #expect(total.type == TensorType(dtype: .int64, shape: []))
        #expect(try total.eval(["s": NDArray(scalar: Int32(7))]).item(Int64.self) == 7)
        #expect(try s.max(axis: -1, keepDims: true).eval(["s": NDArray(scalar: Int32(7))]).shape == [])
        #expect(try s.argmax().eval(["s": NDArray(scalar: Int32(7))]).item(Int64.self) == 0)
        #expect(try s.mean().eval(["s": NDArray(scalar: Int32(7))]).item(Double.self) == 7)
    }

    // MARK: Printing, dtypes and static shapes

    @Test func printsLikePyTensor() {
        let x = Tensor.tensor3("x")
        #expect(x.sum().owner!.op.description == "Sum{axes=None}")
        #expect(x.sum(axis: 0).owner!.op.description == "Sum{axis=0}")
        #expect(x.sum(axis: -1).owner!.op.description == "Sum{axis=2}")
        #expect(x.sum(axes: [2, 0]).owner!.op.description == "Sum{axes=[0, 2]}")
        #expect(x.prod(axes: [-1, 1]).owner!.op.description == "Prod{axes=[1, 2]}")
        #expect(x.max(axis: 1).owner!.op.description == "Max{axis=1}")
        #expect(x.min().owner!.op.description == "Min{axes=None}")
        #expect(x.all(axis: 0).owner!.op.description == "All{axis=0}")
        #expect(x.any().owner!.op.description == "Any{axes=None}")
        #expect(x.argmax().owner!.op.description == "Argmax{axis=None}")
        #expect(x.argmax(axis: -1).owner!.op.description == "Argmax{axis=(2,)}")
        #expect(x.argmax(axes: [2, 0]).owner!.op.description == "Argmax{axis=(0, 2)}")
        #expect(Reduce(.sum, axes: []).description == "Sum{axes=[]}")
        // PyTensor shows the accumulator when it differs from the output dtype.
        let f = Tensor.matrix("f", dtype: .float32)
        #expect(f.sum(axis: 1).owner!.op.description == "Sum{axis=1, acc=float64}")
        #expect(f.prod().owner!.op.description == "Prod{axes=None, acc=float64}")
        #expect(f.max().owner!.op.description == "Max{axes=None}")
        #expect(Tensor.vector("i", dtype: .int32).sum().owner!.op.description == "Sum{axes=None}")
    }

    @Test func outputDTypesFollowPyTensor() {
        let expected: [DType: [Reduce.Kind: DType]] = [
            .bool: [.sum: .int64, .prod: .int64, .max: .bool, .min: .bool, .all: .bool, .any: .bool],
            .int8: [.sum: .int64, .prod: .int64, .max: .int8, .min: .int8, .all: .bool, .any: .bool],
            .uint8: [.sum: .int64, .prod: .int64, .max: .uint8, .min: .uint8, .all: .bool, .any: .bool],
            .int32: [.sum: .int64, .prod: .int64, .max: .int32, .min: .int32, .all: .bool, .any: .bool],
            .int64: [.sum: .int64, .prod: .int64, .max: .int64, .min: .int64, .all: .bool, .any: .bool],
            .float32: [.sum: .float32, .prod: .float32, .max: .float32, .min: .float32, .all: .bool, .any: .bool],
            .float64: [.sum: .float64, .prod: .float64, .max: .float64, .min: .float64, .all: .bool, .any: .bool],
        ]
        for (input, byKind) in expected {
            let x = Tensor.vector("x", dtype: input)
            for (kind, output) in byKind {
                #expect(x.reduced(kind, axes: nil, keepDims: false).dtype == output, "\(kind) of \(input)")
            }
            #expect(x.argmax().dtype == .int64)
            #expect(x.argmin().dtype == .int64)
            #expect(x.mean().dtype == (input == .float32 ? .float32 : .float64), "mean of \(input)")
        }
    }

    @Test func allAndAnyCompareNonBoolInputsWithZero() throws {
        let x = Tensor.vector("x")
        let all = x.all()
        let compared = try #require(all.owner?.inputs[0].owner)
        #expect(compared.op.description == "Neq")
        #expect(compared.inputs[0] === x)
        let b = Tensor.vector("b", dtype: .bool)
        #expect(b.any().owner!.inputs[0] === b)
        #expect(try x.all().eval(["x": [1.0, -2.0, 0.5]]).item(Bool.self) == true)
        #expect(try x.all().eval(["x": [1.0, 0.0, 0.5]]).item(Bool.self) == false)
        #expect(try x.any().eval(["x": NDArray([0.0, Double.nan])]).item(Bool.self) == true)
    }

    @Test func staticShapesDropReducedDims() {
        let x = Tensor.tensor("x", shape: [2, nil, 4])
        #expect(x.sum().type.shape == [])
        #expect(x.sum(axis: 1).type.shape == [2, 4])
        #expect(x.max(axis: -1).type.shape == [2, nil])
        #expect(x.any(axes: [0, 2]).type.shape == [nil])
        #expect(x.argmax(axis: 0).type.shape == [nil, 4])
        #expect(x.mean(axis: 0).type.shape == [nil, 4])
        #expect(x.sum(axes: []).type.shape == [2, nil, 4])
        // keepDims puts length-1 dims back with an ExpandDims.
        let kept = x.sum(axes: [0, 2], keepDims: true)
        #expect(kept.type.shape == [1, nil, 1])
        #expect(kept.owner!.op.description == "ExpandDims{axes=[0, 2]}")
        #expect(kept.owner!.inputs[0].owner!.op.description == "Sum{axes=[0, 2]}")
        #expect(x.sum(keepDims: true).type.shape == [1, 1, 1])
        #expect(x.argmin(axis: 1, keepDims: true).type.shape == [2, 1, 4])
        #expect(x.mean(axis: -1, keepDims: true).type.shape == [2, nil, 1])
        #expect(x.sum(axes: [], keepDims: true).owner!.op.description == "Sum{axes=[]}")
    }

    @Test func keepDimsValues() throws {
        let x = Tensor.matrix("x")
        let value: NDArray = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]
        let rowMax = try x.max(axis: 1, keepDims: true).eval(["x": value])
        #expect(rowMax.shape == [2, 1] && rowMax.asArray(Double.self) == [5, 6])
        let columnMean = try x.mean(axis: 0, keepDims: true).eval(["x": value])
        #expect(columnMean.shape == [1, 3] && columnMean.asArray(Double.self) == [2.5, 3.5, 4.5])
        let flatArgmin = try x.argmin(keepDims: true).eval(["x": value])
        #expect(flatArgmin.shape == [1, 1] && flatArgmin.asArray(Int64.self) == [0])
        // Broadcasting against the input, the point of keepDims.
        let centered = try (x - x.mean(axis: 1, keepDims: true)).eval(["x": value])
        #expect(centered.asArray(Double.self) == [-2, 2, 0, 0, -2, 2])
    }

    @Test func meanDividesByASymbolicOrConstantCount() throws {
        let known = Tensor.tensor("k", shape: [2, 3, nil])
        let constantCount = known.mean(axes: [0, 1]).owner!
        #expect(constantCount.op.description == "True_div")
        #expect(constantCount.inputs[0].owner!.op.description == "Sum{axes=[0, 1]}")
        // The 0-d count is padded to the sum's rank by Elemwise, as in PyTensor.
        let count6 = try #require(constantCount.inputs[1].owner?.inputs[0])
        #expect(count6.constantValue?.item(Double.self) == 6)
        #expect(count6.dtype == .float64)

        let unknown = Tensor.tensor("u", dtype: .float32, shape: [2, nil, nil])
        let symbolic = unknown.mean(axes: [0, 1, 2])
        #expect(symbolic.dtype == .float32)
        let count = symbolic.owner!.inputs[1]
        #expect(count.owner!.op.description == "Cast{float32}")
        let value = NDArray(shape: [2, 2, 3], elements: (0..<12).map { Float($0) })
        #expect(try symbolic.eval(["u": value]).item(Float.self) == 5.5)
        #expect(try count.eval(["u": value]).item(Float.self) == 12)

        let integers = Tensor.vector("i", dtype: .int32)
        let mean = integers.mean()
        #expect(mean.dtype == .float64)
        #expect(try mean.eval(["i": NDArray([Int32(1), 2, 4])]).item(Double.self) == 7.0 / 3.0)
    }

    // MARK: inferShape

    @Test func inferShapeAgreesWithRealShapes() throws {
        let x = Tensor.tensor("x", shape: [nil, 3, nil])
        let value = NDArray(shape: [2, 3, 5], elements: (0..<30).map(Double.init))
        let outputs: [Variable] = [
            x.sum(), x.sum(axis: 0), x.prod(axis: -1), x.max(axes: [0, 2]), x.min(axis: 1),
            x.all(axis: 2), x.any(axes: [1, 2]), x.argmax(axis: 0), x.argmax(axes: [0, 1]),
            x.argmin(), x.mean(axis: 2, keepDims: true), x.sum(axes: []),
        ]
        for output in outputs {
            let real = try output.eval(["x": value]).shape
            let inferred = try output.symbolicShape.map { try $0.eval(["x": value]).item(Int64.self) }
            #expect(inferred.map(Int.init) == real, "\(output.owner!.op)")
        }
        // The inferred dims are the input's own dims, not the output's.
        let dims = x.sum(axis: 1).symbolicShape
        #expect(dims.count == 2)
        #expect(dims[0].owner?.op.description == "Shape_i{0}" && dims[0].owner?.inputs[0] === x)
        #expect(dims[1].owner?.op.description == "Shape_i{2}")
    }

    // MARK: Errors

    @Test func outOfRangeOrRepeatedAxesAreConstructionErrors() throws {
        let x = Tensor.tensor3("x")
        for (build, fragments) in [
            ({ x.sum(axis: 3) }, ["Sum{axis=3}", "axis 3 is out of bounds", "3 dimensions", "Tensor3(float64, shape=(?, ?, ?))"]),
            ({ x.max(axis: -4) }, ["Max{axis=-4}", "out of bounds"]),
            ({ x.prod(axes: [0, -3]) }, ["Prod{axes=[0, -3]}", "repeated"]),
            ({ x.argmax(axis: 5) }, ["Argmax{axis=(5,)}", "out of bounds"]),
            ({ x.mean(axes: [1, 7], keepDims: true) }, ["Sum{axes=[1, 7]}", "out of bounds"]),
            ({ x.argmin(axis: 3, keepDims: true) }, ["Argmax{axis=(3,)}", "out of bounds"]),
        ] as [(() -> Variable, [String])] {
            #expect {
                _ = try checked(build)
            } throws: { error in
                guard let error = error as? CotangentError, error.kind == .invalidGraph else { return false }
                return fragments.allSatisfy { error.message.contains($0) }
            }
        }
    }

    @Test func opsRejectMalformedNodes() {
        let x = Tensor.vector("x")
        #expect(throws: CotangentError.self) { try Reduce(.sum).makeNode([x, x]) }
        #expect(throws: CotangentError.self) { try Reduce(.all).outputTypes(for: [x]) }
        #expect(throws: CotangentError.self) { try Reduce(.sum, axes: [-1]).outputTypes(for: [x]) }
        #expect(throws: CotangentError.self) { try Argmax(axes: [1]).makeNode([x]) }
    }

    @Test(arguments: ["max", "min", "argmax", "argmin"])
    func reducingAnEmptyAxisWithoutIdentityThrows(kind: String) {
        let x = Tensor.matrix("x")
        let y = reduction(kind, x, axes: [1])
        #expect {
            try y.eval(["x": NDArray.zeros([2, 0])])
        } throws: { error in
            guard let error = error as? CotangentError, error.kind == .invalidValue else { return false }
            let opName = kind.hasPrefix("arg") ? "Argmax{axis=(1,)}" : "\(kind.prefix(1).uppercased())\(kind.dropFirst()){axis=1}"
            let numpyText = kind.hasPrefix("arg") ? "empty sequence" : "zero-size array"
            return error.message.contains(opName) && error.message.contains(numpyText)
                && error.message.contains("(2, 0)") && error.message.contains("float64")
        }
        // Every axis at once: the same error.
        #expect(throws: CotangentError.self) { try reduction(kind, x, axes: nil).eval(["x": NDArray.zeros([0, 3])]) }
    }
}
