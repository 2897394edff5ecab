import CotangentArrays
import CotangentGraph

// Scalar ops in StableHLO: each table entry carries a `StableHLORule` (its `stablehlo:`
// argument, required, so no entry can lack one); this file applies the rules to operands of one
// shape, inlines composites, and holds the formulas several entries share.

/// How a scalar op's elementwise application is written in StableHLO.
///
/// The operands reach the rule broadcast to the output shape and converted to the dtype the op
/// computes in: the output dtype, except for comparisons and classifications (the operands'
/// promoted dtype), `switch` (a bool condition, branches of the output dtype) and the ops that
/// pass an operand through or convert (`second`, `identity`, `Cast`), which get them unchanged.
package enum StableHLORule: Sendable {
    /// One elementwise op of that name (`stablehlo.exponential`, `chlo.erf`); a variadic scalar
    /// op folds it over its operands.
    case op(String)
    /// A formula of several ops.
    case formula(@Sendable (_ b: StableHLOBuilder, _ x: [StableHLOValue]) -> StableHLOValue)
    /// No StableHLO form, and why.
    case notExportable(String)
}

extension ScalarOp {
    /// The op applied elementwise to `operands` (all of one shape, their own dtypes), giving a
    /// value of `outputDType` (one per output of a composite).
    package func lowerToStableHLO(_ operands: [StableHLOValue], outputDTypes: [DType], builder b: StableHLOBuilder)
        throws -> [StableHLOValue]
    {
        if let graph = compositeGraph { return try graph.lowerToStableHLO(operands, builder: b) }
        let output = outputDTypes[0]
        if let target = castTarget { return [b.convert(operands[0], to: target)] }
        let x: [StableHLOValue]
        switch definition.dtypeRule {
        case .boolean:
            let promoted = DType.promote(operands.map(\.dtype))
            x = operands.map { b.convert($0, to: promoted) }
        case .branches:
            x = [b.convert(operands[0], to: .bool)] + operands.dropFirst().map { b.convert($0, to: output) }
        case .input, .parameter:
            x = operands
        default:
            x = operands.map { b.convert($0, to: output) }
        }
        let result: StableHLOValue
        switch definition.stablehlo {
        case .op(let name):
            if x.count == 1 {
                // A variadic op of one operand (`add(x)`) is that operand.
                result = definition.isVariadic ? x[0] : b.unary(name, x[0])
            } else {
                result = x.dropFirst().reduce(x[0]) { b.binary(name, $0, $1) }
            }
        case .formula(let formula):
            result = formula(b, x)
        case .notExportable(let reason):
            throw StableHLONotExportable(reason)
        }
        return [b.convert(result, to: output)]
    }
}

extension CompositeGraph {
    /// The fused graph, op by op (XLA fuses again as it sees fit).
    package func lowerToStableHLO(_ operands: [StableHLOValue], builder b: StableHLOBuilder) throws
        -> [StableHLOValue]
    {
        let shape = operands.first?.shape ?? []
        let dtypes = try nodeDTypes(inputs: operands.map(\.dtype))
        var values: [StableHLOValue] = []
        for (index, node) in nodes.enumerated() {
            let arguments = node.operands.map { operand -> StableHLOValue in
                switch operand {
                case .input(let k): operands[k]
                case .node(let k): values[k]
                case .constant(let c): b.broadcastInDim(b.constant(c.array), shape: shape, dimensions: [])
                }
            }
            values.append(try node.op.lowerToStableHLO(arguments, outputDTypes: [dtypes[index]], builder: b)[0])
        }
        return outputs.map { values[$0] }
    }
}

// MARK: - Formulas shared by table entries

extension StableHLOBuilder {
    /// The number `value` shaped and typed like `x`.
    package func number(_ value: Double, like x: StableHLOValue) -> StableHLOValue { constant(value, like: x) }

    /// Python's floor division: `floor(a / b)` for floats; for integers the quotient rounded
    /// toward -∞, and 0 where `b` is 0 (numpy's result, where C would trap).
    package func floorDivide(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        if a.dtype.isFloat { return unary("stablehlo.floor", divide(a, b)) }
        let zero = number(0, like: b)
        let isZero = compare("EQ", b, zero)
        let safe = select(isZero, number(1, like: b), b)
        let quotient = divide(a, safe)  // truncates toward zero
        let remainder = binary("stablehlo.remainder", a, safe)
        // Truncation rounded up where the remainder is nonzero and the signs differ.
        let adjust = remainderSignDiffers(remainder, safe)
        let floored = select(adjust, subtract(quotient, number(1, like: a)), quotient)
        return select(isZero, zero, floored)
    }

    /// Python's modulo, with the divisor's sign (0 for an integer division by 0, as numpy).
    package func floorModulo(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        let zero = number(0, like: b)
        if a.dtype.isFloat {
            let remainder = binary("stablehlo.remainder", a, b)
            return select(remainderSignDiffers(remainder, b), add(remainder, b), remainder)
        }
        let isZero = compare("EQ", b, zero)
        let safe = select(isZero, number(1, like: b), b)
        let remainder = binary("stablehlo.remainder", a, safe)
        return select(isZero, zero, select(remainderSignDiffers(remainder, safe), add(remainder, safe), remainder))
    }

    /// Where a truncated remainder is nonzero with a sign other than the divisor's: where
    /// Python's floor division and modulo differ from C's truncating ones.
    private func remainderSignDiffers(_ remainder: StableHLOValue, _ divisor: StableHLOValue) -> StableHLOValue {
        let zero = number(0, like: divisor)
        return and(
            compare("NE", remainder, zero), compare("NE", compare("LT", remainder, zero), compare("LT", divisor, zero)))
    }

    /// The loop condition of an elementwise iteration: some element is still `pending` (a
    /// bool tensor) and the 0-d `counter` is below `limit`.
    fileprivate func continues(_ pending: StableHLOValue, counter: StableHLOValue, limit: StableHLOValue)
        -> StableHLOValue
    {
        let any = reduce(pending, initial: constant(0, .bool), dimensions: Array(0..<pending.rank), combiner: "stablehlo.or")
        return and(any, compare("LT", counter, limit))
    }

    /// `v`, or `minimum` where |v| is below it: the modified Lentz method's guard against
    /// dividing by zero.
    fileprivate func awayFromZero(_ v: StableHLOValue, minimum: StableHLOValue) -> StableHLOValue {
        select(compare("LT", unary("stablehlo.abs", v), minimum), minimum, v)
    }

    /// Whether |delta − 1| is still above 1e-16 (a continued fraction's factor not yet 1).
    fileprivate func lentzPending(_ delta: StableHLOValue) -> StableHLOValue {
        compare("GT", unary("stablehlo.abs", subtract(delta, number(1, like: delta))), number(1e-16, like: delta))
    }

    /// `log(1 - exp(x))` for x ≤ 0, by Mächler's split at -ln 2.
    package func log1mexp(_ x: StableHLOValue) -> StableHLOValue {
        let nearZero = compare("GT", x, number(-0.6931471805599453, like: x))
        let small = unary("stablehlo.log", unary("stablehlo.negate", unary("stablehlo.exponential_minus_one", x)))
        let large = unary("stablehlo.log_plus_one", unary("stablehlo.negate", unary("stablehlo.exponential", x)))
        return select(nearZero, small, large)
    }

    /// `log(1 + exp(x))` with PyTensor's branches (exp(x) below -37, x above 33.3).
    package func softplus(_ x: StableHLOValue) -> StableHLOValue {
        let exp = unary("stablehlo.exponential", x)
        let middle = unary("stablehlo.log_plus_one", exp)
        let high = add(x, unary("stablehlo.exponential", unary("stablehlo.negate", x)))
        return select(
            compare("LT", x, number(-37, like: x)), exp,
            select(
                compare("LT", x, number(18, like: x)), middle,
                select(compare("LT", x, number(33.3, like: x)), high, x)))
    }

    /// `0` where `x` is 0, else `x · f` (xlogy's convention: 0 · log 0 = 0).
    package func zeroWhereZero(_ x: StableHLOValue, times f: StableHLOValue) -> StableHLOValue {
        select(compare("EQ", x, number(0, like: x)), number(0, like: x), multiply(x, f))
    }

    /// Γ(x) as `exp(lgamma(x))` with the sign of Γ for negative x (negative where ⌊x⌋ is odd).
    package func gamma(_ x: StableHLOValue) -> StableHLOValue {
        let magnitude = unary("stablehlo.exponential", unary("chlo.lgamma", x))
        let floorX = unary("stablehlo.floor", x)
        let odd = compare("NE", floorModulo(floorX, number(2, like: x)), number(0, like: x))
        let negative = binary("stablehlo.and", compare("LT", x, number(0, like: x)), odd)
        return select(negative, unary("stablehlo.negate", magnitude), magnitude)
    }

    /// `log Φ(x)`: `log(erfc(-x/√2)/2)` where erfc keeps its relative accuracy, the asymptotic
    /// series of the Mills ratio below -30.
    package func logNormalCDF(_ x: StableHLOValue) -> StableHLOValue {
        let direct = unary(
            "stablehlo.log",
            multiply(unary("chlo.erfc", multiply(x, number(-0.7071067811865476, like: x))), number(0.5, like: x)))
        let safe = select(compare("LT", x, number(-30, like: x)), x, number(-30, like: x))
        let inverseSquare = divide(number(1, like: x), multiply(safe, safe))
        // 1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸
        var series = number(105, like: x)
        for c in [-15.0, 3, -1, 1] { series = add(multiply(series, inverseSquare), number(c, like: x)) }
        let tail = subtract(
            subtract(
                multiply(multiply(safe, safe), number(-0.5, like: x)),
                unary("stablehlo.log", unary("stablehlo.negate", safe))),
            number(0.9189385332046728, like: x))
        return select(compare("LT", x, number(-30, like: x)), add(tail, unary("stablehlo.log", series)), direct)
    }

    /// `exp(x²) erfc(x)`: directly where that neither overflows nor underflows, the asymptotic
    /// series above 26, and `2 exp(x²) - erfcx(-x)` limits for very negative x (overflow to ∞).
    package func erfcx(_ x: StableHLOValue) -> StableHLOValue {
        let direct = multiply(unary("stablehlo.exponential", multiply(x, x)), unary("chlo.erfc", x))
        let safe = select(compare("GT", x, number(26, like: x)), x, number(26, like: x))
        let inverseSquare = divide(number(1, like: x), multiply(multiply(safe, safe), number(2, like: x)))
        // 1 - 1/(2x²) + 3/(2x²)² - 15/(2x²)³ + 105/(2x²)⁴
        var series = number(105, like: x)
        for c in [-15.0, 3, -1, 1] { series = add(multiply(series, inverseSquare), number(c, like: x)) }
        let tail = divide(series, multiply(safe, number(1.7724538509055159, like: x)))
        return select(compare("GT", x, number(26, like: x)), tail, direct)
    }
}

// MARK: - Regularized incomplete gamma function

extension StableHLOBuilder {
    /// P(a, x) and Q(a, x) = 1 − P, the regularized incomplete gamma functions, elementwise
    /// (float operands of one shape): the power series of P where x ≤ 1 or x ≤ a, the
    /// continued fraction of Q (modified Lentz) elsewhere, each the complement of the other.
    /// Each is a `stablehlo.while` that stops when every element it serves has converged to
    /// double precision (at most 2000 terms). Boundaries as scipy: P(a, 0) = 0, P(0, x) = 1 and
    /// P(a, ∞) = 1 for x > 0, P(∞, x) = 0 for finite x, NaN for negative or NaN arguments, for a = x = 0 and a = x = ∞.
    ///
    /// Cotangent's kernel also sums Q's own series for small x and small a; here Q is 1 − P
    /// there, which loses relative accuracy only where Q is far below 1e-3 with x ≤ 1.1.
    package func incompleteGamma(_ a: StableHLOValue, _ x: StableHLOValue) -> (lower: StableHLOValue, upper: StableHLOValue) {
        let zero = number(0, like: x)
        let one = number(1, like: x)
        let valid = and(
            and(compare("GE", a, zero), compare("GE", x, zero)),
            and(compare("EQ", a, a), compare("EQ", x, x)))
        let useFraction = and(valid, and(compare("GT", x, one), compare("GT", x, a)))
        let useSeries = and(valid, unary("stablehlo.not", useFraction))
        // Elements a loop does not serve get arguments that converge at once.
        let seriesX = select(useSeries, x, zero)
        let seriesA = select(useSeries, a, one)
        let fractionX = select(useFraction, x, number(2, like: x))
        let fractionA = select(useFraction, a, one)
        let limit = constant(2000, x.dtype)

        // P = xᵃ e⁻ˣ / Γ(a + 1) · Σₙ xⁿ / ((a + 1)…(a + n)).
        let scalar = StableHLOType(x.dtype, [])
        let seriesState = [constant(0, x.dtype), one, one]  // n, term, sum
        let seriesTypes = [scalar, x.type, x.type]
        let seriesTest = region(seriesTypes) { r, s in
            let pending = r.compare("GT", r.unary("stablehlo.abs", s[1]), r.multiply(r.number(1e-17, like: s[2]), r.unary("stablehlo.abs", s[2])))
            return [r.continues(pending, counter: s[0], limit: limit)]
        }
        let seriesStep = region(seriesTypes) { r, s in
            let n = r.add(s[0], r.constant(1, x.dtype))
            let term = r.multiply(s[1], r.divide(seriesX, r.add(seriesA, r.broadcastInDim(n, shape: x.shape, dimensions: []))))
            return [n, term, r.add(s[2], term)]
        }
        let series = emit("stablehlo.while", seriesState, regions: [seriesTest, seriesStep], results: seriesTypes)[2]
        let seriesLog = subtract(
            subtract(multiply(seriesA, unary("stablehlo.log", seriesX)), seriesX),
            unary("chlo.lgamma", add(seriesA, one)))
        let lowerBySeries = multiply(unary("stablehlo.exponential", seriesLog), series)

        // Q = xᵃ e⁻ˣ / Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …)), by modified Lentz.
        let tiny = number(1e-300, like: x)
        let b0 = subtract(add(fractionX, one), fractionA)
        let fractionState = [constant(0, x.dtype), b0, number(1e300, like: x), divide(one, b0), divide(one, b0), zero]
        let fractionTypes = [scalar] + Array(repeating: x.type, count: 5)  // i, b, c, d, h, delta
        let fractionTest = region(fractionTypes) { r, s in [r.continues(r.lentzPending(s[5]), counter: s[0], limit: limit)] }
        let fractionStep = region(fractionTypes) { r, s in
            let i = r.add(s[0], r.constant(1, x.dtype))
            let iv = r.broadcastInDim(i, shape: x.shape, dimensions: [])
            let an = r.multiply(r.unary("stablehlo.negate", iv), r.subtract(iv, fractionA))
            let b = r.add(s[1], r.number(2, like: x))
            func floor(_ v: StableHLOValue) -> StableHLOValue { r.awayFromZero(v, minimum: tiny) }
            let d = r.divide(r.number(1, like: x), floor(r.add(r.multiply(an, s[3]), b)))
            let c = floor(r.add(b, r.divide(an, s[2])))
            let delta = r.multiply(d, c)
            return [i, b, c, d, r.multiply(s[4], delta), delta]
        }
        let fraction = emit("stablehlo.while", fractionState, regions: [fractionTest, fractionStep], results: fractionTypes)[4]
        let fractionLog = subtract(
            subtract(multiply(fractionA, unary("stablehlo.log", fractionX)), fractionX), unary("chlo.lgamma", fractionA))
        let upperByFraction = multiply(unary("stablehlo.exponential", fractionLog), fraction)

        var lower = select(useFraction, subtract(one, upperByFraction), lowerBySeries)
        var upper = select(useFraction, upperByFraction, subtract(one, lowerBySeries))
        // Boundaries: x = 0, a = 0, x = ∞, a = ∞; NaN outside the domain.
        let xZero = compare("EQ", x, zero)
        let aZero = and(compare("EQ", a, zero), compare("GT", x, zero))
        let xInfinite = and(compare("EQ", x, number(.infinity, like: x)), compare("GT", a, zero))
        let aInfinite = and(compare("EQ", a, number(.infinity, like: a)), compare("LT", x, number(.infinity, like: x)))
        let allOne = or(aZero, xInfinite)
        let allZero = or(xZero, aInfinite)
        lower = select(allOne, one, select(allZero, zero, lower))
        upper = select(allOne, zero, select(allZero, one, upper))
        let nan = number(.nan, like: x)
        let bothInfinite = and(compare("EQ", a, number(.infinity, like: a)), compare("EQ", x, number(.infinity, like: x)))
        let undefined = or(or(unary("stablehlo.not", valid), and(xZero, compare("EQ", a, zero))), bothInfinite)
        return (select(undefined, nan, lower), select(undefined, nan, upper))
    }
}

// MARK: - Regularized incomplete beta function

extension StableHLOBuilder {
    /// I_x(a, b), the regularized incomplete beta function, elementwise (float operands of one
    /// shape): the continued fraction of I_x(a, b) below the mean, (a + 1)/(a + b + 2), and
    /// 1 − I_{1−x}(b, a) above it, as Cotangent's kernel splits it; a modified-Lentz
    /// `stablehlo.while` stopping when every element has converged (at most 2000 terms).
    /// Boundaries as scipy: 0 at x = 0, 1 at x = 1, 1 for a = 0 or b = ∞, 0 for b = 0 or a = ∞;
    /// NaN outside 0 ≤ x ≤ 1 or for negative, NaN, both-zero or both-infinite parameters.
    ///
    /// The prefactor xᵃ(1 − x)ᵇ/(a B(a, b)) is computed from logs, which keeps 1e-13 relative
    /// accuracy for parameters up to a few hundred (Cotangent's kernel splits it further for
    /// large ones).
    package func incompleteBeta(_ a: StableHLOValue, _ b: StableHLOValue, _ x: StableHLOValue) -> StableHLOValue {
        let zero = number(0, like: x)
        let one = number(1, like: x)
        let infinity = number(.infinity, like: x)
        let notNaN = and(and(compare("EQ", a, a), compare("EQ", b, b)), compare("EQ", x, x))
        let inDomain = and(
            and(compare("GE", a, zero), compare("GE", b, zero)), and(compare("GE", x, zero), compare("LE", x, one)))
        let bothZero = and(compare("EQ", a, zero), compare("EQ", b, zero))
        let bothInfinite = and(compare("EQ", a, infinity), compare("EQ", b, infinity))
        let undefined = or(or(unary("stablehlo.not", and(notNaN, inDomain)), bothZero), bothInfinite)
        let xZero = compare("EQ", x, zero)
        let xOne = compare("EQ", x, one)
        let toOne = or(compare("EQ", a, zero), compare("EQ", b, infinity))
        let toZero = or(compare("EQ", b, zero), compare("EQ", a, infinity))
        let interior = and(
            unary("stablehlo.not", undefined),
            unary("stablehlo.not", or(or(xZero, xOne), or(toOne, toZero))))
        // Above the mean the fraction runs on (b, a, 1 − x); elements outside the interior get
        // (1, 1, 1/2), which converge at once.
        let flip = and(interior, compare("GT", x, divide(add(a, one), add(add(a, b), number(2, like: x)))))
        let half = number(0.5, like: x)
        let p = select(interior, select(flip, b, a), one)
        let q = select(interior, select(flip, a, b), one)
        let y = select(interior, select(flip, subtract(one, x), x), half)

        let tiny = number(1e-300, like: x)
        func floor(_ r: StableHLOBuilder, _ v: StableHLOValue) -> StableHLOValue { r.awayFromZero(v, minimum: tiny) }
        let d0 = divide(one, floor(self, subtract(one, divide(multiply(add(p, q), y), add(p, one)))))
        let scalar = StableHLOType(x.dtype, [])
        let types = [scalar] + Array(repeating: x.type, count: 4)  // m, c, d, h, delta
        let limit = constant(2000, x.dtype)
        let test = region(types) { r, s in [r.continues(r.lentzPending(s[4]), counter: s[0], limit: limit)] }
        let step = region(types) { r, s in
            let m = r.add(s[0], r.constant(1, x.dtype))
            let mv = r.broadcastInDim(m, shape: x.shape, dimensions: [])
            let twoM = r.multiply(mv, r.number(2, like: x))
            let one = r.number(1, like: x)
            // Even step: m (b − m) x / ((a − 1 + 2m)(a + 2m)).
            let even = r.divide(
                r.multiply(r.multiply(mv, r.subtract(q, mv)), y),
                r.multiply(r.add(r.subtract(p, one), twoM), r.add(p, twoM)))
            var d = r.divide(one, floor(r, r.add(one, r.multiply(even, s[2]))))
            var c = floor(r, r.add(one, r.divide(even, s[1])))
            var h = r.multiply(s[3], r.multiply(d, c))
            // Odd step: −(a + m)(a + b + m) x / ((a + 2m)(a + 1 + 2m)).
            let odd = r.unary(
                "stablehlo.negate",
                r.divide(
                    r.multiply(r.multiply(r.add(p, mv), r.add(r.add(p, q), mv)), y),
                    r.multiply(r.add(p, twoM), r.add(r.add(p, one), twoM))))
            d = r.divide(one, floor(r, r.add(one, r.multiply(odd, d))))
            c = floor(r, r.add(one, r.divide(odd, c)))
            let delta = r.multiply(d, c)
            h = r.multiply(h, delta)
            return [m, c, d, h, delta]
        }
        let state = [constant(0, x.dtype), one, d0, d0, zero]
        let fraction = emit("stablehlo.while", state, regions: [test, step], results: types)[3]
        let logPrefactor = subtract(
            add(multiply(p, unary("stablehlo.log", y)), multiply(q, unary("stablehlo.log_plus_one", unary("stablehlo.negate", y)))),
            subtract(add(unary("chlo.lgamma", p), unary("chlo.lgamma", q)), unary("chlo.lgamma", add(p, q))))
        let partial = divide(multiply(unary("stablehlo.exponential", logPrefactor), fraction), p)
        var value = select(flip, subtract(one, partial), partial)
        value = select(or(xOne, and(unary("stablehlo.not", xZero), toOne)), one, select(or(xZero, toZero), zero, value))
        return select(undefined, number(.nan, like: x), value)
    }
}
