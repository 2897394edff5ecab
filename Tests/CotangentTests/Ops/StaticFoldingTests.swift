import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Static folding of shape values")
struct StaticFoldingTests {
    @Test func foldsConstantsStaticLengthsAndSmallKernels() {
        let x = Tensor.matrix("x", shape: [4, nil])
        #expect(StaticFolding.integer(shapeConstant(3)) == 3)
        #expect(StaticFolding.integer(x.length(ofDimension: 0)) == 4)
        #expect(StaticFolding.integer(x.length(ofDimension: 0) * 2 + 1) == 9)
        #expect(StaticFolding.integer(x.length(ofDimension: 1)) == nil)
        #expect(StaticFolding.integer(Tensor.scalar("n", dtype: .int64)) == nil)
        #expect(StaticFolding.value(of: Tensor.matrix("k", shape: [2, 3]).shape)?.asArray(Int64.self) == [2, 3])
        #expect(StaticFolding.value(of: ones(shape: [3], dtype: .int32))?.asArray(Int32.self) == [1, 1, 1])
        // Float values are not integers.
        #expect(StaticFolding.integer(Variable(2.0)) == nil)
    }

    @Test func checkedLengthsFoldOnlyWhenTheirValueAndChecksDo() {
        let x = Tensor.matrix("x", shape: [4, nil])
        let y = Tensor.matrix("y", shape: [nil, nil])
        // An unknown length stays unknown under any number of checks.
        let unknown = checkedLength([x.length(ofDimension: 1), y.length(ofDimension: 1)], message: "differ")
        #expect(unknown.owner?.op is Assert)
        #expect(StaticFolding.value(of: unknown) == nil)
        #expect(StaticFolding.value(of: checkedLength([unknown, y.length(ofDimension: 0)], message: "differ")) == nil)
        // A static length checked against an unknown one: the check cannot run, so no value.
        let checked = checkedLength([x.length(ofDimension: 0), y.length(ofDimension: 0)], message: "differ")
        #expect(checked.owner?.op is Assert)
        #expect(StaticFolding.value(of: checked) == nil)
        // Known value and known checks fold; a failing check does not.
        let four = shapeConstant(4)
        #expect(StaticFolding.integer(assert(four, [four .== x.length(ofDimension: 0)], message: "ok")) == 4)
        #expect(StaticFolding.integer(assert(four, [four .== shapeConstant(5)], message: "fails")) == nil)
    }

    @Test func largeValuesAndDeepGraphsAreNotFolded() {
        #expect(StaticFolding.value(of: ones(shape: [StaticFolding.maxElements + 1])) == nil)
        var deep = shapeConstant(0)
        for _ in 0..<1000 { deep = deep + 1 }
        #expect(StaticFolding.value(of: deep) == nil)
        var shallow = shapeConstant(0)
        for _ in 0..<10 { shallow = shallow + 1 }
        #expect(StaticFolding.integer(shallow) == 10)
    }

    @Test func vectorEntriesLookThroughMakeVectorShapeAndSpecifyShape() {
        let x = Tensor.matrix("x", shape: [4, nil])
        let n = Tensor.scalar("n", dtype: .int64)
        #expect(StaticFolding.vectorEntries(makeVector([x.length(ofDimension: 0), n, 2]), count: 3) == [4, nil, 2])
        #expect(StaticFolding.vectorEntries(x.shape, count: 2) == [4, nil])
        let pinned = x.shape.specifyingShape([2])
        #expect(StaticFolding.vectorEntries(pinned, count: 2) == [4, nil])
        #expect(StaticFolding.vectorEntries(Tensor.vector("s", dtype: .int64), count: 2) == [nil, nil])
    }
}
