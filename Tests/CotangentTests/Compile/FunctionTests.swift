import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Compiled functions")
struct FunctionTests {
    @Test func compiledFunctionComputesTheSeedVJP() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let vjp = pullback(log(x), wrt: x, cotangent: v)
        let f = try function(inputs: [x, v], outputs: [vjp])
        let out = try f(NDArray([1.0, 2.0, 3.0]), NDArray([4.0, 5.0, 6.0]))
        #expect(out[0].description == "array([4. , 2.5, 2. ])")
        // Called again with other values: the schedule is reusable.
        #expect(try f(NDArray([2.0]), NDArray([1.0]))[0].asArray(Double.self) == [0.5])
    }

    @Test func inputsAreCheckedUnlessTrusted() throws {
        let x = Tensor.vector("x", shape: [3])
        let f = try function(inputs: [x], outputs: [x * 2])
        #expect(throws: CotangentError.self) { try f(NDArray([1.0, 2.0])) }
        #expect(throws: CotangentError.self) { try f(NDArray([1.0, 2.0, 3.0]), NDArray([1.0])) }
        do {
            _ = try f(NDArray([[1.0, 2.0, 3.0]]))
            Issue.record("expected a rank error")
        } catch let error as CotangentError {
            #expect(error.kind == .inputMismatch)
            #expect(error.message.contains("'x'"))
            #expect(error.message.contains("(1, 3)"))
        }
        let trusted = try function(inputs: [x], outputs: [x * 2], trustInput: true)
        #expect(try trusted(NDArray([1.0, 2.0, 3.0]))[0].asArray(Double.self) == [2, 4, 6])
    }

    @Test func missingAndUnusedInputs() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        #expect { try function(inputs: [x], outputs: [x + y]) } throws: { error in
            (error as? CotangentError)?.kind == .missingInput && "\(error)".contains("'y'")
        }
        #expect { try function(inputs: [x, y], outputs: [x * 2]) } throws: { error in
            (error as? CotangentError)?.kind == .unusedInput
        }
        let f = try function(inputs: [x, y], outputs: [x * 2], onUnusedInput: .ignore)
        #expect(try f(NDArray([1.0]), NDArray([5.0]))[0].asArray(Double.self) == [2])
        #expect(throws: CotangentError.self) { try function(inputs: [x * 2], outputs: [x]) }
        #expect(throws: CotangentError.self) { try function(inputs: [x, x], outputs: [x]) }
    }

    @Test func sharedVariablesKeepStateAcrossCalls() throws {
        // Gradient descent on (w - target)² written once, run many times.
        let w = Tensor.shared(NDArray([0.0, 0.0]), name: "w")
        let target = Tensor.vector("target")
        let loss = sqr(w - target).sum()
        let step = try function(
            inputs: [target], outputs: [loss], updates: [w: w - 0.25 * grad(loss, wrt: w)])
        var last = Double.infinity
        for _ in 0..<20 {
            let value = try step(NDArray([1.0, -2.0]))[0].item(Double.self)
            #expect(value <= last)
            last = value
        }
        let learned = w.sharedValue!.asArray(Double.self)
        #expect(Swift.abs(learned[0] - 1) < 1e-5 && Swift.abs(learned[1] + 2) < 1e-5)
        // eval reads the shared value too.
        #expect(try (w * 2).eval().asArray(Double.self).map { $0.rounded() } == [2, -4])
        try w.setSharedValue(NDArray([3.0, 3.0]))
        #expect(throws: CotangentError.self) { try w.setSharedValue(NDArray([Int64(1), 2])) }
        #expect(throws: CotangentError.self) {
            try function(inputs: [target], outputs: [loss], updates: [target: target])
        }
    }

    @Test func callsFromSeveralThreadsAtOnce() async throws {
        let x = Tensor.vector("x")
        let f = try function(inputs: [x], outputs: [cumsum(exp(x) * 2)])
        let results = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for k in 0..<32 {
                group.addTask {
                    let input = NDArray((0..<100).map { Double($0 + k) * 0.01 })
                    return (k, try f(input)[0].asArray(Double.self))
                }
            }
            var all: [Int: [Double]] = [:]
            for try await (k, values) in group { all[k] = values }
            return all
        }
        for k in 0..<32 {
            let input = NDArray((0..<100).map { Double($0 + k) * 0.01 })
            #expect(results[k] == (try cumsum(exp(Tensor.constant(input)) * 2).eval(mode: .unoptimized)).asArray(Double.self))
        }
    }

    @Test func callerArraysAreNeverModified() throws {
        let x = Tensor.vector("x")
        let f = try function(inputs: [x], outputs: [exp(x) + 1, x])
        let input = NDArray([1.0, 2.0])
        let out = try f(input)
        #expect(input.asArray(Double.self) == [1, 2])
        #expect(out[1].asArray(Double.self) == [1, 2])
    }

    @Test func unoptimizedModeRunsTheGraphAsBuilt() throws {
        let x = Tensor.vector("x")
        let f = try function(inputs: [x], outputs: [log(x + 1)], mode: .unoptimized)
        #expect(try f(NDArray([0.0]))[0].asArray(Double.self) == [0])
    }

    /// A kept frame keeps the constants in their slots between calls, except a constant that
    /// is also an output (the end of a call empties output slots): every call sees them all.
    @Test func constantsServeEveryCallOfAKeptFrame() throws {
        let x = Tensor.vector("x")
        let table = Tensor.constant(NDArray([10.0, 20.0]))
        for mode in [CompileMode.fastRun, .unoptimized] {
            let f = try function(inputs: [x], outputs: [x * table + 1, table, x[..<1] * 3], mode: mode)
            for call in 0..<4 {
                let out = try f(NDArray([Double(call), 1.0]))
                #expect(out[0].asArray(Double.self) == [Double(call) * 10 + 1, 21], "\(mode) call \(call)")
                #expect(out[1].asArray(Double.self) == [10, 20], "\(mode) call \(call)")
                #expect(out[2].asArray(Double.self) == [Double(call) * 3], "\(mode) call \(call)")
            }
        }
    }
}
