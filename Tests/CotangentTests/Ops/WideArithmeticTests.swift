import CVectorMath
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Wide arithmetic")
struct WideArithmeticTests {
    /// Values with every special case among them: zeros of both signs, infinities, NaN,
    /// subnormals, and ordinary numbers.
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 5e-324, -2.5e-310, 1, -1, 3]
        var state = seed
        return (0..<count).map { i in
            if i % 7 == 3 { return specials[(i / 7) % specials.count] }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) % 2_000_001) / 1000 - 1000
        }
    }

    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) } && a.count == b.count
    }

    @Test(arguments: [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 256, 1001])
    func binaryAndUnaryOperationsMatchTheScalarOnes(count: Int) {
        guard cotangent_wide_width() > 0 else { return }  // nothing to compare on this CPU
        let a = Self.values(count, seed: 1)
        let b = Self.values(count, seed: 2).map { $0 == 0 ? 0.5 : $0 }
        let operations: [(CotangentWideBinary, (Double, Double) -> Double)] = [
            (CotangentWideAdd, { $0 + $1 }), (CotangentWideSub, { $0 - $1 }),
            (CotangentWideMul, { $0 * $1 }), (CotangentWideDiv, { $0 / $1 }),
        ]
        for (operation, scalar) in operations {
            var r = [Double](repeating: 7, count: count)
            cotangent_wide_binary(operation, a, b, &r, count)
            #expect(Self.same(r, zip(a, b).map(scalar)))
            // In place: the result overwrites its first operand.
            var inPlace = a
            inPlace.withUnsafeMutableBufferPointer { p in
                cotangent_wide_binary(operation, p.baseAddress, b, p.baseAddress, count)
            }
            #expect(Self.same(inPlace, zip(a, b).map(scalar)))
        }
        var negated = [Double](repeating: 7, count: count)
        cotangent_wide_unary(CotangentWideNeg, a, &negated, count)
        #expect(Self.same(negated, a.map { -$0 }))
        #expect(zip(negated, a).allSatisfy { $0.sign != $1.sign || $1.isNaN })
        var squared = a
        squared.withUnsafeMutableBufferPointer { p in cotangent_wide_unary(CotangentWideSqr, p.baseAddress, p.baseAddress, count) }
        #expect(Self.same(squared, a.map { $0 * $0 }))
    }

    @Test(arguments: [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 1001])
    func threeArgumentPassesRoundAsTwoPasses(count: Int) {
        guard cotangent_wide_width() > 0 else { return }
        let (a, b, c) = (Self.values(count, seed: 6), Self.values(count, seed: 7), Self.values(count, seed: 8))
        let operations: [(CotangentWideBinary, (Double, Double) -> Double)] = [
            (CotangentWideAdd, { $0 + $1 }), (CotangentWideMul, { $0 * $1 }),
        ]
        for (operation, scalar) in operations {
            var r = [Double](repeating: 7, count: count)
            cotangent_wide_fold3(operation, a, b, c, &r, count)
            #expect(Self.same(r, (0..<count).map { scalar(scalar(a[$0], b[$0]), c[$0]) }))
        }
    }

    @Test(arguments: [0, 1, 3, 4, 7, 8, 9, 17, 33, 1001])
    func float32ConversionsAreSwiftsConversions(count: Int) {
        // Rounding ties and near-ties, overflow to infinity, float32 subnormals and underflow,
        // NaN, signed zeros: narrowing rounds as `Float(_:)` does, widening is exact.
        let edges: [Double] = [
            1 + 0x1p-24, 1 + 3 * 0x1p-24, -(1 + 0x1p-24), 3.4028235677973366e38, 3.5e38, -1e39, 0x1p-149,
            0x1p-150, 0x1.8p-150, 1e-46, -0.0, .nan, .infinity,
        ]
        let ordinary = Self.values(count, seed: 5)
        let doubles = (0..<count).map { i in i % 3 == 0 ? edges[(i / 3) % edges.count] : ordinary[i] }
        var narrowed = [Float](repeating: 7, count: count)
        cotangent_narrow_f64(doubles, &narrowed, count)
        let expected = doubles.map { Float($0) }
        #expect(zip(narrowed, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        // Rounding float64 lanes to float32 values in place is narrowing then widening.
        var rounded = doubles
        rounded.withUnsafeMutableBufferPointer { cotangent_round_f32($0.baseAddress, $0.baseAddress, count) }
        #expect(zip(rounded, expected).allSatisfy { $0.bitPattern == Double($1).bitPattern || ($0.isNaN && $1.isNaN) })
        var widened = [Double](repeating: 7, count: count)
        cotangent_widen_f32(expected, &widened, count)
        #expect(Self.same(widened, expected.map { Double($0) }))
    }

    /// A fused kernel with every wide operation, over blocks with tails, against the same
    /// function called one element at a time: blocks under 16 lanes take the portable Swift
    /// loops, so the comparison needs no process-wide switch (tests run concurrently).
    @Test func fusedKernelsGiveTheSameBitsWithAndWithoutTheWideCode() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        // (`x + y + x` and `-2 * x * y` take the three-argument passes; the four-factor product
        // folds its fourth factor after one.)
        let f = try function(
            inputs: [x, y],
            outputs: [(-sqr(x) * y + x / y - (x + y + x)) * (x - y), -2 * x * y, x * y * (x - y) * (y + 1)])
        let xs = NDArray(Self.values(1003, seed: 3))
        let ys = NDArray(Self.values(1003, seed: 4))
        let wide = try f(xs, ys).map { $0.asArray(Double.self) }
        var portable = [[Double]](repeating: [], count: wide.count)
        let (xValues, yValues) = (xs.asArray(Double.self), ys.asArray(Double.self))
        for i in xValues.indices {
            let one = try f(NDArray([xValues[i]]), NDArray([yValues[i]]))
            for k in one.indices { portable[k].append(one[k].asArray(Double.self)[0]) }
        }
        #expect(!ElementwiseMath.wideArithmeticAvailable || widens(xs.count) && !widens(1))
        #expect(zip(wide, portable).allSatisfy { Self.same($0, $1) })
        // And against the products written out in Swift.
        let (a, b) = (xs.asArray(Double.self), ys.asArray(Double.self))
        #expect(Self.same(wide[1], zip(a, b).map { -2 * $0 * $1 }))
        // (The rewrites may order the four factors differently: equal within rounding.)
        let product = zip(a, b).map { $0 * $1 * ($0 - $1) * ($1 + 1) }
        #expect(zip(wide[2], product).allSatisfy { w, e in
            w == e || (w.isNaN && e.isNaN) || abs(w - e) <= 4 * e.ulp
        })
    }
}
