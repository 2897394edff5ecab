import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Draws inside loops: each step draws anew from a generator the loop carries, reproducibly;
/// draws built outside the loop stay single; derivatives flow through the loop's draws.
@Suite struct RandomLoopTests {
    /// A random walk of `steps` normal increments with step size `std`.
    static func walk(_ steps: Int, std: Variable = 1, rng: Variable) -> Variable {
        scan(initial: [Tensor(0.0)], length: Tensor(constant: NDArray(scalar: Int64(steps)))) { c, _ in
            let next = c[0] + normal(mean: 0, std: std, rng: rng)
            return ([next], [next])
        }.1[0]
    }

    @Test func eachStepDrawsAnewAndEachCallDrawsAnotherWalk() throws {
        let rng = Tensor.randomGenerator(seed: 4)
        let f = try function(inputs: [], outputs: [Self.walk(6, rng: rng)])
        let first = try f()[0].asArray(Double.self)
        let increments = zip(first.dropFirst(), first).map { $0 - $1 }
        #expect(Set([first[0]] + increments).count == 6, "\(first)")
        let second = try f()[0].asArray(Double.self)
        #expect(first != second)
        // The same program from the same seed walks the same way.
        let again = try function(inputs: [], outputs: [Self.walk(6, rng: Tensor.randomGenerator(seed: 4))])()[0]
        #expect(again.asArray(Double.self) == first)
    }

    @Test func aDrawBuiltOutsideTheLoopIsOneDraw() throws {
        let rng = Tensor.randomGenerator(seed: 5)
        let z = normal(rng: rng)
        let (_, outputs) = scan(initial: [Tensor(0.0)], length: Tensor(constant: NDArray(scalar: Int64(4)))) { c, _ in
            ([c[0] + z], [c[0] + z])
        }
        let values = try outputs[0].eval().asArray(Double.self)
        let step = values[0]
        for (k, v) in values.enumerated() { #expect(abs(v - Double(k + 1) * step) < 1e-12) }
    }

    @Test func mappedDrawsDifferPerRowAndNestedLoopsPerStep() throws {
        let rng = Tensor.randomGenerator(seed: 6)
        let rows = map(over: Tensor(constant: NDArray(shape: [5, 3], filledWith: 0.0))) { row in row + uniform(shape: [3], rng: rng) }
        let values = try rows.eval().asArray(Double.self)
        #expect(Set(values).count == 15)
        // An inner loop inside an outer one: every (outer, inner) step its own draw.
        let grid = map(over: Tensor(constant: NDArray(shape: [4], filledWith: 0.0))) { x in
            map(over: Tensor(constant: NDArray(shape: [3], filledWith: 0.0))) { y in x + y + normal(rng: rng) }
        }
        let cells = try grid.eval()
        #expect(cells.shape == [4, 3] && Set(cells.asArray(Double.self)).count == 12)
    }

    @Test func aKeyCarriedByTheUserIsNotThreadedTwice() throws {
        // JAX style: the body splits the carried key itself.
        let key = Tensor.randomGeneratorInput("key")
        let (_, outputs) = scan(initial: [key], length: Tensor(constant: NDArray(scalar: Int64(4)))) { c, _ in
            let children = c[0].split(2)
            return ([children[0]], [uniform(rng: children[1])])
        }
        let f = try function(inputs: [key], outputs: [outputs[0]])
        let values = try f(NDArray.randomKey(seed: 1))[0].asArray(Double.self)
        #expect(Set(values).count == 4)
        #expect(try f(NDArray.randomKey(seed: 1))[0].asArray(Double.self) == values)
    }

    @Test func derivativesFlowThroughALoopsDraws() throws {
        let key = Variable(constant: NDArray.randomKey(seed: 21), type: .randomGenerator)
        try verifyGrad({ Self.walk(5, std: $0[0], rng: key) }, at: [NDArray(0.8)], differences: .central)
        // d/dσ of the walk's end is the sum of the steps' standard draws: the end at σ = 1.
        let std = Tensor.scalar("std")
        let end = Self.walk(5, std: std, rng: key)[4]
        let g = try grad(end, wrt: std).eval(["std": NDArray(1.0)])
        let atOne = try Self.walk(5, rng: key)[4].eval()
        #expect(abs(g.item(Double.self) - atOne.item(Double.self)) < 1e-12)
    }

    @Test func aWhileLoopDrawsEachStep() throws {
        let rng = Tensor.randomGenerator(seed: 7)
        let result = whileLoop(initial: [Tensor(0.0), Tensor(constant: NDArray(scalar: Int64(0)))], maxIterations: 1000,
            while: { s in s[0] .< 3.0 }, body: { s in [s[0] + uniform(rng: rng), s[1] + 1] })
        let f = try function(inputs: [], outputs: result)
        let out = try f()
        #expect(out[0].item(Double.self) >= 3 && out[1].item(Int64.self) >= 4)
        #expect(out[1].item(Int64.self) < 1000)
    }

    @Test func aGradientTakenInsideALoopBodyReadsTheStepsNoise() throws {
        // Stochastic gradient steps on s for E[x²], x = s·z: the pathwise gradient 2x·z = 2x²/s
        // must use the z of the step's own draw (its sibling draw follows the loop's steps).
        let rng = Tensor.randomGenerator(seed: 8)
        let (_, outputs) = scan(initial: [Tensor(1.5)], length: Tensor(constant: NDArray(scalar: Int64(4)))) { c, _ in
            let s = c[0]
            let x = normal(mean: 0, std: s, rng: rng)
            let next = s - 0.1 * grad(x * x, wrt: s)
            return ([next], [x, s])
        }
        let values = try function(inputs: [], outputs: outputs)()
        let (xs, ss) = (values[0].asArray(Double.self), values[1].asArray(Double.self))
        #expect(Set(xs).count == 4)
        for t in 0..<3 {
            #expect(abs(ss[t + 1] - (ss[t] - 0.2 * xs[t] * xs[t] / ss[t])) < 1e-12, "step \(t)")
        }
    }

    @Test func aBranchInsideALoopDrawsAnewEachStep() throws {
        let rng = Tensor.randomGenerator(seed: 9)
        let (_, outputs) = scan(initial: [Tensor(0.0)], over: [Tensor(constant: NDArray([1.0, 1.0, 1.0, 1.0]))]) { c, x in
            let drawn = ifElse(x[0] .> 0.5, then: uniform(rng: rng), else: Tensor(-1.0))
            return ([c[0] + drawn], [drawn])
        }
        let values = try outputs[0].eval().asArray(Double.self)
        #expect(Set(values).count == 4 && values.allSatisfy { $0 >= 0 && $0 < 1 }, "\(values)")
    }

    @Test func aBatchOfCovariancesIsFactoredPerRow() throws {
        // Two rows with covariances of different scales: each row's draws have its own variance.
        let rng = Tensor.randomGenerator(seed: 10)
        let cov = Tensor(constant: NDArray(shape: [2, 1, 1], elements: [1.0, 100.0]))
        let x = try multivariateNormal(mean: Tensor(constant: NDArray(shape: [2, 1], elements: [0.0, 0.0])), cov: cov,
            shape: [5000, 2], rng: rng).eval().asArray(Double.self)
        let first = stride(from: 0, to: x.count, by: 2).map { x[$0] }
        let second = stride(from: 1, to: x.count, by: 2).map { x[$0] }
        #expect(RandomCheck.momentsMatch(first, mean: 0, variance: 1))
        #expect(RandomCheck.momentsMatch(second, mean: 0, variance: 100))
    }
}

