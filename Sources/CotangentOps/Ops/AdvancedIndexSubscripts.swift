import CotangentArrays
import CotangentGraph

// Building advanced-indexing nodes from a subscript: `x[idx]`, `A[rows, cols]`, `x[x .> 0]`,
// `A[idx, 1...]`, and the updates `x.incremented(at: idx, by: v)` / `x.setting(at: idx, to: v)`.

extension Variable {
    /// A copy with `value` added at the positions `index` selects: numpy's `np.add.at(x, idx, y)`
    /// on a copy (repeated indices add every contribution), PyTensor's
    /// `inc_subtensor(x[idx], y)`. `index` is an integer tensor (rows along axis 0) or a boolean
    /// mask; a 0-d integer tensor is a basic index, and a 0-d boolean writes all of `x` (true)
    /// or nothing (false), numpy's `x[True] += y`.
    ///
    /// ```swift
    /// let counts = zeros(shape: [5]).incremented(at: idx, by: ones(shape: [3]))
    /// ```
    public func incremented(at index: Variable, by value: Variable) -> Variable {
        incremented(at: [index], by: value)
    }

    /// A copy with the positions `index` selects set to `value`: numpy's `x[idx] = y` on a copy
    /// (for a repeated index the last value is written), PyTensor's `set_subtensor(x[idx], y)`.
    public func setting(at index: Variable, to value: Variable) -> Variable {
        setting(at: [index], to: value)
    }
}

/// A subscript with at least one advanced index, resolved against the indexed tensor: ellipsis
/// expanded, new axes inserted first (PyTensor expands before indexing), integer scalars turned
/// into 0-d index arrays (numpy treats them as advanced indices next to arrays), slice bounds
/// into 0-d int64 tensors, and a 0-d boolean `b` read as numpy reads it: a new axis indexed by
/// the mask `[b]`, so `x[true]` has a leading axis of length 1 and `x[false]` one of length 0.
package struct AdvancedIndexPlan {
    package var base: Variable
    package var entries: [AdvancedIndexEntry] = []
    package var inputs: [Variable] = []
    /// Positions of the axes inserted into `base` (new axes and 0-d booleans), ascending.
    package var newAxes: [Int] = []

    /// Nil when no index is an array (rank ≥ 1 integer or a boolean tensor): basic indexing.
    package init?(_ x: Variable, _ indices: [TensorIndex]) throws {
        func isArray(_ index: TensorIndex) -> Bool {
            guard case .index(.variable(let variable)) = index.kind else { return false }
            return variable.ndim >= 1 || variable.dtype == .bool
        }
        guard indices.contains(where: isArray) else { return nil }
        var consumed = 0
        var ellipses = 0
        for index in indices {
            switch index.kind {
            case .ellipsis: ellipses += 1
            case .newAxis: break
            case .slice: consumed += 1
            case .index(.constant): consumed += 1
            case .index(.variable(let variable)):
                guard variable.dtype.isInteger || variable.dtype == .bool else {
                    throw CotangentError(.invalidGraph,
                        "AdvancedSubtensor: index \(variable) of type \(variable.type) is neither an integer nor a "
                            + "boolean tensor (indices \(BasicIndexPlan.describe(indices)) of \(x.type))")
                }
                consumed += variable.dtype == .bool ? variable.ndim : 1
            }
        }
        guard ellipses <= 1 else {
            throw CotangentError(.invalidGraph,
                "AdvancedSubtensor: an index can only have a single ellipsis (...); indices "
                    + "\(BasicIndexPlan.describe(indices)) of \(x.type)")
        }
        guard consumed <= x.ndim else {
            throw CotangentError(.invalidGraph,
                "AdvancedSubtensor: too many indices for tensor of type \(x.type): it is \(x.ndim)-dimensional, "
                    + "but \(consumed) were indexed (indices \(BasicIndexPlan.describe(indices)))")
        }
        var dims = 0
        func tensor(_ scalar: IndexScalar) -> Variable {
            switch scalar {
            case .constant(let value): return Variable(constant: NDArray(scalar: Int64(value)))
            case .variable(let variable): return variable.type.isScalarKind ? tensorFromScalar(variable) : variable
            }
        }
        for index in indices {
            switch index.kind {
            case .ellipsis:
                entries += Array(repeating: .fullSlice, count: x.ndim - consumed)
                dims += x.ndim - consumed
            case .newAxis:
                newAxes.append(dims)
                entries.append(.fullSlice)
                dims += 1
            case .index(let scalar):
                entries.append(.array)
                let input = tensor(scalar)
                if input.dtype == .bool && input.ndim == 0 {
                    // numpy's reading of a 0-d boolean: a new axis and the 1-d mask `[b]` on it.
                    newAxes.append(dims)
                    inputs.append(input.expandingDims([0]))
                    dims += 1
                } else {
                    inputs.append(input)
                    dims += input.dtype == .bool ? input.ndim : 1
                }
            case .slice(let start, let stop, let step):
                entries.append(.slice(hasStart: start != nil, hasStop: stop != nil, hasStep: step != nil))
                inputs += [start, stop, step].compactMap { $0.map(tensor) }
                dims += 1
            }
        }
        // Trailing full slices are the default for dims past the pattern.
        while entries.last == .fullSlice { entries.removeLast() }
        base = newAxes.isEmpty ? x : x.expandingDims(newAxes)
    }

    /// Whether the pattern is PyTensor's `AdvancedSubtensor1` case: one integer vector.
    private var isVectorGather: Bool {
        entries == [.array] && inputs[0].ndim == 1 && inputs[0].dtype.isInteger
    }

    /// `x[idx…]`.
    package func gathered() -> Variable {
        isVectorGather
            ? build(AdvancedSubtensor1(), [base, inputs[0]])
            : build(AdvancedSubtensor(idxList: entries), [base] + inputs)
    }

    /// `x[idx…] += value` or `= value` on a copy. With new axes the update is made on the
    /// expanded tensor, whose region is the one numpy's `x[None, idx] = value` writes (the new
    /// axes have length 1), and the new axes are squeezed out again.
    package func updated(with value: Variable, setInstead: Bool) -> Variable {
        let result = isVectorGather
            ? build(AdvancedIncSubtensor1(setInstead: setInstead), [base, value, inputs[0]])
            : build(AdvancedIncSubtensor(idxList: entries, setInstead: setInstead), [base, value] + inputs)
        return newAxes.isEmpty ? result : result.squeezed(axes: newAxes)
    }
}

extension Variable {
    /// The subscript with components built by code (any mix of integers, ranges, tensors and
    /// ``TensorIndex`` values), for the helpers composed from indexing.
    package func indexed(by indices: [any TensorIndexConvertible]) -> Variable {
        self[basicIndices: indices.map(\.tensorIndex)]
    }
}
