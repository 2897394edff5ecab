import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Elemwise's kernel prepared at compile time against the op's own `perform`: the same bits,
/// the same in-place behaviour, the same errors.
@Suite("Prepared kernels")
struct PreparedKernelTests {
    /// Values for the node's inputs: each input's static shape with its unknown dims set to
    /// `lengths`, elements of its dtype from a counter (varied signs and magnitudes).
    private func arguments(for node: Apply, lengths: [Int], seed: Int) -> [NDArray] {
        node.inputs.enumerated().map { k, input in
            let shape = input.type.shape.enumerated().map { axis, dim in dim ?? lengths[axis] }
            let count = shape.reduce(1, *)
            let values: [Double] = (0..<count).map { (i: Int) -> Double in
                let counter = (i * 37 + k * 11 + seed) % 23
                return Double(counter) * 0.25 - 2.5
            }
            return NDArray(shape: shape, elements: values).converted(to: input.dtype)
        }
    }

    /// The fused node of `outputs` after the standard rewrites (its only Elemwise node).
    private func fusedNode(_ outputs: [Variable]) throws -> Apply {
        let rewritten = rewriteGraph(outputs, include: ["fast_run"], exclude: ["inplace"])
        let nodes = GraphTraversal.toposort(rewritten).filter { $0.op is Elemwise }
        return try #require(nodes.last)
    }

    private func bits(_ arrays: [NDArray]) -> [[UInt64]] {
        arrays.map { array in array.converted(to: .float64).asArray(Double.self).map(\.bitPattern) }
    }

    @Test(arguments: [1, 3, 64, 255, 256, 257, 1000])
    func fusedNodeGivesPerformsBits(length: Int) throws {
        // Mixed dtypes (float32 and int32 loaded into lanes, a float32 output converted on
        // store), a row broadcast, a 0-d scalar read at every lane, and two outputs.
        let x = Tensor.vector("x", dtype: .float32)
        let m = Tensor.matrix("m", dtype: .int32)
        let s = Tensor.scalar("s")
        let a = exp(x * 0.5) * m.cast(to: .float32)
        let b = tanh(a.cast(to: .float64) * s) + s
        let node = try fusedNode([a, b])
        #expect(node.outputs.count == 2)
        let kernel = try #require(node.op.preparedKernel(node))
        for rows in [1, 4] {
            let inputs = arguments(for: node, lengths: [rows, length], seed: length)
            let expected = try node.op.perform(inputs, node: node)
            let prepared = try kernel.perform(inputs, destroying: .none)
            #expect(prepared.map(\.dtype) == expected.map(\.dtype))
            #expect(prepared.map(\.shape) == expected.map(\.shape))
            #expect(bits(prepared) == bits(expected))
        }
    }

    @Test(arguments: [5, 300])
    func destroyedInputIsOverwrittenAsPerformWould(length: Int) throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let node = try fusedNode([exp(x) * y - x])
        let kernel = try #require(node.op.preparedKernel(node))
        let expected = try node.op.perform(arguments(for: node, lengths: [length], seed: 1), node: node)
        let inputs = arguments(for: node, lengths: [length], seed: 1)
        let position = try #require(node.op.destroyCandidates(node).first)
        let result = try kernel.perform(inputs, destroying: InputSet([position]))
        #expect(bits(result) == bits(expected))
        #expect(result[0].storage === inputs[position].storage)
    }

    @Test(arguments: [DType.float64, .int64, .float32])
    func anOverwrittenInputIsReadBeforeItsMemoryIsWritten(dtype: DType) throws {
        // The first output is written into x's memory, and the second output reads x after
        // it: x's lanes are copied to scratch first (a plain copy for float64 and int64).
        let x = Tensor.vector("x", dtype: dtype)
        let y = Tensor.vector("y", dtype: dtype)
        let node = try fusedNode([x * y, (x + y) * x])
        let kernel = try #require(node.op.preparedKernel(node))
        let position = try #require(node.inputs.firstIndex { $0 === x })
        #expect(node.op.destroyCandidates(node).contains(position))
        for length in [1, 7, 300] {
            let expected = try node.op.perform(arguments(for: node, lengths: [length], seed: 3), node: node)
            let inputs = arguments(for: node, lengths: [length], seed: 3)
            let result = try kernel.perform(inputs, destroying: InputSet([position]))
            #expect(bits(result) == bits(expected))
            #expect(result.contains { $0.storage === inputs[position].storage })
        }
    }

    @Test func conflictingLengthsThrowPerformsError() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let node = try fusedNode([x * y + 1])
        let kernel = try #require(node.op.preparedKernel(node))
        let inputs = [NDArray([1.0, 2.0, 3.0]), NDArray([1.0, 2.0])]
        let expected = #expect(throws: CotangentError.self) { try node.op.perform(inputs, node: node) }
        let thrown = #expect(throws: CotangentError.self) { try kernel.perform(inputs, destroying: .none) }
        #expect(thrown?.message == expected?.message)
        #expect(thrown?.message.contains("do not match in dimension 0 (3 vs 2)") == true)
    }

    @Test func inputsOfAnotherDTypeOrRankGoToPerform() throws {
        // An unchecked call (trustInput) can pass what the node was not prepared for.
        let x = Tensor.vector("x")
        let node = try fusedNode([exp(x) + 1])
        let kernel = try #require(node.op.preparedKernel(node))
        let float32 = [NDArray([0.5, 1.5]).converted(to: .float32)]
        #expect(bits(try kernel.perform(float32, destroying: .none)) == bits(try node.op.perform(float32, node: node)))
        let matrix = [NDArray(shape: [1, 2], elements: [0.5, 1.5])]
        let expected = #expect(throws: CotangentError.self) { try node.op.perform(matrix, node: node) }
        let thrown = #expect(throws: CotangentError.self) { try kernel.perform(matrix, destroying: .none) }
        #expect(thrown?.message == expected?.message)
        #expect(thrown?.message.contains("input 0 has shape (1, 2), of rank 2, where the node expects rank 1") == true)
    }

    @Test func compiledFunctionsUseThePreparedKernel() throws {
        let x = Tensor.vector("x")
        let f = try function(inputs: [x], outputs: [exp(x) * 2 + x])
        let step = try #require(f.program.steps.first { $0.node.op is Elemwise })
        #expect(step.kernel is PreparedElemwise)
        let value = try f.call([NDArray([0.0, 1.0])])[0].asArray(Double.self)
        #expect(value == [2.0, 2 * Foundation.exp(1.0) + 1])
    }
}
