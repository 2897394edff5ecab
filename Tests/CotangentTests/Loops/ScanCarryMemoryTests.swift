import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// A fixed-size carry computed by a kernel that can write into given memory takes turns with
/// the carry of two steps before: a loop then allocates no carry per step.
@Suite("Scan carry memory")
struct ScanCarryMemoryTests {
    /// `h ← tanh(0.5·h + x[t])` over the rows of `xs`, returning the last `h` (no per-step
    /// output, so the only per-step values are the carry's).
    static func recurrence() throws -> CompiledFunction {
        let h0 = Tensor.vector("h0")
        let xs = Tensor.matrix("xs")
        let (carries, _) = scan(initial: [h0], over: [xs]) { h, x in ([tanh(h[0] * 0.5 + x[0])], []) }
        return try function(inputs: [h0, xs], outputs: [carries[0]])
    }

    /// The same recurrence in plain Swift.
    static func expected(_ h0: [Double], _ rows: [[Double]]) -> [Double] {
        rows.reduce(h0) { h, x in zip(h, x).map { Foundation.tanh($0 * 0.5 + $1) } }
    }

    @Test func carriesNeedNoNewMemoryPerStep() throws {
        let f = try Self.recurrence()
        let h0 = AutodiffTesting.random([64], seed: 61)
        func allocations(steps: Int) throws -> Int {
            let xs = AutodiffTesting.random([steps, 64], seed: 62)
            _ = try f(h0, xs)  // (the first call compiles the body)
            return try ArrayMemory.allocationCount { _ = try f(h0, xs) }
        }
        let short = try allocations(steps: 100)
        let long = try allocations(steps: 300)
        // Without the spare carries each step allocates its carry: 200 more.
        #expect(long - short <= 2, "100 steps: \(short) arrays, 300 steps: \(long)")
    }

    @Test func aCarryComputedFromAProductNeedsNoNewMemoryPerStep() throws {
        // `h ← tanh(x[t] + h·W)` (W9's step): the product is written into the spare carry and
        // the elementwise kernel overwrites it there.
        let h0 = Tensor.vector("h0")
        let xs = Tensor.matrix("xs")
        let w = Tensor.matrix("w")
        // The carry is also each step's output (stacked by copying it): it still takes turns.
        let (carries, outputs) = scan(initial: [h0], over: [xs]) { h, x in
            let next = tanh(x[0] + matmul(h[0], w))
            return ([next], [next])
        }
        let f = try function(inputs: [h0, xs, w], outputs: [carries[0], outputs[0].sum()])
        let (h, ws) = (AutodiffTesting.random([16], seed: 65), AutodiffTesting.random([16, 16], seed: 66, low: -0.3, high: 0.3))
        func allocations(steps: Int) throws -> Int {
            let xs = AutodiffTesting.random([steps, 16], seed: 67)
            _ = try f(h, xs, ws)
            return try ArrayMemory.allocationCount { _ = try f(h, xs, ws) }
        }
        let short = try allocations(steps: 100)
        let long = try allocations(steps: 300)
        #expect(long - short <= 2, "100 steps: \(short) arrays, 300 steps: \(long)")
        // The values: the recurrence in plain Swift.
        let sequence = AutodiffTesting.random([7, 16], seed: 68)
        var state = h.asArray(Double.self)
        let x = sequence.asArray(Double.self)
        let weights = ws.asArray(Double.self)
        for t in 0..<7 {
            var next = [Double](repeating: 0, count: 16)
            for j in 0..<16 {
                var total = x[t * 16 + j]
                for i in 0..<16 { total += state[i] * weights[i * 16 + j] }
                next[j] = Foundation.tanh(total)
            }
            state = next
        }
        let got = try f(h, sequence, ws)[0].asArray(Double.self)
        #expect(zip(got, state).allSatisfy { abs($0 - $1) <= 1e-13 }, "\(got) vs \(state)")
    }

    @Test func valuesAreThoseOfTheRecurrence() throws {
        let f = try Self.recurrence()
        let h0 = AutodiffTesting.random([5], seed: 63)
        for steps in [0, 1, 2, 3, 4, 17] {
            let xs = AutodiffTesting.random([steps, 5], seed: 64)
            let rows = (0..<steps).map { Array(xs.asArray(Double.self)[($0 * 5)..<($0 * 5 + 5)]) }
            let want = Self.expected(h0.asArray(Double.self), rows)
            let got = try f(h0, xs)[0]
            #expect(zip(got.asArray(Double.self), want).allSatisfy { abs($0 - $1) <= 1e-14 }, "\(steps) steps")
            // The caller's initial carry is never written.
            #expect(h0 == AutodiffTesting.random([5], seed: 63))
        }
    }

    @Test func carriesThatShareMemoryKeepTheirValues() throws {
        // Swapped carries, a carry that is a non-sequence, and a carry also stored as an output:
        // a spare still referenced elsewhere must not be written.
        let a0 = Tensor.vector("a0")
        let b0 = Tensor.vector("b0")
        let w = Tensor.vector("w")
        let (carries, outputs) = scan(initial: [a0, b0], length: Variable(constant: NDArray(scalar: Int64(5)))) { c, _ in
            ([exp(c[1] * 0.25), c[0] + w], [c[0]])
        }
        let swap = scan(initial: [a0, b0], length: Variable(constant: NDArray(scalar: Int64(5)))) { c, _ in
            ([c[1], c[0]], [])
        }.0
        let f = try function(inputs: [a0, b0, w], outputs: carries + outputs + swap)
        let (a, b, ws) = (NDArray([0.5, -1.0]), NDArray([2.0, 0.25]), NDArray([1.0, -3.0]))
        var (x, y) = (a.asArray(Double.self), b.asArray(Double.self))
        var stored: [[Double]] = []
        for _ in 0..<5 {
            stored.append(x)
            (x, y) = (y.map { Foundation.exp($0 * 0.25) }, zip(x, ws.asArray(Double.self)).map { $0 + $1 })
        }
        let got = try f(a, b, ws)
        #expect(got[0].asArray(Double.self) == x && got[1].asArray(Double.self) == y)
        #expect(got[2].asArray(Double.self) == stored.flatMap { $0 })
        #expect(got[3] == b && got[4] == a, "five swaps")
        #expect(ws == NDArray([1.0, -3.0]))
    }
}
