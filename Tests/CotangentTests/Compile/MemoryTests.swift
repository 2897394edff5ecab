#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Compiling frees everything it builds: the rewriter's working graph (whose nodes and values
/// refer to each other) and, through it, the user's graph and its constants.
@Suite("Memory")
struct MemoryTests {
    @Test func aWorkingGraphIsFreedWithItsNodesAndValues() throws {
        weak var weakGraph: FunctionGraph?
        weak var weakNode: FunctionGraph.Node?
        weak var weakValue: FunctionGraph.Value?
        do {
            let x = Tensor.vector("x")
            let graph = FunctionGraph(outputs: [exp(x) * 2 + exp(x)])
            let context = RewriteContext(graph: graph)
            RewritePass.graph(mergeRewriter).run(context)  // replaces a value: clients re-pointed
            weakGraph = graph
            weakNode = graph.toposort().last
            weakValue = graph.inputs[0]
            #expect(weakNode != nil && weakValue?.clients.isEmpty == false)
        }
        #expect(weakGraph == nil)
        #expect(weakNode == nil)
        #expect(weakValue == nil)
    }

    @Test func compilingAndDroppingAFunctionFreesItsGraph() throws {
        weak var weakInput: Variable?
        weak var weakConstant: Variable?
        weak var weakOutput: Variable?
        do {
            let x = Tensor.vector("x")
            let c = Tensor.constant(NDArray([1.0, 2.0, 3.0]))
            let y = (exp(x) * c + x).sum()
            let g = grad(y, wrt: x)
            weakInput = x
            weakConstant = c
            weakOutput = g
            let f = try function(inputs: [x], outputs: [y, g])
            let values = try f(NDArray([0.0, 0.0, 0.0]))
            #expect(values[0].item(Double.self) == 6)
        }
        #expect(weakInput == nil)
        #expect(weakConstant == nil)
        #expect(weakOutput == nil)
    }

    /// The resident set size in KiB (nil where `/proc/self/statm` cannot be read).
    private func residentKiB() -> Int? {
        #if canImport(Glibc)
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var fields = [CChar](repeating: 0, count: 128)
        guard fgets(&fields, Int32(fields.count), file) != nil else { return nil }
        let text = String(decoding: fields.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = text.split(separator: " ")
        guard parts.count > 1, let pages = Int(parts[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
        #else
        return nil
        #endif
    }

    /// Builds, compiles, calls and drops a small graph holding a 1 MiB constant.
    private func compileOnce() throws {
        let x = Tensor.vector("x")
        let c = Tensor.constant(NDArray(Array(repeating: 0.5, count: 131_072)))
        let f = try function(inputs: [x], outputs: [(exp(x) * 2 + x).sum() * c.sum()])
        _ = try f(NDArray([1.0, 2.0, 3.0]))
    }

    @Test func residentMemoryStaysFlatOverTwoThousandCompiles() throws {
        guard residentKiB() != nil else { return }  // no /proc: nothing to measure
        for _ in 0..<200 { try compileOnce() }  // warm-up: caches and allocator pools fill
        // A leaked graph leaks its constant, 600 MiB a window of 600 compiles. Other tests
        // running at the same time can grow one window too, so the test passes when any of
        // three windows stays under 64 MiB.
        var growths: [Int] = []
        for _ in 0..<3 {
            let before = residentKiB()!
            for _ in 0..<600 { try compileOnce() }
            let growth = residentKiB()! - before
            growths.append(growth)
            if growth < 65_536 { break }
        }
        #expect(growths.contains { $0 < 65_536 }, "resident memory grew \(growths) KiB per 600 compiles")
    }

    /// A call that fails part way leaves no array in the frame the function keeps for its next
    /// call: the argument a failing step read is released with the call.
    @Test func aFailedCallKeepsNoArray() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let f = try function(inputs: [x, i], outputs: [x[i]])
        var value = NDArray([1.0, 2.0])
        #expect(throws: CotangentError.self) { _ = try f(value, NDArray(scalar: Int64(5))) }
        #expect(isKnownUniquelyReferenced(&value.storage))
        // The function still works, and keeps nothing after a successful call either.
        #expect(try f(value, NDArray(scalar: Int64(1)))[0].asArray(Double.self) == [2])
    }
}
