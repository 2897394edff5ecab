// Derivative rules of the reductions (to be folded into Reduce.swift).

extension Reduce {
    /// The reduced axes as the node sees them (every axis when `axes` is nil).
    func reducedAxes(_ node: Apply) -> [Int] { axes ?? Array(0..<node.inputs[0].ndim) }

    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[node.outputTypes[0].dtype.isFloat && (kind == .sum || kind == .prod || kind == .max || kind == .min)]]
    }

    /// Sum: the cotangent spread back over the reduced axes, `second(x, expand_dims(g))`.
    /// Prod: `g·∏/x`, exact where x has zeros (one zero gets the product of the others).
    /// Max/min: the cotangent goes to every element equal to the extremum.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let x = node.inputs[0]
        let axes = reducedAxes(node)
        let spread = { (v: Variable) in axes.isEmpty ? v : v.expandingDims(axes) }
        switch kind {
        case .sum:
            return [.value(second(x, spread(g)))]
        case .prod:
            let isZero = x .== 0
            let zeroCount = spread(isZero.cast(to: x.dtype).sum(axes: axes))
            let withoutZeros = spread(select(isZero, 1, x).prod(axes: axes))
            let local = select(
                isZero, select(zeroCount .== 1, withoutZeros, 0), select(zeroCount .== 0, withoutZeros / x, 0))
            return [.value(spread(g) * local)]
        case .max, .min:
            let extremum = spread(node.output(0))
            return [.value(spread(g) * (x .== extremum).cast(to: g.dtype))]
        case .all, .any:
            return [.disconnected]
        }
    }

    /// Sum is linear; prod and max/min through their pullback's local factors.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        switch kind {
        case .sum:
            return [build(self, t)]
        case .prod, .max, .min:
            // ⟨local factor, t⟩ summed over the reduced axes.
            guard case .value(let local) = pullback(node, cotangents: [onesLike(node.output(0))])[0] else {
                return [nil]
            }
            return [(local * t).sum(axes: reducedAxes(node))]
        case .all, .any:
            return [nil]
        }
    }
}

extension Argmax {
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
}
