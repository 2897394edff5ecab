import Cotangent
import CotangentGraph

/// One input of a fuzz case: its declared type and the value it is called with.
public struct FuzzInput: Sendable, Hashable {
    /// The variable's name (also its Swift name in a reproducer).
    public var name: String
    /// The element type.
    public var dtype: DType
    /// The declared static shape (nil: unknown length).
    public var staticShape: [Int?]
    /// The value's elements, row-major, as doubles (exact for the small integers and bools used).
    public var elements: [Double]
    /// The value's shape.
    public var shape: [Int]

    /// The value as an array of `dtype`.
    public var value: NDArray {
        NDArray(shape: shape, elements: elements).converted(to: dtype)
    }

    /// A fresh graph input of the declared type.
    public func makeVariable() -> Variable {
        Tensor.tensor(name, dtype: dtype, shape: staticShape)
    }
}

/// One slice or index of a ``FuzzStep/subtensor(_:_:)`` per dimension.
public enum FuzzIndex: Sendable, Hashable {
    /// `x[i]` on this dimension.
    case index(Int)
    /// `start:stop:step`, nil parts take numpy's defaults.
    case slice(start: Int?, stop: Int?, step: Int?)

    var tensorIndex: TensorIndex {
        switch self {
        case .index(let i): .index(i)
        case .slice(let start, let stop, let step): .slice(start: start, stop: stop, step: step)
        }
    }

    var swift: String {
        switch self {
        case .index(let i): ".index(\(i))"
        case .slice(let start, let stop, let step):
            ".slice(" + [("start", start), ("stop", stop), ("step", step)].compactMap { label, value in
                value.map { "\(label): \($0)" }
            }.joined(separator: ", ") + ")"
        }
    }
}

/// One node family of a fuzz case, with its operands as positions in the case's value list
/// (inputs first, then steps in order).
public enum FuzzStep: Sendable, Hashable {
    /// A one-argument function of ``FuzzFunctions/unary``, by name.
    case unary(String, Int)
    /// A two-argument function or operator of ``FuzzFunctions/binary``, by name.
    case binary(String, Int, Int)
    /// `select(condition, a, b)`.
    case select(Int, Int, Int)
    /// `clip(x, min:, max:)` with constant bounds.
    case clip(Int, Double, Double)
    /// `x.cast(to:)`.
    case cast(Int, DType)
    /// A reduction (`sum`, `prod`, `max`, `min`, `mean`, `all`, `any`, `argmax`, `argmin`).
    case reduce(String, Int, axes: [Int]?, keepDims: Bool)
    /// `x.transposed(axes:)`.
    case transpose(Int, [Int])
    /// `x.expandingDims(_:)`.
    case expandDims(Int, [Int])
    /// `x.squeezed(axes:)` (axes statically 1).
    case squeeze(Int, [Int])
    /// `x.reshaped(to:)` with a constant shape (one entry may be -1).
    case reshape(Int, [Int])
    /// `x.reshaped(to: [symbolic dims])`: the shape is built from the operand's own `shape`.
    case reshapeSymbolic(Int, merging: Int)
    /// `x.flattened()`.
    case flatten(Int)
    /// `x[indices]`.
    case subtensor(Int, [FuzzIndex])
    /// `x.incremented(at:by:)` or `x.setting(at:to:)`.
    case incSubtensor(Int, Int, [FuzzIndex], set: Bool)
    /// `alloc(x, shape:)` (numeric shape).
    case alloc(Int, [Int])
    /// `zerosLike(x)` / `onesLike(x)` plus `x`, so the input stays connected.
    case like(Int, ones: Bool)
    /// `x + eye(n, m, k:)` where `x` broadcasts against the `n × m` matrix.
    case addEye(Int, n: Int, m: Int, k: Int)
    /// `x * arange(start, stop, step:)` with a float64 range.
    case mulArange(Int, start: Int, stop: Int, step: Int)
    /// `concatenate(operands, axis:)`.
    case concatenate([Int], axis: Int)
    /// `stack(operands, axis:)`.
    case stack([Int], axis: Int)
    /// `cumsum(x, axis:)` or `cumprod(x, axis:)`.
    case cumulative(Int, axis: Int?, product: Bool)
    /// `convolve1d(a, b, mode:)`.
    case convolve(Int, Int, valid: Bool)
    /// `dot(a, b)`.
    case dot(Int, Int)
    /// `matmul(a, b)`.
    case matmul(Int, Int)
    /// `blockwise(Convolve1d(), …)` over a leading batch dimension, full mode.
    case blockwiseConvolve(Int, Int)
    /// `blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", …)`.
    case blockwiseMul(Int, Int)

    /// The positions of the values this step reads.
    public var operands: [Int] {
        switch self {
        case .unary(_, let a), .clip(let a, _, _), .cast(let a, _), .reduce(_, let a, _, _),
            .transpose(let a, _), .expandDims(let a, _), .squeeze(let a, _), .reshape(let a, _),
            .reshapeSymbolic(let a, _), .flatten(let a), .subtensor(let a, _), .alloc(let a, _),
            .like(let a, _), .addEye(let a, _, _, _), .mulArange(let a, _, _, _), .cumulative(let a, _, _):
            [a]
        case .binary(_, let a, let b), .incSubtensor(let a, let b, _, _), .convolve(let a, let b, _),
            .dot(let a, let b), .matmul(let a, let b), .blockwiseConvolve(let a, let b), .blockwiseMul(let a, let b):
            [a, b]
        case .select(let c, let a, let b): [c, a, b]
        case .concatenate(let list, _), .stack(let list, _): list
        }
    }

    /// The same step reading `map(position)` instead of each operand position.
    public func renumbered(_ map: (Int) -> Int) -> FuzzStep {
        switch self {
        case .unary(let f, let a): .unary(f, map(a))
        case .binary(let f, let a, let b): .binary(f, map(a), map(b))
        case .select(let c, let a, let b): .select(map(c), map(a), map(b))
        case .clip(let a, let lo, let hi): .clip(map(a), lo, hi)
        case .cast(let a, let d): .cast(map(a), d)
        case .reduce(let k, let a, let axes, let keep): .reduce(k, map(a), axes: axes, keepDims: keep)
        case .transpose(let a, let p): .transpose(map(a), p)
        case .expandDims(let a, let p): .expandDims(map(a), p)
        case .squeeze(let a, let p): .squeeze(map(a), p)
        case .reshape(let a, let s): .reshape(map(a), s)
        case .reshapeSymbolic(let a, let k): .reshapeSymbolic(map(a), merging: k)
        case .flatten(let a): .flatten(map(a))
        case .subtensor(let a, let i): .subtensor(map(a), i)
        case .incSubtensor(let a, let b, let i, let set): .incSubtensor(map(a), map(b), i, set: set)
        case .alloc(let a, let s): .alloc(map(a), s)
        case .like(let a, let ones): .like(map(a), ones: ones)
        case .addEye(let a, let n, let m, let k): .addEye(map(a), n: n, m: m, k: k)
        case .mulArange(let a, let s, let e, let st): .mulArange(map(a), start: s, stop: e, step: st)
        case .concatenate(let l, let axis): .concatenate(l.map(map), axis: axis)
        case .stack(let l, let axis): .stack(l.map(map), axis: axis)
        case .cumulative(let a, let axis, let p): .cumulative(map(a), axis: axis, product: p)
        case .convolve(let a, let b, let v): .convolve(map(a), map(b), valid: v)
        case .dot(let a, let b): .dot(map(a), map(b))
        case .matmul(let a, let b): .matmul(map(a), map(b))
        case .blockwiseConvolve(let a, let b): .blockwiseConvolve(map(a), map(b))
        case .blockwiseMul(let a, let b): .blockwiseMul(map(a), map(b))
        }
    }

    /// Whether finite differences can check this step's derivative at random points: false for
    /// steps with kinks, jumps or ties (rounding, `abs`, `max`, comparisons, integer division)
    /// and for casts to non-float types.
    public var isSmooth: Bool {
        switch self {
        case .unary(let f, _): FuzzFunctions.unary[f]?.smooth ?? false
        case .binary(let f, _, _): FuzzFunctions.binary[f]?.smooth ?? false
        case .reduce(let kind, _, _, _): ["sum", "prod", "mean"].contains(kind)
        case .cast(_, let dtype): dtype.isFloat
        case .clip, .select: false
        default: true
        }
    }

    /// How many times the step can be differentiated (its functions' rules).
    public var derivatives: Int {
        if case .unary(let f, _) = self { return FuzzFunctions.unary[f]?.derivatives ?? .max }
        return .max
    }

    /// Builds the step on `values`.
    func build(_ values: [Variable]) -> Variable {
        switch self {
        case .unary(let f, let a): return FuzzFunctions.unary[f]!.build(values[a])
        case .binary(let f, let a, let b): return FuzzFunctions.binary[f]!.build(values[a], values[b])
        case .select(let c, let a, let b): return Cotangent.select(values[c], values[a], values[b])
        case .clip(let a, let lo, let hi): return Cotangent.clip(values[a], min: Tensor.constant(lo), max: Tensor.constant(hi))
        case .cast(let a, let d): return values[a].cast(to: d)
        case .reduce(let kind, let a, let axes, let keep):
            let x = values[a]
            let all = axes ?? Array(0..<x.ndim)
            switch kind {
            case "sum": return x.sum(axes: all, keepDims: keep)
            case "prod": return x.prod(axes: all, keepDims: keep)
            case "max": return x.max(axes: all, keepDims: keep)
            case "min": return x.min(axes: all, keepDims: keep)
            case "mean": return x.mean(axes: all, keepDims: keep)
            case "all": return x.all(axes: all, keepDims: keep)
            case "any": return x.any(axes: all, keepDims: keep)
            case "argmax": return x.argmax(axes: all, keepDims: keep)
            default: return x.argmin(axes: all, keepDims: keep)
            }
        case .transpose(let a, let p): return values[a].transposed(axes: p)
        case .expandDims(let a, let p): return values[a].expandingDims(p)
        case .squeeze(let a, let p): return values[a].squeezed(axes: p)
        case .reshape(let a, let s): return values[a].reshaped(to: s)
        case .reshapeSymbolic(let a, let k):
            let x = values[a]
            // A shrunk case (or a placeholder after an earlier invalid step) can leave fewer
            // dims than the step merges; that case is invalid, not a crash.
            guard x.ndim > k else {
                reportBuildError(CotangentError(.invalidGraph, "reshapeSymbolic: \(x.ndim) dims, merging \(k + 1)"))
                return placeholderVariable()
            }
            let dims = (0..<x.ndim).map { x.shape[$0] }
            return x.reshaped(to: [dims[..<(k + 1)].dropFirst().reduce(dims[0], *)] + Array(dims[(k + 1)...]))
        case .flatten(let a): return values[a].flattened()
        case .subtensor(let a, let i): return values[a][basicIndices: i.map(\.tensorIndex)]
        case .incSubtensor(let a, let b, let i, let set):
            return set ? values[a].setting(at: i.map(\.tensorIndex), to: values[b])
                : values[a].incremented(at: i.map(\.tensorIndex), by: values[b])
        case .alloc(let a, let s): return Cotangent.alloc(values[a], shape: s)
        case .like(let a, let ones): return (ones ? onesLike(values[a]) : zerosLike(values[a])) + values[a]
        case .addEye(let a, let n, let m, let k): return values[a] + eye(n, m, k: k)
        case .mulArange(let a, let s, let e, let st):
            return values[a] * arange(Tensor.constant(Double(s)), Tensor.constant(Double(e)), step: Tensor.constant(Double(st)))
        case .concatenate(let l, let axis): return Cotangent.concatenate(l.map { values[$0] }, axis: axis)
        case .stack(let l, let axis): return Cotangent.stack(l.map { values[$0] }, axis: axis)
        case .cumulative(let a, let axis, let p): return p ? cumprod(values[a], axis: axis) : cumsum(values[a], axis: axis)
        case .convolve(let a, let b, let v): return convolve1d(values[a], values[b], mode: v ? .valid : .full)
        case .dot(let a, let b): return Cotangent.dot(values[a], values[b])
        case .matmul(let a, let b): return Cotangent.matmul(values[a], values[b])
        case .blockwiseConvolve(let a, let b):
            return blockwise(Convolve1d(), signature: "(n),(k),()->(o)", [values[a], values[b], Tensor.constant(NDArray(scalar: true))])
        case .blockwiseMul(let a, let b):
            return blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", [values[a], values[b]])
        }
    }

    /// The Swift expression that builds the step from the values named `names`.
    func swift(_ names: [String]) -> String {
        func list(_ l: [Int]) -> String { "[" + l.map { names[$0] }.joined(separator: ", ") + "]" }
        func ints(_ l: [Int]) -> String { "[" + l.map(String.init).joined(separator: ", ") + "]" }
        switch self {
        case .unary(let f, let a): return FuzzFunctions.unary[f]!.swift(names[a])
        case .binary(let f, let a, let b): return FuzzFunctions.binary[f]!.swift(names[a], names[b])
        case .select(let c, let a, let b): return "select(\(names[c]), \(names[a]), \(names[b]))"
        case .clip(let a, let lo, let hi): return "clip(\(names[a]), min: Tensor.constant(\(lo)), max: Tensor.constant(\(hi)))"
        case .cast(let a, let d): return "\(names[a]).cast(to: .\(d))"
        case .reduce(let kind, let a, let axes, let keep):
            return "\(names[a]).\(kind)(axes: \(axes.map(ints) ?? "Array(0..<\(names[a]).ndim)"), keepDims: \(keep))"
        case .transpose(let a, let p): return "\(names[a]).transposed(axes: \(ints(p)))"
        case .expandDims(let a, let p): return "\(names[a]).expandingDims(\(ints(p)))"
        case .squeeze(let a, let p): return "\(names[a]).squeezed(axes: \(ints(p)))"
        case .reshape(let a, let s): return "\(names[a]).reshaped(to: \(ints(s)))"
        case .reshapeSymbolic(let a, let k):
            let x = names[a]
            return "\(x).reshaped(to: [" + (0...k).map { "\(x).shape[\($0)]" }.joined(separator: " * ")
                + "] + (\(k + 1)..<\(x).ndim).map { \(x).shape[$0] })"
        case .flatten(let a): return "\(names[a]).flattened()"
        case .subtensor(let a, let i): return "\(names[a])[" + i.map(\.swift).joined(separator: ", ") + "]"
        case .incSubtensor(let a, let b, let i, let set):
            return "\(names[a]).\(set ? "setting" : "incremented")(at: [" + i.map(\.swift).joined(separator: ", ")
                + "], \(set ? "to" : "by"): \(names[b]))"
        case .alloc(let a, let s): return "alloc(\(names[a]), shape: \(ints(s)))"
        case .like(let a, let ones): return "\(ones ? "onesLike" : "zerosLike")(\(names[a])) + \(names[a])"
        case .addEye(let a, let n, let m, let k): return "\(names[a]) + eye(\(n), \(m), k: \(k))"
        case .mulArange(let a, let s, let e, let st):
            return "\(names[a]) * arange(Tensor.constant(\(Double(s))), Tensor.constant(\(Double(e))), step: Tensor.constant(\(Double(st))))"
        case .concatenate(let l, let axis): return "concatenate(\(list(l)), axis: \(axis))"
        case .stack(let l, let axis): return "stack(\(list(l)), axis: \(axis))"
        case .cumulative(let a, let axis, let p): return "\(p ? "cumprod" : "cumsum")(\(names[a]), axis: \(axis.map(String.init) ?? "nil"))"
        case .convolve(let a, let b, let v): return "convolve1d(\(names[a]), \(names[b]), mode: .\(v ? "valid" : "full"))"
        case .dot(let a, let b): return "dot(\(names[a]), \(names[b]))"
        case .matmul(let a, let b): return "matmul(\(names[a]), \(names[b]))"
        case .blockwiseConvolve(let a, let b):
            return "blockwise(Convolve1d(), signature: \"(n),(k),()->(o)\", [\(names[a]), \(names[b]), Tensor.constant(NDArray(scalar: true))])"
        case .blockwiseMul(let a, let b):
            return "blockwise(Elemwise(.mul), signature: \"(n),(n)->(n)\", [\(names[a]), \(names[b])])"
        }
    }
}

/// A random graph as data: inputs with their values and the steps that build it. The last
/// step is the output. Being data, a case can be rebuilt on other input variables (exact
/// static shapes for ``verifyGrad(_:at:tests:seed:epsilon:absoluteTolerance:relativeTolerance:)``),
/// shrunk, and printed as Swift code.
public struct FuzzCase: Sendable, Hashable {
    /// The inputs, values 0 ..< inputs.count.
    public var inputs: [FuzzInput]
    /// The steps; step k is value inputs.count + k.
    public var steps: [FuzzStep]

    /// Creates a case from its parts.
    public init(inputs: [FuzzInput], steps: [FuzzStep]) {
        self.inputs = inputs
        self.steps = steps
    }

    /// Every value of the graph built on `variables` (one per input), inputs first; the last
    /// is the output.
    public func buildValues(on variables: [Variable]) -> [Variable] {
        var values = variables
        for step in steps { values.append(step.build(values)) }
        return values
    }

    /// The output built on `variables`.
    public func build(on variables: [Variable]) -> Variable { buildValues(on: variables).last! }

    /// Whether every step can be checked against finite differences.
    public var isSmooth: Bool { steps.allSatisfy(\.isSmooth) }

    /// How many times every step can be differentiated.
    public var derivatives: Int { steps.map(\.derivatives).min() ?? .max }

    /// The same case without steps or inputs the output does not read.
    public func withoutDeadCode() -> FuzzCase {
        let total = inputs.count + steps.count
        var live = Array(repeating: false, count: total)
        live[total - 1] = true
        for k in stride(from: steps.count - 1, through: 0, by: -1) where live[inputs.count + k] {
            for operand in steps[k].operands { live[operand] = true }
        }
        var newPosition = Array(repeating: -1, count: total)
        var next = 0
        for position in 0..<total where live[position] {
            newPosition[position] = next
            next += 1
        }
        return FuzzCase(
            inputs: inputs.indices.filter { live[$0] }.map { inputs[$0] },
            steps: steps.indices.filter { live[inputs.count + $0] }.map { steps[$0].renumbered { newPosition[$0] } })
    }

    /// Swift code that rebuilds the graph (as `output`) and its input values (as `arguments`).
    public var swiftCode: String {
        var names = inputs.map(\.name)
        var lines: [String] = []
        for input in inputs {
            lines.append("let \(input.name) = Tensor.tensor(\"\(input.name)\", dtype: .\(input.dtype), shape: "
                + "[" + input.staticShape.map { $0.map(String.init) ?? "nil" }.joined(separator: ", ") + "])")
        }
        for (k, step) in steps.enumerated() {
            let name = k == steps.count - 1 ? "output" : "v\(inputs.count + k)"
            lines.append("let \(name) = \(step.swift(names))")
            names.append(name)
        }
        let arguments = inputs.map { input in
            "NDArray(shape: \(input.shape), elements: \(input.elements) as [Double]).converted(to: .\(input.dtype))"
        }
        lines.append("let arguments: [NDArray] = [\n    " + arguments.joined(separator: ",\n    ") + "]")
        return lines.joined(separator: "\n")
    }
}
