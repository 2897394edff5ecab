import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Advanced indexing rewrites")
struct AdvancedSubtensorRewriteTests {
    let x = Tensor.vector("x", shape: [6])
    let data: [String: NDArray] = ["x": [0.5, -1.25, 2.0, 3.5, -0.75, 4.0], "a": [1.0, 2, 3], "b": [-4.0, 0.5, 8]]

    @Test func constantArithmeticProgressionsBecomeSlices() {
        for index in [[Int64(1), 2, 3], [5, 3, 1], [-6, -4]] {
            let gathered = x[indexConstant(index)]
            let rewritten = RewriteTesting.expectRewrite(gathered, fires: ["local_AdvancedSubtensor1_arange_to_slice": 1])
            #expect(RewriteTesting.opNames(rewritten).first?.hasPrefix("Subtensor{") == true)
            RewriteTesting.expectSameValues(gathered, rewritten, data)
        }
        // Not a progression, out of range, or an unknown length: left alone.
        RewriteTesting.expectNoRewrite(x[indexConstant([0, 2, 3])], "local_AdvancedSubtensor1_arange_to_slice")
        RewriteTesting.expectNoRewrite(x[indexConstant([4, 5, 6])], "local_AdvancedSubtensor1_arange_to_slice")
        RewriteTesting.expectNoRewrite(Tensor.vector("y")[indexConstant([0, 1])], "local_AdvancedSubtensor1_arange_to_slice")
    }

    @Test func gatherOfGatherGathersTheIndex() {
        let (i, j) = (Tensor.vector("i", dtype: .int64), Tensor.vector("j", dtype: .int64))
        let twice = x[i][j]
        let rewritten = RewriteTesting.expectRewrite(twice, fires: ["local_AdvancedSubtensor1_of_AdvancedSubtensor1": 1])
        var inputs = data
        inputs["i"] = NDArray([Int64(5), 0, 2, 2])
        inputs["j"] = NDArray([Int64(3), -1, 0])
        RewriteTesting.expectSameValues(twice, rewritten, inputs)
    }

    @Test func incrementsByZerosVanishAndIncrementsOnZerosMerge() {
        let (a, b) = (Tensor.vector("a"), Tensor.vector("b"))
        let idx = indexConstant([0, 4, 0])
        let byZeros = x.incremented(at: idx, by: zerosLike(a))
        let removed = RewriteTesting.expectRewrite(byZeros, fires: ["local_advanced_incsubtensor_of_zeros": 1])
        #expect(!RewriteTesting.opNames(removed).contains { $0.hasPrefix("AdvancedIncSubtensor") })
        let twice = zerosLike(x).incremented(at: idx, by: a).incremented(at: idx, by: b)
        let merged = RewriteTesting.expectRewrite(twice, fires: ["local_advanced_inc_subtensor_merge_on_zeros": 1])
        #expect(RewriteTesting.opNames(merged).filter { $0.hasPrefix("AdvancedIncSubtensor1") }.count == 1)
        RewriteTesting.expectSameValues(twice, merged, data)
        // A set is not an increment: both stay.
        RewriteTesting.expectNoRewrite(zerosLike(x).setting(at: idx, to: a).setting(at: idx, to: b), "local_advanced_inc_subtensor_merge_on_zeros")
    }

    /// An increment of constant zeros at a constant index that writes each position once is a
    /// set; a repeated position (also `-1` and `n - 1`), a symbolic index or a base that is not
    /// a constant leave it an increment (which adds every contribution of a repeat).
    @Test func incrementsOfConstantZerosAtDistinctPositionsBecomeSets() throws {
        let name = "local_advanced_incsubtensor_of_zeros_to_setsubtensor"
        let (a, B) = (Tensor.vector("a"), Tensor.matrix("B"))
        let zeros6 = Variable(constant: NDArray.zeros([6]))
        let zeros34 = Variable(constant: NDArray.zeros([3, 4]))
        var inputs = data
        inputs["B"] = NDArray(shape: [2, 2], elements: [1.5, -2, 4, 0.25])
        let rewritten: [(Variable, String)] = [
            (zeros6.incremented(at: indexConstant([4, 0, -4]), by: a), "AdvancedIncSubtensor1{no_inplace,set}"),
            (zeros34.incremented(at: [indexConstant([0, 2, 2]), indexConstant([1, -1, 0])], by: a), "AdvancedSetSubtensor"),
            (zeros34.incremented(at: [.all, indexConstant([3, 1])], by: Tensor.matrix("C")), "AdvancedSetSubtensor"),
            (zeros34.incremented(at: [maskConstant([true, false, true]), 1..<3], by: B), "AdvancedSetSubtensor"),
            (zeros34.incremented(at: [indexConstant([1, 0], shape: [2, 1]), indexConstant([0, 3])], by: B), "AdvancedSetSubtensor"),
        ]
        inputs["C"] = NDArray(shape: [3, 2], elements: [1.0, 2, 3, 4, 5, 6])
        for (increment, setName) in rewritten {
            let result = RewriteTesting.expectRewrite(increment, fires: [name: 1])
            #expect(RewriteTesting.opNames(result).first == setName)
            RewriteTesting.expectSameValues(increment, result, inputs)
        }
        // Repeats: an index, -1 and 5 on a length of 6, and a repeated pair of coordinates.
        for increment in [
            zeros6.incremented(at: indexConstant([4, 0, 4]), by: a),
            zeros6.incremented(at: indexConstant([-1, 0, 5]), by: a),
            zeros34.incremented(at: [indexConstant([0, 2, 0]), indexConstant([1, 3, 1])], by: a),
        ] {
            RewriteTesting.expectNoRewrite(increment, name)
        }
        // np.add.at(np.zeros(6), [4, 0, 4], [1., 2, 3]) (a set would give 3 at position 4)
        #expect(try zeros6.incremented(at: indexConstant([4, 0, 4]), by: a).eval(inputs).asArray(Double.self) == [2, 0, 0, 0, 4, 0])
        RewriteTesting.expectNoRewrite(zeros6.incremented(at: Tensor.vector("i", dtype: .int64), by: a), name)
        // zerosLike(x) of x's static shape folds into a constant; of an unknown shape it stays an Alloc.
        RewriteTesting.expectRewrite(zerosLike(x).incremented(at: indexConstant([4, 0, 2]), by: a), fires: [name: 1])
        RewriteTesting.expectNoRewrite(zerosLike(Tensor.vector("y")).incremented(at: indexConstant([4, 0, 2]), by: a), name)
        RewriteTesting.expectNoRewrite(x.incremented(at: indexConstant([4, 0, 2]), by: a), name)
    }

    @Test func readingBackASetGivesTheValue() {
        let a = Tensor.vector("a", shape: [3])
        let idx = indexConstant([4, 0, 2])
        let readBack = x.setting(at: idx, to: a)[idx]
        let rewritten = RewriteTesting.expectRewrite(readBack, fires: ["local_AdvancedSubtensor1_of_set_subtensor": 1])
        RewriteTesting.expectSameValues(readBack, rewritten, data)
        // With a repeated index only the last write survives: left alone.
        let repeated = indexConstant([4, 4, 2])
        RewriteTesting.expectNoRewrite(x.setting(at: repeated, to: a)[repeated], "local_AdvancedSubtensor1_of_set_subtensor")
    }
}
