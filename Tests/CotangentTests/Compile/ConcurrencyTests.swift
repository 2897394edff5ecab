import Foundation
import Synchronization
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Runs `body(0)` … `body(count - 1)` on `count` fresh threads at once and waits for all.
///
/// Real threads, not tasks: the cooperative pool has as many threads as cores (two here), which
/// would serialize most of the calls these tests mean to overlap.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    group.wait()
}

private func bits(_ values: [NDArray]) -> [[UInt64]] {
    values.map { $0.converted(to: .float64).asArray(Double.self).map(\.bitPattern) }
}

@Suite struct ConcurrencyTests {
    /// A function that exercises the engine's shared parts: fused elementwise kernels (some
    /// large enough to run in place), a cumulative sum, a product, reductions and a gradient.
    private static func compiledWorkload(kernelOptions: KernelOptions? = nil) throws -> (CompiledFunction, [NDArray]) {
        let x = Tensor.vector("x")
        let A = Tensor.matrix("A")
        let y = tanh(matmul(A, exp(-sqr(x)))) + cumsum(x)[..<12]
        let cost = (softplus(y) * sigmoid(y)).sum() + log1p(sqr(x)).mean()
        let g = grad(cost, wrt: [x, A])
        let f = try function(inputs: [x, A], outputs: [y, cost] + g, kernelOptions: kernelOptions)
        // Small: 10,000 calls must stay quick in a debug build.
        let n = 16
        let xs = NDArray((0..<n).map { Double(($0 * 37) % 101) * 0.02 - 1 })
        let As = NDArray(shape: [12, n], elements: (0..<(12 * n)).map { Double(($0 * 53) % 89) * 0.01 - 0.4 })
        return (f, [xs, As])
    }

    /// 8 threads share one compiled function for 10,000 calls in all; every result equals the
    /// single-threaded one bit for bit (calls have their own working storage and in-place
    /// hand-over never touches another call's values).
    @Test func oneFunctionFromEightThreadsMatchesOneThread() throws {
        let (f, arguments) = try Self.compiledWorkload()
        let expected = bits(try f.call(arguments))
        let mismatches = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        onThreads(8) { _ in
            for _ in 0..<1250 {
                do {
                    if bits(try f.call(arguments)) != expected { mismatches.add(1, ordering: .relaxed) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    /// 8 threads build, differentiate, rewrite, compile and run graphs at the same time, some
    /// over one shared input and one shared constant; each result equals the same graph built
    /// and run on one thread.
    @Test func graphsBuiltFromEightThreadsMatchOneThread() throws {
        let x = Tensor.vector("x")
        let weights = Tensor.constant(NDArray([0.5, -1.25, 2.0, 0.75]))
        let xs = NDArray([0.3, -0.7, 1.1, 0.2])
        @Sendable func build(_ k: Int) throws -> [NDArray] {
            let own = Tensor.vector("own")
            let h = sin(x * Tensor.constant(Double(k + 1))) * weights + own
            let c = (cumsum(h) * exp(-own)).sum()
            let outputs = [h, c] + grad(c, wrt: [x, own]) + [jacobian(h, wrt: x)]
            let rewritten = rewriteGraph(outputs, include: ["fast_run"])
            _ = dprint(rewritten)
            let f = try function(inputs: [x, own], outputs: outputs)
            return try f(xs, NDArray([Double(k), 1, -1, 0.5]))
        }
        let expected = try (0..<8).map { bits(try build($0)) }
        // Atomics, not a Mutex: ThreadSanitizer does not model Mutex's futex, and once the
        // test's closure inlines `withLock` no suppressed frame names it.
        let finished = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        onThreads(8) { k in
            for _ in 0..<20 {
                do {
                    if bits(try build(k)) != expected[k] { failures.add(1, ordering: .relaxed) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            finished.add(1, ordering: .relaxed)
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(finished.load(ordering: .relaxed) == 8)
    }

    /// Kernel thread counts are scoped: threads running with different options at the same
    /// time each see their own, the process-wide default is untouched, and a function's own
    /// options win over the caller's.
    @Test func kernelOptionsAreScopedPerThread() throws {
        let defaults = KernelOptions.current
        let wrong = Atomic<Int>(0)
        onThreads(8) { k in
            let options = KernelOptions(elementwiseThreads: 1 + k % 2, matrixProductThreads: 1 + k / 2)
            for _ in 0..<200 {
                options.withCurrent {
                    if KernelOptions.current != options { wrong.add(1, ordering: .relaxed) }
                }
                if KernelOptions.current != defaults { wrong.add(1, ordering: .relaxed) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(KernelOptions.current == defaults)

        let (reference, arguments) = try Self.compiledWorkload(kernelOptions: KernelOptions())
        let (split, _) = try Self.compiledWorkload(
            kernelOptions: KernelOptions(elementwiseThreads: 2, matrixProductThreads: 2))
        let expected = bits(try reference.call(arguments))
        let mismatches = Atomic<Int>(0)
        onThreads(8) { k in
            let caller = KernelOptions(elementwiseThreads: 1 + k % 2, matrixProductThreads: 2 - k % 2)
            caller.withCurrent {
                for _ in 0..<25 {
                    let values = try? (k.isMultiple(of: 2) ? split : reference).call(arguments)
                    if values.map(bits) != expected { mismatches.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }

    /// A large product and a large fused kernel give the same bits on one and on two threads
    /// when several callers run them at once with different options.
    @Test func splitKernelsUnderConcurrentCallersMatchOneThread() throws {
        let A = Tensor.matrix("A"), B = Tensor.matrix("B")
        let product = matmul(A, B)
        let fused = tanh(product) * exp(-sqr(product)) + 1
        let f = try function(inputs: [A, B], outputs: [product, fused])
        let (m, k, n) = (300, 120, 260)
        let a = NDArray(shape: [m, k], elements: (0..<(m * k)).map { Double(($0 * 31) % 97) * 0.013 - 0.6 })
        let b = NDArray(shape: [k, n], elements: (0..<(k * n)).map { Double(($0 * 17) % 89) * 0.011 - 0.5 })
        #expect(m * k * n >= ParallelProduct.threadingThreshold && m * n >= ElementwiseThreading.threshold)
        let expected = bits(try KernelOptions().withCurrent { try f(a, b) })
        let mismatches = Atomic<Int>(0)
        onThreads(4) { t in
            let options = KernelOptions(elementwiseThreads: 1 + t % 2, matrixProductThreads: 1 + t % 2)
            options.withCurrent {
                for _ in 0..<3 {
                    if (try? f(a, b)).map(bits) != expected { mismatches.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }
}
