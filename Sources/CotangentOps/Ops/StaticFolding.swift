import CotangentArrays
import CotangentGraph

/// Build-time folding of small shape-like values: what PyTensor's `infer_static_shape` and
/// `get_scalar_constant_value` do when an op's static output shape depends on input *values*
/// (Reshape, Alloc, Eye).
///
/// A variable folds when it is a constant, a `Shape`/`Shape_i` of dimensions that are statically
/// known, or the output of a node whose inputs all fold (the node's own kernel computes it). Only
/// small values are folded (every folded value has a fully static shape of at most
/// ``maxElements`` elements) and at most ``maxNodes`` nodes are visited, so folding stays cheap
/// however large the graph. Folding runs kernels at build time, so it relies on every op being a
/// pure function of its inputs.
package enum StaticFolding {
    package static let maxElements = 64
    package static let maxNodes = 256

    /// The value of `variable` when it is known at build time, else nil.
    package static func value(of variable: Variable) -> NDArray? {
        // The walk's first step, without its tables: constants, static lengths and graph
        // inputs end here.
        if let direct = directValue(of: variable) { return direct }
        guard variable.owner != nil, isSmall(variable.type), !isUnknownLength(variable) else { return nil }
        var known: [Variable: NDArray] = [:]
        var unknown = Set<Variable>()
        var visitedNodes = 0
        var stack = [variable]
        while let top = stack.last {
            if known[top] != nil || unknown.contains(top) {
                stack.removeLast()
                continue
            }
            if let direct = directValue(of: top) {
                known[top] = direct
                stack.removeLast()
                continue
            }
            guard let owner = top.owner, isSmall(top.type) else {
                unknown.insert(top)
                stack.removeLast()
                continue
            }
            if owner.inputs.contains(where: unknown.contains) {
                unknown.insert(top)
                stack.removeLast()
                continue
            }
            let pending = owner.inputs.filter { known[$0] == nil }
            if !pending.isEmpty {
                // Counted on its first visit (when none of its inputs is known yet).
                if pending.count == owner.inputs.count {
                    visitedNodes += 1
                    if visitedNodes > maxNodes { return nil }
                }
                // One input at a time: once one is unknown, so is this value, and the others
                // need no walk (a shape entry `Assert(n, n == m)` over a large input stops at
                // `Shape_i`'s unknown length instead of walking every check).
                stack.append(pending[pending.count - 1])
                continue
            }
            stack.removeLast()
            let arguments = owner.inputs.compactMap { known[$0] }
            guard arguments.count == owner.inputs.count,
                let results = try? owner.op.perform(arguments, node: owner),
                results.count > top.index
            else {
                unknown.insert(top)
                continue
            }
            known[top] = results[top.index]
        }
        return known[variable]
    }

    /// The integer value of a one-element integer (or bool) variable known at build time.
    package static func integer(_ variable: Variable) -> Int64? {
        guard !variable.dtype.isFloat, let value = value(of: variable), value.count == 1 else {
            return nil
        }
        return value.item(Int64.self)
    }

    /// The entries of an integer vector of `count` elements that are known at build time (nil
    /// for the others), looking through `MakeVector` (entry by entry), `Shape` (static
    /// dimensions) and `SpecifyShape`.
    package static func vectorEntries(_ vector: Variable, count: Int) -> [Int64?] {
        var current = vector
        while true {
            if !current.dtype.isFloat, let value = value(of: current), value.shape == [count] {
                return value.asArray(Int64.self)
            }
            guard let owner = current.owner else { break }
            switch owner.op {
            case is MakeVector where owner.inputs.count == count:
                return owner.inputs.map(integer)
            case is ShapeOp where owner.inputs[0].ndim == count:
                return owner.inputs[0].type.shape.map { $0.map(Int64.init) }
            case is SpecifyShape:
                current = owner.inputs[0]
                continue
            default:
                break
            }
            break
        }
        return Array(repeating: nil, count: count)
    }

    /// Values known without running a kernel.
    private static func directValue(of variable: Variable) -> NDArray? {
        if let constant = variable.constantValue { return constant }
        guard let owner = variable.owner else { return nil }
        let input = owner.inputs.first
        // (`isOp` and `castOp` compare the op's type first: most nodes a walk meets are none of
        // these three.)
        if let shapeI = owner.castOp(to: ShapeI.self) {
            guard let input, shapeI.axis < input.ndim, let length = input.type.shape[shapeI.axis] else { return nil }
            return NDArray(scalar: Int64(length))
        }
        if owner.isOp(ShapeOp.self) {
            guard let input else { return nil }
            let lengths = input.type.shape.compactMap { $0 }
            guard lengths.count == input.ndim else { return nil }
            return NDArray(lengths.map { Int64($0) })
        }
        // `x.shape[i]` with a constant `i`: a static length of `x` even when others are
        // unknown (PyTensor's `get_scalar_constant_value` reads through it the same way).
        guard owner.castOp(to: Subtensor.self)?.idxList == [.index],
            let shape = input, let shapeOwner = shape.owner, shapeOwner.isOp(ShapeOp.self),
            let index = owner.inputs[1].constantValue, index.count == 1, !index.dtype.isFloat
        else { return nil }
        let dims = shapeOwner.inputs[0].type.shape
        let raw = Int(index.item(Int64.self))
        let position = raw < 0 ? raw + dims.count : raw
        guard dims.indices.contains(position), let length = dims[position] else { return nil }
        return NDArray(scalar: Int64(length))
    }

    /// Whether `variable` is a length unknown at build time, found without the walk's tables: a
    /// `Shape_i` of a dimension with no static length, or a checked length (`Assert`) of one.
    /// Elementwise shapes are such lengths, and each `Alloc` a gradient builds folds its own:
    /// walking a checked length's conditions (each a comparison of further checked lengths)
    /// cost thousands of instructions per length to find what its first input says.
    private static func isUnknownLength(_ variable: Variable) -> Bool {
        var current = variable
        while let owner = current.owner, owner.isOp(Assert.self) { current = owner.inputs[0] }
        guard let owner = current.owner, let shapeI = owner.castOp(to: ShapeI.self) else { return false }
        let input = owner.inputs[0]
        return input.constantValue == nil && shapeI.axis < input.ndim && input.type.shape[shapeI.axis] == nil
    }

    private static func isSmall(_ type: TensorType) -> Bool {
        let lengths = type.shape.compactMap { $0 }
        guard lengths.count == type.ndim, let count = exactProduct(lengths) else { return false }
        return count <= maxElements
    }
}
