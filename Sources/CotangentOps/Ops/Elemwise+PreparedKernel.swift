import CotangentArrays
import CotangentGraph
import Synchronization

// Elemwise's kernel prepared for one node when a function is compiled. `perform` finds, on every
// call, the program for the inputs' dtypes (a locked cache), which dimensions of which inputs
// broadcast (from the node's variables), and the output dtypes; all of that is fixed by the node,
// so the prepared kernel reads it from plain arrays. Anything unexpected — inputs of another dtype
// or rank, lengths that conflict, an allocation too big, no program for the dtypes — goes to
// `perform`, which says what is wrong exactly as before.

extension Elemwise {
    /// The node's kernel with its broadcast pattern and dtypes resolved (its program on the
    /// first call).
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        PreparedElemwise(op: self, node: node)
    }
}

/// An ``Elemwise`` node's kernel with everything the node fixes read once.
final class PreparedElemwise: PreparedKernel {
    private let op: Elemwise
    private let node: Apply
    /// The compiled program, found on the first call rather than when the function is
    /// compiled: compiling a function of a thousand fused nodes would otherwise compile a
    /// thousand programs before any call (the first call needs them anyway).
    private let program = Mutex<ElemwiseProgram?>(nil)
    private let inputDTypes: [DType]
    private let rank: Int
    /// `takesPart[k * rank + axis]`: whether input `k` sets the output's length along `axis`
    /// (it is not statically 1 there, so it does not broadcast).
    private let takesPart: [Bool]
    private let outputDTypes: [DType]
    /// The widest output dtype: what the allocation check measures.
    private let widest: DType
    /// An input that broadcasts along no axis: its shape, when the inputs agree, is the
    /// output's, and the outputs share its shape array instead of allocating one.
    private let fullInput: Int?

    init(op: Elemwise, node: Apply) {
        self.op = op
        self.node = node
        inputDTypes = node.inputs.map(\.dtype)
        let rank = node.inputs.first?.ndim ?? 0
        self.rank = rank
        let takesPart = node.inputs.flatMap { input in (0..<rank).map { input.type.shape[$0] != 1 } }
        self.takesPart = takesPart
        outputDTypes = node.outputTypes.map(\.dtype)
        widest = outputDTypes.max { $0.itemSize < $1.itemSize } ?? .float64
        fullInput = node.inputs.indices.first { k in (0..<rank).allSatisfy { takesPart[k * rank + $0] } }
    }

    /// The program for the node's input dtypes, or nil when there is none.
    private func compiledProgram() -> ElemwiseProgram? {
        if let known = program.locked({ $0 }) { return known }
        guard let compiled = try? ElemwiseProgram.compiled(op.scalarOp, arity: inputDTypes.count, inputs: inputDTypes)
        else { return nil }
        program.locked { $0 = compiled }
        return compiled
    }

    func perform(_ inputs: [NDArray], destroying: InputSet) throws -> [NDArray] {
        guard inputs.count == inputDTypes.count, let shape = outputShape(inputs), let program = compiledProgram() else {
            return try op.perform(inputs, node: node, destroying: destroying)
        }
        let reusing = destroying.isEmpty
            ? [:]
            : Elemwise.overwrittenInputs(
                inputs, shape: shape, destroying: destroying, program: program, outputDTypes: outputDTypes)
        let outputs = program.run(inputs, shape: shape, reusing: reusing)
        guard outputs.indices.contains(where: { outputs[$0].dtype != outputDTypes[$0] }) else { return outputs }
        return zip(outputs, outputDTypes).map { value, dtype in value.dtype == dtype ? value : value.converted(to: dtype) }
    }

    /// With one output, computed into `buffer` when no input is overwritten instead and the
    /// buffer is a dense array of the output's dtype and shape (a loop's spare carry).
    func performSingle(_ inputs: [NDArray], destroying: InputSet, into buffer: NDArray) throws -> NDArray {
        guard outputDTypes.count == 1, buffer.dtype == outputDTypes[0], inputs.count == inputDTypes.count,
            let shape = outputShape(inputs), let program = compiledProgram(), program.outputDTypes[0] == outputDTypes[0],
            buffer.shape == shape, buffer.isContiguous
        else { return try performSingle(inputs, destroying: destroying) }
        let reusing = destroying.isEmpty
            ? [:]
            : Elemwise.overwrittenInputs(
                inputs, shape: shape, destroying: destroying, program: program, outputDTypes: outputDTypes)
        return program.run(inputs, shape: shape, reusing: reusing, into: reusing.input(for: 0) == nil ? buffer : nil)[0]
    }

    /// The broadcast output shape, or nil when the inputs are not what the node was prepared
    /// for or `perform` would reject them.
    private func outputShape(_ inputs: [NDArray]) -> [Int]? {
        for (input, dtype) in zip(inputs, inputDTypes) where input.dtype != dtype || input.ndim != rank {
            return nil
        }
        var shape: [Int]
        if let fullInput {
            shape = inputs[fullInput].shape
            for k in inputs.indices where k != fullInput {
                for axis in 0..<rank where takesPart[k * rank + axis] && inputs[k].shape[axis] != shape[axis] {
                    return nil
                }
            }
        } else {
            shape = []
            shape.reserveCapacity(rank)
            for axis in 0..<rank {
                var length = -1
                for k in inputs.indices where takesPart[k * rank + axis] {
                    let candidate = inputs[k].shape[axis]
                    if length >= 0 && candidate != length { return nil }
                    length = candidate
                }
                shape.append(length < 0 ? 1 : length)
            }
        }
        var bytes = widest.itemSize
        var overflow = false
        for length in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: length) }
        // The allocation check of `perform`: an empty array is never too big.
        if (overflow || bytes > maximumAllocationBytes) && !shape.contains(0) { return nil }
        return shape
    }
}
