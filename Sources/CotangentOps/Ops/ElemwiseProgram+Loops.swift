import CVectorMath
import RealModule
import CotangentArrays
import CotangentGraph

// The block loops of ``ElemwiseProgram``: one tight loop per instruction over `n` lanes.
//
// Each case hands a closure literal to an `@inline(__always)` loop, so the loop body is the
// operation itself (no call per element for arithmetic, which LLVM vectorises). Transcendentals
// run a whole block through libmvec's 8- or 4-lane variants where the machine has them (the
// CVectorMath target; a scalar libm loop elsewhere). Ops without a dedicated case call their
// scalar kernel.

/// A register's lanes as `T` (`Double` or `Int64`; also `UInt64` for bitwise selection).
@inline(__always)
private func lanes<T>(_ pointer: UnsafeMutableRawPointer, _: T.Type) -> UnsafeMutablePointer<T> {
    pointer.assumingMemoryBound(to: T.self)
}

/// A program's steps, their kernels and extra arguments, borrowed for one run (reading a step
/// from a buffer copies plain values only).
package struct StepRunner {
    package let steps: UnsafeBufferPointer<ElemwiseProgram.Step>
    package let floatKernels: UnsafeBufferPointer<Kernel3<Double>>
    package let integerKernels: UnsafeBufferPointer<Kernel3<Int64>>
    package let extraArguments: UnsafeBufferPointer<Int>

    /// Runs every step over `n` lanes.
    package func run(_ table: UnsafeMutablePointer<UnsafeMutableRawPointer>, _ n: Int) {
        for index in steps.indices { execute(index, table, n) }
    }

    private func execute(_ index: Int, _ table: UnsafeMutablePointer<UnsafeMutableRawPointer>, _ n: Int) {
        let step = steps[index]
        switch step.kind {
        case .apply:
            if step.domain == .float {
                ElemwiseProgram.applyFloat(step, self, index, table, n)
            } else {
                ElemwiseProgram.applyInteger(step, self, index, table, n)
            }
        case .select:
            let c = table[step.a]
            // Lanes are 8 bytes in both domains, so the branches can be chosen bitwise.
            let (x, y) = (lanes(table[step.b], UInt64.self), lanes(table[step.c], UInt64.self))
            let r = lanes(table[step.result], UInt64.self)
            if step.conditionDomain == .float {
                let cp = lanes(c, Double.self)
                for i in 0..<n { r[i] = cp[i] != 0 ? x[i] : y[i] }
            } else {
                let cp = lanes(c, Int64.self)
                for i in 0..<n { r[i] = cp[i] != 0 ? x[i] : y[i] }
            }
        case .convert:
            ElemwiseProgram.convert(table[step.a], from: step.domain, to: step.dtype, into: table[step.result], n)
        case .logicalNot:
            let (a, r) = (lanes(table[step.a], Int64.self), lanes(table[step.result], Int64.self))
            for i in 0..<n { r[i] = a[i] == 0 ? 1 : 0 }
        }
    }
}

extension ElemwiseProgram {
    /// Calls `body` with the plan borrowed for the duration of a run.
    package func withStepRunner<R>(_ body: (StepRunner) -> R) -> R {
        plan.withUnsafeBufferPointer { steps in
            floatKernels.withUnsafeBufferPointer { floatKernels in
                integerKernels.withUnsafeBufferPointer { integerKernels in
                    extraArguments.withUnsafeBufferPointer { extraArguments in
                        body(
                            StepRunner(
                                steps: steps, floatKernels: floatKernels, integerKernels: integerKernels,
                                extraArguments: extraArguments))
                    }
                }
            }
        }
    }

    // MARK: Float domain

    @inline(__always)
    private static func map1(
        _ a: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ n: Int, _ f: (Double) -> Double
    ) {
        for i in 0..<n { r[i] = f(a[i]) }
    }

    @inline(__always)
    private static func map2(
        _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>,
        _ n: Int, _ f: (Double, Double) -> Double
    ) {
        for i in 0..<n { r[i] = f(a[i], b[i]) }
    }

    package static func applyFloat(
        _ step: Step, _ runner: StepRunner, _ index: Int, _ table: UnsafeMutablePointer<UnsafeMutableRawPointer>,
        _ n: Int
    ) {
        let a = lanes(table[step.a], Double.self)
        let b = lanes(table[step.b], Double.self)
        let r = lanes(table[step.result], Double.self)
        let vector = ElementwiseMath.usesVectorMath
        // Wide (AVX-512/AVX2) arithmetic for blocks worth a call; bit-identical to the loops.
        let wide = n >= 16 && ElementwiseMath.wideArithmeticAvailable && ElementwiseMath.usesWideArithmetic
        switch step.loop {
        case .add where step.argumentCount > 1:
            if wide { cotangent_wide_binary(CotangentWideAdd, a, b, r, n) } else { map2(a, b, r, n) { $0 + $1 } }
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Double.self)
                if wide { cotangent_wide_binary(CotangentWideAdd, r, e, r, n) } else { map2(r, e, r, n) { $0 + $1 } }
            }
        case .mul where step.argumentCount > 1:
            if wide { cotangent_wide_binary(CotangentWideMul, a, b, r, n) } else { map2(a, b, r, n) { $0 * $1 } }
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Double.self)
                if wide { cotangent_wide_binary(CotangentWideMul, r, e, r, n) } else { map2(r, e, r, n) { $0 * $1 } }
            }
        case .add, .mul:
            map1(a, r, n) { $0 }
        case .sub:
            if wide { cotangent_wide_binary(CotangentWideSub, a, b, r, n) } else { map2(a, b, r, n) { $0 - $1 } }
        case .trueDiv:
            if wide { cotangent_wide_binary(CotangentWideDiv, a, b, r, n) } else { map2(a, b, r, n) { $0 / $1 } }
        case .neg: if wide { cotangent_wide_unary(CotangentWideNeg, a, r, n) } else { map1(a, r, n) { -$0 } }
        case .sqr: if wide { cotangent_wide_unary(CotangentWideSqr, a, r, n) } else { map1(a, r, n) { $0 * $0 } }
        case .sqrt: map1(a, r, n) { $0.squareRoot() }
        case .reciprocal: map1(a, r, n) { 1 / $0 }
        case .abs: map1(a, r, n) { Swift.abs($0) }
        case .maximum: map2(a, b, r, n) { $0.isNaN || $1.isNaN ? .nan : ($0 > $1 ? $0 : $1) }
        case .minimum: map2(a, b, r, n) { $0.isNaN || $1.isNaN ? .nan : ($0 < $1 ? $0 : $1) }
        case .floor: map1(a, r, n) { $0.rounded(.down) }
        case .ceil: map1(a, r, n) { $0.rounded(.up) }
        case .eq: map2(a, b, r, n) { $0 == $1 ? 1 : 0 }
        case .neq: map2(a, b, r, n) { $0 != $1 ? 1 : 0 }
        case .lt: map2(a, b, r, n) { $0 < $1 ? 1 : 0 }
        case .le: map2(a, b, r, n) { $0 <= $1 ? 1 : 0 }
        case .gt: map2(a, b, r, n) { $0 > $1 ? 1 : 0 }
        case .ge: map2(a, b, r, n) { $0 >= $1 ? 1 : 0 }
        case .exp: if vector { cotangent_vector_map(CotangentVectorExp, a, r, n) } else { map1(a, r, n) { Double.exp($0) } }
        case .exp2: if vector { cotangent_vector_map(CotangentVectorExp2, a, r, n) } else { map1(a, r, n) { Double.exp2($0) } }
        case .expm1: if vector { cotangent_vector_map(CotangentVectorExpm1, a, r, n) } else { map1(a, r, n) { Double.expMinusOne($0) } }
        case .log: if vector { cotangent_vector_map(CotangentVectorLog, a, r, n) } else { map1(a, r, n) { Double.log($0) } }
        case .log2: if vector { cotangent_vector_map(CotangentVectorLog2, a, r, n) } else { map1(a, r, n) { Double.log2($0) } }
        case .log10: if vector { cotangent_vector_map(CotangentVectorLog10, a, r, n) } else { map1(a, r, n) { Double.log10($0) } }
        case .log1p: if vector { cotangent_vector_map(CotangentVectorLog1p, a, r, n) } else { map1(a, r, n) { Double.log(onePlus: $0) } }
        case .sin: if vector { cotangent_vector_map(CotangentVectorSin, a, r, n) } else { map1(a, r, n) { Double.sin($0) } }
        case .cos: if vector { cotangent_vector_map(CotangentVectorCos, a, r, n) } else { map1(a, r, n) { Double.cos($0) } }
        case .tan: if vector { cotangent_vector_map(CotangentVectorTan, a, r, n) } else { map1(a, r, n) { Double.tan($0) } }
        case .arcsin: if vector { cotangent_vector_map(CotangentVectorAsin, a, r, n) } else { map1(a, r, n) { Double.asin($0) } }
        case .arccos: if vector { cotangent_vector_map(CotangentVectorAcos, a, r, n) } else { map1(a, r, n) { Double.acos($0) } }
        case .arctan: if vector { cotangent_vector_map(CotangentVectorAtan, a, r, n) } else { map1(a, r, n) { Double.atan($0) } }
        case .sinh: if vector { cotangent_vector_map(CotangentVectorSinh, a, r, n) } else { map1(a, r, n) { Double.sinh($0) } }
        case .cosh: if vector { cotangent_vector_map(CotangentVectorCosh, a, r, n) } else { map1(a, r, n) { Double.cosh($0) } }
        case .tanh: if vector { cotangent_vector_map(CotangentVectorTanh, a, r, n) } else { map1(a, r, n) { Double.tanh($0) } }
        case .arcsinh: if vector { cotangent_vector_map(CotangentVectorAsinh, a, r, n) } else { map1(a, r, n) { Double.asinh($0) } }
        case .arccosh: if vector { cotangent_vector_map(CotangentVectorAcosh, a, r, n) } else { map1(a, r, n) { Double.acosh($0) } }
        case .arctanh: if vector { cotangent_vector_map(CotangentVectorAtanh, a, r, n) } else { map1(a, r, n) { Double.atanh($0) } }
        case .erf: if vector { cotangent_vector_map(CotangentVectorErf, a, r, n) } else { map1(a, r, n) { Double.erf($0) } }
        case .erfc: if vector { cotangent_vector_map(CotangentVectorErfc, a, r, n) } else { map1(a, r, n) { Double.erfc($0) } }
        case .pow: map2(a, b, r, n) { Double.power($0, $1) }
        case .kernel, .and, .or, .xor:
            let c = lanes(table[step.c], Double.self)
            let kernel = runner.floatKernels[index]
            for i in 0..<n { r[i] = kernel(a[i], b[i], c[i]) }
        }
    }

    // MARK: Integer domain

    @inline(__always)
    private static func map2(
        _ a: UnsafeMutablePointer<Int64>, _ b: UnsafeMutablePointer<Int64>, _ r: UnsafeMutablePointer<Int64>,
        _ n: Int, _ f: (Int64, Int64) -> Int64
    ) {
        for i in 0..<n { r[i] = f(a[i], b[i]) }
    }

    package static func applyInteger(
        _ step: Step, _ runner: StepRunner, _ index: Int, _ table: UnsafeMutablePointer<UnsafeMutableRawPointer>,
        _ n: Int
    ) {
        let a = lanes(table[step.a], Int64.self)
        let b = lanes(table[step.b], Int64.self)
        let r = lanes(table[step.result], Int64.self)
        switch step.loop {
        case .add where step.argumentCount > 1:
            map2(a, b, r, n) { $0 &+ $1 }
            for extra in step.extras {
                map2(r, lanes(table[runner.extraArguments[extra]], Int64.self), r, n) { $0 &+ $1 }
            }
        case .mul where step.argumentCount > 1:
            map2(a, b, r, n) { $0 &* $1 }
            for extra in step.extras {
                map2(r, lanes(table[runner.extraArguments[extra]], Int64.self), r, n) { $0 &* $1 }
            }
        case .sub: map2(a, b, r, n) { $0 &- $1 }
        case .maximum: map2(a, b, r, n) { Swift.max($0, $1) }
        case .minimum: map2(a, b, r, n) { Swift.min($0, $1) }
        case .eq: map2(a, b, r, n) { $0 == $1 ? 1 : 0 }
        case .neq: map2(a, b, r, n) { $0 != $1 ? 1 : 0 }
        case .lt: map2(a, b, r, n) { $0 < $1 ? 1 : 0 }
        case .le: map2(a, b, r, n) { $0 <= $1 ? 1 : 0 }
        case .gt: map2(a, b, r, n) { $0 > $1 ? 1 : 0 }
        case .ge: map2(a, b, r, n) { $0 >= $1 ? 1 : 0 }
        case .and: map2(a, b, r, n) { $0 & $1 }
        case .or: map2(a, b, r, n) { $0 | $1 }
        case .xor: map2(a, b, r, n) { $0 ^ $1 }
        default:
            if (step.loop == .add || step.loop == .mul) && step.argumentCount == 1 {
                for i in 0..<n { r[i] = a[i] }
                return
            }
            let c = lanes(table[step.c], Int64.self)
            let kernel = runner.integerKernels[index]
            for i in 0..<n { r[i] = kernel(a[i], b[i], c[i]) }
        }
    }

    // MARK: Conversions

    /// Lanes converted from one domain to a dtype's values, in that dtype's domain.
    package static func convert(
        _ source: UnsafeMutableRawPointer, from: ComputeDomain, to dtype: DType, into target: UnsafeMutableRawPointer,
        _ n: Int
    ) {
        struct Convert: DTypeVisitor {
            let source: UnsafeMutableRawPointer
            let from: ComputeDomain
            let target: UnsafeMutableRawPointer
            let n: Int
            func visit<T: ArrayElement>(_: T.Type) {
                // Through T, exactly as converting arrays (`astype`) would, then back to a lane.
                let toFloat = T.dtype.isFloat
                if from == .float {
                    let a = lanes(source, Double.self)
                    if toFloat {
                        let r = lanes(target, Double.self)
                        for i in 0..<n { r[i] = T(converting: a[i]).doubleValue }
                    } else {
                        let r = lanes(target, Int64.self)
                        for i in 0..<n { r[i] = T(converting: a[i]).int64Value }
                    }
                } else {
                    let a = lanes(source, Int64.self)
                    if toFloat {
                        let r = lanes(target, Double.self)
                        for i in 0..<n { r[i] = T(converting: a[i]).doubleValue }
                    } else {
                        let r = lanes(target, Int64.self)
                        for i in 0..<n { r[i] = T(converting: a[i]).int64Value }
                    }
                }
            }
        }
        dtype.dispatch(Convert(source: source, from: from, target: target, n: n))
    }

    /// Reads `count` elements of `dtype` (every `step`-th from `start`) into lanes of the
    /// dtype's domain.
    package static func load(
        _ dtype: DType, from base: UnsafeMutableRawPointer, start: Int, step: Int, count n: Int,
        into target: UnsafeMutableRawPointer
    ) {
        struct Load: DTypeVisitor {
            let base: UnsafeMutableRawPointer
            let start: Int
            let step: Int
            let n: Int
            let target: UnsafeMutableRawPointer
            func visit<T: ArrayElement>(_: T.Type) {
                let p = base.assumingMemoryBound(to: T.self) + start
                if T.dtype.isFloat {
                    let r = lanes(target, Double.self)
                    if step == 0 {
                        let value = p[0].doubleValue
                        for i in 0..<n { r[i] = value }
                    } else {
                        for i in 0..<n { r[i] = p[i * step].doubleValue }
                    }
                } else {
                    let r = lanes(target, Int64.self)
                    if step == 0 {
                        let value = p[0].int64Value
                        for i in 0..<n { r[i] = value }
                    } else {
                        for i in 0..<n { r[i] = p[i * step].int64Value }
                    }
                }
            }
        }
        dtype.dispatch(Load(base: base, start: start, step: step, n: n, target: target))
    }

    /// Writes `count` lanes (in the dtype's domain) as elements of `dtype`, every `step`-th
    /// from `start`.
    package static func store(
        _ dtype: DType, from source: UnsafeMutableRawPointer, count n: Int, into base: UnsafeMutableRawPointer,
        start: Int, step: Int
    ) {
        struct Store: DTypeVisitor {
            let source: UnsafeMutableRawPointer
            let n: Int
            let base: UnsafeMutableRawPointer
            let start: Int
            let step: Int
            func visit<T: ArrayElement>(_: T.Type) {
                let p = base.assumingMemoryBound(to: T.self) + start
                if T.dtype.isFloat {
                    let a = lanes(source, Double.self)
                    for i in 0..<n { p[i * step] = T(converting: a[i]) }
                } else {
                    let a = lanes(source, Int64.self)
                    for i in 0..<n { p[i * step] = T(converting: a[i]) }
                }
            }
        }
        dtype.dispatch(Store(source: source, n: n, base: base, start: start, step: step))
    }
}
