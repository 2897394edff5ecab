import CotangentArrays

// The per-op rules of sparsity detection: which input elements each output element reads, and
// whether the op combines them nonlinearly. The drivers (`jacobianSparsity`, `sparseJacobian`,
// `sparseHessian`) compose these rules over a graph with static shapes.

/// Which elements of one input each element of one output reads (flat row-major indices on
/// both sides).
public enum ElementMap: Sendable {
    /// Output element `o` reads input element `sources[o]` alone, or nothing when it is -1
    /// (elementwise maps with broadcasting, transposes, slices, gathers with constant indices).
    case gather([Int])
    /// Output element `o` reads the input elements `indices[offsets[o]..<offsets[o + 1]]`
    /// (reductions, scatters with repeated indices).
    case lists(offsets: [Int], indices: [Int])
    /// Output element `o` reads the input elements the closure appends for `o`, computed on
    /// demand, so a rule whose lists would be large (a product's rows and columns, a prefix
    /// sum's prefixes) stores nothing.
    case computed(@Sendable (_ output: Int, _ into: inout [Int]) -> Void)
    /// Every output element reads every input element.
    case all

    /// Appends the input elements output element `output` reads (`inputCount`: the input's
    /// element count, for `.all`).
    public func append(_ output: Int, inputCount: Int, to buffer: inout [Int]) {
        switch self {
        case .gather(let sources): if sources[output] >= 0 { buffer.append(sources[output]) }
        case .lists(let offsets, let indices): buffer.append(contentsOf: indices[offsets[output]..<offsets[output + 1]])
        case .computed(let elements): elements(output, &buffer)
        case .all: buffer.append(contentsOf: 0..<inputCount)
        }
    }

    /// The identity of `count` elements (reshapes, `SpecifyShape`).
    public static func identity(_ count: Int) -> ElementMap { .gather(Array(0..<count)) }

    /// numpy broadcasting of an input of shape `inputShape` to `outputShape` (shapes aligned at
    /// the right; an input dim of 1 repeats).
    public static func broadcast(from inputShape: [Int], to outputShape: [Int]) -> ElementMap {
        let count = outputShape.reduce(1, *)
        let lead = outputShape.count - inputShape.count
        var inputStrides = [Int](repeating: 0, count: outputShape.count)
        var step = 1
        for axis in stride(from: inputShape.count - 1, through: 0, by: -1) {
            inputStrides[lead + axis] = inputShape[axis] == 1 && outputShape[lead + axis] != 1 ? 0 : step
            step *= inputShape[axis]
        }
        if inputShape == outputShape { return .identity(count) }
        let sources = elementOffsets(shape: outputShape, strides: inputStrides)
        return .gather(sources)
    }

    /// A reduction of `inputShape` over `axes` (all axes when nil): output element `o` reads its
    /// group of input elements. The output's kept axes are in input order.
    public static func reduction(of inputShape: [Int], axes: [Int]?) -> ElementMap {
        let reduced = Set(axes ?? Array(0..<inputShape.count))
        let keptShape = inputShape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        let outputCount = keptShape.reduce(1, *)
        var outputStrides = [Int](repeating: 0, count: inputShape.count)
        var step = 1
        for axis in stride(from: inputShape.count - 1, through: 0, by: -1) where !reduced.contains(axis) {
            outputStrides[axis] = step
            step *= inputShape[axis]
        }
        let inputCount = inputShape.reduce(1, *)
        // Counting sort of the input elements by output element.
        let target = elementOffsets(shape: inputShape, strides: outputStrides)
        var offsets = [Int](repeating: 0, count: outputCount + 1)
        for t in target { offsets[t + 1] += 1 }
        for o in 0..<outputCount { offsets[o + 1] += offsets[o] }
        var fill = offsets
        var indices = [Int](repeating: 0, count: inputCount)
        for (i, t) in target.enumerated() {
            indices[fill[t]] = i
            fill[t] += 1
        }
        return .lists(offsets: offsets, indices: indices)
    }

    /// The map of an op that only moves or copies elements (slices, transposes, joins,
    /// scatters), found by running the op itself on the flat indices: input `input` holds
    /// `index + 1` (in its dtype), the node's other float inputs hold zeros and its integer
    /// inputs must be constants (nil otherwise: the caller falls back). An output element
    /// holding `v > 0` read input element `v - 1`. With `summing: true` (a scatter that adds
    /// values written to one place), the op also runs on ones to count the writers, and an
    /// element written by several reads all of the input (conservative).
    public static func tracingMovement(
        of node: Apply, output: Int, input: Int, inputShapes: [[Int]], summing: Bool = false
    ) -> ElementMap? {
        func run(_ fill: (Int) -> Double) -> [Double]? {
            var arrays: [NDArray] = []
            for (k, variable) in node.inputs.enumerated() {
                if k == input {
                    let count = inputShapes[k].reduce(1, *)
                    let values = (0..<count).map(fill)
                    arrays.append(NDArray(shape: inputShapes[k], elements: values).converted(to: variable.dtype))
                } else if let constant = variable.constantValue {
                    arrays.append(constant)
                } else if variable.dtype.isFloat {
                    arrays.append(NDArray(shape: inputShapes[k], elements: [Double](repeating: 0, count: inputShapes[k].reduce(1, *))).converted(to: variable.dtype))
                } else {
                    return nil
                }
            }
            guard let results = try? node.op.perform(arrays, node: node), output < results.count else { return nil }
            return results[output].converted(to: .float64).asArray(Double.self)
        }
        // Exactly representable indices only (float32 holds integers up to 2²⁴).
        guard node.inputs[input].dtype == .float64
            || (node.inputs[input].dtype == .float32 && inputShapes[input].reduce(1, *) < 1 << 24)
        else { return nil }
        guard let values = run({ Double($0 + 1) }) else { return nil }
        guard summing else { return .gather(values.map { $0 > 0 ? Int($0) - 1 : -1 }) }
        guard let counts = run({ _ in 1 }) else { return nil }
        let inputCount = inputShapes[input].reduce(1, *)
        var offsets = [0]
        var indices: [Int] = []
        for (value, count) in zip(values, counts) {
            if count == 1 { indices.append(Int(value) - 1) } else if count > 1 { indices.append(contentsOf: 0..<inputCount) }
            offsets.append(indices.count)
        }
        return .lists(offsets: offsets, indices: indices)
    }
}

/// Which pairs of input elements an op combines nonlinearly, for the Hessian's pattern: the
/// second derivatives that can be nonzero.
public enum SecondOrderInteraction: Sendable {
    /// Linear in its inputs (sums, moves, sign changes, prefix sums): no second derivatives.
    case none
    /// Linear in each input separately (a product, matmul, convolution): pairs of elements of
    /// different inputs.
    case acrossInputs
    /// Nonlinear: every pair of the elements an output element reads.
    case all
}

/// An op's sparsity rule for one of its outputs: a map per input (nil for an input the output
/// does not depend on differentiably: indices, shapes) and the op's second-order interaction.
public struct ElementDependencies: Sendable {
    /// One map per input of the node, nil where the output has no derivative along the input.
    public var inputs: [ElementMap?]
    /// Which pairs of read elements have second derivatives.
    public var interaction: SecondOrderInteraction

    /// The rule of an op that only moves or copies elements of the inputs `inputs` (linear),
    /// each map found by ``ElementMap/tracingMovement(of:output:input:inputShapes:summing:)``;
    /// nil when one cannot be traced (an index input that is not a constant).
    public static func tracingMovement(
        of node: Apply, output: Int, inputShapes: [[Int]], inputs: [Int], summing: Bool = false
    ) -> ElementDependencies? {
        var maps = [ElementMap?](repeating: nil, count: node.inputs.count)
        for k in inputs where node.inputs[k].dtype.isFloat {
            guard let map = ElementMap.tracingMovement(
                of: node, output: output, input: k, inputShapes: inputShapes, summing: summing)
            else { return nil }
            maps[k] = map
        }
        return ElementDependencies(inputs: maps, interaction: .none)
    }

    /// Element `o` is element `o` of the first input (of `count` elements); the other inputs
    /// (shapes) have no derivative. Reshapes and shape assertions.
    public static func identityOnFirstInput(_ count: Int, inputCount: Int) -> ElementDependencies {
        ElementDependencies(
            inputs: [.identity(count)] + Array(repeating: nil, count: inputCount - 1), interaction: .none)
    }

    /// A rule from its maps and interaction.
    public init(inputs: [ElementMap?], interaction: SecondOrderInteraction) {
        self.inputs = inputs
        self.interaction = interaction
    }
}
