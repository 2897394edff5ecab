import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Graph core")
struct GraphCoreTests {
    @Test func logEvaluatesElementwise() throws {
        let x = Tensor.vector("x")
        let y = log(x)
        let value = try y.eval(["x": [1.0, 2.0, 4.0]])
        #expect(value.shape == [3])
        let expected = [0.0, 0.6931471805599453, 1.3862943611198906]
        #expect(value.asArray(Double.self) == expected)
    }

    @Test func literalsTakeTheTensorsDtype() {
        let x = Tensor.vector("x", dtype: .float32)
        #expect((x * 0.5).dtype == .float32)   // 0.5 is exactly a float32
        #expect((x * 0.1).dtype == .float32)   // 0.1 is not, but a weak float takes x's dtype
        #expect((x * 2).dtype == .float32)     // int8 constant
        let i = Tensor.vector("i", dtype: .int32)
        #expect((i + 2).dtype == .int32)
        #expect((i / 2).dtype == .float64)
    }

    @Test func opTypeTestsAgreeWithCasts() {
        let ops: [any Op] = [
            Elemwise(.add), Elemwise(.exp), DimShuffle(inputNdim: 1, newOrder: [nil, 0]),
            Reduce(.sum, axes: [0]), ShapeI(axis: 1), Assert("check"),
        ]
        func agree<T: Op>(_ type: T.Type) {
            for op in ops {
                let cast = concreteOp(op, as: T.self)
                #expect((cast != nil) == (op is T))
                if let cast, let expected = op as? T { #expect(cast.isEqual(to: expected)) }
            }
        }
        agree(Elemwise.self)
        agree(DimShuffle.self)
        agree(Reduce.self)
        agree(ShapeI.self)
        agree(Assert.self)
        // Nodes of a graph and of its working copy answer as `is` and `as?` do.
        let x = Tensor.matrix("x")
        let y = exp(x.transposed()).sum(axis: 0)
        let graph = FunctionGraph(outputs: [y])
        for node in graph.toposort() {
            #expect(node.isOp(Reduce.self) == (node.op is Reduce))
            #expect(node.isOp(DimShuffle.self) == (node.op is DimShuffle))
            #expect(node.castOp(to: Elemwise.self)?.scalarOp == (node.op as? Elemwise)?.scalarOp)
        }
        let apply = y.owner!
        #expect(apply.isOp(Reduce.self) && !apply.isOp(Elemwise.self))
        #expect(apply.castOp(to: Reduce.self)?.axes == [0] && apply.castOp(to: DimShuffle.self) == nil)
    }

    @Test func staticShapeProblemsAreNegativeLengthsAndOverflowingSizes() {
        #expect(TensorType(dtype: .float64, shape: [2, nil, 3]).staticShapeProblem == nil)
        #expect(TensorType(dtype: .float64, shape: [nil, -1]).staticShapeProblem?.contains("length -1") == true)
        let huge = 1 << 40
        #expect(TensorType(dtype: .float64, shape: [huge, huge]).staticShapeProblem?.contains("too big") == true)
        // A zero length makes any size possible; a negative length is reported even after an
        // overflowing pair.
        #expect(TensorType(dtype: .float64, shape: [huge, huge, 0]).staticShapeProblem == nil)
        #expect(TensorType(dtype: .float64, shape: [huge, huge, -2]).staticShapeProblem?.contains("length -2") == true)
        #expect(TensorType(dtype: .int8, shape: [1 << 31, 1 << 31, 1]).staticShapeProblem == nil)
        #expect(TensorType(dtype: .int8, shape: [1 << 31, 1 << 31, 2]).staticShapeProblem?.contains("too big") == true)
    }

    @Test func nodesAreFreedWhenTheLastVariableGoes() {
        weak var weakInput: Variable?
        weak var weakNode: Apply?
        do {
            var outputs: [Variable] = []
            let x = Tensor.vector("x")
            weakInput = x
            var y = x
            for _ in 0..<100 { y = exp(y) * 2 + x }
            weakNode = y.owner
            outputs.append(y)
            #expect(weakNode != nil)
            outputs.removeAll()
        }
        #expect(weakInput == nil)
        #expect(weakNode == nil)
    }

    @Test func droppedOutputIsRebuiltWithTheSameType() {
        let x = Tensor.vector("x")
        let node = exp(x).owner!
        let first = node.output(0)
        #expect(node.output(0) === first)
        #expect(first.owner === node)
    }

    @Test func checkedTurnsStaticShapeConflictsIntoErrors() {
        let a = Tensor.vector("a", shape: [3])
        let b = Tensor.vector("b", shape: [4])
        #expect(throws: CotangentError.self) { try checked { a + b } }
        do {
            _ = try checked { a + b }
        } catch let error as CotangentError {
            #expect(error.kind == .invalidGraph)
            #expect(error.message.contains("(3,) and (4,)"))
            #expect(error.message.contains("Add"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func runtimeShapeConflictThrows() {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        #expect {
            try (a + b).eval(["a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0, 4.0]])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .shapeMismatch && error.message.contains("(3,), (4,)")
        }
    }
}

@Suite("Graph sharing across threads")
struct GraphConcurrencyTests {
    @Test func buildingAndEvaluatingOneGraphFromManyTasks() async throws {
        let x = Tensor.vector("x")
        let shared = cumsum(exp(x) * 2)
        let results = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for k in 0..<24 {
                group.addTask {
                    // Each task extends the shared (immutable) graph and differentiates it.
                    let cost = (shared * Tensor.constant(Double(k))).sum() + Tensor.constant(Double(k))
                    let g = try checked { grad(cost, wrt: x) }
                    return (k, try g.eval(["x": [0.0, 1.0]]).asArray(Double.self))
                }
            }
            var all: [Int: [Double]] = [:]
            for try await (k, value) in group { all[k] = value }
            return all
        }
        // d/dx Σ cumsum(2eˣ)·k = 2k·eˣ·(n − i)
        for k in 0..<24 {
            let expected = [2.0 * Double(k) * 2, 2.0 * Double(k) * 2.718281828459045]
            #expect(zip(results[k]!, expected).allSatisfy { Swift.abs($0 - $1) < 1e-9 })
        }
    }
}
