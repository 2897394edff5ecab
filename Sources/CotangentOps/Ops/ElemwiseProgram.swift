import CVectorMath
import Synchronization
import CotangentArrays
import CotangentGraph

// The elementwise kernel: a scalar graph compiled to a small register program that runs over
// blocks of elements.
//
// Every `Elemwise` node (a plain scalar op is a one-node graph, a fused `Composite` a larger one)
// runs in one pass over memory: the iteration space is cut into blocks of `blockSize` elements;
// for each block the inputs are loaded (contiguous float64/int64 inputs are read in place,
// others converted into a scratch register), then each instruction runs as a tight loop over
// the block (vectorisable for arithmetic, one libm call per element for transcendentals), and
// the outputs are written (in place when the producing instruction can write the output memory
// directly). No intermediate array is allocated, whatever the graph's size.
//
// Values keep exactly the unfused semantics: every inner value lives in a register of its
// compute domain (float dtypes as `Double`, integer and bool dtypes as `Int64`), each op
// computes in the domain the unfused kernel used and its result is rounded or wrapped to the
// op's dtype (float32 results are rounded to float32 after every op, as separate float32 ops
// would be).

/// How the elementwise kernels evaluate transcendental functions (exp, log, log1p, tanh, sin,
/// erf, …) on float values.
public enum ElementwiseMath {
    private static let vectorMath = Atomic<Bool>(true)

    /// Whether transcendentals run a block at a time through vector code — Cotangent's own
    /// AVX-512/AVX2 kernels for exp, tanh, sigmoid, softplus and erf (within 2 ulps), the C
    /// library's vector variants for the others (glibc's libmvec, found at run time; within 4
    /// ulps of libm, as numpy's own SIMD functions are) — or call libm once per element (nearly
    /// always correctly rounded, several times slower). True by default; where no vector code
    /// exists (other platforms, older CPUs) both settings call libm.
    public static var usesVectorMath: Bool {
        get { vectorMath.load(ordering: .relaxed) }
        set { vectorMath.store(newValue, ordering: .relaxed) }
    }
}

extension ElementwiseMath {
    private static let wideArithmetic = Atomic<Bool>(true)

    /// Whether float add, subtract, multiply, divide, negate and square run a block at a time
    /// through AVX-512 or AVX2 code chosen at run time (the Swift build itself targets baseline
    /// x86-64). Results are bit-identical either way (no fused multiply-add), so the switch is
    /// process-wide: flipping it changes speed, never a value. True by default. (Blocks under
    /// 16 lanes always take the portable loops; the tests compare the paths that way.)
    public static var usesWideArithmetic: Bool {
        get { wideArithmetic.load(ordering: .relaxed) }
        set { wideArithmetic.store(newValue, ordering: .relaxed) }
    }

    /// Whether this CPU has the wide code (read once).
    package static let wideArithmeticAvailable = cotangent_wide_width() > 0
}

/// Where a register's 8-byte lanes are interpreted: `Double` or `Int64`.
package enum ComputeDomain: Sendable {
    case float, integer

    /// The domain a dtype's values live in inside the program.
    package init(_ dtype: DType) { self = dtype.isFloat ? .float : .integer }

    /// The dtype whose values a register of this domain holds without rounding.
    package var canonical: DType { self == .float ? .float64 : .int64 }
}

/// A scalar graph compiled for given input dtypes (see the file comment).
package final class ElemwiseProgram: Sendable {
    /// Elements per block: registers of 512 lanes (4 KiB) keep a dozen of them in L1 and more in
    /// L2. Measured against 256: W2's value 3% faster at 1e7 elements, W5 unchanged.
    package static let blockSize = 512

    package enum Instruction: @unchecked Sendable {
        /// `result = op(arguments…)` lane by lane in `domain` (variadic ops fold over any number
        /// of arguments), by the op's block kernel for the domain where it has one, else by its
        /// scalar formula for the values' dtype family (`float`/`integer`).
        case apply(
            op: ScalarOp, arguments: [Int], result: Int, domain: ComputeDomain, float: Kernel3<Double>,
            integer: Kernel3<Int64>, floatBlock: FloatBlock?, integerBlock: IntegerBlock?)
        /// `result = condition != 0 ? a : b` (the condition in its own domain).
        case select(condition: Int, conditionDomain: ComputeDomain, a: Int, b: Int, result: Int, domain: ComputeDomain)
        /// `result = source` converted from its domain to `dtype` (rounded to float32, wrapped to
        /// an integer width, truncated toward zero, or made 0/1), in `dtype`'s domain.
        case convert(source: Int, from: ComputeDomain, to: DType, result: Int)
    }

    /// An instruction as the block loop runs it, in plain values only: reading one per block
    /// copies nothing (C function pointers and integers), where copying an ``Instruction`` out
    /// of its array retains its payload (hundreds of instructions per block and step).
    package struct Step {
        package enum Kind { case apply, select, convert }
        package let kind: Kind
        /// `apply`: the op's block kernel for the domain, if any (else the scalar kernel runs
        /// lane by lane).
        package let floatBlock: FloatBlock?
        /// A variadic op's first pass over three float arguments (its table entry's
        /// `floatFold3`), when it takes the third argument too; the extras fold with `floatBlock`.
        package let floatFold3: FloatBlock?
        package let integerBlock: IntegerBlock?
        /// `apply` and `select`: the compute domain; `convert`: the source's.
        package let domain: ComputeDomain
        /// `select`: the condition's domain.
        package let conditionDomain: ComputeDomain
        /// `convert`: the target dtype.
        package let dtype: DType
        /// Operand registers: `apply`'s first three arguments (the first repeated where absent),
        /// `select`'s condition and branches, `convert`'s source in `a`.
        package let a: Int, b: Int, c: Int
        package let result: Int
        /// `apply`: where the arguments past the second are in `extraArguments` (a variadic
        /// op folds them into the result).
        package let extras: Range<Int>

        init(
            _ kind: Kind, floatBlock: FloatBlock? = nil, floatFold3: FloatBlock? = nil, integerBlock: IntegerBlock? = nil,
            domain: ComputeDomain,
            conditionDomain: ComputeDomain? = nil, dtype: DType = .float64, a: Int, b: Int? = nil, c: Int? = nil,
            result: Int, extras: Range<Int> = 0..<0
        ) {
            self.kind = kind
            self.floatBlock = floatBlock
            self.floatFold3 = floatFold3
            self.integerBlock = integerBlock
            self.domain = domain
            self.conditionDomain = conditionDomain ?? domain
            self.dtype = dtype
            self.a = a
            self.b = b ?? a
            self.c = c ?? a
            self.result = result
            self.extras = extras
        }
    }

    package let inputDTypes: [DType]
    package let outputDTypes: [DType]
    package let registerCount: Int
    /// The register each input is loaded into (in the input dtype's domain).
    package let inputRegisters: [Int]
    /// Registers holding a constant in every lane, with the lane's bits.
    package let constants: [(register: Int, bits: UInt64)]
    package let instructions: [Instruction]
    /// `instructions` as the block loop runs them, with each step's scalar kernels (used by
    /// `kernel` loops) and the arguments of `apply` steps past the second.
    package let plan: [Step]
    package let floatKernels: [Kernel3<Double>]
    package let integerKernels: [Kernel3<Int64>]
    package let extraArguments: [Int]
    /// The register holding each output (in the output dtype's domain).
    package let outputRegisters: [Int]
    /// Whether an instruction writes the register (else it is an input or a constant, which
    /// an output must be copied from).
    package let written: [Bool]
    /// Outputs whose instruction writes the output memory directly: they hold the register's
    /// representation (float64/int64), are not copies of an input or constant, and no earlier
    /// output has the same register.
    package let directOutputs: [Bool]

    /// The kernel of the domain an instruction does not compute in.
    private static let unusedFloat: Kernel3<Double> = { _, _, _ in 0 }
    private static let unusedInteger: Kernel3<Int64> = { _, _, _ in 0 }

    /// Compiles `graph` for inputs of these dtypes.
    ///
    /// - Throws: the inner ops' dtype errors (inputs the graph cannot take).
    package init(_ graph: CompositeGraph, inputs: [DType]) throws {
        let dtypes = try graph.nodeDTypes(inputs: inputs)
        var registerCount = 0
        func newRegister() -> Int {
            registerCount += 1
            return registerCount - 1
        }
        let inputRegisters = inputs.map { _ in newRegister() }
        var constantRegisters: [CompositeConstant: Int] = [:]
        var constants: [(Int, UInt64)] = []
        var instructions: [Instruction] = []
        var nodeRegisters: [Int] = []
        var written: Set<Int> = []

        /// Register and dtype of an operand.
        func operand(_ operand: CompositeGraph.Operand) -> (register: Int, dtype: DType) {
            switch operand {
            case .input(let k): return (inputRegisters[k], inputs[k])
            case .node(let k): return (nodeRegisters[k], dtypes[k])
            case .constant(let c):
                if let existing = constantRegisters[c] { return (existing, c.dtype) }
                let register = newRegister()
                constantRegisters[c] = register
                let bits = c.dtype.isFloat ? c.doubleValue.bitPattern : UInt64(bitPattern: c.int64Value)
                constants.append((register, bits))
                return (register, c.dtype)
            }
        }
        /// The operand's register in `domain`, converting when it lives in the other one.
        func inDomain(_ value: (register: Int, dtype: DType), _ domain: ComputeDomain) -> Int {
            let from = ComputeDomain(value.dtype)
            guard from != domain else { return value.register }
            let result = newRegister()
            instructions.append(.convert(source: value.register, from: from, to: domain.canonical, result: result))
            written.insert(result)
            return result
        }
        /// Rounds a result computed in `domain` to `dtype` (a no-op when the domain holds it).
        func finish(_ register: Int, _ domain: ComputeDomain, _ dtype: DType) -> Int {
            guard dtype != domain.canonical else { return register }
            let result = newRegister()
            instructions.append(.convert(source: register, from: domain, to: dtype, result: result))
            written.insert(result)
            return result
        }

        for (index, node) in graph.nodes.enumerated() {
            let op = node.op
            let dtype = dtypes[index]
            let values = node.operands.map(operand)
            let register: Int
            switch op.definition.lowering {
            case .operand(let k):
                register = values[k].register
            case .convert:
                let from = ComputeDomain(values[0].dtype)
                register = values[0].dtype == dtype ? values[0].register : finish(values[0].register, from, dtype)
            case .select:
                let domain = ComputeDomain(DType.promote(values[1].dtype, values[2].dtype))
                let (a, b) = (inDomain(values[1], domain), inDomain(values[2], domain))
                let result = newRegister()
                instructions.append(
                    .select(
                        condition: values[0].register, conditionDomain: ComputeDomain(values[0].dtype), a: a, b: b,
                        result: result, domain: domain))
                written.insert(result)
                register = finish(result, domain, dtype)
            case .inline:
                preconditionFailure("ElemwiseProgram: a composite inside a composite graph")
            case .apply:
                // The dtype the unfused kernel computed in: the promoted operands for
                // comparisons, else the result's.
                let source = op.isComparison ? DType.promote(values.map(\.dtype)) : dtype
                let domain: ComputeDomain = source.isFloat && !op.isBitwise ? .float : .integer
                // `x ** 2` as `x * x` (numpy's fast path too; glibc's pow(x, 2) is x * x
                // correctly rounded as well), much cheaper than a pow call per element.
                var op = op
                var values = values
                // A variadic op of one argument is that argument.
                if op.isVariadic && values.count == 1 {
                    nodeRegisters.append(finish(inDomain(values[0], domain), domain, dtype))
                    continue
                }
                if op == .pow, domain == .float, case .constant(let c) = node.operands[1] {
                    if c.doubleValue == 1 {
                        // `x ** 1` is x (gradients of `x ** 2` leave it behind).
                        nodeRegisters.append(finish(inDomain(values[0], domain), domain, dtype))
                        continue
                    }
                    if c.doubleValue == 2 {
                        op = .sqr
                        values = [values[0]]
                    }
                }
                let arguments = values.map { inDomain($0, domain) }
                let result = newRegister()
                // The dtype rules only admit inputs the op has a formula for (float-only ops
                // upgrade integers to float, bitwise ones reject floats).
                // bool values have their own formula where the op has one (`~` is logical
                // not); the integer block kernel computes the integer formula.
                let definition = op.definition
                let ownBool = domain == .integer && dtype == .bool && definition.bool != nil
                let float = domain == .float ? definition.float! : Self.unusedFloat
                let integer = domain == .float ? Self.unusedInteger : ownBool ? definition.bool! : definition.integer!
                let floatBlock = domain == .float ? definition.floatBlock : nil
                let integerBlock = domain == .integer && !ownBool ? definition.integerBlock : nil
                instructions.append(
                    .apply(
                        op: op, arguments: arguments, result: result, domain: domain, float: float, integer: integer,
                        floatBlock: floatBlock, integerBlock: integerBlock))
                written.insert(result)
                register = finish(result, domain, dtype)
            }
            nodeRegisters.append(register)
        }
        // Each value got its own register; share them between values whose lifetimes do not
        // overlap, so a graph of thousands of nodes needs only as many registers as values live
        // at once (inputs, constants and outputs keep theirs).
        let outputRegisters = graph.outputs.map { nodeRegisters[$0] }
        let pinned = Set(inputRegisters).union(constants.map(\.0)).union(outputRegisters)
        let allocation = Self.shareRegisters(instructions, count: registerCount, pinned: pinned)
        self.inputDTypes = inputs
        self.outputDTypes = graph.outputs.map { dtypes[$0] }
        self.registerCount = allocation.count
        self.inputRegisters = inputRegisters.map { allocation.map[$0] }
        self.constants = constants.map { (allocation.map[$0.0], $0.1) }
        self.instructions = instructions.map { $0.renamed(allocation.map) }
        var steps: [Step] = []
        var floatKernels: [Kernel3<Double>] = []
        var integerKernels: [Kernel3<Int64>] = []
        var extraArguments: [Int] = []
        for instruction in self.instructions {
            let step: Step
            var float: Kernel3<Double> = { _, _, _ in 0 }
            var integer: Kernel3<Int64> = { _, _, _ in 0 }
            switch instruction {
            case .apply(let op, let arguments, let result, let domain, let floatKernel, let integerKernel, let floatBlock, let integerBlock):
                // A variadic op folds its arguments past the second into the result; over
                // floats, its three-argument pass (if it has one) takes the third as well, so
                // `-2 * x * y` reads and writes memory once instead of twice.
                let fold3 = domain == .float && op.isVariadic && arguments.count >= 3 && floatBlock != nil
                    ? op.definition.floatFold3 : nil
                let first = extraArguments.count
                if op.isVariadic { extraArguments += arguments.dropFirst(fold3 == nil ? 2 : 3) }
                let a = arguments[0]
                step = Step(
                    .apply, floatBlock: floatBlock, floatFold3: fold3, integerBlock: integerBlock,
                    domain: domain,
                    a: a, b: arguments.count > 1 ? arguments[1] : a, c: arguments.count > 2 ? arguments[2] : a,
                    result: result, extras: first..<extraArguments.count)
                (float, integer) = (floatKernel, integerKernel)
            case .select(let condition, let conditionDomain, let a, let b, let result, let domain):
                step = Step(.select, domain: domain, conditionDomain: conditionDomain, a: condition, b: a, c: b, result: result)
            case .convert(let source, let from, let dtype, let result):
                step = Step(.convert, domain: from, dtype: dtype, a: source, result: result)
            }
            steps.append(step)
            floatKernels.append(float)
            integerKernels.append(integer)
        }
        self.plan = steps
        self.floatKernels = floatKernels
        self.integerKernels = integerKernels
        self.extraArguments = extraArguments
        self.outputRegisters = outputRegisters.map { allocation.map[$0] }
        var writtenPhysical = [Bool](repeating: false, count: allocation.count)
        for register in written { writtenPhysical[allocation.map[register]] = true }
        self.written = writtenPhysical
        var direct: [Bool] = []
        for (k, register) in self.outputRegisters.enumerated() {
            let dtype = self.outputDTypes[k]
            direct.append(
                writtenPhysical[register] && dtype == ComputeDomain(dtype).canonical
                    && !self.outputRegisters[..<k].contains(register))
        }
        self.directOutputs = direct
    }

    /// A linear-scan assignment of physical registers: a register is free again after its
    /// last reader. A result never shares a register with its own operands (add and mul fold
    /// into the result while still reading later operands).
    private static func shareRegisters(
        _ instructions: [Instruction], count: Int, pinned: Set<Int>
    ) -> (map: [Int], count: Int) {
        var lastUse = [Int](repeating: -1, count: count)
        for (position, instruction) in instructions.enumerated() {
            for register in instruction.reads { lastUse[register] = position }
        }
        var map = [Int](repeating: -1, count: count)
        var physicalCount = 0
        var free: [Int] = []
        // Pinned registers first, so they never share.
        for register in pinned.sorted() {
            map[register] = physicalCount
            physicalCount += 1
        }
        for (position, instruction) in instructions.enumerated() {
            let result = instruction.writes
            if map[result] == -1 {
                if let reused = free.popLast() {
                    map[result] = reused
                } else {
                    map[result] = physicalCount
                    physicalCount += 1
                }
            }
            for register in Set(instruction.reads) where lastUse[register] == position && !pinned.contains(register) {
                free.append(map[register])
            }
            // A result nobody reads is dead at once.
            if lastUse[result] == -1 && !pinned.contains(result) { free.append(map[result]) }
        }
        for register in 0..<count where map[register] == -1 {
            map[register] = physicalCount
            physicalCount += 1
        }
        return (map, physicalCount)
    }
}

extension ElemwiseProgram.Instruction {
    /// The registers the instruction reads.
    package var reads: [Int] {
        switch self {
        case .apply(_, let arguments, _, _, _, _, _, _): arguments
        case .select(let condition, _, let a, let b, _, _): [condition, a, b]
        case .convert(let source, _, _, _): [source]
        }
    }

    /// The register the instruction writes.
    package var writes: Int {
        switch self {
        case .apply(_, _, let result, _, _, _, _, _): result
        case .select(_, _, _, _, let result, _): result
        case .convert(_, _, _, let result): result
        }
    }

    /// The instruction with registers renamed through `map`.
    package func renamed(_ map: [Int]) -> Self {
        switch self {
        case .apply(let op, let arguments, let result, let domain, let float, let integer, let floatBlock, let integerBlock):
            .apply(
                op: op, arguments: arguments.map { map[$0] }, result: map[result], domain: domain, float: float,
                integer: integer, floatBlock: floatBlock, integerBlock: integerBlock)
        case .select(let condition, let conditionDomain, let a, let b, let result, let domain):
            .select(
                condition: map[condition], conditionDomain: conditionDomain, a: map[a], b: map[b], result: map[result],
                domain: domain)
        case .convert(let source, let from, let dtype, let result):
            .convert(source: map[source], from: from, to: dtype, result: map[result])
        }
    }
}

// MARK: - Cache

extension ElemwiseProgram {
    private struct Key: Hashable {
        package let op: ScalarOp
        package let arity: Int
        package let inputs: [DType]
    }

    /// Compiled programs by op and input dtypes: a compiled function runs the same nodes on
    /// every call, and compiling costs more than running a small array.
    private static let cache = Mutex<[Key: ElemwiseProgram]>([:])

    /// The program of `op` (a plain scalar op over `arity` inputs, or a composite) for inputs
    /// of these dtypes, compiled once.
    package static func compiled(_ op: ScalarOp, arity: Int, inputs: [DType]) throws -> ElemwiseProgram {
        if let graph = op.compositeGraph {
            return try graph.programs.program(for: inputs) { try ElemwiseProgram(graph, inputs: inputs) }
        }
        let key = Key(op: op, arity: arity, inputs: inputs)
        if let known = cache.locked({ $0[key] }) { return known }
        let program = try ElemwiseProgram(CompositeGraph.single(op, arity: arity), inputs: inputs)
        cache.locked { programs in
            // A bound, so graphs built in a loop cannot grow it without limit.
            if programs.count >= 4096 { programs.removeAll(keepingCapacity: true) }
            programs[key] = program
        }
        return program
    }
}

// MARK: - Running

extension ElemwiseProgram {
    /// Runs the program over `inputs` (each broadcastable to `shape`), returning fresh
    /// contiguous outputs of `outputDTypes`.
    ///
    /// `reusing` maps an output to an input whose memory it overwrites (in place): that input
    /// has the output's dtype and `shape`, does not overlap itself, and nothing else reads it.
    /// Each block of it is loaded into scratch before any output of the block is written, so
    /// the other instructions never see overwritten values.
    ///
    /// `buffer`, when given, holds output 0 (unless an input does): a dense array of its dtype
    /// and `shape` that nothing else references or reads.
    package func run(_ inputs: [NDArray], shape: [Int], reusing: InputReuse = [:], into buffer: NDArray? = nil) -> [NDArray] {
        let outputs = outputDTypes.indices.map { k in
            reusing.input(for: k).map { inputs[$0] } ?? (k == 0 ? buffer : nil)
                ?? NDArray.uninitialized(dtype: outputDTypes[k], shape: shape)
        }
        if let dense = runDense(inputs, shape: shape, outputs: outputs, reusing: reusing) { return dense }
        // Each input's strides over `shape` (0 where it broadcasts): its own strides when it has
        // the full shape, so only broadcast inputs build a strides array.
        var operands: [(strides: [Int], offset: Int)] = []
        operands.reserveCapacity(inputs.count + outputs.count)
        for input in inputs {
            if input.shape == shape {
                operands.append((input.strides, input.offset))
            } else {
                let view = input.broadcast(to: shape)!
                operands.append((view.strides, view.offset))
            }
        }
        for output in outputs { operands.append((output.strides, output.offset)) }
        let loop = StridedLoop(shape: shape, operands: operands)
        let length = loop.rowLength
        // Very short rows (a column-broadcast small matrix) are gathered several to a block, so
        // that each instruction runs over up to `blockSize` lanes instead of a few. Not longer
        // rows: a row of 100 runs as fast alone, reading and writing memory in place, as
        // gathered (measured on W8's 100 × 99 kernels, which gathering slowed by half).
        let rowsPerBlock = loop.rank >= 2 && length > 0 && 8 * length <= Self.blockSize
            ? Self.blockSize / length : 1
        let pass = Pass(
            program: self, inputBases: inputs.map { $0.storage.pointer }, outputBases: outputs.map { $0.storage.pointer },
            steps: loop.rowStrides, aliased: reusing.inputs, length: length,
            lanes: rowsPerBlock > 1 ? rowsPerBlock * length : Swift.min(Self.blockSize, Swift.max(length, 1)))
        // One row (every operand walks memory in one line, as contiguous arrays of any rank do)
        // splits into equal block-aligned parts when large and threads are allowed.
        let parts = loop.rank <= 1 ? ElementwiseThreading.parts(elements: pass.length) : 1
        if parts > 1 {
            Self.runSplit(pass, starts: loop.offsets, parts: parts)
        } else if rowsPerBlock > 1 {
            pass.withScratch { scratch, table, runner in
                let operands = pass.steps.count
                var batch = [Int](repeating: 0, count: rowsPerBlock * operands)
                var rows = 0
                loop.forEachRow { starts in
                    for k in 0..<operands { batch[rows * operands + k] = starts[k] }
                    rows += 1
                    if rows == rowsPerBlock {
                        pass.rows(batch, count: rows, scratch: scratch, table: table, runner: runner)
                        rows = 0
                    }
                }
                if rows > 0 { pass.rows(batch, count: rows, scratch: scratch, table: table, runner: runner) }
            }
        } else {
            pass.withScratch { scratch, table, runner in
                loop.forEachRow { starts in
                    pass.segment(starts: starts, from: 0, to: pass.length, scratch: scratch, table: table, runner: runner)
                }
            }
        }
        return outputs
    }

    /// The common case without the strided machinery: every input is contiguous and either
    /// has the full shape or is a single element (a scalar read at every lane), so the whole
    /// array is one row. Returns nil when an input is strided or broadcast along some axis.
    /// (For a vector of 64 elements in a loop body, the general path's broadcast views and
    /// strided-loop set-up cost several times the arithmetic.)
    private func runDense(_ inputs: [NDArray], shape: [Int], outputs: [NDArray], reusing: InputReuse) -> [NDArray]? {
        var total = 1
        for length in shape { total &*= length }
        guard total > 0 else { return outputs }
        for input in inputs {
            let count = input.count
            guard count == total || count == 1, input.isContiguous else { return nil }
        }
        if total <= Self.blockSize {
            runOneBlock(inputs, outputs: outputs, count: total, aliased: reusing.inputs)
            return outputs
        }
        var steps: [Int] = []
        steps.reserveCapacity(inputs.count + outputs.count)
        var starts: [Int] = []
        starts.reserveCapacity(inputs.count + outputs.count)
        for input in inputs {
            steps.append(input.count == total ? 1 : 0)
            starts.append(input.offset)
        }
        for output in outputs {
            steps.append(1)
            starts.append(output.offset)
        }
        let pass = Pass(
            program: self, inputBases: inputs.map { $0.storage.pointer }, outputBases: outputs.map { $0.storage.pointer },
            steps: steps, aliased: reusing.inputs, length: total,
            lanes: Swift.min(Self.blockSize, total))
        let parts = ElementwiseThreading.parts(elements: total)
        if parts > 1 {
            Self.runSplit(pass, starts: starts, parts: parts)
        } else {
            pass.withScratch { scratch, table, runner in
                pass.segment(starts: starts, from: 0, to: total, scratch: scratch, table: table, runner: runner)
            }
        }
        return outputs
    }

    /// Dense operands of `count` elements, at most one block: what ``Pass/segment`` does for
    /// one block, with scratch on the stack and no per-operand arrays. (In a loop body over
    /// vectors of 64, the arrays and heap scratch of a pass cost more than the arithmetic.)
    private func runOneBlock(_ inputs: [NDArray], outputs: [NDArray], count n: Int, aliased: InputSet) {
        let registers = Swift.max(registerCount, 1)
        withUnsafeTemporaryAllocation(byteCount: registers * (n * 8 + 8), alignment: 16) { raw in
            let scratch = raw.baseAddress!
            let table = (scratch + registers * n * 8).bindMemory(to: UnsafeMutableRawPointer.self, capacity: registers)
            for register in 0..<registerCount { table[register] = scratch + register * n * 8 }
            for (register, bits) in constants {
                table[register].bindMemory(to: UInt64.self, capacity: n).initialize(repeating: bits, count: n)
            }
            for (k, input) in inputs.enumerated() {
                let register = inputRegisters[k]
                let dtype = inputDTypes[k]
                // A one-element input (a scalar, or a one-element output) is read at every lane.
                let step = input.count == n ? 1 : 0
                if step == 1 && dtype == ComputeDomain(dtype).canonical && !aliased.contains(k) {
                    table[register] = input.storage.pointer + input.offset * 8
                } else {
                    Self.load(dtype, from: input.storage.pointer, start: input.offset, step: step, count: n,
                              into: table[register])
                }
            }
            for (k, output) in outputs.enumerated() where directOutputs[k] {
                table[outputRegisters[k]] = output.storage.pointer + output.offset * 8
            }
            withStepRunner { runner in runner.run(table, n) }
            for (k, output) in outputs.enumerated() where !directOutputs[k] {
                Self.store(outputDTypes[k], from: table[outputRegisters[k]], count: n,
                           into: output.storage.pointer, start: output.offset, step: 1)
            }
        }
    }

    /// One row (operands starting at `starts`) cut into `parts` equal block-aligned segments,
    /// each run on its own thread.
    private static func runSplit(_ pass: Pass, starts: [Int], parts: Int) {
        let span = ((pass.length + parts - 1) / parts + blockSize - 1) / blockSize * blockSize
        ParallelProduct.runConcurrently(parts) { part in
            pass.withScratch { scratch, table, runner in
                pass.segment(
                    starts: starts, from: min(pass.length, part * span), to: min(pass.length, (part + 1) * span),
                    scratch: scratch, table: table, runner: runner)
            }
        }
    }

    /// One run of the program over prepared operands: base pointers and the element step of
    /// each operand along a row. Sendable so that parts of a row can run on other threads: the
    /// parts read the inputs and write disjoint elements of the outputs, which the caller keeps
    /// alive until every part has finished.
    struct Pass: @unchecked Sendable {
        package let program: ElemwiseProgram
        package let inputBases: [UnsafeMutableRawPointer]
        package let outputBases: [UnsafeMutableRawPointer]
        /// Row steps of the inputs, then of the outputs.
        package let steps: [Int]
        /// Inputs whose memory an output overwrites: always loaded into scratch.
        package let aliased: InputSet
        package let length: Int
        /// Lanes of every register: one block.
        package let lanes: Int

        /// Calls `body` with this thread's scratch lanes of every register, the table of where
        /// each register is in the current block (constants filled in) and the step runner.
        package func withScratch(_ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<UnsafeMutableRawPointer>, StepRunner) -> Void) {
            let lanes = self.lanes
            let registers = Swift.max(program.registerCount, 1)
            let scratchBytes = registers * (lanes * 8 + 8)
            // A small scratch (small arrays) takes malloc's alignment: an aligned allocation
            // costs several hundred instructions, more than a few lanes of work.
            let scratch = UnsafeMutableRawPointer.allocate(
                byteCount: scratchBytes, alignment: scratchBytes < ArrayStorage.alignedFrom ? 16 : 64)
            defer { scratch.deallocate() }
            let table = (scratch + registers * lanes * 8).bindMemory(to: UnsafeMutableRawPointer.self, capacity: registers)
            for register in 0..<program.registerCount { table[register] = scratch + register * lanes * 8 }
            for (register, bits) in program.constants {
                table[register].bindMemory(to: UInt64.self, capacity: lanes).initialize(repeating: bits, count: lanes)
            }
            program.withStepRunner { runner in body(scratch, table, runner) }
        }

        /// `count` whole rows as one block (`starts` holds each row's operand starts, row after
        /// row): every input row is loaded into scratch, the instructions run once over all the
        /// lanes, and every output row is stored. All loads precede all stores, so an output
        /// may overwrite an input's memory.
        package func rows(
            _ starts: [Int], count: Int, scratch: UnsafeMutableRawPointer,
            table: UnsafeMutablePointer<UnsafeMutableRawPointer>, runner: StepRunner
        ) {
            let inputCount = inputBases.count
            let operands = steps.count
            for k in 0..<inputCount {
                let register = program.inputRegisters[k]
                table[register] = scratch + register * lanes * 8
                for row in 0..<count {
                    ElemwiseProgram.load(
                        program.inputDTypes[k], from: inputBases[k], start: starts[row * operands + k], step: steps[k],
                        count: length, into: table[register] + row * length * 8)
                }
            }
            for k in outputBases.indices where program.directOutputs[k] {
                table[program.outputRegisters[k]] = scratch + program.outputRegisters[k] * lanes * 8
            }
            runner.run(table, count * length)
            for k in outputBases.indices {
                let position = inputCount + k
                for row in 0..<count {
                    ElemwiseProgram.store(
                        program.outputDTypes[k], from: table[program.outputRegisters[k]] + row * length * 8,
                        count: length, into: outputBases[k], start: starts[row * operands + position],
                        step: steps[position])
                }
            }
        }

        /// Elements `from..<to` of the row whose operands start at `starts`, block by block.
        @inline(__always)
        package func segment(
            starts: [Int], from: Int, to: Int, scratch: UnsafeMutableRawPointer,
            table: UnsafeMutablePointer<UnsafeMutableRawPointer>, runner: StepRunner
        ) {
            starts.withUnsafeBufferPointer { starts in
                segment(starts: starts, from: from, to: to, scratch: scratch, table: table, runner: runner)
            }
        }

        /// Elements `from..<to` of the row whose operands start at `starts`, block by block.
        @inline(__always)
        package func segment(
            starts: UnsafeBufferPointer<Int>, from: Int, to: Int, scratch: UnsafeMutableRawPointer,
            table: UnsafeMutablePointer<UnsafeMutableRawPointer>, runner: StepRunner
        ) {
            let lanes = self.lanes
            let inputCount = inputBases.count
            var done = from
            while done < to {
                let n = Swift.min(lanes, to - done)
                for k in 0..<inputCount {
                    let step = steps[k]
                    let start = starts[k] + done * step
                    let register = program.inputRegisters[k]
                    let dtype = program.inputDTypes[k]
                    if step == 1 && dtype == ComputeDomain(dtype).canonical && !aliased.contains(k) {
                        table[register] = inputBases[k] + start * 8
                    } else {
                        table[register] = scratch + register * lanes * 8
                        ElemwiseProgram.load(dtype, from: inputBases[k], start: start, step: step, count: n, into: table[register])
                    }
                }
                for k in outputBases.indices where program.directOutputs[k] {
                    let position = inputCount + k
                    if steps[position] == 1 {
                        table[program.outputRegisters[k]] = outputBases[k] + (starts[position] + done) * 8
                    } else {
                        table[program.outputRegisters[k]] = scratch + program.outputRegisters[k] * lanes * 8
                    }
                }
                runner.run(table, n)
                for k in outputBases.indices {
                    let position = inputCount + k
                    let start = starts[position] + done * steps[position]
                    if program.directOutputs[k] && steps[position] == 1 { continue }
                    ElemwiseProgram.store(
                        program.outputDTypes[k], from: table[program.outputRegisters[k]], count: n,
                        into: outputBases[k], start: start, step: steps[position])
                }
                done += n
            }
        }
    }
}
