import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("ifElse and whileLoop")
struct BranchAndWhileTests {
    let x = Tensor.vector("x")
    let n = Tensor.scalar("n", dtype: .int64)

    @Test func onlyTheTakenSideRuns() throws {
        // The else-side reads x[10], which fails for a 3-element x: it must not run when n > 0.
        let branch = ifElse(n .> 0, then: x.sum(), else: x[10])
        let f = try function(inputs: [n, x], outputs: [branch])
        #expect(try f(NDArray(scalar: Int64(1)), NDArray([1.0, 2.0, 4.0]))[0].item(Double.self) == 7)
        #expect(throws: CotangentError.self) { try f(NDArray(scalar: Int64(0)), NDArray([1.0, 2.0, 4.0])) }
        // Only the branch node and the condition run outside: the sum lives in the branch.
        #expect(branch.owner!.inputs.count == 3)
        #expect(branch.owner!.inputs[1] === x)
    }

    @Test func branchValuesAndGradients() throws {
        let y = ifElse(n .> 0, then: x.sum(), else: x.prod())
        let g = grad(y, wrt: x)
        let f = try function(inputs: [n, x], outputs: [y, g])
        let positive = try f(NDArray(scalar: Int64(1)), NDArray([1.0, 2.0, 4.0]))
        #expect(positive[0].item(Double.self) == 7 && positive[1].asArray(Double.self) == [1, 1, 1])
        let negative = try f(NDArray(scalar: Int64(-1)), NDArray([1.0, 2.0, 4.0]))
        #expect(negative[0].item(Double.self) == 8 && negative[1].asArray(Double.self) == [8, 4, 2])
        for taken in [1.0, -1.0] {
            try verifyGrad({ v in ifElse(Variable(constant: NDArray(scalar: taken)) .> 0, then: exp(v[0]) * v[1], else: v[0] * v[0]) },
                           at: [randomPoint([3], -1...1, seed: 30), randomPoint([3], -1...1, seed: 31)])
            try verifyPushforward({ v in ifElse(Variable(constant: NDArray(scalar: taken)) .> 0, then: exp(v[0]) * v[1], else: v[0] * v[0]) },
                                  at: [randomPoint([3], -1...1, seed: 32), randomPoint([3], -1...1, seed: 33)])
        }
    }

    @Test func aScanInsideABranchAndABranchInsideAScan() throws {
        let cumulative = scan(initial: Variable(constant: NDArray(scalar: 0.0)), over: x) { s, v in (s + v, s + v) }.1
        let y = ifElse(n .> 0, then: cumulative, else: x * 2)
        let f = try function(inputs: [n, x], outputs: [y])
        #expect(try f(NDArray(scalar: Int64(1)), NDArray([1.0, 2.0, 4.0]))[0].asArray(Double.self) == [1, 3, 7])
        #expect(try f(NDArray(scalar: Int64(0)), NDArray([1.0, 2.0, 4.0]))[0].asArray(Double.self) == [2, 4, 8])
        // Inside: add positive entries, multiply by negative ones.
        func clipped(_ xs: Variable) -> Variable {
            scan(initial: Variable(constant: NDArray(scalar: 1.0)), over: xs) { s, v in
                let next = ifElse(v .> 0, then: s + v, else: s * v)
                return (next, next)
            }.0
        }
        #expect(try clipped(x).eval([x: NDArray([1.0, -2.0, 0.5])]).item(Double.self) == -3.5)
        try verifyGrad({ clipped($0[0]) }, at: [NDArray([0.7, -0.4, 1.3, -1.1])])
        try verifyGrad({ v in
            ifElse(Variable(constant: NDArray(scalar: true)), then: scan(initial: v[1], over: v[0]) { s, e in (s * e, s) }.1, else: v[0])
        }, at: [randomPoint([4], -1...1, seed: 34), NDArray(scalar: 0.8)])
    }

    @Test func whileLoopHalvesUntilSmall() throws {
        let x0 = Tensor.vector("x0")
        let root = whileLoop(initial: [x0], maxIterations: 50, while: { s in abs(s[0]).max() .> 1e-3 },
                             body: { s in [s[0] / 2] })
        // max |x0| = 1 needs 10 halvings to reach 1/1024 < 1e-3.
        #expect(try root[0].eval([x0: NDArray([1.0, -0.5])]).asArray(Double.self) == [1.0 / 1024, -0.5 / 1024])
        let capped = whileLoop(initial: [x0], maxIterations: 3, while: { s in abs(s[0]).max() .> 1e-3 },
                               body: { s in [s[0] / 2] })
        #expect(try capped[0].eval([x0: NDArray([1.0])]).asArray(Double.self) == [0.125])
        // Reverse mode over the steps that ran: d(x/2¹⁰)/dx.
        #expect(try grad(root[0].sum(), wrt: x0).eval([x0: NDArray([1.0, -0.5])]).asArray(Double.self)
                == [1.0 / 1024, 1.0 / 1024])
        let tangent = Tensor.vector("t")
        #expect(try pushforward(root[0], wrt: x0, tangent: tangent).eval([x0: NDArray([1.0, -0.5]), tangent: NDArray([1.0, 2.0])])
                .asArray(Double.self) == [1.0 / 1024, 2.0 / 1024])
    }

    @Test func whileLoopWithSeveralCarriesIsDifferentiable() throws {
        // Newton's iteration for sqrt(a), counting its steps in an int carry.
        func newton(_ a: Variable) -> [Variable] {
            whileLoop(
                initial: [a, Variable(constant: NDArray(scalar: Int64(0)))], maxIterations: 30,
                while: { s in abs(s[0] * s[0] - a) .> 1e-12 }, body: { s in [(s[0] + a / s[0]) / 2, s[1] + 1] })
        }
        let a = Tensor.scalar("a")
        let out = try function(inputs: [a], outputs: newton(a))(NDArray(scalar: 2.0))
        #expect(abs(out[0].item(Double.self) - 2.0.squareRoot()) < 1e-12)
        #expect(out[1].item(Int64.self) == 5)
        try verifyGrad({ newton($0[0])[0] }, at: [NDArray(scalar: 2.0)])
        try verifyPushforward({ newton($0[0])[0] }, at: [NDArray(scalar: 3.0)])
    }

    @Test func badConditionsAndBodiesAreErrors() {
        let x0 = Tensor.vector("x0")
        #expect(throws: CotangentError.self) {
            _ = try checked { whileLoop(initial: [x0], while: { s in s[0] .> 0 }, body: { s in [s[0]] }) }
        }
        #expect {
            _ = try checked { whileLoop(initial: [x0], while: { s in s[0].sum() .> 0 }, body: { s in [s[0].cast(to: .float32)] }) }
        } throws: { "\($0)".contains("carry 0 'x0'") }
        #expect(throws: CotangentError.self) {
            _ = try checked { ifElse(x0 .> 0, then: x0, else: x0) }
        }
        #expect {
            _ = try checked { ifElse(Tensor.scalar("c") .> 0, then: x0, else: x0.cast(to: .float32)) }
        } throws: { "\($0)".contains("float32") }
    }
}
