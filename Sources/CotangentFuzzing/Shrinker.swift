/// Makes a failing case small: greedily tries smaller variants (an earlier step as the
/// output, a step bypassed by one of its operands, dead steps and inputs removed, exact or
/// unknown static shapes) and keeps each that is still valid and still fails the same check.
public struct FuzzShrinker: Sendable {
    /// The checker that decides validity and failure.
    public var checker: FuzzChecker
    /// The most variants tried.
    public var maxAttempts: Int

    /// A shrinker using `checker`, trying at most `maxAttempts` variants.
    public init(checker: FuzzChecker, maxAttempts: Int = 400) {
        self.checker = checker
        self.maxAttempts = maxAttempts
    }

    /// The smallest variant of `fuzzCase` found that still fails `check`.
    public func shrink(_ fuzzCase: FuzzCase, failing check: FuzzCheck) -> FuzzCase {
        var best = fuzzCase.withoutDeadCode()
        var attempts = 0
        var improved = true
        while improved && attempts < maxAttempts {
            improved = false
            for candidate in variants(of: best) where attempts < maxAttempts {
                attempts += 1
                guard size(candidate) < size(best) || (size(candidate) == size(best) && candidate != best && simpler(candidate, than: best)),
                    checker.isValid(candidate),
                    checker.failures(of: candidate, only: check).failures.contains(where: { $0.check == check })
                else { continue }
                best = candidate
                improved = true
                break
            }
        }
        return best
    }

    private func size(_ c: FuzzCase) -> Int { c.steps.count * 1000 + c.inputs.count * 100 + c.inputs.reduce(0) { $0 + $1.elements.count } }

    /// Fewer unknown dims (the same size otherwise).
    private func simpler(_ a: FuzzCase, than b: FuzzCase) -> Bool {
        func unknown(_ c: FuzzCase) -> Int { c.inputs.reduce(0) { $0 + $1.staticShape.filter { $0 == nil }.count } }
        return unknown(a) < unknown(b)
    }

    private func variants(of c: FuzzCase) -> [FuzzCase] {
        var result: [FuzzCase] = []
        let n = c.inputs.count
        // An earlier step as the output.
        for k in c.steps.indices.dropLast() {
            result.append(FuzzCase(inputs: c.inputs, steps: Array(c.steps[...k])).withoutDeadCode())
        }
        // A step's operand replaced by one of that operand's own operands (the step bypassed).
        for (k, step) in c.steps.enumerated() {
            for operand in Set(step.operands) where operand >= n {
                for replacement in Set(c.steps[operand - n].operands) {
                    var steps = c.steps
                    steps[k] = step.renumbered { $0 == operand ? replacement : $0 }
                    result.append(FuzzCase(inputs: c.inputs, steps: steps).withoutDeadCode())
                }
            }
        }
        // Exact static shapes.
        for (i, input) in c.inputs.enumerated() where input.staticShape.contains(where: { $0 == nil }) {
            var inputs = c.inputs
            inputs[i].staticShape = input.shape.map { $0 }
            result.append(FuzzCase(inputs: inputs, steps: c.steps))
        }
        return result
    }
}
