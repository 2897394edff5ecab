import Cotangent

/// Makes random well-typed graphs: every step is built (through `checked`) and run by the
/// reference on the case's values as it is drawn, and kept only if it builds, runs, stays in
/// its functions' domains and gives finite, moderate values. So every case runs, and its
/// derivatives can be checked by finite differences where its steps are smooth.
public struct FuzzGenerator: Sendable {
    /// The most steps a case has.
    public var maxSteps: Int
    /// The most inputs a case has.
    public var maxInputs: Int
    /// The most elements an input has.
    public var maxElements: Int

    /// A generator of cases with at most `maxSteps` steps and `maxInputs` inputs.
    public init(maxSteps: Int = 6, maxInputs: Int = 4, maxElements: Int = 24) {
        self.maxSteps = maxSteps
        self.maxInputs = maxInputs
        self.maxElements = maxElements
    }

    /// The case of `seed` (the same seed gives the same case).
    public func makeCase(seed: UInt64) -> FuzzCase {
        var state = GenerationState(seed: seed, generator: self)
        return state.run()
    }
}

/// What a draw knows: the case so far, its variables and their reference values.
private struct GenerationState {
    var random: FuzzRandom
    let generator: FuzzGenerator
    /// Inputs and steps in the order they were drawn (operands are positions in this list);
    /// the case puts the inputs first at the end.
    var entries: [Entry] = []
    var variables: [Variable] = []
    var inputCount: Int { entries.count { if case .input = $0 { true } else { false } } }
    var stepCount: Int { entries.count - inputCount }

    enum Entry {
        case input(FuzzInput)
        case step(FuzzStep)
    }
    var reference = ReferenceEvaluator(feed: [:])

    init(seed: UInt64, generator: FuzzGenerator) {
        random = FuzzRandom(seed: seed)
        self.generator = generator
    }

    var values: [NDArray] { variables.map { reference.values[$0]! } }

    mutating func run() -> FuzzCase {
        addInput(makeInput(dtype: randomDType(), shape: randomShape()))
        let target = random.int(1...generator.maxSteps)
        var attempts = 0
        while stepCount < target && attempts < target * 12 {
            attempts += 1
            let saved = (entries, variables, reference)
            guard let step = proposeStep(), accept(step) else {
                (entries, variables, reference) = saved
                continue
            }
        }
        if stepCount == 0 {
            // Always at least one step: the identity of the first input.
            entries.append(.step(.unary("identity", 0)))
        }
        // Inputs first, steps after, in drawing order; the last step is the output.
        var position = Array(repeating: 0, count: entries.count)
        var inputs: [FuzzInput] = []
        for (k, entry) in entries.enumerated() {
            if case .input(let input) = entry {
                position[k] = inputs.count
                inputs.append(input)
            }
        }
        var steps: [FuzzStep] = []
        for (k, entry) in entries.enumerated() {
            if case .step(let step) = entry {
                position[k] = inputs.count + steps.count
                steps.append(step.renumbered { position[$0] })
            }
        }
        return FuzzCase(inputs: inputs, steps: steps).withoutDeadCode()
    }

    // MARK: Inputs

    mutating func randomDType() -> DType {
        let r = random.unit()
        return r < 0.6 ? .float64 : r < 0.75 ? .float32 : r < 0.85 ? .int64 : r < 0.9 ? .int32 : r < 0.95 ? .bool : .int8
    }

    mutating func randomShape() -> [Int] {
        let rank = random.pick([0, 1, 1, 1, 2, 2, 2, 3])
        var shape = (0..<rank).map { _ in random.chance(0.05) ? 0 : random.int(1...4) }
        while shape.reduce(1, *) > generator.maxElements, let last = shape.indices.last(where: { shape[$0] > 1 }) {
            shape[last] -= 1
        }
        return shape
    }

    mutating func makeInput(dtype: DType, shape: [Int], staticShape: [Int?]? = nil) -> FuzzInput {
        let count = shape.reduce(1, *)
        let elements: [Double] = (0..<count).map { _ in
            switch dtype {
            case .bool: return random.chance(0.5) ? 1 : 0
            case .float32, .float64:
                // Two decimals: short reproducers, and values away from integers and kinks.
                return (random.unit() * 400 - 200).rounded() / 100 + 0.003
            default: return Double(random.int(-3...3))
            }
        }
        let declared = staticShape ?? shape.map { random.chance(0.5) ? $0 : nil }
        return FuzzInput(
            name: "x\(inputCount)", dtype: dtype, staticShape: declared, elements: elements, shape: shape)
    }

    /// Adds an input; returns its position.
    @discardableResult
    mutating func addInput(_ input: FuzzInput) -> Int {
        entries.append(.input(input))
        let variable = input.makeVariable()
        variables.append(variable)
        reference.setValue(input.value, of: variable)
        return variables.count - 1
    }

    /// A value position, preferring recent ones (deeper graphs).
    mutating func pickOperand(where predicate: (Variable) -> Bool = { _ in true }) -> Int? {
        let candidates = variables.indices.filter { predicate(variables[$0]) }
        guard !candidates.isEmpty else { return nil }
        return random.chance(0.6) ? candidates.last! : random.pick(candidates)
    }

    /// A new input like value `position`: same run-time shape, some dims broadcast (static 1)
    /// or dropped from the front; the dtype is often the same.
    mutating func inputLike(_ position: Int, dtype: DType? = nil) -> Int? {
        inputLike(variables[position], values[position].shape, dtype: dtype)
    }

    mutating func inputLike(_ variable: Variable, _ shape: [Int], dtype: DType? = nil) -> Int? {
        guard inputCount < generator.maxInputs else { return nil }
        var newShape = shape
        var declared: [Int?] = variable.type.shape
        for axis in newShape.indices where random.chance(0.25) {
            newShape[axis] = 1
            declared[axis] = 1
        }
        if !newShape.isEmpty && random.chance(0.2) {
            let drop = random.int(1...newShape.count)
            newShape.removeFirst(drop)
            declared.removeFirst(drop)
        }
        declared = zip(declared, newShape).map { d, n in d == nil ? nil : (random.chance(0.7) ? n : nil) }
        // A broadcast dim must be statically 1; an unknown 1 would be a run-time mismatch.
        declared = zip(declared, newShape).enumerated().map { i, pair in
            pair.1 == 1 && i < shape.count && shape[shape.count - newShape.count + i] != 1 ? 1 : pair.0
        }
        let sameDType = variable.dtype
        return addInput(makeInput(
            dtype: dtype ?? (random.chance(0.8) ? sameDType : randomDType()), shape: newShape, staticShape: declared))
    }

    mutating func operandOrInput(like position: Int) -> Int? {
        let rank = variables[position].ndim
        return random.chance(0.5) ? inputLike(position) : pickOperand { $0.ndim <= rank + 1 }
    }

    // MARK: Steps

    mutating func proposeStep() -> FuzzStep? {
        guard let a = pickOperand() else { return nil }
        let x = variables[a]
        let shape = values[a].shape
        let rank = x.ndim
        switch random.int(0...21) {
        case 0...4:
            let names = FuzzFunctions.unary.keys.sorted()
            let name = random.pick(names)
            if !x.dtype.isFloat && !FuzzFunctions.unary[name]!.integers { return nil }
            return .unary(name, a)
        case 5...7:
            let name = random.pick(FuzzFunctions.binary.keys.sorted())
            let function = FuzzFunctions.binary[name]!
            if function.bitwise {
                guard !x.dtype.isFloat, let b = inputLike(a, dtype: x.dtype) else { return nil }
                return .binary(name, a, b)
            }
            guard let b = operandOrInput(like: a) else { return nil }
            return random.chance(0.5) ? .binary(name, a, b) : .binary(name, b, a)
        case 8:
            guard let b = operandOrInput(like: a), let c = pickOperand(where: { $0.dtype == .bool }) ?? inputLike(a, dtype: .bool)
            else { return nil }
            return .select(c, a, b)
        case 9:
            return random.chance(0.5) ? .cast(a, random.pick([.float64, .float32, .int64, .int32, .bool, .uint8]))
                : .clip(a, -1.5, 1.25)
        case 10:
            let kind = random.pick(["sum", "sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin"])
            let axes: [Int]? = random.chance(0.3) ? nil : (0..<rank).filter { _ in random.chance(0.5) }
            if ["argmax", "argmin"].contains(kind), let axes, axes.count != 1 && axes.count != rank { return nil }
            return .reduce(kind, a, axes: axes, keepDims: random.chance(0.3))
        case 11:
            guard rank >= 1 else { return .expandDims(a, [0]) }
            switch random.int(0...3) {
            case 0: return .transpose(a, Array(0..<rank).shuffled(using: &random))
            case 1: return .expandDims(a, [random.int(0...rank)])
            case 2:
                let ones = (0..<rank).filter { x.type.shape[$0] == 1 }
                return ones.isEmpty ? .transpose(a, Array((0..<rank).reversed())) : .squeeze(a, [random.pick(ones)])
            default: return .flatten(a)
            }
        case 12:
            let count = shape.reduce(1, *)
            if rank >= 2 && random.chance(0.4) { return .reshapeSymbolic(a, merging: random.int(1...(rank - 1))) }
            let divisors = (1...Swift.max(count, 1)).filter { count % $0 == 0 }
            let first = random.pick(divisors)
            var target = count == 0 ? [0, random.int(1...3)] : [first, count / first]
            if random.chance(0.3) { target[random.int(0...1)] = -1 }
            if random.chance(0.2) { target = [count] }
            return .reshape(a, target)
        case 13:
            guard rank >= 1 else { return nil }
            return .subtensor(a, randomIndices(shape))
        case 14:
            guard rank >= 1 else { return nil }
            let indices = randomIndices(shape)
            // The increment: an input shaped like the selected region (or broadcasting to it).
            let region = x[basicIndices: indices.map(\.tensorIndex)]
            guard (try? checked({ region })) != nil, let regionValue = try? reference.value(of: region),
                let b = inputLike(region, regionValue.shape, dtype: random.chance(0.8) ? x.dtype : randomDType())
            else { return nil }
            return .incSubtensor(a, b, indices, set: random.chance(0.4))
        case 15:
            let extra = (0..<random.int(0...1)).map { _ in random.int(0...3) }
            return random.chance(0.5) ? .alloc(a, extra + shape) : .like(a, ones: random.chance(0.5))
        case 16:
            if rank <= 2, random.chance(0.5) {
                let n = rank == 2 ? shape[0] : random.int(1...3)
                let m = rank >= 1 ? shape[rank - 1] : random.int(0...3)
                return .addEye(a, n: n, m: m, k: random.int(-1...1))
            }
            guard rank <= 1 else { return nil }
            let n = rank == 1 ? shape[0] : random.int(0...4)
            let start = random.int(-2...2), step = random.pick([1, 2, -1])
            return .mulArange(a, start: start, stop: start + step * n, step: step)
        case 17:
            guard rank >= 1 else { return nil }
            let axis = random.int(0...(rank - 1))
            let others = (0..<random.int(1...2)).compactMap { _ -> Int? in
                var s = shape
                s[axis] = random.int(0...3)
                guard inputCount < generator.maxInputs else { return nil }
                return addInput(makeInput(dtype: random.chance(0.8) ? x.dtype : randomDType(), shape: s,
                                          staticShape: zip(s, x.type.shape).enumerated().map { i, p in i == axis ? (random.chance(0.5) ? p.0 : nil) : p.1 }))
            }
            return random.chance(0.5) ? .concatenate([a] + others, axis: axis) : .concatenate(others + [a], axis: axis)
        case 18:
            guard let b = random.chance(0.7) ? inputLikeExactly(a) : Optional(a) else { return nil }
            return .stack([a, b], axis: random.int(0...rank))
        case 19:
            let axis: Int? = rank == 0 || random.chance(0.3) ? nil : random.int(0...(rank - 1))
            return .cumulative(a, axis: axis, product: random.chance(0.35))
        case 20:
            guard rank >= 1, rank <= 2 else { return nil }
            if rank == 2 {
                // numpy and JAX reject an empty convolution input, in an empty batch too.
                if shape[1] > 0, random.chance(0.5) {
                    guard let b = addNewInput(dtype: x.dtype, shape: [shape[0], random.int(1...3)]) else { return nil }
                    return .blockwiseConvolve(a, b)
                }
                return .blockwiseMul(a, inputLikeExactly(a) ?? a)
            }
            guard let b = addNewInput(dtype: random.chance(0.8) ? x.dtype : randomDType(), shape: [random.int(1...4)]) else { return nil }
            return .convolve(a, b, valid: random.chance(0.4))
        default:
            guard rank >= 1, rank <= 3 else { return nil }
            let k = shape[rank - 1]
            let bShape: [Int]
            switch random.int(0...2) {
            case 0: bShape = [k]
            case 1: bShape = [k, random.int(1...3)]
            default: bShape = rank == 3 ? [shape[0], k, random.int(1...3)] : [k, random.int(0...3)]
            }
            guard let b = addNewInput(dtype: random.chance(0.85) ? x.dtype : randomDType(), shape: bShape) else { return nil }
            return rank <= 2 && bShape.count <= 2 && random.chance(0.5) ? .dot(a, b) : .matmul(a, b)
        }
    }

    mutating func addNewInput(dtype: DType, shape: [Int]) -> Int? {
        guard inputCount < generator.maxInputs else { return nil }
        return addInput(makeInput(dtype: dtype, shape: shape))
    }

    /// A new input of exactly value `position`'s run-time shape and static shape.
    mutating func inputLikeExactly(_ position: Int) -> Int? {
        guard inputCount < generator.maxInputs else { return nil }
        return addInput(makeInput(dtype: variables[position].dtype, shape: values[position].shape,
                                  staticShape: variables[position].type.shape))
    }

    mutating func randomIndices(_ shape: [Int]) -> [FuzzIndex] {
        let count = random.int(1...shape.count)
        return (0..<count).map { axis in
            let n = shape[axis]
            if n > 0 && random.chance(0.3) { return .index(random.int(-n...(n - 1))) }
            let step: Int? = random.chance(0.5) ? nil : random.pick([1, 2, -1, -2])
            let start: Int? = random.chance(0.5) ? nil : random.int(-n - 1...n + 1)
            let stop: Int? = random.chance(0.5) ? nil : random.int(-n - 1...n + 1)
            return .slice(start: start, stop: stop, step: step)
        }
    }

    /// Builds and runs `step`; keeps it when its values are finite and moderate and its
    /// functions' operands are in their domains.
    mutating func accept(_ step: FuzzStep) -> Bool {
        guard let output = try? checked({ step.build(variables) }),
            let value = try? reference.value(of: output)
        else { return false }
        guard isModerate(value), value.count <= 64, inDomain(step) else { return false }
        entries.append(.step(step))
        variables.append(output)
        return true
    }

    mutating func inDomain(_ step: FuzzStep) -> Bool {
        switch step {
        case .unary(let name, let a):
            let accepts = FuzzFunctions.unary[name]!.accepts
            return doubles(values[a]).allSatisfy(accepts)
        case .binary(let name, let a, let b):
            let accepts = FuzzFunctions.binary[name]!.accepts
            guard let lhs = try? reference.value(of: second(variables[b], variables[a])),
                let rhs = try? reference.value(of: second(variables[a], variables[b]))
            else { return false }
            return zip(doubles(lhs), doubles(rhs)).allSatisfy(accepts)
        case .cumulative(let a, _, true):
            return doubles(values[a]).allSatisfy { Swift.abs($0) < 4 }
        case .reduce("prod", let a, _, _):
            return doubles(values[a]).allSatisfy { Swift.abs($0) < 4 }
        default:
            return true
        }
    }
}

func doubles(_ array: NDArray) -> [Double] { array.converted(to: .float64).asArray(Double.self) }

/// Finite with magnitude below 1e4 (floats); integer values must stay small too.
func isModerate(_ array: NDArray) -> Bool {
    doubles(array).allSatisfy { $0.isFinite && Swift.abs($0) < 1e4 }
}

extension FuzzRandom: RandomNumberGenerator {}
