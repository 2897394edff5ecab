import Testing

@testable import CotangentArrays

/// Element i of a draw depends only on (key, counter, i): same seed → same bits, chunks and
/// threads do not matter, split and advanced states give new streams.
struct ReproducibilityTests {
    @Test func sameSeedGivesIdenticalBits() {
        let a = RandomState(seed: 99).draw(5000, from: Gamma(shape: 0.7))
        let b = RandomState(seed: 99).draw(5000, from: Gamma(shape: 0.7))
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(a != RandomState(seed: 100).draw(5000, from: Gamma(shape: 0.7)))
    }

    @Test func chunkedFillEqualsWholeFill() {
        let state = RandomState(seed: 7)
        let sampler = Beta(a: 0.5, b: 0.5)  // rejection: a variable number of blocks per element
        let whole = state.draw(50_000, from: sampler)
        var chunked = [Double](repeating: 0, count: 50_000)
        var start = 0
        for size in [1, 7, 8, 1000, 13, 20_000, 28_971] {
            chunked.withUnsafeMutableBufferPointer { buffer in
                state.fill(UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + size)]), with: sampler, firstElement: start)
            }
            start += size
        }
        #expect(start == 50_000)
        #expect(chunked.map(\.bitPattern) == whole.map(\.bitPattern))
    }

    @Test func twoThreadsEqualOneThread() {
        let state = RandomState(seed: 12)
        let one = state.draw(100_000, from: Poisson(rate: 20))
        let two = state.draw(100_000, from: Poisson(rate: 20), threads: 2)
        #expect(one == two)
        var bitsOne = [UInt32](repeating: 0, count: 100_001)
        var bitsTwo = bitsOne
        bitsOne.withUnsafeMutableBufferPointer { state.fillBits($0, wordsPerElement: 3) }
        bitsTwo.withUnsafeMutableBufferPointer { state.fillBits($0, wordsPerElement: 3, threads: 2) }
        #expect(bitsOne == bitsTwo)
    }

    @Test func bitsAreThePhiloxBlocksOfEachElement() {
        let state = RandomState(key: SIMD2(5, 6), counter: 17)
        var bits = [UInt32](repeating: 0, count: 12)
        bits.withUnsafeMutableBufferPointer { state.fillBits($0, wordsPerElement: 6) }
        let block0 = Philox4x32.block(key: SIMD2(5, 6), counter: 17)
        let block1 = Philox4x32.block(key: SIMD2(5, 6), counter: 18)
        let element1 = Philox4x32.block(key: SIMD2(5, 6), counter: (UInt128(1) << 64) + 17)
        #expect(Array(bits[0..<6]) == [block0.x, block0.y, block0.z, block0.w, block1.x, block1.y])
        #expect(Array(bits[6..<10]) == [element1.x, element1.y, element1.z, element1.w])
    }

    @Test func splitAndAdvancedStreamsDiffer() {
        let parent = RandomState(seed: 1)
        let children = parent.split(into: 4)
        #expect(Set(children.map(\.key)).count == 4)
        #expect(!children.contains { $0.key == parent.key })
        #expect(parent.split(into: 4) == children)
        #expect(parent.advanced(by: 10).split(into: 4) != children)
        let draws = children.map { $0.draw(100, from: Normal()) }
        #expect(Set(draws.map { $0.map(\.bitPattern) }).count == 4)
        // Advancing by n continues the stream: element n of one draw is element 0 of the next.
        let long = parent.draw(20, from: Normal())
        #expect(parent.advanced(by: 10).draw(10, from: Normal()) == Array(long[10...]))
    }

    @Test func validationReportsBadParameters() {
        #expect(Normal(mean: 0, standardDeviation: -1).validationFailure(count: 1) != nil)
        #expect(Normal(mean: 0, standardDeviation: 1).validationFailure(count: 5) == nil)
        #expect(Normal(mean: RealParameter([0, 1]), standardDeviation: 1).validationFailure(count: 3) != nil)
        #expect(Bernoulli(probability: 1.2).validationFailure(count: 1) != nil)
        #expect(Binomial(trials: 5, probability: -0.1).validationFailure(count: 1) != nil)
        #expect(Gamma(shape: -1).validationFailure(count: 1) != nil)
        #expect(Beta(a: 0, b: 1).validationFailure(count: 1) != nil)
        #expect(UniformIntegers(low: 3, high: 3).validationFailure(count: 1) != nil)
        #expect(TruncatedNormal(lower: 2, upper: 1).validationFailure(count: 1) != nil)
        #expect(Categorical(probabilities: CategoryTable(row: [0.5, 0.6])).validationFailure(count: 1) != nil)
        #expect(Categorical(probabilities: CategoryTable(row: [0.4, 0.6])).validationFailure(count: 1) == nil)
        #expect(RandomState.dirichletFailure(count: 1, concentrations: CategoryTable(row: [1, 0])) != nil)
        #expect(RandomState.choiceFailure(population: 3, size: 4, replace: false, probabilities: nil) != nil)
        #expect(RandomState.choiceFailure(population: 3, size: 3, replace: false, probabilities: [0.5, 0.5, 0]) != nil)
        #expect(RandomState(seed: 1).choice(population: 3, size: 4, replace: false).isEmpty)
        let message = Geometric(probability: RealParameter([0.5, 0])).validationFailure(count: 2)
        #expect(message == "p must be in (0, 1], got 0.0 at element 1")
    }

    @Test func gammaShapeDerivativeMatchesScipy() {
        // −(∂P/∂α)/(∂P/∂x) from central differences of scipy.special.gammainc.
        let cases: [(a: Double, x: Double, expected: Double)] = [
            (2.5, 0.7, 0.5263327919744366), (2.5, 4.0, 1.3396081955677965), (0.3, 0.05, 0.4947109870127182),
            (10.0, 12.0, 1.1123294430047104), (1.0, 1.0, 1.1735630268081954),
        ]
        for c in cases {
            let derivative = StandardGamma.shapeDerivative(sample: c.x, shape: c.a)
            #expect(abs(derivative - c.expected) < 1e-7 * abs(c.expected), "α \(c.a), x \(c.x): \(derivative)")
        }
    }
}
