import Cotangent

/// The properties the fuzzer checks on every case; none needs an outside oracle.
public enum FuzzCheck: String, Sendable, CaseIterable, Hashable {
    /// fast_run values = unoptimized values = the op-by-op reference (for the output and, when
    /// it is a float, its gradients), with equal shapes and dtypes, within the static shape.
    case values
    /// Rewriting the rewritten graph again changes nothing, and `dprint` prints every rewritten
    /// graph (with types and shapes too) naming every node once.
    case rewriting
    /// `grad` agrees with finite differences (`verifyGrad`), for cases whose steps are smooth.
    case gradient
    /// Each gradient has its input's dtype and shape, and each pushforward its output's.
    case derivativeTypes
    /// Pushforward agrees with pullback (`verifyPushforward`).
    case pushforward
    /// The vectorized Jacobian equals the looped one.
    case jacobian
    /// The Hessian of a smooth case's projected sum is symmetric.
    case hessian
}

/// A check that failed on a case.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    /// Which check.
    public let check: FuzzCheck
    /// What differed.
    public let message: String

    /// The check and its message.
    public var description: String { "\(check.rawValue): \(message)" }
}

/// Runs the checks on cases.
public struct FuzzChecker: Sendable {
    /// The checks to run.
    public var checks: Set<FuzzCheck>
    /// Cases whose Jacobian has more elements than this skip the Jacobian check.
    public var maxJacobianElements = 400
    /// Rewrites the first of the idempotence check's two rewrites leaves out: a fault injected
    /// on purpose, so tests of the shrinker and the report have a failure to work on when the
    /// library has none.
    public var faultyFirstRewriteExcludes: Set<String> = []

    /// A checker running `checks` (default: all).
    public init(checks: Set<FuzzCheck> = Set(FuzzCheck.allCases)) { self.checks = checks }

    /// Whether `fuzzCase` is one the generator could have made: it builds, the reference runs
    /// it, and every value is finite and moderate. Shrinking keeps only such cases.
    public func isValid(_ fuzzCase: FuzzCase) -> Bool {
        guard !fuzzCase.steps.isEmpty else { return false }
        let variables = fuzzCase.inputs.map { $0.makeVariable() }
        guard let values = try? checked({ fuzzCase.buildValues(on: variables) }) else { return false }
        var reference = ReferenceEvaluator(feed: Dictionary(uniqueKeysWithValues: zip(variables, fuzzCase.inputs.map(\.value))))
        for value in values {
            guard let computed = try? reference.value(of: value), isModerate(computed) else { return false }
        }
        return true
    }

    /// Every failing check of `fuzzCase` (at most one failure per check), and how many checks ran.
    public func failures(of fuzzCase: FuzzCase, only: FuzzCheck? = nil) -> (failures: [FuzzFailure], checksRun: Int) {
        var run = 0
        var found: [FuzzFailure] = []
        let session = CheckSession(fuzzCase)
        for check in FuzzCheck.allCases where checks.contains(check) && (only == nil || only == check) {
            do {
                if try session.run(check, checker: self) { run += 1 }
            } catch let failure as FuzzFailure {
                run += 1
                found.append(failure)
            } catch {
                run += 1
                found.append(FuzzFailure(check: check, message: "threw \(error)"))
            }
        }
        return (found, run)
    }
}

/// One case built once for all checks.
private struct CheckSession {
    let fuzzCase: FuzzCase
    let variables: [Variable]
    let arguments: [NDArray]
    /// Positions of the float inputs (the ones derivatives are taken with respect to).
    let floatInputs: [Int]

    init(_ fuzzCase: FuzzCase) {
        self.fuzzCase = fuzzCase
        variables = fuzzCase.inputs.map { $0.makeVariable() }
        arguments = fuzzCase.inputs.map(\.value)
        floatInputs = fuzzCase.inputs.indices.filter { fuzzCase.inputs[$0].dtype.isFloat }
    }

    var differentiable: Bool { !floatInputs.isEmpty }

    /// The output built on the declared inputs.
    func output() throws -> Variable { try checked { fuzzCase.build(on: variables) } }

    /// The case as a function of its float inputs (the others become constants), built on
    /// `floats` (for `verifyGrad`, which makes inputs with exact static shapes).
    func function(of floats: [Variable]) -> Variable {
        var inputs = fuzzCase.inputs.map { Tensor.constant($0.value) }
        for (position, variable) in zip(floatInputs, floats) { inputs[position] = variable }
        return fuzzCase.build(on: inputs)
    }

    /// Runs `check`; false when it does not apply to this case.
    func run(_ check: FuzzCheck, checker: FuzzChecker) throws -> Bool {
        let y = try output()
        let floatOutput = y.dtype.isFloat && differentiable && fuzzCase.derivatives >= 1
        let floatPoint = floatInputs.map { arguments[$0] }
        let gradients: [Variable] = floatOutput
            ? try checked { [p = try projection(y)] in grad((y * p).sum(), wrt: floatInputs.map { variables[$0] }, disconnected: .zero) }
            : []
        // float32 anywhere (an input, a cast, a constant on the way) rounds what is computed.
        var computesInFloat32: Bool {
            fuzzCase.inputs.contains { $0.dtype == .float32 } || computeDType(of: y) == .float32
        }
        switch check {
        case .values:
            try compareModes(outputs: [y] + gradients)
        case .rewriting:
            try checkRewriting([y] + gradients, faultyExcludes: checker.faultyFirstRewriteExcludes)
        case .gradient:
            guard floatOutput, fuzzCase.isSmooth else { return false }
            do {
                // float32 anywhere (an input, or a cast on the way) needs float32's step and
                // tolerances: a float64 step of 1e-7 is below a float32 value's resolution.
                // A float32 difference quotient is only as exact as f: each evaluation of the
                // projected sum rounds by about 6e-8·Σ|y|, and the quotient divides that by 2ε,
                // so the absolute tolerance scales with Σ|y| (a hundredfold margin). Central
                // differences: float32's ε times a large curvature is no longer an error.
                let float32 = computesInFloat32
                let magnitude = float32 ? doubles(try evaluate([y])[0]).reduce(0) { $0 + Swift.abs($1) } : 0
                try verifyGrad(function(of:), at: floatPoint, tests: 1, epsilon: float32 ? 3e-4 : nil,
                               absoluteTolerance: float32 ? 1e-2 * Swift.max(1, magnitude) : nil,
                               relativeTolerance: float32 ? 1e-2 : nil,
                               differences: float32 ? .central : .oneSided)
            } catch let error as GradientCheckError {
                throw FuzzFailure(check: .gradient, message: error.description)
            }
        case .derivativeTypes:
            guard floatOutput else { return false }
            let values = try evaluate(gradients)
            for (k, (g, position)) in zip(gradients, floatInputs).enumerated() {
                let x = variables[position]
                guard g.dtype == x.dtype, values[k].dtype == x.dtype, values[k].shape == arguments[position].shape,
                    fits(g.type.shape, values[k].shape)
                else {
                    throw FuzzFailure(check: .derivativeTypes, message: "grad wrt \(x.name ?? "?") (\(x.type), value "
                        + "\(arguments[position].shape)) has type \(g.type) and value \(values[k].dtype) \(values[k].shape)")
                }
            }
            let tangents = floatInputs.map { Tensor.constant(uniform(arguments[$0], seed: 5 + UInt64($0))) }
            let jvp = try checked {
                pushforward(y, wrt: floatInputs.map { variables[$0] }, tangents: tangents, disconnected: .zero)
            }
            let jvpValue = try evaluate([jvp])[0]
            let yValue = try evaluate([y])[0]
            guard jvp.dtype == y.dtype, jvpValue.dtype == y.dtype, jvpValue.shape == yValue.shape,
                fits(jvp.type.shape, yValue.shape)
            else {
                throw FuzzFailure(check: .derivativeTypes, message: "pushforward of \(y.type) (value \(yValue.shape)) "
                    + "has type \(jvp.type) and value \(jvpValue.dtype) \(jvpValue.shape)")
            }
        case .pushforward:
            guard floatOutput else { return false }
            do {
                // Both sides round through float32 wherever the graph does: float32's tolerance.
                try verifyPushforward(function(of:), at: floatPoint, tolerance: computesInFloat32 ? 1e-5 : nil)
            } catch let error as CotangentError where error.kind == .invalidGradient {
                throw FuzzFailure(check: .pushforward, message: error.message)
            }
        case .jacobian:
            guard floatOutput else { return false }
            let position = floatInputs[0]
            let outputCount = try evaluate([y])[0].count
            guard outputCount * arguments[position].count <= checker.maxJacobianElements else { return false }
            let x = variables[position]
            let (vectorized, looped) = try checked {
                (jacobian(y, wrt: x, disconnected: .zero), jacobian(y, wrt: x, vectorize: false, disconnected: .zero))
            }
            let values = try evaluate([vectorized, looped])
            if let difference = difference(values[0], values[1], dtype: y.dtype) {
                throw FuzzFailure(check: .jacobian, message: "vectorized and looped Jacobians differ: \(difference)")
            }
        case .hessian:
            guard floatOutput, fuzzCase.isSmooth, fuzzCase.derivatives >= 2 else { return false }
            let position = floatInputs[0]
            let n = arguments[position].count
            guard n <= 12 else { return false }
            let p = try projection(y)
            let H = try checked { hessian((y * p).sum(), wrt: variables[position], disconnected: .zero) }
            let value = doubles(try evaluate([H])[0])
            guard value.count == n * n else {
                throw FuzzFailure(check: .hessian, message: "Hessian has \(value.count) elements, expected \(n * n)")
            }
            let scale = Swift.max(1, value.map(Swift.abs).max() ?? 0)
            let tolerance = (computesInFloat32 ? 1e-4 : 1e-10) * scale
            for i in 0..<n {
                for j in 0..<i where !(Swift.abs(value[i * n + j] - value[j * n + i]) <= tolerance) {
                    throw FuzzFailure(check: .hessian, message: "Hessian not symmetric: H[\(i), \(j)] = "
                        + "\(value[i * n + j]) but H[\(j), \(i)] = \(value[j * n + i])")
                }
            }
        }
        return true
    }

    /// A fixed projection shaped like `y`, so the costs weigh each element differently.
    func projection(_ y: Variable) throws -> Variable {
        let shape = try evaluate([y])[0].shape
        return Tensor.constant(uniform(NDArray.zeros(shape, dtype: y.dtype), seed: 3, low: 0.5, high: 1.5))
    }

    func uniform(_ like: NDArray, seed: UInt64, low: Double = -1, high: Double = 1) -> NDArray {
        var random = FuzzRandom(seed: seed)
        let elements = (0..<like.count).map { _ in low + (high - low) * random.unit() }
        return NDArray(shape: like.shape, elements: elements).converted(to: like.dtype)
    }

    func evaluate(_ outputs: [Variable], mode: CompileMode = .fastRun) throws -> [NDArray] {
        let compiled = try Cotangent.function(inputs: variables, outputs: outputs, mode: mode, onUnusedInput: .ignore)
        return try compiled.call(arguments)
    }

    func compareModes(outputs: [Variable]) throws {
        let fast = try evaluate(outputs)
        let plain = try evaluate(outputs, mode: .unoptimized)
        var reference = ReferenceEvaluator(feed: Dictionary(uniqueKeysWithValues: zip(variables, arguments)))
        for (k, output) in outputs.enumerated() {
            let expected = try reference.value(of: output)
            let what = k == 0 ? "output" : "gradient \(k - 1)"
            guard fits(output.type.shape, expected.shape), expected.dtype == output.dtype else {
                throw FuzzFailure(check: .values, message: "\(what): reference value \(expected.dtype) \(expected.shape) "
                    + "does not fit the static type \(output.type)")
            }
            for (mode, value) in [("fast_run", fast[k]), ("unoptimized", plain[k])] {
                if let difference = difference(value, expected, dtype: computeDType(of: output)) {
                    throw FuzzFailure(check: .values, message: "\(what): \(mode) differs from the reference: \(difference)")
                }
            }
        }
    }

    func checkRewriting(_ outputs: [Variable], faultyExcludes: Set<String> = []) throws {
        var first = RewriteReport(logsApplications: true)
        let once = rewriteGraph(
            outputs, include: CompileMode.fastRun.include, exclude: CompileMode.fastRun.exclude.union(faultyExcludes),
            report: &first)
        var again = RewriteReport()
        let twice = rewriteGraph(
            once, include: CompileMode.fastRun.include, exclude: CompileMode.fastRun.exclude, report: &again)
        let printedOnce = dprint(once), printedTwice = dprint(twice)
        guard printedOnce == printedTwice else {
            // What fired the second time names the rewrite the first run left work for.
            throw FuzzFailure(check: .rewriting, message: "rewriting twice changed the graph:\n\(printedOnce)\n--- then ---\n"
                + "\(printedTwice)\nthe first rewrite applied, in order: \((first.log ?? []).joined(separator: "; "))"
                + (first.failures.isEmpty ? "" : "\nthe first rewrite failed: \(first.failures.joined(separator: "; "))")
                + "\nthe second rewrite \(again)")
        }
        let typed = dprint(once, printType: true, printShape: true)
        let nodes = GraphTraversal.toposort(once).count
        for text in [printedOnce, typed] {
            let ids = Set(text.split(separator: "\n").compactMap { line -> Substring? in
                guard let open = line.firstRange(of: "[id "), let close = line[open.upperBound...].firstIndex(of: "]")
                else { return nil }
                return line[open.upperBound..<close]
            })
            // Every node of the outer graph has an id (inner graphs may add more).
            guard ids.count >= nodes else {
                throw FuzzFailure(check: .rewriting, message: "dprint shows \(ids.count) ids for \(nodes) nodes:\n\(text)")
            }
        }
    }
}

/// Whether a value's shape fits a static shape.
func fits(_ declared: [Int?], _ shape: [Int]) -> Bool {
    declared.count == shape.count && zip(declared, shape).allSatisfy { $0 == nil || $0 == $1 }
}

/// The dtype whose precision bounds a value's error: float32 when any float value it is
/// computed from is float32 (a float64 gradient through a float32 cast carries float32
/// rounding), else the value's own dtype.
func computeDType(of output: Variable) -> DType {
    guard output.dtype.isFloat else { return output.dtype }
    var stack = [output]
    var seen = Set<ObjectIdentifier>()
    while let current = stack.popLast() {
        if current.dtype == .float32 { return .float32 }
        guard let owner = current.owner, seen.insert(ObjectIdentifier(owner)).inserted else { continue }
        stack.append(contentsOf: owner.inputs)
    }
    return output.dtype
}

/// Why two values differ (shape, dtype, or the worst element beyond the dtype's tolerance),
/// or nil when they agree. NaNs agree with NaNs.
func difference(_ a: NDArray, _ b: NDArray, dtype: DType) -> String? {
    guard a.shape == b.shape else { return "shapes \(a.shape) and \(b.shape)" }
    guard a.dtype == b.dtype else { return "dtypes \(a.dtype) and \(b.dtype)" }
    let (relative, absolute) = dtype == .float32 ? (1e-4, 1e-5) : dtype == .float64 ? (1e-9, 1e-12) : (0.0, 0.0)
    for (k, (x, y)) in zip(doubles(a), doubles(b)).enumerated() {
        if x == y || (x.isNaN && y.isNaN) { continue }
        if Swift.abs(x - y) <= absolute + relative * Swift.max(Swift.abs(x), Swift.abs(y)) { continue }
        return "element \(k): \(x) vs \(y)"
    }
    return nil
}
