import CotangentArrays
import CotangentGraph

// The indexing vocabulary users write inside `x[…]`, and its translation into basic-indexing
// nodes (PyTensor's `TensorVariable.__getitem__` for integer and slice indices).

/// An integer usable as an index or a slice bound: a number, or a symbolic 0-d integer tensor.
public enum IndexScalar: Sendable {
    /// A number known when the graph is built.
    case constant(Int)
    /// A 0-d integer tensor (or PyTensor scalar) whose value is known at run time.
    case variable(Variable)
}

/// A type whose values can be an integer index or slice bound: `Int` and `Variable`.
public protocol IndexScalarConvertible: Sendable {
    /// The value as an index scalar.
    var indexScalar: IndexScalar { get }
}

extension Int: IndexScalarConvertible {
    public var indexScalar: IndexScalar { .constant(self) }
}

extension Variable: IndexScalarConvertible {
    public var indexScalar: IndexScalar { .variable(self) }
}

/// One component of a subscript, numpy's basic indexing: an integer, a slice, a new axis or an
/// ellipsis.
///
/// Write integers, ranges and 0-d integer tensors directly, and the rest with the static
/// helpers:
///
/// ```swift
/// x[.stride(by: -1)]              // x[::-1]
/// x[1...], x[..<3], x[1..<3]      // x[1:], x[:3], x[1:3]
/// x[0], x[-1], x[i]               // integer indices (i: a 0-d integer tensor)
/// A[.all, .stride(by: -1)]        // A[:, ::-1]
/// A[.ellipsis, 0]                 // A[..., 0]
/// A[.all, .newAxis]               // A[:, None]
/// x[.slice(start: 1, stop: nil, step: 2)]   // x[1::2]
/// ```
///
/// `TensorIndex` is a struct over ``Kind`` rather than an enum so that its helpers can be
/// written with a leading dot inside a subscript that also takes `Int`, ranges and tensors.
public struct TensorIndex: Sendable, CustomStringConvertible {
    /// What the index does to the indexed tensor.
    public enum Kind: Sendable {
        /// Picks one position; the dimension is removed.
        case index(IndexScalar)
        /// Keeps `start, start+step, …` before `stop`; absent parts take numpy's defaults.
        case slice(start: IndexScalar?, stop: IndexScalar?, step: IndexScalar?)
        /// Inserts a dimension of length 1 (numpy's `None`).
        case newAxis
        /// Stands for as many full slices as the other indices leave dimensions (`...`).
        case ellipsis
    }

    /// What the index does.
    public let kind: Kind

    /// An index of the given kind.
    public init(_ kind: Kind) { self.kind = kind }

    /// The index as Python writes it: `0`, `1:3`, `::-1`, `None`, `...`; symbolic parts by name.
    public var description: String {
        func text(_ scalar: IndexScalar?) -> String {
            switch scalar {
            case nil: ""
            case .constant(let value)?: String(value)
            case .variable(let variable)?: variable.description
            }
        }
        switch kind {
        case .index(let scalar): return text(scalar)
        case .slice(let start, let stop, nil): return "\(text(start)):\(text(stop))"
        case .slice(let start, let stop, let step): return "\(text(start)):\(text(stop)):\(text(step))"
        case .newAxis: return "None"
        case .ellipsis: return "..."
        }
    }
}

/// A value usable inside a tensor subscript: `TensorIndex`, `Int`, `Variable` (a 0-d integer
/// tensor) and `Int` ranges (`a..<b`, `a...b`, `a...`, `..<b`, `...b`).
public protocol TensorIndexConvertible: Sendable {
    /// The value as a tensor index.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndex: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { self }
}

extension Int: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { TensorIndex(.index(.constant(self))) }
}

extension Variable: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { TensorIndex(.index(.variable(self))) }
}

extension Range<Int>: TensorIndexConvertible {
    /// `a..<b` is numpy's `a:b`.
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, stop: upperBound) }
}

extension ClosedRange<Int>: TensorIndexConvertible {
    /// `a...b` is numpy's `a:b+1`; an upper bound of -1 (the last element) is `a:`.
    public var tensorIndex: TensorIndex {
        .slice(start: lowerBound, stop: ClosedRange.stop(through: upperBound))
    }

    /// The exclusive stop of a slice through `last`: nil (to the end) for -1 and `Int.max`.
    package static func stop(through last: Int) -> Int? {
        last == -1 || last == .max ? nil : last + 1
    }
}

extension PartialRangeFrom<Int>: TensorIndexConvertible {
    /// `a...` is numpy's `a:`.
    public var tensorIndex: TensorIndex { .slice(start: lowerBound) }
}

extension PartialRangeUpTo<Int>: TensorIndexConvertible {
    /// `..<b` is numpy's `:b`.
    public var tensorIndex: TensorIndex { .slice(stop: upperBound) }
}

extension PartialRangeThrough<Int>: TensorIndexConvertible {
    /// `...b` is numpy's `:b+1`; `...(-1)` is `:`.
    public var tensorIndex: TensorIndex { .slice(stop: ClosedRange<Int>.stop(through: upperBound)) }
}

// Helpers live on the protocol (restricted to `TensorIndex`) so that `.stride(by: -1)` also
// resolves where the expected type is `any TensorIndexConvertible`.
extension TensorIndexConvertible where Self == TensorIndex {
    /// The full slice `:`, which keeps a whole dimension.
    public static var all: TensorIndex { TensorIndex(.slice(start: nil, stop: nil, step: nil)) }

    /// numpy's `...`: as many full slices as the other indices leave dimensions.
    public static var ellipsis: TensorIndex { TensorIndex(.ellipsis) }

    /// numpy's `None`: a new dimension of length 1.
    public static var newAxis: TensorIndex { TensorIndex(.newAxis) }

    /// An integer index (an `Int` or a 0-d integer tensor); negative counts from the end.
    public static func index(_ position: some IndexScalarConvertible) -> TensorIndex {
        TensorIndex(.index(position.indexScalar))
    }

    /// numpy's `start:stop:step`; nil parts take numpy's defaults (which depend on the step's
    /// sign), and each part may be an `Int` or a 0-d integer tensor.
    public static func slice(
        start: (any IndexScalarConvertible)? = nil, stop: (any IndexScalarConvertible)? = nil,
        step: (any IndexScalarConvertible)? = nil
    ) -> TensorIndex {
        TensorIndex(.slice(start: start?.indexScalar, stop: stop?.indexScalar, step: step?.indexScalar))
    }

    /// numpy's `from:to:by`, mlx-swift's spelling of a slice: `.stride(by: -1)` is `::-1`.
    public static func stride(
        from start: (any IndexScalarConvertible)? = nil, to stop: (any IndexScalarConvertible)? = nil,
        by step: (any IndexScalarConvertible)? = nil
    ) -> TensorIndex {
        .slice(start: start, stop: stop, step: step)
    }
}

// MARK: - Subscripts

extension Variable {
    /// numpy's basic indexing: integers, slices, `.newAxis` and `.ellipsis`, as PyTensor's
    /// `x[…]` builds it (`Subtensor`, with `ExpandDims` for new axes). The result is a view.
    ///
    /// ```swift
    /// let r = x[.stride(by: -1)]     // Subtensor{::step}(x, -1)
    /// let row = A[0]                 // Subtensor{i}(A, 0)
    /// let col = A[.all, 1]           // Subtensor{:, i}(A, 1)
    /// ```
    ///
    /// Indexing more dimensions than the tensor has, two ellipses, a non-integer index or a
    /// constant step of 0 stops with a message (a thrown error inside `checked(_:)`); an index
    /// out of range throws when the graph runs.
    public subscript(_ indices: any TensorIndexConvertible...) -> Variable {
        self[basicIndices: indices.map(\.tensorIndex)]
    }

    /// An integer list inside a subscript is numpy's advanced indexing (`x[[0, 2, 2]]` picks
    /// three elements); it does not compile rather than be read as one index per axis. An index
    /// array is a tensor: `x[Tensor.constant([0, 2, 2])]`.
    @available(*, unavailable, message: "an integer list is numpy's index array, not one index per axis; write x[Tensor.constant([0, 2, 2])] for an index array or x[0, 2, 2] for basic indices")
    public subscript(_ positions: [Int]) -> Variable {
        fatalError("unavailable")
    }

    /// The subscript with its components in an array built by code, one component per indexed
    /// axis: `x[basicIndices: [.index(0), .all]]` is numpy's `x[0, :]`.
    ///
    /// The components are ``TensorIndex`` values, so a list of integers (`[0, 2, 2]`, which
    /// numpy reads as an index array picking three elements) is not accepted here. A component
    /// that is an integer or boolean tensor makes it numpy's advanced indexing.
    public subscript(basicIndices indices: [TensorIndex]) -> Variable {
        reporting(placeholderVariable()) {
            // An integer array or a boolean mask anywhere makes it numpy's advanced indexing.
            if let advanced = try AdvancedIndexPlan(self, indices) { return advanced.gathered() }
            let plan = try BasicIndexPlan(self, indices)
            var base = self
            if !plan.newAxes.isEmpty {
                base = expandingDims(plan.newAxes)
                // PyTensor returns the bare ExpandDims when every other index is `:`.
                if plan.entries.allSatisfy({ $0 == .fullSlice }) { return base }
            }
            return build(Subtensor(idxList: plan.entries), [base] + plan.indexInputs)
        }
    }

    /// A copy with `value` added to the indexed region: PyTensor's `inc_subtensor(x[idx], y)`,
    /// numpy's `x[idx] += y` on a copy. `value` broadcasts to the region's shape, in which new
    /// axes (`.newAxis`) are dims of length 1, as in numpy's `x[None, 1:] += y`.
    ///
    /// ```swift
    /// let y = x.incremented(at: [1..<3], by: ones)    // IncSubtensor{start:stop}
    /// ```
    public func incremented(at indices: [any TensorIndexConvertible], by value: Variable) -> Variable {
        updated(at: indices, value: value, setInstead: false)
    }

    /// A copy with the indexed region replaced by `value`: PyTensor's `set_subtensor(x[idx], y)`,
    /// numpy's `x[idx] = y` on a copy. `value` broadcasts to the region's shape, in which new
    /// axes (`.newAxis`) are dims of length 1, as in numpy's `x[None, 1:] = y`.
    ///
    /// ```swift
    /// let y = x.setting(at: [..<2], to: zeros)        // SetSubtensor{:stop}
    /// ```
    public func setting(at indices: [any TensorIndexConvertible], to value: Variable) -> Variable {
        updated(at: indices, value: value, setInstead: true)
    }

    private func updated(at indices: [any TensorIndexConvertible], value: Variable, setInstead: Bool) -> Variable {
        reporting(placeholderVariable(type)) {
            let resolved = indices.map(\.tensorIndex)
            if let advanced = try AdvancedIndexPlan(self, resolved) {
                return advanced.updated(with: value, setInstead: setInstead)
            }
            let plan = try BasicIndexPlan(self, resolved)
            let op = IncSubtensor(idxList: plan.entries, setInstead: setInstead)
            guard !plan.newAxes.isEmpty else { return build(op, [self, value] + plan.indexInputs) }
            // numpy's `x[None, 1:] = y`: the region of the expanded tensor (the new axes have
            // length 1) is written, and the new axes are squeezed out again.
            return build(op, [expandingDims(plan.newAxes), value] + plan.indexInputs).squeezed(axes: plan.newAxes)
        }
    }
}

/// A subscript resolved against the indexed tensor: ellipsis expanded, new axes located, and the
/// integer and slice entries turned into an index pattern with its index inputs.
package struct BasicIndexPlan {
    /// Positions of new length-1 axes in the expanded tensor (PyTensor expands before indexing).
    package var newAxes: [Int] = []
    /// The pattern, one entry per indexed dimension of the (expanded) tensor.
    package var entries: [IndexEntry] = []
    /// Index values in pattern order: PyTensor scalar constants for numbers, `ScalarFromTensor`
    /// of the given 0-d tensors (or the given scalar-kind variables) for symbolic indices.
    package var indexInputs: [Variable] = []

    package init(_ x: Variable, _ indices: [TensorIndex]) throws {
        var ellipses = 0
        var consumed = 0
        for index in indices {
            switch index.kind {
            case .ellipsis: ellipses += 1
            case .newAxis: break
            case .index(let scalar):
                consumed += 1
                try BasicIndexPlan.check(scalar, of: x, in: indices)
            case .slice(let start, let stop, let step):
                consumed += 1
                for part in [start, stop, step] { if let part { try BasicIndexPlan.check(part, of: x, in: indices) } }
            }
        }
        guard ellipses <= 1 else {
            throw CotangentError(.invalidGraph, 
                "Subtensor: an index can only have a single ellipsis (...); indices "
                    + "\(BasicIndexPlan.describe(indices)) of \(x.type)")
        }
        guard consumed <= x.ndim else {
            throw CotangentError(.invalidGraph, 
                "Subtensor: too many indices for tensor of type \(x.type): it is \(x.ndim)-dimensional, "
                    + "but \(consumed) were indexed (indices \(BasicIndexPlan.describe(indices)))")
        }
        for index in indices {
            switch index.kind {
            case .ellipsis:
                entries += Array(repeating: .fullSlice, count: x.ndim - consumed)
            case .newAxis:
                // The new axis sits after the dims consumed so far and the earlier new axes.
                newAxes.append(entries.count)
                entries.append(.fullSlice)
            case .index(let scalar):
                entries.append(.index)
                indexInputs.append(BasicIndexPlan.input(scalar))
            case .slice(let start, let stop, let step):
                entries.append(.slice(hasStart: start != nil, hasStop: stop != nil, hasStep: step != nil))
                indexInputs += [start, stop, step].compactMap { $0.map(BasicIndexPlan.input) }
            }
        }
    }

    /// The op input for an index value: a PyTensor scalar constant for a number; a symbolic
    /// 0-d tensor enters through `ScalarFromTensor`, as PyTensor's `Subtensor.make_node`
    /// converts it (`as_nontensor_scalar`); a scalar-kind variable is used as it is.
    private static func input(_ scalar: IndexScalar) -> Variable {
        switch scalar {
        case .constant(let value): Variable.scalarConstant(Int64(value))
        case .variable(let variable): variable.type.isScalarKind ? variable : scalarFromTensor(variable)
        }
    }

    /// A symbolic index must be an integer scalar; arrays would be advanced indexing.
    private static func check(_ scalar: IndexScalar, of x: Variable, in indices: [TensorIndex]) throws {
        guard case .variable(let variable) = scalar else { return }
        if variable.ndim != 0 {
            throw CotangentError(
                .unsupported,
                "Subtensor: index \(variable) of type \(variable.type) is not a scalar; advanced "
                    + "(array) indexing is not supported (indices \(describe(indices)) of \(x.type))")
        }
        guard variable.dtype.isInteger else {
            throw CotangentError(.invalidGraph, 
                "Subtensor: index \(variable) of type \(variable.type) is not an integer; basic "
                    + "indices must be integers (indices \(describe(indices)) of \(x.type))")
        }
    }

    /// `[0, 1:, ::-1]`: indices as Python writes them, for messages.
    package static func describe(_ indices: [TensorIndex]) -> String {
        "[" + indices.map(\.description).joined(separator: ", ") + "]"
    }
}
