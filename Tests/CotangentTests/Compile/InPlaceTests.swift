import Foundation
import Synchronization
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// What each probe node was handed, by label (tests run in parallel, so every test uses its own
/// labels).
private let handedOver = Mutex<[String: [Bool]]>([:])

private func handovers(_ label: String) -> [Bool] { handedOver.locked { $0[label] ?? [] } }

/// Negates a float64 vector, in place when the engine hands its input over, and records what it
/// was given: a probe of the engine's destroy rules.
private struct NegateProbe: Op {
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("a test op") }

    let label: String
    let arity: Int

    var description: String { "NegateProbe{\(label)}" }

    func outputTypes(for inputs: [Variable]) throws -> [TensorType] { [inputs[0].type] }

    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    func destroyCandidates(_ node: Apply) -> [Int] { Array(0..<arity) }

    func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        let handed = (0..<arity).map { destroying.contains($0) }
        handedOver.locked { $0[label, default: []].append(contentsOf: handed) }
        let x = inputs[0]
        let target = handed[0] ? x : NDArray.uninitialized(dtype: .float64, shape: x.shape)
        let (source, result) = (x.basePointer(as: Double.self), target.basePointer(as: Double.self))
        for i in 0..<x.count {
            result[target.offset + i * target.strides[0]] = -source[x.offset + i * x.strides[0]]
        }
        return [target]
    }
}

private func probe(_ label: String, _ inputs: Variable...) -> Variable {
    build(NegateProbe(label: label, arity: inputs.count), inputs)
}

private func values(_ array: NDArray) -> [Double] { array.asArray(Double.self) }

@Suite("In-place execution and buffer reuse")
struct InPlaceTests {
    let data: [Double] = [1, -2, 3.5, 4]

    /// Compiles without rewriting, so the graph runs exactly as built.
    func run(_ inputs: [Variable], _ outputs: [Variable], _ arguments: NDArray...) throws -> [NDArray] {
        try function(inputs: inputs, outputs: outputs, mode: .unoptimized).call(arguments)
    }

    @Test func aCallersArgumentIsNeverOverwritten() throws {
        let x = Tensor.vector("x")
        let argument = NDArray(data)
        let out = try run([x], [probe("argument", x)], argument)
        #expect(handovers("argument") == [false])
        #expect(values(out[0]) == data.map { -$0 })
        #expect(values(argument) == data)
    }

    @Test func aViewOfAnArgumentIsNeverOverwritten() throws {
        // The reversed view is an intermediate that dies at the probe, but its memory is the
        // caller's: only the run-time reference check can tell.
        let x = Tensor.vector("x")
        let argument = NDArray(data)
        let out = try run([x], [probe("argument view", x[.stride(by: -1)])], argument)
        #expect(handovers("argument view") == [false])
        #expect(values(out[0]) == data.reversed().map { -$0 })
        #expect(values(argument) == data)
    }

    @Test func aDeadTemporaryIsOverwritten() throws {
        let x = Tensor.vector("x")
        let argument = NDArray(data)
        let out = try run([x], [probe("temporary", x * 2)], argument)
        #expect(handovers("temporary") == [true])
        #expect(values(out[0]) == data.map { -2 * $0 })
        #expect(values(argument) == data)
    }

    @Test func aViewOfADeadTemporaryIsOverwritten() throws {
        let x = Tensor.vector("x")
        let out = try run([x], [probe("temporary view", (x * 2)[.stride(by: -1)])], NDArray(data))
        #expect(handovers("temporary view") == [true])
        #expect(values(out[0]) == data.reversed().map { -2 * $0 })
    }

    @Test func constantsAndSharedValuesAreNeverOverwritten() throws {
        let x = Tensor.vector("x")
        let constant = Tensor.constant(NDArray(data))
        let w = Tensor.shared(NDArray(data), name: "w")
        let f = try function(
            inputs: [x], outputs: [probe("constant", constant) + x, probe("shared", w) + x], mode: .unoptimized)
        for _ in 0..<2 {
            let out = try f(NDArray([0.0, 0, 0, 0]))
            #expect(values(out[0]) == data.map { -$0 })
            #expect(values(out[1]) == data.map { -$0 })
        }
        #expect(handovers("constant") == [false, false])
        #expect(handovers("shared") == [false, false])
        #expect(values(try #require(w.sharedValue)) == data)
    }

    @Test func aValueReadLaterIsNotOverwritten() throws {
        let x = Tensor.vector("x")
        let t = x * 2
        let out = try run([x], [probe("read later", t) + t], NDArray(data))
        #expect(handovers("read later") == [false])
        #expect(values(out[0]) == [0, 0, 0, 0])
    }

    @Test func anOutputIsNotOverwritten() throws {
        let x = Tensor.vector("x")
        let t = x * 2
        let out = try run([x], [probe("output", t), t], NDArray(data))
        #expect(handovers("output") == [false])
        #expect(values(out[0]) == data.map { -2 * $0 })
        #expect(values(out[1]) == data.map { 2 * $0 })
    }

    @Test func aValueWhoseViewIsAnOutputIsNotOverwritten() throws {
        let x = Tensor.vector("x")
        let t = x * 2
        let view = t[.stride(by: -1)]
        // Whichever runs first, the probe must leave the memory the view shows intact.
        let out = try run([x], [view, probe("viewed", t)], NDArray(data))
        #expect(handovers("viewed") == [false])
        #expect(values(out[0]) == data.reversed().map { 2 * $0 })
        #expect(values(out[1]) == data.map { -2 * $0 })
    }

    @Test func aValueReadTwiceByOneNodeIsNotOverwritten() throws {
        let x = Tensor.vector("x")
        let t = x * 2
        let out = try run([x], [probe("twice", t, t)], NDArray(data))
        #expect(handovers("twice") == [false, false])
        #expect(values(out[0]) == data.map { -2 * $0 })
    }

    @Test func anUpdateMayReuseATemporaryButNotTheOldSharedValue() throws {
        let w = Tensor.shared(NDArray(data), name: "w")
        let before = try #require(w.sharedValue)
        let step = try function(
            inputs: [], outputs: [w.sum()], mode: .unoptimized, updates: [w: probe("update", w * 2)])
        _ = try step()
        _ = try step()
        #expect(handovers("update") == [true, true])
        #expect(values(before) == data)
        #expect(values(try #require(w.sharedValue)) == data.map { 4 * $0 })
    }

    @Test func elementwiseChainsReuseTheirFirstTemporary() throws {
        // cumsum's output dies at the fused elementwise node, which then writes its result into
        // that memory; its input is loaded into scratch before each block is written, so the
        // other instructions still read the original values.
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let c = cumsum(x)
        let expression = exp(c) * c + c * y - c
        let rewritten = rewriteGraph([expression], include: ["fast_run"])[0]
        let node = try #require(rewritten.owner)
        #expect(node.op is Elemwise)
        let cumulative = NDArray([0.5, -1.0, 2.0, 0.25])
        let other = NDArray([1.0, 2.0, -3.0, 4.0])
        let cValue = [0.5, -0.5, 1.5, 1.75]
        let expected = zip(cValue, values(other)).map { c, y in Foundation.exp(c) * c + c * y - c }
        let positionOfC = try #require(node.inputs.firstIndex { $0.owner?.op is CumOp })
        var arguments = [other, other]
        arguments[positionOfC] = NDArray(cValue)
        let handed = arguments[positionOfC]
        #expect(node.op.destroyCandidates(node).contains(positionOfC))
        let result = try node.op.perform(arguments, node: node, destroying: InputSet([positionOfC]))[0]
        #expect(result.storage === handed.storage)
        for (got, want) in zip(values(result), expected) { #expect(abs(got - want) <= 1e-12 * max(1, abs(want))) }
        // And the engine hands it over: the same values through a compiled function.
        let out = try function(inputs: [x, y], outputs: [expression])(cumulative, other)[0]
        for (got, want) in zip(values(out), expected) { #expect(abs(got - want) <= 1e-12 * max(1, abs(want))) }
    }

    @Test func aMultiOutputNodeReadsItsOverwrittenInputFromScratch() throws {
        // Fusion makes one two-output node of these. Whichever output is written into c's
        // memory, the other output's instructions must still read the original c.
        let x = Tensor.vector("x")
        let c = cumsum(x)
        let e = exp(c)
        let outputs = rewriteGraph([e, e * c], include: ["fast_run"])
        let node = try #require(outputs[0].owner)
        #expect(outputs[1].owner === node)
        #expect(node.inputs.count == 1)
        let first = try #require(node.outputs.firstIndex { $0 === outputs[0] })
        let second = try #require(node.outputs.firstIndex { $0 === outputs[1] })
        let original = [0.5, -1.0, 2.0]
        let handed = NDArray(original)
        let results = try node.op.perform([handed], node: node, destroying: InputSet([0]))
        #expect(results.contains { $0.storage === handed.storage })
        // The kernel picks the output; the program must be right whichever output it is.
        let elemwise = try #require(node.op as? Elemwise)
        let program = try ElemwiseProgram.compiled(elemwise.scalarOp, arity: 1, inputs: [.float64])
        for reused in [first, second] {
            let memory = NDArray(original)
            let outputs = program.run([memory], shape: [3], reusing: [reused: 0])
            #expect(outputs[reused].storage === memory.storage)
            for (k, got) in values(outputs[first]).enumerated() {
                #expect(abs(got - Foundation.exp(original[k])) <= 1e-12 * Foundation.exp(original[k]))
            }
            for (k, got) in values(outputs[second]).enumerated() {
                let want = Foundation.exp(original[k]) * original[k]
                #expect(abs(got - want) <= 1e-12 * abs(want))
            }
        }
    }

    @Test func shortRowsGatheredIntoOneBlockStillReadOverwrittenInputsFirst() throws {
        // A [4, 3] temporary and a broadcast [1, 3] row: the loop keeps two dimensions, and its
        // short rows (3 ≤ blockSize / 8) run several to a block.
        let m = Tensor.matrix("m")
        let row = Tensor.matrix("row", shape: [1, nil])
        let c = cumsum(m, axis: 0)
        let e = exp(c)
        let outputs = rewriteGraph([e, e * c + row], include: ["fast_run"])
        let node = try #require(outputs[0].owner)
        #expect(outputs[1].owner === node)
        let cPosition = try #require(node.inputs.firstIndex { $0.owner?.op is CumOp })
        let first = try #require(node.outputs.firstIndex { $0 === outputs[0] })
        let second = try #require(node.outputs.firstIndex { $0 === outputs[1] })
        let cValues = (0..<12).map { Double($0) * 0.25 - 1 }
        let rowValues = [0.5, -1.0, 2.0]
        let elemwise = try #require(node.op as? Elemwise)
        let program = try ElemwiseProgram.compiled(elemwise.scalarOp, arity: 2, inputs: [.float64, .float64])
        for reused in [first, second] {
            var arguments = [NDArray(shape: [1, 3], elements: rowValues), NDArray(shape: [1, 3], elements: rowValues)]
            arguments[cPosition] = NDArray(shape: [4, 3], elements: cValues)
            let memory = arguments[cPosition]
            let results = program.run(arguments, shape: [4, 3], reusing: [reused: cPosition])
            #expect(results[reused].storage === memory.storage)
            for (k, got) in values(results[first]).enumerated() {
                #expect(abs(got - Foundation.exp(cValues[k])) <= 1e-12 * Foundation.exp(cValues[k]))
            }
            for (k, got) in values(results[second]).enumerated() {
                let want = Foundation.exp(cValues[k]) * cValues[k] + rowValues[k % 3]
                #expect(abs(got - want) <= 1e-12 * max(1, abs(want)))
            }
        }
    }

    @Test func broadcastingAndDtypeChangesNeverReuseAnInput() throws {
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        let row = Tensor.matrix("row", shape: [1, nil])
        let node = try #require((m + row).owner)
        // A [1, 3] input cannot hold a [2, 3] output.
        let small = NDArray(shape: [1, 3], elements: [1.0, 2.0, 3.0])
        let wide = NDArray(shape: [2, 3], elements: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        let result = try node.op.perform([wide, small], node: node, destroying: InputSet([0, 1]))[0]
        #expect(result.storage === wide.storage)
        #expect(values(result) == [2, 4, 6, 5, 7, 9])
        let fresh = NDArray(shape: [2, 3], elements: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        let narrow = try node.op.perform([fresh, small], node: node, destroying: InputSet([1]))[0]
        #expect(narrow.storage !== small.storage)
        #expect(values(narrow) == [2, 4, 6, 5, 7, 9])
        // An int64 input never holds a float64 output.
        let n = Tensor.vector("n", dtype: .int64)
        let mixed = try #require((n + x).owner)
        let ints = NDArray([1, 2, 3] as [Int64])
        let sum = try mixed.op.perform([ints, NDArray([0.5, 0.5, 0.5])], node: mixed, destroying: InputSet([0]))[0]
        #expect(sum.storage !== ints.storage)
        #expect(values(sum) == [1.5, 2.5, 3.5])
    }

    @Test func setSubtensorWritesIntoAHandedOverTemporary() throws {
        let x = Tensor.vector("x")
        let c = cumsum(x)
        let updated = c.setting(at: [1..<3], to: Tensor.constant(0.0))
        let node = try #require(updated.owner)
        let handed = NDArray([1.0, 2.0, 3.0, 4.0])
        let arguments = [handed] + node.inputs.dropFirst().map { try! $0.eval() }
        let result = try node.op.perform(arguments, node: node, destroying: InputSet([0]))[0]
        #expect(result.storage === handed.storage)
        #expect(values(result) == [1, 0, 0, 4])
        let copy = try node.op.perform([NDArray([1.0, 2.0, 3.0, 4.0])] + arguments.dropFirst(), node: node)[0]
        #expect(values(copy) == [1, 0, 0, 4])
        let argument = NDArray(data)
        let out = try function(inputs: [x], outputs: [updated, updated * 2])(argument)
        #expect(values(out[0]) == [1, 0, 0, 6.5])
        #expect(values(out[1]) == [2, 0, 0, 13])
        #expect(values(argument) == data)
    }

    @Test func repeatedAndConcurrentCallsGiveTheSameValues() async throws {
        // A graph with in-place steps (a fused chain on a cumsum, a set_subtensor on a temporary
        // and an output that is a view of a temporary), run many times from many tasks.
        let x = Tensor.vector("x")
        let c = cumsum(x)
        let chained = exp(c) * c - c
        let set = cumsum(chained).setting(at: [0], to: Tensor.constant(0.0))
        let f = try function(inputs: [x], outputs: [set, set[.stride(by: -1)], chained])
        let argument = NDArray((0..<1000).map { Double($0 % 7) * 0.01 })
        let expected = try f(argument).map(values)
        let reference = try function(inputs: [x], outputs: [set, set[.stride(by: -1)], chained], mode: .unoptimized)(argument)
        for (a, b) in zip(expected, reference.map(values)) {
            for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-9 * max(1, abs(v))) }
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask { try (0..<20).allSatisfy { _ in try f(argument).map(values) == expected } }
            }
            for try await same in group { #expect(same) }
        }
        #expect(values(argument) == (0..<1000).map { Double($0 % 7) * 0.01 })
    }
}

@Suite("Function profiles")
struct FunctionProfileTests {
    @Test func profileTimesEveryNodeAndKeepsTheValues() throws {
        let x = Tensor.vector("x")
        let w = Tensor.shared(NDArray([1.0, 1.0]), name: "w")
        let f = try function(
            inputs: [x], outputs: [cumsum(x) * 2], mode: .unoptimized, updates: [w: w * 2])
        let profile = try f.profile([NDArray([1.0, 2.0])], calls: 3)
        #expect(profile.calls == 3)
        #expect(profile.entries.map { "\($0.node.op)" } == ["CumOp{None, add}", "ExpandDims{axis=0}", "Mul", "ExpandDims{axis=0}", "Mul"])
        #expect(profile.entries.allSatisfy { $0.time > .zero })
        #expect(profile.description.hasPrefix("5 nodes, 3 calls, "))
        #expect(profile.description.contains("CumOp{None, add} -> (?,)"))
        // The updates ran once per profiled call.
        #expect(try #require(w.sharedValue).asArray(Double.self) == [8, 8])
        #expect(throws: CotangentError.self) { try f.profile([NDArray([[1.0]])]) }
    }

    @Test func aLoopsRowHoldsItsBodysTime() throws {
        // An op that runs graphs of its own (here a scan) is timed like any other node.
        let x = Tensor.vector("x")
        let h0 = Tensor.scalar("h0")
        let (last, _) = scan(initial: h0, over: x) { h, v in
            let next = h * 0.5 + v
            return (next, next)
        }
        let f = try function(inputs: [x, h0], outputs: [last], mode: .unoptimized)
        let profile = try f.profile([NDArray((0..<200).map(Double.init)), NDArray(scalar: 0.0)], calls: 2)
        let loop = try #require(profile.entries.first { "\($0.node.op)".hasPrefix("Scan{") })
        #expect(loop.time > .zero)
    }
}

@Suite("Elementwise threads")
struct ElementwiseThreadTests {
    @Test func twoThreadsGiveTheSameBitsAsOne() throws {
        // Large enough to split (2^17 + 3 elements, not a multiple of the block size), a
        // multi-output fused node, and an in-place output on a cumsum temporary.
        let n = (1 << 17) + 3
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let c = cumsum(x)
        let e = exp(-sqr(c) * 1e-9) * y
        let outputs = [e, tanh(c * y) + e, (x * y).sum()]
        let f = try function(inputs: [x, y], outputs: outputs)
        let xs = NDArray((0..<n).map { Double($0 % 97) * 0.01 - 0.3 })
        let ys = NDArray((0..<n).map { Double($0 % 89) * 0.02 - 0.7 })
        let single = try KernelOptions.singleThreaded.withCurrent {
            #expect(ElementwiseThreading.parts(elements: n) == 1)
            return try f(xs, ys)
        }
        let two = KernelOptions(elementwiseThreads: 2)
        let double = try two.withCurrent {
            #expect(ElementwiseThreading.parts(elements: n) == 2)
            #expect(ElementwiseThreading.parts(elements: 1000) == 1)
            return try f(xs, ys)
        }
        // The same split through the function's own options, whatever the caller's.
        let own = try function(inputs: [x, y], outputs: outputs, kernelOptions: two)
        #expect(try own(xs, ys).map { $0.asArray(Double.self).map(\.bitPattern) }
            == single.map { $0.asArray(Double.self).map(\.bitPattern) })
        for (a, b) in zip(single, double) {
            #expect(a.shape == b.shape)
            #expect(a.asArray(Double.self).map(\.bitPattern) == b.asArray(Double.self).map(\.bitPattern))
        }
    }
}
