import CotangentArrays
import CotangentGraph

// Tensor products built from other ops: einsum, tensordot, inner, vdot and cross. A pairwise
// contraction is a matrix product (`Dot`, or `Blockwise(Dot)` over shared batch indices) of its
// operands transposed and reshaped to `(batch, m, k)` and `(batch, k, n)`; a repeated index
// within an operand is a `diagonal`, an index only one operand has and the result drops is a
// sum, and a product that sums nothing is an elementwise multiply. The derivatives, batching
// rules, matmul rewrites and GEMM kernels are those ops'.

// MARK: - einsum

/// Einstein summation, numpy's `einsum`: the operands multiplied together over their labelled
/// dimensions and summed over every index the output does not name.
///
/// `subscripts` names each operand's dimensions with letters, operands separated by commas,
/// optionally followed by `->` and the output's letters. numpy's whole grammar is accepted:
/// - An index shared by operands is multiplied along; an index missing from the output is summed
///   (`"ij,jk->ik"` is a matrix product, `"i,i->"` an inner product, `"ij->"` a total sum).
/// - Without `->`, the output is the indices that appear once, in alphabetical order (capitals
///   first): `"ij,jk"` means `"ij,jk->ik"`, `"ji"` a transpose.
/// - An index repeated within one operand takes a diagonal: `"ii->i"` is the diagonal,
///   `"ii"` the trace, `"iij->j"` the traces of the leading square blocks.
/// - `...` stands for the dimensions no letter names; they broadcast across operands
///   (aligned from the right, a static length 1 stretching to match) and come first in an
///   implicit output: `"...ij,...jk->...ik"` is a batched matrix product.
/// - A dimension of static length 1 broadcasts against the same index of another operand.
///
/// With more than two operands the contraction order is chosen greedily, as opt_einsum's and
/// numpy's greedy paths do: at each step the pair of operands sharing an index whose product
/// removes the most elements (the result's size minus the two operands' sizes; ties go to the
/// fewer multiply-adds, then to the earlier pair) is contracted, and pairs sharing no index are
/// considered only when no other pair is left. A length unknown until run time counts as 16.
/// Each pairwise contraction is a matrix product, `Dot` or `Blockwise(Dot)`, so the matmul
/// rewrites and kernels apply and the derivatives are the product's.
///
/// The result's dtype is numpy's: the promotion of the operands' dtypes (integer products wrap,
/// bool products are logical). A number operand counts as a 0-d int64 or float64 tensor, as
/// numpy's `einsum` reads a Python number. Subscripts that do not fit the operands (a character
/// that is not a letter, a letter count that does not match an operand's rank, an output index
/// that no operand has or that appears twice, static lengths of an index that differ) stop with a
/// message naming `einsum`, the subscripts and the operand types, or throw inside
/// `checked(_:)`; lengths known only at run time are checked when the graph runs.
///
/// ```swift
/// let C = einsum("ij,jk->ik", A, B)          // matmul(A, B)
/// let t = einsum("ii", A)                    // trace(A)
/// let y = einsum("...ij,...j->...i", M, v)   // a stack of matrix-vector products
/// let s = einsum("ij,jk,kl->il", A, B, D)    // contracted in the cheapest greedy order
/// ```
public func einsum(_ subscripts: String, _ operands: Variable...) -> Variable {
    einsum(subscripts, operands)
}

/// Einstein summation over an array of operands, numpy's `einsum`: the same as the variadic form.
public func einsum(_ subscripts: String, _ operands: [Variable]) -> Variable {
    let operands = operands.map(numpyOperand)
    let context = ContractionContext(function: "einsum(\"\(subscripts)\")", operands: operands)
    return reporting(context.placeholder) { try einsumContraction(subscripts, operands, context: context).result() }
}

/// The pairs `einsum` contracts for operands of these static shapes, in order, in numpy's
/// `einsum_path` notation: positions in the list of operands left, each product joining the end
/// of the list.
package func einsumPath(_ subscripts: String, shapes: [[Int?]]) throws -> [(Int, Int)] {
    let operands = shapes.map { Variable(type: TensorType(dtype: .float64, shape: $0), name: "operand") }
    let context = ContractionContext(function: "einsum(\"\(subscripts)\")", operands: operands)
    return try checked { try einsumContraction(subscripts, operands, context: context).path }
}

/// The contraction `subscripts` asks of `operands`, checked.
private func einsumContraction(
    _ subscripts: String, _ operands: [Variable], context: ContractionContext
) throws -> Contraction {
    guard !operands.isEmpty else { throw context.error("needs at least one operand") }
    let parsed = try EinsumSubscripts(parsing: subscripts, ranks: operands.map(\.ndim), context: context)
    return try Contraction(
        operands: operands, labels: parsed.inputs, output: parsed.output, broadcasts: true, context: context,
        labelName: parsed.name)
}

/// A number operand of a tensor product as numpy reads a Python number: a 0-d int64 or float64
/// tensor, which takes part in the dtype promotion like any other.
private func numpyOperand(_ x: Variable) -> Variable {
    x.isWeaklyTyped ? x.cast(to: x.dtype) : x
}

/// What a tensor product's messages name: the call (`einsum("ij,jk")`, `tensordot(axes: 1)`)
/// and the operand types.
private struct ContractionContext {
    let function: String
    let operands: [Variable]

    func error(_ problem: String) -> CotangentError {
        CotangentError(.invalidGraph, "\(function): \(problem); operand types: \(describeTypes(operands))")
    }

    /// The promotion of the operands' dtypes.
    var dtype: DType { DType.promote(operands.map(\.dtype)) }

    /// The value returned after a reported error.
    var placeholder: Variable { placeholderVariable(TensorType(dtype: dtype, shape: [])) }
}

/// einsum's subscripts read against the operands' ranks: each dimension's label (a letter's
/// character code, or a negative number for a dimension `...` stands for, `-1` the last) and the
/// output's labels.
private struct EinsumSubscripts {
    /// Each operand's labels, one per dimension.
    var inputs: [[Int]]
    /// The output's labels, one per dimension.
    var output: [Int]
    /// How many dimensions `...` stands for in the output: the most it covers in any operand.
    var broadcastRank: Int

    private struct Term {
        var letters: [Int]
        /// The position among the letters where `...` stands, if present.
        var ellipsis: Int?
    }

    init(parsing subscripts: String, ranks: [Int], context: ContractionContext) throws {
        let text = subscripts.filter { $0 != " " }
        let sides = text.components(separatedBy: "->")
        guard sides.count <= 2 else { throw context.error("'->' appears more than once") }
        let termTexts = sides[0].split(separator: ",", omittingEmptySubsequences: false)
        guard termTexts.count == ranks.count else {
            throw context.error("the subscripts name \(termTexts.count) operand(s) but \(ranks.count) were given")
        }
        let terms = try termTexts.enumerated().map { k, term in
            try Self.parseTerm(term, of: "operand \(k)", context: context)
        }
        var ellipsisRanks: [Int] = []
        for (k, (term, rank)) in zip(terms, ranks).enumerated() {
            let spelled = String(termTexts[k])
            if term.ellipsis == nil, term.letters.count != rank {
                throw context.error(
                    "operand \(k) has \(rank) dimension(s) but its subscripts '\(spelled)' name \(term.letters.count)")
            }
            if term.ellipsis != nil, term.letters.count > rank {
                throw context.error(
                    "operand \(k) has \(rank) dimension(s), fewer than the \(term.letters.count) letters of '\(spelled)'")
            }
            ellipsisRanks.append(term.ellipsis == nil ? 0 : rank - term.letters.count)
        }
        let broadcastRank = ellipsisRanks.max() ?? 0
        inputs = zip(terms, ellipsisRanks).map { term, count in
            guard let position = term.ellipsis else { return term.letters }
            return Array(term.letters[..<position]) + Array(-count..<0) + Array(term.letters[position...])
        }
        let allBroadcast = Array(-broadcastRank..<0)
        if sides.count == 2 {
            let term = try Self.parseTerm(Substring(sides[1]), of: "the output", context: context)
            let present = Set(inputs.joined())
            var seen = Set<Int>()
            for letter in term.letters {
                guard seen.insert(letter).inserted else {
                    throw context.error("the output subscript \(Self.name(letter)) appears more than once")
                }
                guard present.contains(letter) else {
                    throw context.error("the output subscript \(Self.name(letter)) is not a subscript of any operand")
                }
            }
            if let position = term.ellipsis {
                output = Array(term.letters[..<position]) + allBroadcast + Array(term.letters[position...])
            } else if let k = ellipsisRanks.firstIndex(where: { $0 > 0 }) {
                throw context.error(
                    "operand \(k) has \(ellipsisRanks[k]) dimension(s) under '...' but the output has no '...' to keep them")
            } else {
                output = term.letters
            }
        } else {
            var counts: [Int: Int] = [:]
            for letter in terms.flatMap(\.letters) { counts[letter, default: 0] += 1 }
            output = allBroadcast + counts.filter { $0.value == 1 }.keys.sorted()
        }
        self.broadcastRank = broadcastRank
    }

    /// A term's letters and where its `...` stands.
    private static func parseTerm(_ text: Substring, of owner: String, context: ContractionContext) throws -> Term {
        var term = Term(letters: [], ellipsis: nil)
        var position = text.startIndex
        while position < text.endIndex {
            let character = text[position]
            if character == "." {
                guard text[position...].hasPrefix("..."), term.ellipsis == nil else {
                    throw context.error("\(owner) has a '.' that is not part of one ellipsis ('...')")
                }
                term.ellipsis = term.letters.count
                position = text.index(position, offsetBy: 3)
                continue
            }
            guard let code = character.asciiValue, character.isLetter else {
                throw context.error("invalid subscript '\(character)' in \(owner): subscripts are the letters a-z and A-Z")
            }
            term.letters.append(Int(code))
            position = text.index(after: position)
        }
        return term
    }

    /// A letter label as `'i'`.
    private static func name(_ letter: Int) -> String { "'\(Character(Unicode.Scalar(UInt8(letter))))'" }

    /// A label as the messages name it: `'i'`, or `'...' dimension 0` (counted from the left of
    /// the output's `...`).
    func name(_ label: Int) -> String {
        label >= 0 ? Self.name(label) : "'...' dimension \(broadcastRank + label)"
    }
}

// MARK: - Contraction

/// A tensor whose dimensions carry labels.
private struct Labeled {
    var value: Variable
    var labels: [Int]

    func axis(_ label: Int) -> Int { labels.firstIndex(of: label)! }
}

/// The contraction of labelled operands into the output's labels: the checks, the broadcasting,
/// the diagonals and single-operand sums, then the greedy order of pairwise products.
private struct Contraction {
    let context: ContractionContext
    let labelName: (Int) -> String
    let output: [Int]
    var terms: [Labeled]
    /// Each label's static length, where some operand knows it (a broadcast 1 only when every
    /// operand has 1).
    var staticLengths: [Int: Int] = [:]

    init(
        operands: [Variable], labels: [[Int]], output: [Int], broadcasts: Bool, context: ContractionContext,
        labelName: @escaping (Int) -> String
    ) throws {
        self.context = context
        self.labelName = labelName
        self.output = output
        terms = zip(operands, labels).map { Labeled(value: $0, labels: $1) }
        try checkStaticLengths(broadcasts: broadcasts)
        if broadcasts { squeezeBroadcastDimensions() }
        for term in terms {
            for (label, length) in zip(term.labels, term.value.type.shape) {
                if let length, staticLengths[label] == nil { staticLengths[label] = length }
            }
        }
        terms = terms.indices.map { k in takingDiagonals(terms[k], operand: k) }
    }

    /// A repeated index within an operand needs equal lengths; the same index in different
    /// operands too, except that a static 1 broadcasts when `broadcasts`.
    private func checkStaticLengths(broadcasts: Bool) throws {
        var first: [Int: (operand: Int, length: Int)] = [:]
        for (k, term) in terms.enumerated() {
            var own: [Int: Int] = [:]
            for (label, length) in zip(term.labels, term.value.type.shape) {
                guard let length else { continue }
                if let earlier = own[label], earlier != length {
                    throw context.error(
                        "the repeated index \(labelName(label)) of operand \(k) has lengths \(earlier) and \(length) "
                            + "(a diagonal needs equal lengths)")
                }
                own[label] = length
                if broadcasts && length == 1 { continue }
                if let (operand, earlier) = first[label], earlier != length {
                    throw context.error(
                        "the index \(labelName(label)) has length \(earlier) in operand \(operand) and \(length) in operand \(k)")
                }
                if first[label] == nil { first[label] = (k, length) }
            }
        }
    }

    /// Dimensions of static length 1 whose index has another length elsewhere are dropped: the
    /// values are constant along them, so the other operand's length is the index's. A repeated
    /// index is dropped only where every one of its dimensions is a static 1 (its diagonal checks
    /// the others).
    private mutating func squeezeBroadcastDimensions() {
        var stretched = Set<Int>()
        for term in terms {
            for (label, length) in zip(term.labels, term.value.type.shape) where length != 1 { stretched.insert(label) }
        }
        for k in terms.indices {
            let term = terms[k]
            let shape = term.value.type.shape
            let axes = term.labels.indices.filter { axis in
                let label = term.labels[axis]
                return stretched.contains(label) && term.labels.indices.allSatisfy { term.labels[$0] != label || shape[$0] == 1 }
            }
            guard !axes.isEmpty else { continue }
            terms[k] = Labeled(
                value: term.value.squeezed(axes: axes),
                labels: term.labels.indices.filter { !axes.contains($0) }.map { term.labels[$0] })
        }
    }

    /// `term` with each repeated index replaced by the diagonal of its dimensions (numpy checks
    /// their lengths; a length unknown until run time is checked then).
    private func takingDiagonals(_ term: Labeled, operand: Int) -> Labeled {
        var term = term
        while let q = term.labels.indices.first(where: { term.labels[..<$0].contains(term.labels[$0]) }) {
            let label = term.labels[q]
            let p = term.axis(label)
            var value = term.value
            if value.type.shape[p] == nil || value.type.shape[q] == nil {
                value = assert(
                    value, [value.length(ofDimension: p) .== value.length(ofDimension: q)],
                    message: "\(context.function): the repeated index \(labelName(label)) of operand \(operand) "
                        + "has different lengths")
            }
            term.value = diagonal(value, axis1: p, axis2: q)
            term.labels = term.labels.indices.filter { $0 != p && $0 != q }.map { term.labels[$0] } + [label]
        }
        return term
    }

    /// The contracted value, its dimensions in the output's order and its dtype the operands'
    /// promotion.
    func result() -> Variable {
        var terms = reducedTerms
        let wanted = Set(output)
        for (i, j) in path {
            let rest = terms.indices.filter { $0 != i && $0 != j }.map { terms[$0] }
            let keep = rest.reduce(into: wanted) { $0.formUnion($1.labels) }
            terms = rest + [product(terms[i], terms[j], keeping: keep)]
        }
        let last = summingOut(terms[0], keeping: wanted)
        let value = permuted(last.value, output.map { last.axis($0) }).cast(to: context.dtype)
        // Keep every length some operand knows statically (a product may learn fewer).
        let known = zip(output, value.type.shape).map { label, length in length ?? staticLengths[label] }
        return known == value.type.shape ? value : value.specifyingShape(known)
    }

    /// The operands with each index only one of them has and the output drops summed.
    private var reducedTerms: [Labeled] {
        let wanted = Set(output)
        return terms.indices.map { k in
            let others = terms.indices.filter { $0 != k }.reduce(into: wanted) { $0.formUnion(terms[$1].labels) }
            return summingOut(terms[k], keeping: others)
        }
    }

    /// The pairs contracted, in order, as positions in the list of operands left (each product
    /// joins the end of the list): numpy's `einsum_path` notation.
    var path: [(Int, Int)] {
        let lengths = { (label: Int) in Double(staticLengths[label] ?? 16) }
        let output = Set(self.output)
        var sets = reducedTerms.map { Set($0.labels) }
        var path: [(Int, Int)] = []
        while sets.count > 1 {
            let (i, j) = Self.greedyPair(sets, output: output, lengths: lengths)
            let rest = sets.indices.filter { $0 != i && $0 != j }.map { sets[$0] }
            let keep = rest.reduce(into: output) { $0.formUnion($1) }
            sets = rest + [sets[i].union(sets[j]).intersection(keep)]
            path.append((i, j))
        }
        return path
    }

    /// The pair the greedy order contracts next among operands with these labels: among the
    /// pairs sharing an index the output drops, the one whose product removes the most elements
    /// (least `size(result) − size(a) − size(b)`), ties to the fewer multiply-adds and then to
    /// the earlier pair; when no pair shares such an index, the same choice among all pairs.
    private static func greedyPair(_ sets: [Set<Int>], output: Set<Int>, lengths: (Int) -> Double) -> (Int, Int) {
        func size(_ set: Set<Int>) -> Double { set.reduce(1) { $0 * lengths($1) } }
        var best: (key: (Double, Double), pair: (Int, Int))?
        for sharing in [true, false] {
            for i in sets.indices {
                for j in sets.indices where j > i {
                    if sharing && sets[i].intersection(sets[j]).isSubset(of: output) { continue }
                    let keep = sets.indices.filter { $0 != i && $0 != j }.reduce(into: output) { $0.formUnion(sets[$1]) }
                    let union = sets[i].union(sets[j])
                    let key = (size(union.intersection(keep)) - size(sets[i]) - size(sets[j]), size(union))
                    if best.map({ key < $0.key }) ?? true { best = (key, (i, j)) }
                }
            }
            if let best { return best.pair }
        }
        return (0, 1)
    }

    /// `term` summed over the labels `keeping` does not hold (in its own dtype, as numpy's
    /// einsum sums: bool sums are logical, integer sums wrap).
    private func summingOut(_ term: Labeled, keeping: Set<Int>) -> Labeled {
        let axes = term.labels.indices.filter { !keeping.contains(term.labels[$0]) }
        guard !axes.isEmpty else { return term }
        return Labeled(
            value: term.value.sum(axes: axes).cast(to: term.value.dtype),
            labels: term.labels.filter(keeping.contains))
    }

    /// The product of two operands over their shared labels: summed over those `keep` does not
    /// hold (a matrix product), multiplied along the others (its batch dimensions). The result's
    /// labels are the batch labels, then `a`'s own, then `b`'s own.
    private func product(_ a: Labeled, _ b: Labeled, keeping keep: Set<Int>) -> Labeled {
        let (a, b) = (summingOut(a, keeping: keep.union(b.labels)), summingOut(b, keeping: keep.union(a.labels)))
        let shared = a.labels.filter(b.labels.contains)
        let batch = shared.filter(keep.contains)
        let summed = shared.filter { !keep.contains($0) }
        let left = a.labels.filter { !b.labels.contains($0) }
        let right = b.labels.filter { !a.labels.contains($0) }
        let labels = batch + left + right
        guard !summed.isEmpty else {
            // Nothing to sum: an elementwise product, each operand given the other's own axes.
            let x = a.value.dimShuffled((batch + left).map { Optional(a.axis($0)) } + right.map { _ in nil })
            let y = b.value.dimShuffled(batch.map { Optional(b.axis($0)) } + left.map { _ in nil } + right.map { Optional(b.axis($0)) })
            return Labeled(value: x * y, labels: labels)
        }
        var lengths: [Int: Variable] = [:]
        for label in left { lengths[label] = length(of: label, in: a) }
        for label in right { lengths[label] = length(of: label, in: b) }
        for label in shared {
            let (x, y) = (length(of: label, in: a), length(of: label, in: b))
            lengths[label] = checkedLength(
                x.constantValue == nil && y.constantValue != nil ? [y, x] : [x, y],
                message: "\(context.function): the index \(labelName(label)) has different lengths in two operands")
        }
        let x = permuted(a.value, (batch + left + summed).map(a.axis))
        let y = permuted(b.value, (batch + summed + right).map(b.axis))
        if batch.isEmpty {
            // (m, k)·(k, n), a side without own labels a vector: Dot.
            let matrices = (
                merging(x, [left, summed], lengths: lengths, dropEmpty: true),
                merging(y, [summed, right], lengths: lengths, dropEmpty: true))
            let product = dot(matrices.0, matrices.1)
            return Labeled(
                value: splitting(product, [left, right], into: labels, lengths: lengths, dropEmpty: true), labels: labels)
        }
        // (batch, m, k)·(batch, k, n): Blockwise(Dot).
        let stacks = (
            merging(x, [batch, left, summed], lengths: lengths, dropEmpty: false),
            merging(y, [batch, summed, right], lengths: lengths, dropEmpty: false))
        let product = matmul(stacks.0, stacks.1)
        return Labeled(
            value: splitting(product, [batch, left, right], into: labels, lengths: lengths, dropEmpty: false),
            labels: labels)
    }

    /// The length of `label`'s dimension in `term`: a constant when static.
    private func length(of label: Int, in term: Labeled) -> Variable {
        let axis = term.axis(label)
        return term.value.type.shape[axis].map(shapeConstant) ?? term.value.length(ofDimension: axis)
    }

    /// `x`, whose dimensions are the groups' labels in order, with each group's dimensions merged
    /// into one: of length 1 for an empty group, or none when `dropEmpty`.
    private func merging(_ x: Variable, _ groups: [[Int]], lengths: [Int: Variable], dropEmpty: Bool) -> Variable {
        if groups.allSatisfy({ $0.count <= 1 }) {
            var axes: [Int] = []
            for (position, group) in groups.enumerated() where group.isEmpty && !dropEmpty { axes.append(position) }
            return axes.isEmpty ? x : x.expandingDims(axes)
        }
        let kept = dropEmpty ? groups.filter { !$0.isEmpty } : groups
        return x.reshaped(to: kept.map { group in shapeProduct(group.map { lengths[$0]! }) })
    }

    /// A product whose dimensions are the groups merged (as ``merging(_:_:lengths:dropEmpty:)``
    /// makes them) split back into one dimension per label of `labels`.
    private func splitting(
        _ x: Variable, _ groups: [[Int]], into labels: [Int], lengths: [Int: Variable], dropEmpty: Bool
    ) -> Variable {
        if groups.allSatisfy({ $0.count <= 1 }) {
            let axes = groups.indices.filter { groups[$0].isEmpty && !dropEmpty }
            return axes.isEmpty ? x : x.squeezed(axes: axes)
        }
        return x.reshaped(to: labels.map { lengths[$0]! })
    }
}

/// `x` with its dimensions permuted (output dimension `i` is `x`'s `order[i]`), or `x` itself
/// when `order` is the identity.
private func permuted(_ x: Variable, _ order: [Int]) -> Variable {
    order == Array(0..<x.ndim) ? x : x.transposed(axes: order)
}

// MARK: - tensordot, inner, vdot

/// The sum of products over the last `axes` dimensions of `a` and the first `axes` of `b`,
/// numpy's `tensordot(a, b, axes)`: the result's dimensions are `a`'s others then `b`'s others.
///
/// `axes: 0` is the outer product, `axes: 1` the matrix product of matrices. The summed
/// lengths must be equal (no broadcasting); the dtype is the operands' promotion. Built as one
/// `Dot` of the operands reshaped to matrices, so the derivatives are the product's.
///
/// ```swift
/// let c = tensordot(a, b, axes: 2)   // a: (2, 3, 4), b: (3, 4, 5) -> (2, 5)
/// ```
public func tensordot(_ a: Variable, _ b: Variable, axes: Int = 2) -> Variable {
    let (a, b) = (numpyOperand(a), numpyOperand(b))
    let context = ContractionContext(function: "tensordot(axes: \(axes))", operands: [a, b])
    return reporting(context.placeholder) {
        guard axes >= 0 else { throw context.error("axes must be ≥ 0, got \(axes)") }
        guard axes <= a.ndim, axes <= b.ndim else {
            throw context.error("cannot sum over \(axes) axes of operands of ranks \(a.ndim) and \(b.ndim)")
        }
        return try tensordot(a, b, Array((a.ndim - axes)..<a.ndim), Array(0..<axes), context: context)
    }
}

/// The sum of products over the dimensions `axes.0` of `a` paired with `axes.1` of `b`, numpy's
/// `tensordot(a, b, (axes_a, axes_b))`: the result's dimensions are `a`'s unsummed ones then
/// `b`'s, in order. Negative axes count from the end.
///
/// ```swift
/// let c = tensordot(a, b, axes: ([0, 2], [1, 0]))   // a: (3, 2, 4), b: (4, 3, 5) -> (2, 5)
/// ```
public func tensordot(_ a: Variable, _ b: Variable, axes: ([Int], [Int])) -> Variable {
    let (a, b) = (numpyOperand(a), numpyOperand(b))
    let context = ContractionContext(function: "tensordot(axes: (\(axes.0), \(axes.1)))", operands: [a, b])
    return reporting(context.placeholder) { try tensordot(a, b, axes.0, axes.1, context: context) }
}

/// tensordot over the given axis lists, checked, as a two-operand contraction.
private func tensordot(
    _ a: Variable, _ b: Variable, _ aAxes: [Int], _ bAxes: [Int], context: ContractionContext
) throws -> Variable {
    guard aAxes.count == bAxes.count else {
        throw context.error("the axis lists have different lengths (\(aAxes.count) and \(bAxes.count))")
    }
    func resolved(_ axes: [Int], _ x: Variable) throws -> [Int] {
        let resolved = try axes.map { try normalizedAxis($0, of: x, in: context.function) }
        guard Set(resolved).count == resolved.count else { throw context.error("repeated axis in \(axes)") }
        return resolved
    }
    let (aSummed, bSummed) = (try resolved(aAxes, a), try resolved(bAxes, b))
    for (p, q) in zip(aSummed, bSummed) {
        if let m = a.type.shape[p], let n = b.type.shape[q], m != n {
            throw context.error(
                "shape mismatch for the sum: axis \(p) of the first operand has length \(m), axis \(q) of the second \(n)")
        }
    }
    // a's axis p is label p; b's axis q the label of the axis of a it is summed with, or a.ndim + q.
    let bLabels = (0..<b.ndim).map { q in bSummed.firstIndex(of: q).map { aSummed[$0] } ?? a.ndim + q }
    let output = (0..<a.ndim).filter { !aSummed.contains($0) } + (0..<b.ndim).filter { !bSummed.contains($0) }.map { a.ndim + $0 }
    return try Contraction(
        operands: [a, b], labels: [Array(0..<a.ndim), bLabels], output: output, broadcasts: false, context: context,
        labelName: { label in
            label < a.ndim ? "axis \(label) of the first operand" : "axis \(label - a.ndim) of the second operand"
        }
    ).result()
}

/// The inner product over the last dimension, numpy's `inner(a, b)`: `result[i…, j…] =
/// Σₖ a[i…, k] · b[j…, k]`, the dimensions of `a` but its last, then those of `b` but its last. A
/// 0-d operand multiplies the other. Two vectors give a 0-d inner product.
public func inner(_ a: Variable, _ b: Variable) -> Variable {
    let (a, b) = (numpyOperand(a), numpyOperand(b))
    if a.ndim == 0 || b.ndim == 0 { return a * b }
    let context = ContractionContext(function: "inner", operands: [a, b])
    return reporting(context.placeholder) { try tensordot(a, b, [-1], [-1], context: context) }
}

/// The dot product of the operands' elements in row-major order, numpy's `vdot(a, b)` (real
/// dtypes: no conjugation): both are flattened, so they need the same number of elements, not
/// the same shape. The result is 0-d.
public func vdot(_ a: Variable, _ b: Variable) -> Variable {
    let (a, b) = (numpyOperand(a), numpyOperand(b))
    let context = ContractionContext(function: "vdot", operands: [a, b])
    return reporting(context.placeholder) {
        let sizes = [a, b].map { x in x.type.shape.contains(nil) ? nil : exactProduct(x.type.shape.map { $0! }) }
        if let m = sizes[0], let n = sizes[1], m != n {
            throw context.error("the operands have \(m) and \(n) elements")
        }
        return dot(a.ndim == 1 ? a : a.flattened(), b.ndim == 1 ? b : b.flattened())
    }
}

// MARK: - cross

/// The cross product of 3-vectors along `axis`, numpy's `cross(a, b, axis=axis)`: `(a₁b₂ − a₂b₁,
/// a₂b₀ − a₀b₂, a₀b₁ − a₁b₀)`, the other dimensions broadcast (a static 1 stretches). The
/// result's vector dimension is at `axis` of the broadcast result.
///
/// Both operands need length 3 along `axis` (checked when the graph runs if not static).
/// numpy's deprecated product of 2-vectors (a scalar z-component) is not supported: pad the
/// vectors with a zero third component. Bool operands are refused, as numpy refuses to subtract
/// them.
///
/// ```swift
/// let n = cross(u, v)            // u, v: (…, 3)
/// let m = cross(P, Q, axis: 0)   // P, Q: (3, n): the columns' cross products
/// ```
public func cross(_ a: Variable, _ b: Variable, axis: Int = -1) -> Variable {
    let (a, b) = (numpyOperand(a), numpyOperand(b))
    let context = ContractionContext(function: "cross(axis: \(axis))", operands: [a, b])
    return reporting(context.placeholder) {
        guard a.ndim > 0, b.ndim > 0 else { throw context.error("the operands must have at least one dimension") }
        guard a.dtype != .bool, b.dtype != .bool else {
            throw context.error("bool operands have no cross product (their difference is not defined)")
        }
        let vectors = try [(a, "first"), (b, "second")].map { x, which in
            let resolved = try normalizedAxis(axis, of: x, in: context.function)
            switch x.type.shape[resolved] {
            case 3?: break
            case 2?:
                throw context.error(
                    "the \(which) operand has 2-vectors: numpy's deprecated 2-d cross product is not supported "
                        + "(give the vectors a zero third component)")
            case let length?:
                throw context.error("the \(which) operand has vectors of length \(length) along axis \(axis); cross needs 3")
            case nil:
                break
            }
            var shape = x.type.shape
            shape[resolved] = 3
            let checked = shape == x.type.shape ? x : x.specifyingShape(shape)
            return resolved == x.ndim - 1 ? checked : moveAxis(checked, resolved, -1)
        }
        let (u, v) = (vectors[0], vectors[1])
        func component(_ x: Variable, _ k: Int) -> Variable { x[.ellipsis, k] }
        let product = stack(
            [(1, 2), (2, 0), (0, 1)].map { i, j in component(u, i) * component(v, j) - component(u, j) * component(v, i) },
            axis: -1)
        return axis == -1 || axis == product.ndim - 1 ? product : moveAxis(product, -1, axis)
    }
}
