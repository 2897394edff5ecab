import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private let fastRun: Set<String> = ["fast_run"]
private let seedExclude: Set<String> = ["inplace", "BlasOpt"]

/// The seed's `rewrite_graph(g, include=("fast_run",), exclude=("inplace", "BlasOpt"))`.
private func simplified(_ outputs: [Variable], report: inout RewriteReport) -> [Variable] {
    rewriteGraph(outputs, include: fastRun, exclude: seedExclude, report: &report)
}

private func simplified(_ outputs: Variable...) -> [Variable] {
    var report = RewriteReport()
    return simplified(outputs, report: &report)
}

/// The fused nodes of a graph.
private func composites(_ outputs: [Variable]) -> [Apply] {
    GraphTraversal.toposort(outputs).filter { node in
        if let elemwise = node.op as? Elemwise, elemwise.scalarOp.compositeGraph != nil { return true }
        return false
    }
}

private func constant(_ value: Double) -> Variable { Tensor.constant(value) }

@Suite("Elementwise fusion")
struct FusionTests {
    // MARK: What fuses, and how it prints

    @Test func chainBecomesOneCompositeWithInlinedConstants() {
        let x = Tensor.vector("x")
        var report = RewriteReport()
        let fused = simplified([exp(x) * constant(2) + constant(1)], report: &report)
        #expect(
            fused[0].dprint() == """
                Composite{(1.0 + (2.0 * exp(i0)))} [id A]
                 └─ x [id B]

                Inner graphs:

                Composite{(1.0 + (2.0 * exp(i0)))} [id A]
                 ← add [id C]
                    ├─ 1.0 [id D]
                    └─ mul [id E]
                       ├─ 2.0 [id F]
                       └─ exp [id G]
                          └─ i0 [id H]
                """)
        #expect(report.applied["elemwise_fusion"] == 1)
    }

    @Test func inputsAreNumberedInTheOrderMembersJoin() {
        // The group grows from its last node (the add) through its producers, so z (read by
        // the add) is i0 and the product's inputs follow, as in PyTensor.
        let x = Tensor.vector("x"), y = Tensor.vector("y"), z = Tensor.vector("z")
        #expect(
            simplified(x * y + z)[0].dprint() == """
                Composite{((i1 * i2) + i0)} [id A]
                 ├─ z [id B]
                 ├─ x [id C]
                 └─ y [id D]

                Inner graphs:

                Composite{((i1 * i2) + i0)} [id A]
                 ← add [id E]
                    ├─ mul [id F]
                    │  ├─ i1 [id G]
                    │  └─ i2 [id H]
                    └─ i0 [id I]
                """)
        #expect(
            simplified(sqr(x) * y + sqrt(abs(y)))[0].dprint() == """
                Composite{((sqr(i1) * i0) + sqrt(abs(i0)))} [id A]
                 ├─ y [id B]
                 └─ x [id C]

                Inner graphs:

                Composite{((sqr(i1) * i0) + sqrt(abs(i0)))} [id A]
                 ← add [id D]
                    ├─ mul [id E]
                    │  ├─ sqr [id F]
                    │  │  └─ i1 [id G]
                    │  └─ i0 [id H]
                    └─ sqrt [id I]
                       └─ Abs [id J]
                          └─ i0 [id H]
                """)
        #expect(
            simplified(select(x .> y, x, -y) * constant(2))[0].dprint() == """
                Composite{(2.0 * switch(gt(i0, i1), i0, (-i1)))} [id A]
                 ├─ x [id B]
                 └─ y [id C]

                Inner graphs:

                Composite{(2.0 * switch(gt(i0, i1), i0, (-i1)))} [id A]
                 ← mul [id D]
                    ├─ 2.0 [id E]
                    └─ Switch [id F]
                       ├─ GT [id G]
                       │  ├─ i0 [id H]
                       │  └─ i1 [id I]
                       ├─ i0 [id H]
                       └─ neg [id J]
                          └─ i1 [id I]
                """)
    }

    @Test func diamondSharesTheCommonValue() throws {
        let x = Tensor.vector("x")
        let s = sin(x)
        let fused = simplified((s + constant(1)) * (s + constant(2)))
        #expect(
            fused[0].dprint() == """
                Composite{((1.0 + sin(i0)) * (2.0 + sin(i0)))} [id A]
                 └─ x [id B]

                Inner graphs:

                Composite{((1.0 + sin(i0)) * (2.0 + sin(i0)))} [id A]
                 ← mul [id C]
                    ├─ add [id D]
                    │  ├─ 1.0 [id E]
                    │  └─ sin [id F]
                    │     └─ i0 [id G]
                    └─ add [id H]
                       ├─ 2.0 [id I]
                       └─ sin [id F]
                          └─ ···
                """)
        // One sin inside: the printed form repeats shared values, the graph does not.
        let graph = try #require((composites(fused)[0].op as! Elemwise).scalarOp.compositeGraph)
        #expect(graph.nodes.filter { $0.op == .sin }.count == 1)
    }

    @Test func aPathThroughAnotherOpKeepsTheGroupConvex() {
        // exp → sum → add and exp → sin → add: fusing exp with the add would make the fused
        // node feed its own input through the sum, so exp stays out.
        let x = Tensor.vector("x")
        let a = exp(x)
        #expect(
            simplified(sin(a) + a.sum())[0].dprint() == """
                Composite{(sin(i1) + i0)} [id A]
                 ├─ ExpandDims{axis=0} [id B]
                 │  └─ Sum{axes=None} [id C]
                 │     └─ Exp [id D]
                 │        └─ x [id E]
                 └─ Exp [id D]
                    └─ ···

                Inner graphs:

                Composite{(sin(i1) + i0)} [id A]
                 ← add [id F]
                    ├─ sin [id G]
                    │  └─ i1 [id H]
                    └─ i0 [id I]
                """)
    }

    @Test func groupsDoNotDependOnEachOtherThroughOtherOps() throws {
        // Two groups that are each convex but would feed each other through reductions once
        // both are contracted (gradients of broadcasting products produce this shape).
        let x = Tensor.matrix("x", shape: [3, 1]), y = Tensor.matrix("y", shape: [1, 4])
        let cost = (exp(-sqr(x)) * log1p(y * y) + tanh(x * y)).sum()
        let gradients = try checked { grad(cost, wrt: [x, y]) }
        let fused = simplified(gradients[0], gradients[1])
        #expect(composites(fused).count >= 2)
        let feed = [x: AutodiffTesting.random([3, 1], seed: 1), y: AutodiffTesting.random([1, 4], seed: 2)]
        let unfused = rewriteGraph(gradients, include: fastRun, exclude: seedExclude.union(["fusion"]))
        for (a, b) in zip(fused, unfused) {
            #expect(arraysMatch(try a.eval(feed, mode: .unoptimized), try b.eval(feed, mode: .unoptimized), tolerance: 1e-14))
        }
    }

    @Test func valuesUsedOutsideBecomeExtraOutputs() throws {
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let u = exp(x) + y
        // PyTensor's elementwise fusion alone (reduction fusion would fold the sum into the
        // composite: `ReductionFusionTests`).
        let fused = rewriteGraph([u.sum(), sin(u) * constant(2)], include: fastRun, exclude: seedExclude.union(["reduction_fusion"]))
        #expect(
            dprint(fused) == """
                Sum{axes=None} [id A]
                 └─ Composite{...}.1 [id B]
                    ├─ y [id C]
                    └─ x [id D]
                Composite{...}.0 [id B]
                 └─ ···

                Inner graphs:

                Composite{...} [id B]
                 ← mul [id E]
                    ├─ 2.0 [id F]
                    └─ sin [id G]
                       └─ add [id H]
                          ├─ exp [id I]
                          │  └─ i1 [id J]
                          └─ i0 [id K]
                 ← add [id H]
                    └─ ···
                """)
        let node = composites(fused)[0]
        let graph = try #require((node.op as! Elemwise).scalarOp.compositeGraph)
        #expect(graph.outputs.count == 2)
        #expect(graph.nodes.count == 4)  // exp, add, sin, mul: nothing computed twice
    }

    @Test func graphOutputsInsideAGroupAreOutputsOfTheComposite() throws {
        let x = Tensor.vector("x")
        let e = exp(x)
        let fused = simplified(e, e * constant(2))
        #expect(composites(fused).count == 1)
        #expect(fused[0].owner === fused[1].owner)
        let values = try evaluate(fused, [.variable(x): NDArray([0.0, 1.0])], mode: .unoptimized)
        #expect(arraysMatch(values[0], NDArray([1, Double.exp(1)]), tolerance: 1e-15))
        #expect(identicalArrays(values[1], NDArray(values[0].asArray(Double.self).map { 2 * $0 })))
    }

    @Test func differentBroadcastPatternsDoNotFuse() {
        let row = Tensor.matrix("row", shape: [1, nil]), m = Tensor.matrix("m")
        let fused = simplified(exp(row) + m)
        #expect(composites(fused).isEmpty)
        #expect(
            fused[0].dprint() == """
                Add [id A]
                 ├─ Exp [id B]
                 │  └─ row [id C]
                 └─ m [id D]
                """)
        // A lone elementwise node is left alone too.
        #expect(composites(simplified(exp(m))).isEmpty)
    }

    @Test func shapeArithmeticFuses() throws {
        // int64 scalar arithmetic on lengths is elementwise like any other.
        let x = Tensor.vector("x")
        let n = x.length(ofDimension: 0)
        let out = (n + Variable.scalarConstant(1)) * (n - Variable.scalarConstant(2))
        let fused = simplified(out)
        #expect(composites(fused).count == 1)
        #expect(try fused[0].eval([x: NDArray.zeros([5])]).item(Int64.self) == 18)
    }

    @Test func namesSurviveFusion() throws {
        let x = Tensor.vector("x")
        let inputs = [exp(x)]
        let node = Apply(
            op: Elemwise(.sin), inputs: inputs, outputTypes: try Elemwise(.sin).outputTypes(for: inputs),
            outputNames: ["shifted"])
        let fused = simplified(node.output(0))
        #expect(composites(fused).count == 1)
        #expect(fused[0].name == "shifted")
    }

    @Test func theFusionTagSwitchesItOff() {
        let x = Tensor.vector("x")
        let graph = exp(x) * constant(2) + constant(1)
        #expect(composites(rewriteGraph([graph], include: fastRun, exclude: ["fusion"])).isEmpty)
        #expect(composites(rewriteGraph([graph], include: ["fusion"])).count == 1)
        #expect(composites(rewriteGraph([graph], include: ["canonicalize"])).isEmpty)
    }

    // MARK: Values and derivatives

    /// Graphs over x, y (shapes from the arguments) whose fused and unfused values must agree.
    private static func cases(_ x: Variable, _ y: Variable) -> [Variable] {
        [
            exp(-sqr(x)) * log1p(y * y) + tanh(x * y),
            select(x .> y, sqrt(abs(x)), y / (x * x + constant(1))) - maximum(x, y),
            sigmoid(x * constant(3)) * softplus(y) + clip(x, min: constant(-0.5), max: constant(0.5)),
            pow(abs(x) + constant(1), y) - expm1(y) * cos(x),
        ]
    }

    @Test(arguments: [
        ([7], [7], DType.float64), ([3, 1], [1, 5], .float64), ([2, 300], [2, 300], .float64), ([4], [4], .float32),
        ([3, 1], [1, 5], .float32), ([], [], .float64),
    ])
    func fusedValuesEqualUnfusedValues(xShape: [Int], yShape: [Int], dtype: DType) throws {
        let x = Variable(type: TensorType(dtype: dtype, shape: xShape.map { $0 }), name: "x")
        let y = Variable(type: TensorType(dtype: dtype, shape: yShape.map { $0 }), name: "y")
        let feed = [
            x: AutodiffTesting.random(xShape, seed: 11, low: -2, high: 2, dtype: dtype),
            y: AutodiffTesting.random(yShape, seed: 12, low: -2, high: 2, dtype: dtype),
        ]
        for (k, graph) in Self.cases(x, y).enumerated() {
            let fused = rewriteGraph([graph], include: fastRun, exclude: seedExclude)
            let unfused = rewriteGraph([graph], include: fastRun, exclude: seedExclude.union(["fusion"]))
            // Broadcasting splits the graph by broadcast pattern: x-only, y-only and joint
            // groups (a lone node of a pattern stays a plain Elemwise).
            #expect(composites(fused).count == (xShape == yShape ? 1 : [3, 3, 2, 2][k]), "\(fused[0].dprint())")
            let a = try fused[0].eval(feed, mode: .unoptimized)
            let b = try unfused[0].eval(feed, mode: .unoptimized)
            #expect(identicalArrays(a, b), "\(graph): fused \(a) vs unfused \(b)")
        }
    }

    @Test(arguments: [DType.int8, .int32, .int64])
    func integerGraphs(dtype: DType) throws {
        let a = Tensor.vector("a", dtype: dtype), b = Tensor.vector("b", dtype: dtype)
        let graph = select(a .< b, intDiv(a * b, b + Variable(constant: NDArray(scalar: Int8(3)))), a % b) & (a - b)
        let feed = [
            a: NDArray([-100, -7, 0, 5, 100, 127, 3].map(Int64.init)).converted(to: dtype),
            b: NDArray([3, -2, 1, 0, 7, 1, -128].map(Int64.init)).converted(to: dtype),
        ]
        let fused = rewriteGraph([graph], include: fastRun)
        let unfused = rewriteGraph([graph], include: fastRun, exclude: ["fusion"])
        #expect(composites(fused).count == 1)
        #expect(identicalArrays(try fused[0].eval(feed, mode: .unoptimized), try unfused[0].eval(feed, mode: .unoptimized)))
    }

    @Test(arguments: [DType.float64, .float32])
    func gradientsThroughFusedGraphs(dtype: DType) throws {
        for (xShape, yShape) in [([5], [5]), ([3, 1], [1, 4])] {
            let point = [
                AutodiffTesting.random(xShape, seed: 21, low: -2, high: 2, dtype: dtype),
                AutodiffTesting.random(yShape, seed: 22, low: -2, high: 2, dtype: dtype),
            ]
            for index in 0..<2 {
                // Differentiate the rewritten (fused) graph itself.
                let fusedGraph = { (xs: [Variable]) -> Variable in
                    let fused = rewriteGraph([Self.cases(xs[0], xs[1])[index]], include: fastRun, exclude: seedExclude)[0]
                    #expect(!composites([fused]).isEmpty)
                    return fused
                }
                try verifyGrad(fusedGraph, at: point)
                _ = try verifyPushforward(fusedGraph, at: point)
            }
        }
    }

    @Test func secondDerivativesOfAFusedGraph() throws {
        let x = Tensor.vector("x")
        let fused = simplified(exp(-sqr(x)) * sin(x))[0]
        let hessian = try checked { jacobian(grad(fused.sum(), wrt: x), wrt: x) }
        let reference = try checked { jacobian(grad((exp(-sqr(x)) * sin(x)).sum(), wrt: x), wrt: x) }
        let feed = [x: AutodiffTesting.random([4], seed: 31)]
        #expect(arraysMatch(try hessian.eval(feed), try reference.eval(feed), tolerance: 1e-13))
    }

    // MARK: Rewriting again

    @Test func rewritingTwiceGivesTheSameGraph() {
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let u = exp(x) + y
        let graphs: [[Variable]] = [
            [exp(x) * constant(2) + constant(1)], [u.sum(), sin(u) * constant(2)], [sin(u) + u.sum()],
            Self.cases(x, y),
        ]
        for outputs in graphs {
            var report = RewriteReport()
            let once = simplified(outputs, report: &report)
            let twice = simplified(once, report: &report)
            #expect(dprint(twice) == dprint(once))
            #expect(report.applied["elemwise_fusion"] == nil)
            #expect(report.failures.isEmpty, "\(report)")
        }
    }

    @Test func rewritingAfterGradientsFusesAgain() throws {
        // A fused graph differentiated and rewritten again: the composite's pullback (its
        // expansion, differentiated) fuses anew and evaluates to the same gradient.
        let x = Tensor.vector("x")
        let fused = simplified(exp(-sqr(x)) * sin(x))[0]
        let gradient = try checked { grad(fused.sum(), wrt: x) }
        let again = simplified(gradient)
        #expect(composites(again).count >= 1)
        let feed = [x: AutodiffTesting.random([6], seed: 41)]
        #expect(arraysMatch(try again[0].eval(feed), try gradient.eval(feed, mode: .unoptimized), tolerance: 1e-14))
    }
}
