import Cotangent

// Temporary probe: rewrite time of a W7-style chain.
@MainActor func probe() {
    for depth in (CommandLine.arguments.count > 1 ? [Int(CommandLine.arguments[1])!] : [10, 100, 300, 1000]) {
        let x = Tensor.vector("x")
        var h = x
        for i in 0..<depth { h = sin(h) * Tensor.constant(1.0 / Double(i + 2)) + h }
        let clock = ContinuousClock()
        var g: Variable! = nil
        let build = clock.measure { g = grad(h.sum(), wrt: x) }
        var report = RewriteReport()
        var r: [Variable] = []
        let rewrite = clock.measure { r = rewriteGraph([g], include: ["fast_run"], exclude: ["inplace"], report: &report) }
        let compile = clock.measure { _ = try! function(inputs: [x], outputs: r, mode: .unoptimized) }
        print(depth, build, rewrite, compile, GraphTraversal.toposort([g]).count, GraphTraversal.toposort(r).count); print(report)
    }
}
probe()
