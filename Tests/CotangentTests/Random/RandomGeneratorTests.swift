import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Generators in graphs: seeding, default updates, streams, splits, reproducibility across
/// thread counts, printing and bad generators.
@Suite struct RandomGeneratorTests {
    @Test func aSeededGeneratorHoldsItsSeedAndCallZero() throws {
        let rng = Tensor.randomGenerator(seed: 42)
        #expect(rng.type == .randomGenerator)
        #expect(rng.type.description == "RandomGeneratorType")
        #expect(rng.sharedValue?.asArray(Int64.self) == [42, 0])
    }

    @Test func eachCallDrawsAnewAndTheSameProgramRepeatsTheSequence() throws {
        func sequence() throws -> [[Double]] {
            let rng = Tensor.randomGenerator(seed: 7)
            let f = try function(inputs: [], outputs: [normal(shape: [5], rng: rng)])
            return try (0..<3).map { _ in try f()[0].asArray(Double.self) }
        }
        let first = try sequence()
        #expect(first[0] != first[1] && first[1] != first[2])
        #expect(try sequence() == first)
    }

    @Test func theDefaultUpdateMovesTheCallNumberOnOnly() throws {
        let rng = Tensor.randomGenerator(seed: 3)
        let f = try function(inputs: [], outputs: [uniform(shape: [2], rng: rng)])
        _ = try f()
        _ = try f()
        #expect(rng.sharedValue?.asArray(Int64.self) == [3, 2])
    }

    @Test func anExplicitUpdateToItselfKeepsTheGeneratorFixed() throws {
        let rng = Tensor.randomGenerator(seed: 3)
        let f = try function(inputs: [], outputs: [uniform(shape: [2], rng: rng)], updates: [rng: rng])
        #expect(try f()[0] == f()[0])
        #expect(rng.sharedValue?.asArray(Int64.self) == [3, 0])
    }

    @Test func evalDrawsAnewEachTime() throws {
        let rng = Tensor.randomGenerator(seed: 11)
        let x = normal(shape: [3], rng: rng)
        #expect(try x.eval() != x.eval())
    }

    @Test func twoDrawsOnOneGeneratorAreDifferentStreamsWhateverElseIsCompiled() throws {
        let rng = Tensor.randomGenerator(seed: 5)
        let a = normal(shape: [4], rng: rng)
        let b = normal(shape: [4], rng: rng)
        let both = try function(inputs: [], outputs: [a, b], updates: [rng: rng])()
        #expect(both[0] != both[1])
        // Each draw is a function of the generator and its own stream, not of the other draws.
        let alone = try function(inputs: [], outputs: [b], updates: [rng: rng])()
        #expect(alone[0] == both[1])
        // Two equal draws are not merged into one.
        #expect(try function(inputs: [], outputs: [a - b], updates: [rng: rng])()[0].asArray(Double.self).allSatisfy { $0 != 0 })
    }

    @Test func aGeneratorInputBehavesLikeAJaxKey() throws {
        let key = Tensor.randomGeneratorInput("key")
        let x = uniform(shape: [3], rng: key)
        let f = try function(inputs: [key], outputs: [x])
        let k1 = NDArray.randomKey(seed: 1)
        #expect(try f(k1)[0] == f(k1)[0])
        #expect(try f(k1)[0] != f(NDArray.randomKey(seed: 2))[0])
    }

    @Test func splitChildrenAreIndependentStreams() throws {
        let key = Tensor.randomGeneratorInput("key")
        let children = key.split(3)
        #expect(children.count == 3 && children.allSatisfy { $0.type == .randomGenerator })
        let draws = children.map { normal(shape: [4], rng: $0) } + [normal(shape: [4], rng: key)]
        let values = try function(inputs: [key], outputs: draws)(NDArray.randomKey(seed: 9))
        for i in values.indices {
            for j in values.indices where j > i { #expect(values[i] != values[j]) }
        }
    }

    @Test func drawsAreIdenticalWhateverTheThreadCount() throws {
        let key = Tensor.randomGeneratorInput("key")
        let outputs = [
            normal(mean: 1, std: 2, shape: [70_000], rng: key), gamma(alpha: 2.5, shape: [70_000], rng: key),
            poisson(rate: 4, shape: [70_000], rng: key),
        ]
        let f = try function(inputs: [key], outputs: outputs)
        let one = try KernelOptions(elementwiseThreads: 1).withCurrent { try f(NDArray.randomKey(seed: 1)) }
        let four = try KernelOptions(elementwiseThreads: 4).withCurrent { try f(NDArray.randomKey(seed: 1)) }
        #expect(one == four)
    }

    @Test func aDrawPrintsWithPyTensorsName() throws {
        let rng = Tensor.randomGenerator(seed: 1, name: "rng")
        let x = normal(mean: 0, std: 1, shape: [3], rng: rng)
        let text = x.dprint()
        #expect(text.hasPrefix("normal_rv{\"(),()->()\"} [id A]\n ├─ rng [id B]\n ├─ [3] [id C]"), "\(text)")
        #expect("\(gamma(alpha: 2, rng: rng).owner!.op)" == "gamma_rv{\"(),()->()\"}")
        #expect("\(dirichlet(alpha: Tensor.vector("a"), rng: rng).owner!.op)" == "dirichlet_rv{\"(a)->(a)\"}")
        #expect("\(RandomGeneratorAdvance(.call))" == "RandomGeneratorAdvance{call}")
    }

    @Test func badGeneratorsAreCaughtWhenBuiltAndWhenRun() throws {
        let notAGenerator = Tensor.vector("v")
        let error = expectCotangentError { _ = try checked { normal(rng: notAGenerator) } }
        #expect(error?.message.contains("normal_rv{\"(),()->()\"}: the generator must be a random generator") == true)
        let key = Tensor.randomGeneratorInput("key")
        let f = try function(inputs: [key], outputs: [normal(rng: key)])
        let wrong = expectCotangentError { _ = try f(NDArray([Int64(1), 2, 3])) }
        #expect(wrong?.message.contains("key") == true || wrong?.message.contains("shape") == true, "\(wrong?.message ?? "")")
        let split = expectCotangentError { _ = try checked { key.split(-1) } }
        #expect(split?.message.contains("≥ 0") == true)
    }
}
