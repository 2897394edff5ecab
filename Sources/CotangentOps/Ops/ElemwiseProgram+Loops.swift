import CVectorMath
import RealModule
import CotangentArrays
import CotangentGraph

// The block loops of ``ElemwiseProgram``: one tight loop per instruction over `n` lanes.
//
// An op's block kernel (its table entry's `floatBlock`/`integerBlock`, a C function pointer
// resolved when the program is compiled) runs the whole block: arithmetic as a loop LLVM
// vectorises, transcendentals through libmvec's 8- or 4-lane variants where the machine has
// them (the CVectorMath target; a scalar libm loop elsewhere). Ops without one call their scalar
// kernel per lane.

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

    // MARK: Applying an op

    /// The op over `n` float lanes: its block kernel, or its scalar kernel per lane; variadic
    /// ops fold the extra arguments into the result.
    package static func applyFloat(
        _ step: Step, _ runner: StepRunner, _ index: Int, _ table: UnsafeMutablePointer<UnsafeMutableRawPointer>,
        _ n: Int
    ) {
        let a = lanes(table[step.a], Double.self)
        let b = lanes(table[step.b], Double.self)
        let c = lanes(table[step.c], Double.self)
        let r = lanes(table[step.result], Double.self)
        if let block = step.floatBlock {
            if let fold3 = step.floatFold3 { fold3(a, b, c, r, n) } else { block(a, b, c, r, n) }
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Double.self)
                block(r, e, e, r, n)
            }
        } else {
            let kernel = runner.floatKernels[index]
            for i in 0..<n { r[i] = kernel(a[i], b[i], c[i]) }
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Double.self)
                for i in 0..<n { r[i] = kernel(r[i], e[i], e[i]) }
            }
        }
    }

    /// The op over `n` integer lanes, as ``applyFloat(_:_:_:_:_:)``.
    package static func applyInteger(
        _ step: Step, _ runner: StepRunner, _ index: Int, _ table: UnsafeMutablePointer<UnsafeMutableRawPointer>,
        _ n: Int
    ) {
        let a = lanes(table[step.a], Int64.self)
        let b = lanes(table[step.b], Int64.self)
        let c = lanes(table[step.c], Int64.self)
        let r = lanes(table[step.result], Int64.self)
        if let block = step.integerBlock {
            block(a, b, c, r, n)
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Int64.self)
                block(r, e, e, r, n)
            }
        } else {
            let kernel = runner.integerKernels[index]
            for i in 0..<n { r[i] = kernel(a[i], b[i], c[i]) }
            for extra in step.extras {
                let e = lanes(table[runner.extraArguments[extra]], Int64.self)
                for i in 0..<n { r[i] = kernel(r[i], e[i], e[i]) }
            }
        }
    }

    // MARK: Conversions

    /// Lanes converted from one domain to a dtype's values, in that dtype's domain.
    package static func convert(
        _ source: UnsafeMutableRawPointer, from: ComputeDomain, to dtype: DType, into target: UnsafeMutableRawPointer,
        _ n: Int
    ) {
        // The conversion every float32 instruction's result takes, vectorised.
        if from == .float && dtype == .float32 {
            cotangent_round_f32(lanes(source, Double.self), lanes(target, Double.self), n)
            return
        }
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
        // float64 and int64 elements are their own lanes: a copy or a fill, with no dispatch
        // (an input an output overwrites is loaded this way on every call).
        if dtype == .float64 || dtype == .int64 {
            let source = base + start * 8
            if step == 1 {
                target.copyMemory(from: source, byteCount: n * 8)
                return
            }
            if step == 0 {
                let bits = source.load(as: UInt64.self)
                target.bindMemory(to: UInt64.self, capacity: n).initialize(repeating: bits, count: n)
                return
            }
        }
        // Contiguous float32 widens with the machine's widest conversion (a float32 graph
        // loads every input this way).
        if dtype == .float32 && step == 1 {
            cotangent_widen_f32(
                base.assumingMemoryBound(to: Float.self) + start, target.assumingMemoryBound(to: Double.self), n)
            return
        }
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
        if dtype == .float32 && step == 1 {
            cotangent_narrow_f64(
                source.assumingMemoryBound(to: Double.self), base.assumingMemoryBound(to: Float.self) + start, n)
            return
        }
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
