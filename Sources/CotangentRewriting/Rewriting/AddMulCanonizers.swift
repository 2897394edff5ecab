import CotangentArrays
import CotangentGraph
import CotangentOps

// Algebraic canonicalization of sums and products (PyTensor's AlgebraicCanonizer, simplified):
// flatten nested single-use add/sub/neg (mul/true_div/reciprocal) trees into positive and
// negative terms (numerators and denominators), fold the scalar constants into one constant
// placed first, cancel terms that appear on both sides, and rebuild. A node already in that
// form is left alone, so canonical graphs are fixed points.

/// One side of a canonical form: terms, the folded constant, and whether anything changed.
private struct CanonicalTerms {
    package var positive: [FunctionGraph.Value] = []
    package var negative: [FunctionGraph.Value] = []
    package var constant: Double
    package var constantCount = 0
    package var flattened = false
}

/// A uniform constant that broadcasts like a scalar (every dim statically 1).
private func scalarLike(_ value: FunctionGraph.Value) -> Double? {
    guard value.type.shape.allSatisfy({ $0 == 1 }) else { return nil }
    return uniformConstant(value)
}

// The op sets the canonizers flatten through (built once, not per call).
private let additiveOps: Set<ScalarOp> = [.add, .sub, .neg]
private let multiplicativeOps: Set<ScalarOp> = [.mul, .trueDiv, .reciprocal]
private let productOps: Set<ScalarOp> = [.mul]

/// Whether `value` is a single-use intermediate of the same dtype that may be flattened.
private func flattenable(_ context: RewriteContext, _ value: FunctionGraph.Value, dtype: DType, ops: Set<ScalarOp>) -> Bool {
    guard let op = value.elemwiseOp, ops.contains(op), value.type.dtype == dtype else { return false }
    return liveClientCount(value) == 1 && !context.isOutput(value)
}

/// `(n + 2) − 1` → `Add(1, n)`; `x − x + y` → `y`. PyTensor's `local_add_canonizer`.
package let localAddCanonizer = NodeRewriter(
    "local_add_canonizer", elemwise: [.add, .sub, .neg],
    placed: [.canonicalize(70)]
) { context, node in
    let output = node.outputs[0]
    guard let op = output.elemwiseOp, [.add, .sub, .neg].contains(op), output.type.dtype != .bool
    else { return nil }
    let dtype = output.type.dtype
    var terms = CanonicalTerms(constant: 0)
    // Expand iteratively: (value, sign).
    var stack: [(FunctionGraph.Value, Bool)] = []  // value, sign
    switch op {
    case .add: stack = node.inputs.reversed().map { ($0, true) }
    case .sub: stack = [(node.inputs[1], false), (node.inputs[0], true)]
    default: stack = [(node.inputs[0], false)]
    }
    while let (value, positive) = stack.popLast() {
        if let c = scalarLike(value) {
            terms.constant += positive ? c : -c
            terms.constantCount += 1
            continue
        }
        if flattenable(context, value, dtype: dtype, ops: additiveOps), let inner = value.owner {
            terms.flattened = true
            switch value.elemwiseOp! {
            case .add: stack.append(contentsOf: inner.inputs.reversed().map { ($0, positive) })
            case .sub: stack.append(contentsOf: [(inner.inputs[1], !positive), (inner.inputs[0], positive)])
            default: stack.append((inner.inputs[0], !positive))
            }
            continue
        }
        if positive { terms.positive.append(value) } else { terms.negative.append(value) }
    }
    // Cancel terms present with both signs.
    var cancelled = 0
    var negatives: [FunctionGraph.Value] = []
    for value in terms.negative {
        if let match = terms.positive.firstIndex(where: { $0 === value }) {
            terms.positive.remove(at: match)
            cancelled += 1
        } else {
            negatives.append(value)
        }
    }
    terms.negative = negatives
    let constantFirst = op == .add && terms.constantCount == 1 && scalarLike(node.inputs[0]) != nil && terms.constant != 0
    let alreadyCanonical =
        !terms.flattened && cancelled == 0
        && (terms.constantCount == 0 || (terms.constantCount == 1 && constantFirst))
    if alreadyCanonical { return nil }
    // Rebuild: constant first, then positive terms; negatives subtracted.
    // Terms are brought to the output dtype: a dropped constant may have been what made the sum
    // wider (`0.0 + int8 a + int8 b` is float32; an int8 add would wrap).
    var positives: [Variable] = terms.positive.map { context.handle($0).cast(to: dtype) }
    if terms.constant != 0 || (positives.isEmpty && terms.negative.isEmpty) {
        positives.insert(scalarConstant(terms.constant, dtype: dtype), at: 0)
    }
    let subtracted = terms.negative.map { context.handle($0).cast(to: dtype) }
    var result: Variable
    switch (positives.count, subtracted.count) {
    case (0, _): result = -(subtracted.count == 1 ? subtracted[0] : elemwise(.add, subtracted))
    case (1, 0): result = positives[0]
    case (_, 0): result = elemwise(.add, positives)
    default:
        let plus = positives.count == 1 ? positives[0] : elemwise(.add, positives)
        result = plus - (subtracted.count == 1 ? subtracted[0] : elemwise(.add, subtracted))
    }
    if rebuildsItself(context, result, node) { return nil }
    // Cancelled terms (`x + y - y` → `x`) leave their length checks behind. Without a
    // cancellation the result reads every term, and its own ops check their lengths: a check
    // there would only sit on the value path, where it blocks fusion. (The shape is built only
    // when needed: inferring it is most of a canonizer's cost.)
    let rebuilt = matching(result, to: output, shape: context.shape(of: output))
    return [cancelled > 0 ? keepingShapeChecks(rebuilt, shape: context.shape(of: output)) : rebuilt]
}

/// `Shape_i · 2` → `Mul(2, Shape_i)`; `(x·y)/x` → `y`; nested single-use products flattened
/// with their constants folded. PyTensor's `local_mul_canonizer`.
package let localMulCanonizer = NodeRewriter(
    "local_mul_canonizer", elemwise: [.mul, .trueDiv, .reciprocal],
    placed: [.canonicalize(80)]
) { context, node in
    let output = node.outputs[0]
    guard let op = output.elemwiseOp, [.mul, .trueDiv, .reciprocal].contains(op), output.type.dtype != .bool
    else { return nil }
    let dtype = output.type.dtype
    var terms = CanonicalTerms(constant: 1)
    var stack: [(FunctionGraph.Value, Bool)] = []
    switch op {
    case .mul: stack = node.inputs.reversed().map { ($0, true) }
    case .trueDiv: stack = [(node.inputs[1], false), (node.inputs[0], true)]
    default: stack = [(node.inputs[0], false)]
    }
    while let (value, numerator) = stack.popLast() {
        if let c = scalarLike(value), numerator || (dtype.isFloat && c != 0) {
            terms.constant = numerator ? terms.constant * c : terms.constant / c
            terms.constantCount += 1
            continue
        }
        if flattenable(context, value, dtype: dtype, ops: dtype.isFloat ? multiplicativeOps : productOps),
            let inner = value.owner
        {
            terms.flattened = true
            switch value.elemwiseOp! {
            case .mul: stack.append(contentsOf: inner.inputs.reversed().map { ($0, numerator) })
            case .trueDiv: stack.append(contentsOf: [(inner.inputs[1], !numerator), (inner.inputs[0], numerator)])
            default: stack.append((inner.inputs[0], !numerator))
            }
            continue
        }
        if numerator { terms.positive.append(value) } else { terms.negative.append(value) }
    }
    var cancelled = 0
    var denominators: [FunctionGraph.Value] = []
    for value in terms.negative {
        if let match = terms.positive.firstIndex(where: { $0 === value }) {
            terms.positive.remove(at: match)
            cancelled += 1
        } else {
            denominators.append(value)
        }
    }
    let constantFirst = op == .mul && terms.constantCount == 1 && scalarLike(node.inputs[0]) != nil
        && terms.constant != 1
    let alreadyCanonical =
        !terms.flattened && cancelled == 0
        && (terms.constantCount == 0 || (terms.constantCount == 1 && constantFirst))
    if alreadyCanonical { return nil }
    // As in the add canonizer: `1.0 · int32 x · int32 z` multiplies in float64, not int32.
    var numerators = terms.positive.map { context.handle($0).cast(to: dtype) }
    if terms.constant != 1 || numerators.isEmpty {
        numerators.insert(scalarConstant(terms.constant, dtype: dtype), at: 0)
    }
    var result = numerators.count == 1 ? numerators[0] : elemwise(.mul, numerators)
    if !denominators.isEmpty {
        let denominatorTerms = denominators.map { context.handle($0).cast(to: dtype) }
        let denominator = denominatorTerms.count == 1 ? denominatorTerms[0] : elemwise(.mul, denominatorTerms)
        result = result / denominator
    }
    if rebuildsItself(context, result, node) { return nil }
    // Cancelled terms (`x + y - y` → `x`) leave their length checks behind. Without a
    // cancellation the result reads every term, and its own ops check their lengths: a check
    // there would only sit on the value path, where it blocks fusion. (The shape is built only
    // when needed: inferring it is most of a canonizer's cost.)
    let rebuilt = matching(result, to: output, shape: context.shape(of: output))
    return [cancelled > 0 ? keepingShapeChecks(rebuilt, shape: context.shape(of: output)) : rebuilt]
}

/// Whether a rebuilt expression is the node itself (same ops, inputs that are the node's inputs
/// or equal scalar constants, compared structurally through freshly built inner nodes): the node
/// was already canonical and rewriting it again would loop.
private func rebuildsItself(_ context: RewriteContext, _ result: Variable, _ node: FunctionGraph.Node) -> Bool {
    guard let owner = result.owner else { return false }
    return sameComputation(context, owner, node, depth: 6)
}

private func sameComputation(_ context: RewriteContext, _ new: Apply, _ old: FunctionGraph.Node, depth: Int) -> Bool {
    guard depth > 0, new.op.isEqual(to: old.op), new.inputs.count == old.inputs.count else { return false }
    return zip(new.inputs, old.inputs).allSatisfy { newInput, oldInput in
        if context.graph.lookup(newInput) === oldInput { return true }
        if let a = scalarConstantValue(newInput), let b = uniformConstant(oldInput) {
            return a == b && newInput.dtype == oldInput.type.dtype
        }
        guard let newOwner = newInput.owner, let oldOwner = oldInput.owner,
            newInput.index == oldInput.index
        else { return false }
        return sameComputation(context, newOwner, oldOwner, depth: depth - 1)
    }
}

/// The value of a uniform constant seen through `ExpandDims` and casts (for fresh variables).
private func scalarConstantValue(_ variable: Variable) -> Double? {
    var current = variable
    while true {
        if let value = current.constantValue {
            let elements = value.asArray(Double.self)
            guard let first = elements.first, elements.allSatisfy({ $0 == first }) else { return nil }
            return first
        }
        guard let owner = current.owner, owner.isOp(DimShuffle.self) else { return nil }
        current = owner.inputs[0]
    }
}

/// An add or mul whose scalar constants are not one constant in first place → the same node
/// with its constants folded and placed first, and a single-use operand of the same op that
/// holds a constant spliced in (`2 · (3 · x) · y` → `6 · x · y`): the form the canonizers give.
/// In specialize only: canonicalize does not run again, and a constant folded there (a `Sum`
/// of constants specialized late) would otherwise sit apart until a second rewrite.
package let localCommutativeConstantFirst = NodeRewriter(
    "local_commutative_constant_first", elemwise: [.add, .mul],
    placed: [.specialize(300)]
) { context, node in
    guard let scalarOp = node.scalarOp, node.inputs.count >= 2 else { return nil }
    let dtype = node.outputs[0].type.dtype
    guard dtype != .bool else { return nil }
    // Operands in the canonizers' order, with nested constant-holding operands spliced in.
    var operands: [FunctionGraph.Value] = []
    var spliced = false
    for input in node.inputs {
        if let inner = input.owner, inner.scalarOp == scalarOp, input.type.dtype == dtype,
            flattenable(context, input, dtype: dtype, ops: [scalarOp]),
            inner.inputs.contains(where: { scalarLike($0) != nil })
        {
            operands.append(contentsOf: inner.inputs)
            spliced = true
        } else {
            operands.append(input)
        }
    }
    let constants = operands.filter { scalarLike($0) != nil }
    let rest = operands.filter { scalarLike($0) == nil }
    guard !constants.isEmpty, spliced || constants.count > 1 || scalarLike(operands[0]) == nil else { return nil }
    // Integer constants are left apart: a folded product may not fit the dtype, and
    // `local_mul_specialize` keeps an integer sign as a `neg`.
    guard constants.count == 1 || dtype.isFloat else { return nil }
    // Folded in Double and rounded once to the dtype, as the canonizers fold; an identity is
    // dropped as they drop it.
    let folded = constants.map { scalarLike($0)! }.reduce(scalarOp == .add ? 0 : 1, scalarOp == .add ? (+) : (*))
    var factors = rest.map { context.handle($0, as: dtype) }
    if folded != (scalarOp == .add ? 0 : 1) || factors.isEmpty {
        factors.insert(constants.count == 1 ? context.handle(constants[0]) : scalarConstant(folded, dtype: dtype), at: 0)
    }
    return context.replacement(factors.count == 1 ? factors[0] : elemwise(scalarOp, factors), for: node.outputs[0])
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let addMulCanonizers: [NodeRewriter] = [
        localAddCanonizer,
        localMulCanonizer,
        localCommutativeConstantFirst,
    ]
}
