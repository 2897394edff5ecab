import CVectorMath
import RealModule
import CotangentArrays
import CotangentGraph

// Scalar ops as one table.
//
// Every scalar op is one `static let` of ``ScalarOp`` (ScalarOpTable*.swift) built from a
// ``ScalarOpDefinition``: its names as PyTensor prints them, arity, dtype rule, scalar formulas
// per dtype family, block kernels, derivative rule and the properties rewriters read. Nothing
// else lists the ops: Elemwise, the elementwise program, composites, printing and autodiff all
// read the definition, so adding an op is adding one entry (and its user-facing function).

/// A scalar function that ``Elemwise`` lifts to tensors: PyTensor's scalar ops.
///
/// A value names one entry of the table (`.add`, `.exp`, `.trueDiv`, …) plus the parameters of
/// the parametrised ones (``cast(_:)`` and ``composite(_:)``). Two ops are equal when they have
/// the same entry and equal parameters.
public struct ScalarOp: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The table entry: everything about the op except its parameters. Entries are created once
    /// by the table and never freed, so the reference is not counted: copying and comparing ops,
    /// which rewriters do for every node they visit, costs no reference counting.
    @usableFromInline package unowned(unsafe) let definition: ScalarOpDefinition
    /// The parameters of a parametrised op.
    package let parameter: Parameter

    /// What parametrises an op beyond its table entry: a cast's dtype or a composite's graph.
    ///
    /// One optional reference to a box, so that copying an op costs at most one retain. Ops
    /// travel as `any Op` (an `Elemwise` holds its scalar op), and an existential copies its
    /// value through value witnesses: with the graph's fields stored inline, every copy went
    /// through the generic witnesses of `Optional<CompositeGraph>`, about 3% of compiling
    /// W8's Hessian. Not an enum with payloads either: a multi-payload enum may keep its case
    /// in the spare bits of the object pointer, and LeakSanitizer (which only follows untagged
    /// pointers) then reports every compiled-program cache reachable through it as leaked.
    package struct Parameter: Hashable, Sendable {
        private final class Box: Sendable {
            let dtype: DType?
            let graph: CompositeGraph?
            init(dtype: DType?, graph: CompositeGraph?) { (self.dtype, self.graph) = (dtype, graph) }
        }
        private let box: Box?

        /// The target dtype of a cast.
        package var dtype: DType? { box?.dtype }
        /// The fused graph of a composite.
        package var graph: CompositeGraph? { box?.graph }

        /// No parameter.
        package static let none = Parameter(box: nil)
        /// A cast's target dtype.
        package static func dtype(_ dtype: DType) -> Parameter { Parameter(box: Box(dtype: dtype, graph: nil)) }
        /// A composite's graph.
        package static func graph(_ graph: CompositeGraph) -> Parameter { Parameter(box: Box(dtype: nil, graph: graph)) }

        package static func == (lhs: Parameter, rhs: Parameter) -> Bool {
            lhs.box === rhs.box || (lhs.dtype == rhs.dtype && lhs.graph == rhs.graph)
        }

        package func hash(into hasher: inout Hasher) {
            hasher.combine(dtype)
            hasher.combine(graph)
        }
    }

    /// An op of a table entry (`definition` must be one of the table's, which are never freed).
    package init(_ definition: ScalarOpDefinition, _ parameter: Parameter = .none) {
        self.definition = definition
        self.parameter = parameter
    }

    /// A table entry (the `static let`s of the table files call this). `swiftName`, the static
    /// member's name, defaults to `scalarName`.
    package init(
        _ scalarName: String, swiftName: String? = nil, className: String? = nil, elemwiseName: String? = nil,
        formulaSymbol: String? = nil, arity: Int, variadic: Bool = false, commutative: Bool = false,
        dtype: OutputDTypeRule, stablehlo: StableHLORule, lowering: ScalarOpDefinition.Lowering = .apply,
        connected: [Bool]? = nil, float: Kernel3<Double>? = nil, integer: Kernel3<Int64>? = nil, bool: Kernel3<Int64>? = nil,
        floatBlock: FloatBlock? = nil, floatFold3: FloatBlock? = nil, integerBlock: IntegerBlock? = nil,
        partials: ScalarOpDefinition.Partials? = nil
    ) {
        let definition = ScalarOpDefinition(
            swiftName: swiftName ?? scalarName, scalarName: scalarName, className: className, elemwiseName: elemwiseName,
            formulaSymbol: formulaSymbol, arity: arity, variadic: variadic, commutative: commutative, dtype: dtype,
            stablehlo: stablehlo, lowering: lowering, connected: connected, float: float, integer: integer, bool: bool,
            floatBlock: floatBlock, floatFold3: floatFold3, integerBlock: integerBlock, partials: partials)
        // A table entry is never freed: this reference is the one `definition` does not count.
        _ = Unmanaged.passRetained(definition)
        self.init(definition)
    }

    /// Whether both are the same table entry with equal parameters.
    @inlinable
    public static func == (lhs: ScalarOp, rhs: ScalarOp) -> Bool {
        // Rewriters compare ops at every node they visit: entries without parameters compare
        // by identity alone, inlined into the rewriters' targets.
        lhs.definition === rhs.definition && (!lhs.definition.isParametrised || sameParameters(lhs, rhs))
    }

    /// Whether two ops of one parametrised entry have equal parameters.
    @usableFromInline package static func sameParameters(_ lhs: ScalarOp, _ rhs: ScalarOp) -> Bool {
        lhs.parameter == rhs.parameter
    }

    /// Hashes the entry's identity and the parameters.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(definition))
        if definition.isParametrised { hasher.combine(parameter) }
    }

    /// The conversion of values to `dtype` (PyTensor's `Cast{dtype}`).
    public static func cast(_ dtype: DType) -> ScalarOp { ScalarOp(castDefinition, .dtype(dtype)) }

    /// A fused graph of scalar ops (PyTensor's `Composite`), possibly with several outputs.
    public static func composite(_ graph: CompositeGraph) -> ScalarOp { ScalarOp(compositeDefinition, .graph(graph)) }

    /// The target dtype when the op is a cast, else nil.
    public var castTarget: DType? {
        parameter.dtype
    }

    /// The fused graph when the op is a composite, else nil.
    public var compositeGraph: CompositeGraph? {
        parameter.graph
    }

    /// Number of inputs (the fewest for variadic ops).
    public var arity: Int { compositeGraph?.inputCount ?? definition.arity }

    /// Whether the op takes any number of inputs (PyTensor's add and mul accept n inputs).
    public var isVariadic: Bool { definition.isVariadic }

    /// Whether swapping the inputs never changes the result (PyTensor's `commutative`).
    public var isCommutative: Bool { definition.isCommutative }

    /// PyTensor's scalar op name: `true_div`, `RoundHalfToEven`, `Cast{int32}`, or a
    /// composite's formula.
    public var description: String {
        if let dtype = parameter.dtype { return "\(definition.scalarName){\(dtype)}" }
        return parameter.graph?.description ?? definition.scalarName
    }

    /// The Swift spelling: `ScalarOp.trueDiv`, `ScalarOp.cast(int32)`.
    public var debugDescription: String {
        if let dtype = parameter.dtype { return "ScalarOp.\(definition.swiftName)(\(dtype))" }
        if let graph = parameter.graph { return "ScalarOp.\(definition.swiftName)(\(graph))" }
        return "ScalarOp.\(definition.swiftName)"
    }

    /// The name an ``Elemwise`` of this op prints: `Add`, `True_div`, `Cast{int32}`.
    package var elemwiseName: String { parameter == .none ? definition.elemwiseName : description }

    /// The name PyTensor prints for the op in a composite's inner-graph listing: the op's `name`
    /// where it has one (`add`, `exp`, `int_div`), else its class name (`LT`, `Switch`, `Abs`).
    package var innerName: String { parameter == .none ? definition.className : description }

    /// The function name in a composite's formula (`exp`, `lt`, `roundhalftoeven`, `Cast{int32}`).
    package var formulaName: String { parameter == .none ? definition.formulaName : description }

    /// Whether the output is a comparison or classification (bool, computed in the operands'
    /// domain).
    package var isComparison: Bool { definition.dtypeRule == .boolean }

    /// Whether the op works on the bits of integers or bools.
    package var isBitwise: Bool { definition.dtypeRule == .bitwise || definition.dtypeRule == .bitwiseUnary }

    /// The output dtype for these input dtypes (PyTensor's `output_types_preference` of the
    /// scalar op), or an error naming the op and the dtypes.
    public func outputDType(_ inputs: [DType]) throws -> DType {
        let promoted = DType.promote(inputs)
        func reject(_ reason: String) -> CotangentError {
            CotangentError(
                .invalidGraph,
                "\(Elemwise(self)): \(reason), got dtypes " + inputs.map(\.rawValue).joined(separator: ", "))
        }
        switch definition.dtypeRule {
        case .upcast: return promoted
        case .upcastNoBool:
            guard promoted != .bool else { throw reject("bool inputs are not supported") }
            return promoted
        case .upcastMinInt8: return promoted == .bool ? .int8 : promoted
        case .upgradeToFloat: return promoted.upgradedToFloat
        case .trueDivision: return promoted.isDiscrete ? .float64 : promoted
        case .floatOnly:
            guard promoted.isFloat else { throw reject("rounding is only defined for float inputs") }
            return promoted
        case .boolean: return .bool
        case .bitwise:
            // BinaryBitOp: all bool, or all integers (a bool mixed with an integer is rejected).
            if inputs.allSatisfy({ $0 == .bool }) { return .bool }
            guard inputs.allSatisfy(\.isInteger) else { throw reject("bitwise op needs integer inputs or all bool inputs") }
            return promoted
        case .bitwiseUnary:
            guard !promoted.isFloat else { throw reject("bitwise op needs integer or bool inputs") }
            return promoted
        case .input(let k): return inputs[k]
        case .branches: return DType.promote(inputs[1], inputs[2])
        case .parameter:
            if let graph = compositeGraph { return try graph.outputDTypes(inputs: inputs)[0] }
            return castTarget!
        }
    }
}

/// How a scalar op's output dtype follows from its input dtypes (PyTensor's
/// `output_types_preference` functions).
package enum OutputDTypeRule: Hashable, Sendable {
    /// The promoted dtype (`upcast_out`).
    case upcast
    /// The promoted dtype; bool inputs are rejected (`upcast_out_nobool`, `same_out_nobool`).
    case upcastNoBool
    /// The promoted dtype, int8 for bools (`upcast_out_min8`).
    case upcastMinInt8
    /// The promoted dtype made float: int8/int16/bool → float32, wider integers → float64
    /// (`upgrade_to_float`).
    case upgradeToFloat
    /// float64 for integer and bool inputs, else the promoted float (`TrueDiv`).
    case trueDivision
    /// The promoted dtype, which must be a float (`same_out_float_only`).
    case floatOnly
    /// bool (comparisons and classifications).
    case boolean
    /// All bool → bool; all integers → their promotion; anything else is rejected (`BinaryBitOp`).
    case bitwise
    /// Integers or bool, unchanged (`UnaryBitOp`).
    case bitwiseUnary
    /// The dtype of one input (`second` returns its second input's).
    case input(Int)
    /// The promotion of inputs 1 and 2 (`switch`).
    case branches
    /// Given by the op's parameters (cast, composite).
    case parameter
}

/// Lanes of float-domain registers: `(a, b, c, result, count)`; arguments an op does not take
/// repeat the first. A C function pointer, so that calling one per block retains nothing.
package typealias FloatBlock = @convention(c) (
    UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
    UnsafeMutablePointer<Double>, Int
) -> Void

/// Lanes of integer-domain registers (integers and bools as `Int64`), as ``FloatBlock``.
package typealias IntegerBlock = @convention(c) (
    UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>,
    UnsafeMutablePointer<Int64>, Int
) -> Void

/// One entry of the scalar-op table: everything about an op (see ``ScalarOp``'s table files).
@usableFromInline package final class ScalarOpDefinition: Sendable {
    /// How the elementwise program runs the op.
    package enum Lowering: Sendable {
        /// An instruction running the op's block kernel, or its scalar formula lane by lane.
        case apply
        /// No instruction: the output is one of the operands (`second`, `identity`).
        case operand(Int)
        /// A conversion to the parameter's dtype (cast).
        case convert
        /// A bitwise choice between the branches (`switch`).
        case select
        /// Never a node of a program: its graph is inlined (composite).
        case inline
    }

    /// Per input, `∂z/∂xᵢ ⊙ g` for the output `z = op(x…)`, or why there is none. `g` has the
    /// output's shape (or broadcasts to it).
    ///
    /// An elementwise op's Jacobian with respect to each input is diagonal, so one rule serves
    /// both directions: the pullback applies it to the output cotangent (then sums over
    /// broadcast dimensions, in Elemwise); the pushforward applies it to each input's tangent
    /// and adds the terms.
    package typealias Partials = @Sendable (_ g: Variable, _ x: [Variable], _ z: Variable) -> [InputGradient]

    /// The `static let` name: `trueDiv`.
    package let swiftName: String
    /// PyTensor's scalar op name (its `name`, else its class name): `true_div`, `RoundHalfToEven`.
    package let scalarName: String
    /// The class name PyTensor's inner-graph listings print (`LT`, `Abs`), else `scalarName`.
    package let className: String
    /// `str(scalar_op).capitalize()`, as PyTensor prints the Elemwise: `True_div`, `Lt`.
    package let elemwiseName: String
    /// The function name in composite formulas: PyTensor 3.0.7 writes every call in lowercase.
    package let formulaName: String
    /// The infix operator PyTensor's pretty-printer uses (`+`, `**`), if any.
    package let formulaSymbol: String?
    /// Number of inputs (the fewest for variadic ops).
    package let arity: Int
    /// Whether the op folds over any number of inputs (add, mul).
    package let isVariadic: Bool
    /// Whether swapping the inputs never changes the result.
    package let isCommutative: Bool
    /// How the output dtype follows from the input dtypes.
    package let dtypeRule: OutputDTypeRule
    /// Whether ops of this entry carry parameters (cast, composite).
    @usableFromInline package let isParametrised: Bool
    /// How the op's elementwise application is written in StableHLO.
    package let stablehlo: StableHLORule
    /// How the elementwise program runs the op.
    package let lowering: Lowering
    /// Which inputs the output depends on differentiably.
    package let connectedInputs: [Bool]
    /// The formula on float values: double precision (float32 values are computed in double
    /// and rounded).
    package let float: Kernel3<Double>?
    /// The formula on integers, in int64 arithmetic (results are wrapped to the output width).
    package let integer: Kernel3<Int64>?
    /// The formula on bool values (0 and 1) where it differs from the integer one.
    package let bool: Kernel3<Int64>?
    /// A loop over a block of float lanes (vectorisable arithmetic, libmvec bindings), where
    /// calling `float` per lane would be slower.
    package let floatBlock: FloatBlock?
    /// For a variadic op: one pass over three float arguments, `(a op b) op c` lane by lane
    /// (the rounding of two passes, one memory pass fewer).
    package let floatFold3: FloatBlock?
    /// A loop over a block of integer lanes.
    package let integerBlock: IntegerBlock?
    /// The derivative rule; nil where the output is not differentiable in any input.
    package let partials: Partials?

    package init(
        swiftName: String, scalarName: String, className: String?, elemwiseName: String?, formulaSymbol: String?,
        arity: Int, variadic: Bool, commutative: Bool, dtype: OutputDTypeRule, stablehlo: StableHLORule,
        lowering: Lowering, connected: [Bool]?,
        float: Kernel3<Double>?, integer: Kernel3<Int64>?, bool: Kernel3<Int64>?, floatBlock: FloatBlock?,
        floatFold3: FloatBlock? = nil, integerBlock: IntegerBlock?, partials: Partials?
    ) {
        self.swiftName = swiftName
        self.scalarName = scalarName
        self.className = className ?? scalarName
        self.elemwiseName = elemwiseName ?? (scalarName.prefix(1).uppercased() + scalarName.dropFirst().lowercased())
        self.formulaName = self.className.lowercased()
        self.formulaSymbol = formulaSymbol
        self.arity = arity
        self.isVariadic = variadic
        self.isCommutative = commutative
        self.dtypeRule = dtype
        self.isParametrised = dtype == .parameter
        self.stablehlo = stablehlo
        self.lowering = lowering
        self.connectedInputs = connected ?? Array(repeating: partials != nil, count: arity)
        self.float = float
        self.integer = integer
        self.bool = bool
        self.floatBlock = floatBlock
        self.floatFold3 = floatFold3
        self.integerBlock = integerBlock
        self.partials = partials
    }
}

// MARK: - Derivatives

extension ScalarOp {
    /// Which inputs the output depends on differentiably.
    package var connectedInputs: [Bool] { definition.connectedInputs }

    /// Per input, `∂z/∂xᵢ ⊙ g` for the output `z = op(x…)` (see ``ScalarOpDefinition/Partials``).
    package func partials(_ g: Variable, inputs x: [Variable], output z: Variable) -> [InputGradient] {
        definition.partials?(g, x, z) ?? x.map { _ in .disconnected }
    }
}

/// The 0-d constant `value` of `z`'s dtype (for derivative rules).
package func constant(_ value: Double, like z: Variable) -> Variable {
    Variable(constant: NDArray.full([], value: value, dtype: z.dtype))
}

// MARK: - Block loops

// Helpers for the table's block kernels: each is `@inline(__always)` and takes the formula as
// a closure literal, so a block kernel's loop body is the operation itself (LLVM vectorises the
// arithmetic ones).

@inline(__always)
package func map1<T>(_ a: UnsafeMutablePointer<T>, _ r: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
    for i in 0..<n { r[i] = f(a[i]) }
}

@inline(__always)
package func map2<T>(
    _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ r: UnsafeMutablePointer<T>, _ n: Int,
    _ f: (T, T) -> T
) {
    for i in 0..<n { r[i] = f(a[i], b[i]) }
}

/// Whether a block of `n` lanes takes the wide (AVX-512/AVX2) arithmetic path.
@inline(__always)
package func widens(_ n: Int) -> Bool {
    n >= 16 && ElementwiseMath.wideArithmeticAvailable && ElementwiseMath.usesWideArithmetic
}

/// `f` over a block through libmvec's `function` when vector math is on, else lane by lane.
@inline(__always)
package func vectorMap(
    _ function: CotangentVectorFunction, _ a: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>,
    _ n: Int, _ f: (Double) -> Double
) {
    if ElementwiseMath.usesVectorMath { cotangent_vector_map(function, a, r, n) } else { map1(a, r, n, f) }
}

/// `f` over a block through Cotangent's own vector kernel for `function` (AVX-512 or AVX2, within
/// 2 ulp; used where it is faster than libmvec's or libmvec has none) when vector math is on, else
/// lane by lane.
@inline(__always)
package func transcendentalMap(
    _ function: CotangentTranscendental, _ a: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>,
    _ n: Int, _ f: (Double) -> Double
) {
    if ElementwiseMath.usesVectorMath { cotangent_transcendental_map(function, a, r, n) } else { map1(a, r, n, f) }
}

// MARK: - Scalar formulas

/// A scalar kernel of up to three arguments (unused ones are ignored).
package typealias Kernel3<T> = @Sendable (T, T, T) -> T

@inline(__always) package func unary<T>(_ f: @escaping @Sendable (T) -> T) -> Kernel3<T> { { a, _, _ in f(a) } }
@inline(__always) package func binary<T>(_ f: @escaping @Sendable (T, T) -> T) -> Kernel3<T> { { a, b, _ in f(a, b) } }
@inline(__always) package func ternary<T>(_ f: @escaping @Sendable (T, T, T) -> T) -> Kernel3<T> { f }

extension Double {
    /// C's (and numpy's) `pow`. RealModule's `Double.pow(x, y)` returns NaN for every negative
    /// `x` and for `0 ** 0`, so only its integer-exponent overload, which calls libm `pow`
    /// directly, is used for negative bases.
    package static func power(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }  // also for x = NaN, as C's pow
        // numpy squares (x * x, correctly rounded) where glibc's pow can be half an ulp off.
        if y == 2 { return x * x }
        if y == 1 { return x }
        if x > 0 || x.isNaN || y.isNaN { return Double.pow(x, y) }
        // x is ±0, negative or -inf: libm's pow through the Int overload when y is an integer.
        if let n = Int(exactly: y) { return Double.pow(x, n) }
        // |y| ≥ 2**63 is an even integer, and ±inf: the sign of x does not matter.
        if y.isInfinite || y.magnitude >= 0x1p63 { return Double.pow(-x, y) }
        // A non-integer power of a negative number or -0.
        if x == 0 { return y > 0 ? 0 : .infinity }
        if x == -.infinity { return y > 0 ? .infinity : 0 }
        return .nan
    }

    /// Python's `a // b` for floats, exactly as numpy's `npy_floor_divide`.
    package static func floorDivide(_ a: Double, _ b: Double) -> Double {
        if b == 0 { return a / b }
        return divisionAndModulo(a, b).quotient
    }

    /// Python's `a % b` for floats (the sign of `b`), exactly as numpy's `npy_remainder`.
    package static func floorModulo(_ a: Double, _ b: Double) -> Double {
        if b == 0 { return a.truncatingRemainder(dividingBy: b) }  // NaN
        return divisionAndModulo(a, b).modulo
    }

    /// numpy's `npy_divmod`: fmod, adjusted to the divisor's sign, with the quotient snapped to
    /// an integer and signed zeros where the result is zero (`-1 // inf` is -1, `-0 % 2` is 0).
    private static func divisionAndModulo(_ a: Double, _ b: Double) -> (quotient: Double, modulo: Double) {
        var modulo = a.truncatingRemainder(dividingBy: b)
        var quotient = (a - modulo) / b
        if modulo != 0 {
            if (b < 0) != (modulo < 0) {
                modulo += b
                quotient -= 1
            }
        } else {
            modulo = Double(signOf: b, magnitudeOf: 0)
        }
        if quotient != 0 {
            var floored = quotient.rounded(.down)
            if quotient - floored > 0.5 { floored += 1 }
            quotient = floored
        } else {
            quotient = Double(signOf: a / b, magnitudeOf: 0)
        }
        return (quotient, modulo)
    }
}

extension Int64 {
    /// numpy's integer `//`: floor division; division by zero gives 0.
    package static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 { return 0 }
        if a == .min && b == -1 { return .min }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    /// numpy's integer `%`: sign of the divisor; modulo by zero gives 0.
    package static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 || b == -1 { return 0 }
        let m = a % b
        return (m != 0 && ((m < 0) != (b < 0))) ? m + b : m
    }

    /// numpy's integer power (wrapping); negative exponents are 0 except for bases ±1 (numpy
    /// raises for negative integer powers; PyTensor computes them this way).
    package static func integerPower(_ base: Int64, _ exponent: Int64) -> Int64 {
        if exponent < 0 {
            if base == 1 { return 1 }
            if base == -1 { return exponent % 2 == 0 ? 1 : -1 }
            return 0
        }
        var result: Int64 = 1
        var b = base
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result &* b }
            b = b &* b
            e >>= 1
        }
        return result
    }
}
