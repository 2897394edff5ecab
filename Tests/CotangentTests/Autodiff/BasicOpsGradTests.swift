import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

/// One function of float inputs and a point to check it at.
struct GradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    let build: @Sendable ([Variable]) -> Variable
    var testDescription: String { name }
    /// Whether the pullback indexes the cotangent (Join, MakeVector, stack).
    var pullbackIndexes: Bool { ["join", "make vector", "stack"].contains { name.hasPrefix($0) } }
    /// Whether the function relies on statically-1 dims (Alloc broadcasts only those), so its
    /// inputs cannot be given unknown static shapes.
    var needsStaticShapes: Bool { name.hasPrefix("alloc static 1") }

    init(_ name: String, _ shapes: [[Int]], _ build: @escaping @Sendable ([Variable]) -> Variable) {
        self.name = name
        self.shapes = shapes
        self.build = build
    }

    func point(seed: UInt64, dtype: DType = .float64) -> [NDArray] {
        shapes.enumerated().map { k, shape in T.random(shape, seed: seed + UInt64(k), dtype: dtype) }
    }
}

// MARK: - Reshape, Alloc, MakeVector, Join

@Suite("Basic op derivatives")
struct BasicOpsGradTests {
    static let cases: [GradCase] = [
        .init("reshape 2x3 -> 3x2", [[2, 3]]) { $0[0].reshaped(to: [3, 2]) * $0[0].reshaped(to: [3, 2]) },
        .init("reshape flatten", [[2, 3, 2]]) { exp($0[0].flattened()) },
        .init("reshape -1", [[4, 3]]) { $0[0].reshaped(to: [-1, 2, 2]) * 3 },
        .init("reshape to 0-d", [[1, 1]]) { sin($0[0].reshaped(to: [Int]())) },
        .init("reshape from 0-d", [[]]) { $0[0].reshaped(to: [1, 1, 1]) * $0[0] },
        .init("reshape to another's shape", [[2, 3], [3, 2]]) { $0[0].reshaped(to: $0[1].shape) * $0[1] },
        .init("reshape by lengths", [[2, 6]]) { $0[0].reshaped(to: [$0[0].length(ofDimension: 1), -1]) },
        .init("reshape empty", [[0, 3]]) { $0[0].reshaped(to: [3, 0]) },
        .init("alloc new leading dims", [[3]]) { alloc($0[0], shape: [2, 4, 3]) * 2 },
        .init("alloc static 1", [[1, 3]]) { sqr(alloc($0[0], shape: [4, 3])) },
        .init("alloc static 1 and lead", [[2, 1]]) { alloc($0[0], shape: [5, 2, 4]) * 1.5 },
        .init("alloc 0-d", [[]]) { exp(alloc($0[0], shape: [2, 3])) },
        .init("alloc symbolic lengths", [[3], [2, 3]]) {
            alloc($0[0], shape: [$0[1].length(ofDimension: 0), 3]) * $0[1]
        },
        .init("alloc empty", [[3]]) { alloc($0[0], shape: [0, 3]) },
        .init("make vector", [[], [], []]) { makeVector([$0[0], $0[1] * 2, exp($0[2])]) * makeVector([$0[2], $0[0], $0[1]]) },
        .init("join axis 0", [[2, 3], [4, 3]]) { sqr(concatenate([$0[0], $0[1]], axis: 0)) },
        .init("join axis 1", [[2, 3], [2, 1], [2, 2]]) { concatenate([$0[0], $0[1], exp($0[2])], axis: 1) * 2 },
        .init("join negative axis", [[2, 3], [2, 2]]) { sqr(concatenate([$0[0], $0[1]], axis: -1)) },
        .init("join with empty", [[0, 3], [2, 3]]) { concatenate([$0[0], $0[1]]) * 3 },
        .init("join one tensor", [[3]]) { sqr(build(Join(), [Variable(constant: NDArray(scalar: Int64(0))), $0[0]])) },
        .init("stack", [[3], [3]]) { sqr(stack([$0[0], $0[1]], axis: 1)) },
    ]

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 100))
    }

    @Test(arguments: cases)
    func float32PullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 200, dtype: .float32))
    }

    @Test(arguments: cases)
    func pushforwardAgreesWithPullback(_ spec: GradCase) throws {
        try verifyPushforward(spec.build, at: spec.point(seed: 300))
    }

    @Test(arguments: cases)
    func vectorizedJacobianMatchesRows(_ spec: GradCase) throws {
        let point = spec.point(seed: 400)
        for wrt in point.indices {
            try T.checkJacobians(spec.build, at: point, wrt: wrt)
            if !spec.needsStaticShapes { try T.checkJacobians(spec.build, at: point, wrt: wrt, staticShapes: false) }
        }
    }

    @Test(arguments: cases)
    func vectorizeGraphMatchesStackedEvaluations(_ spec: GradCase) throws {
        let point = spec.point(seed: 500)
        for batched in point.indices {
            let stack = (0..<3).map { T.random(spec.shapes[batched], seed: 600 + UInt64(10 * batched + $0)) }
            try T.checkVectorizeGraph(spec.build, at: point, batched: batched, stack: stack)
            if !spec.needsStaticShapes {
                try T.checkVectorizeGraph(spec.build, at: point, batched: batched, stack: stack, staticShapes: false)
            }
        }
    }

    /// The pullback graph with a cotangent that depends on the inputs, `Jᵀ cos(f)`,
    /// differentiated both ways: its JVP must agree with its VJP.
    static func pullbackOfCosine(_ spec: GradCase) -> ([Variable]) -> Variable {
        { xs in
            let output = spec.build(xs)
            return pullback(output, wrt: xs[0], cotangent: cos(output))
        }
    }

    @Test(arguments: cases.filter { !$0.pullbackIndexes })
    func derivativesOfThePullback(_ spec: GradCase) throws {
        try verifyPushforward(Self.pullbackOfCosine(spec), at: spec.point(seed: 800))
        try verifyGrad(Self.pullbackOfCosine(spec), at: spec.point(seed: 810))
    }

    /// Join's and MakeVector's pullbacks index the cotangent: differentiating them again needs
    /// Subtensor's own rules (written elsewhere); these run once they are in the tree.
    @Test(.enabled(if: AutodiffTesting.subtensorHasPullback), arguments: cases.filter(\.pullbackIndexes))
    func derivativesOfIndexingPullbacks(_ spec: GradCase) throws {
        try verifyPushforward(Self.pullbackOfCosine(spec), at: spec.point(seed: 800))
        try verifyGrad(Self.pullbackOfCosine(spec), at: spec.point(seed: 810))
    }

    // MARK: Reshape

    @Test func reshapePullbackIsReshapeToTheInputShape() throws {
        let x = Tensor.matrix("x")
        let v = Tensor.vector("v")
        let vjp = try checked { pullback(x.flattened(), wrt: x, cotangent: v) }
        #expect(vjp.dprint() == """
            Reshape{2} [id A]
             ├─ v [id B]
             └─ Shape [id C]
                └─ x [id D]
            """)
        let value = try vjp.eval(["x": NDArray.zeros([2, 3]), "v": [1.0, 2, 3, 4, 5, 6]])
        #expect(value.shape == [2, 3])
        #expect(value.asArray(Double.self) == [1, 2, 3, 4, 5, 6])
        #expect(x.flattened().owner!.op.connectionPattern(x.flattened().owner!) == [[true], [false]])
    }

    /// PyTensor's raw transpose Jacobian (anatomy §5, printed with types and depth 5): the
    /// vectorized Reshape pullback reads its batch length from the Eye and the core lengths from
    /// `Shape(A.T)`, and knows the static 2.
    @Test func transposeJacobianHasPyTensorsRawForm() throws {
        let A = Tensor.matrix("A", shape: [2, nil])
        let J = try checked { jacobian(A.T.flattened(), wrt: A).reshaped(to: [6, 6]) }
        #expect(J.dprint(depth: 5, printType: true) == """
            Reshape{2} [id A] <Matrix(float64, shape=(6, 6))>
             ├─ Transpose{axes=[0, 2, 1]} [id B] <Tensor3(float64, shape=(?, 2, ?))>
             │  └─ Reshape{3} [id C] <Tensor3(float64, shape=(?, ?, 2))>
             │     ├─ Eye{dtype='float64'} [id D] <Matrix(float64, shape=(?, ?))>
             │     │  ├─ Subtensor{i} [id E] <Scalar(int64, shape=())>
             │     │  ├─ Subtensor{i} [id E] <Scalar(int64, shape=())>
             │     │  │  └─ ···
             │     │  └─ 0 [id F] <Scalar(int8, shape=())>
             │     └─ MakeVector{dtype='int64'} [id G] <Vector(int64, shape=(3,))>
             │        ├─ Subtensor{i} [id H] <Scalar(int64, shape=())>
             │        ├─ Subtensor{i} [id I] <Scalar(int64, shape=())>
             │        └─ Subtensor{i} [id J] <Scalar(int64, shape=())>
             └─ [6 6] [id K] <Vector(int64, shape=(2,))>
            """)
        // The batch length is `Eye.shape[:1][0]`, the core ones `Shape(A.T)[0]` and `[1]`.
        let entries = J.owner!.inputs[0].owner!.inputs[0].owner!.inputs[1].owner!.inputs
        #expect(entries[0].dprint() == """
            Subtensor{i} [id A]
             ├─ Subtensor{:stop} [id B]
             │  ├─ Shape [id C]
             │  │  └─ Eye{dtype='float64'} [id D]
             │  │     ├─ Subtensor{i} [id E]
             │  │     │  ├─ Shape [id F]
             │  │     │  │  └─ Reshape{1} [id G]
             │  │     │  │     ├─ Transpose{axes=[1, 0]} [id H]
             │  │     │  │     │  └─ A [id I]
             │  │     │  │     └─ [-1] [id J]
             │  │     │  └─ 0 [id K]
             │  │     ├─ Subtensor{i} [id E]
             │  │     │  └─ ···
             │  │     └─ 0 [id L]
             │  └─ 1 [id M]
             └─ 0 [id N]
            """)
        #expect(entries[2].dprint() == """
            Subtensor{i} [id A]
             ├─ Shape [id B]
             │  └─ Transpose{axes=[1, 0]} [id C]
             │     └─ A [id D]
             └─ 1 [id E]
            """)
    }

    @Test func vectorizedReshapeUsesConstantAndMakeVectorEntries() throws {
        let x = Tensor.matrix("x", shape: [2, 3])
        let batch = Tensor.tensor3("b", shape: [4, 2, 3])
        let byConstant = vectorizeGraph([x.reshaped(to: [3, 2])], replacing: [x: batch])[0]
        // Constant entries become int64 constants after the batch length.
        let vector = byConstant.owner!.inputs[1]
        #expect(vector.owner!.op is MakeVector)
        #expect(vector.owner!.inputs.dropFirst().map { $0.constantValue?.item(Int64.self) } == [3, 2])
        #expect(byConstant.type.shape == [nil, 3, 2] || byConstant.type.shape == [4, 3, 2])
        let s = Tensor.scalar("s", dtype: .int64)
        let byVector = vectorizeGraph([x.reshaped(to: [s, -1])], replacing: [x: batch])[0]
        let entries = byVector.owner!.inputs[1].owner!.inputs
        #expect(entries.count == 3)
        #expect(entries[1] === s)
        let values = try byVector.eval([batch: NDArray(shape: [4, 2, 3], elements: (0..<24).map(Double.init)), s: NDArray(scalar: Int64(6))])
        #expect(values.shape == [4, 6, 1])
    }

    @Test func batchedShapeVectorFallsBackToBlockwise() throws {
        let x = Tensor.vector("x", shape: [6])
        let shape = Tensor.vector("shape", dtype: .int64, shape: [2])
        let shapes = Tensor.matrix("shapes", dtype: .int64, shape: [2, 2])
        let batched = vectorizeGraph([x.reshaped(to: shape)], replacing: [shape: shapes])[0]
        #expect(batched.owner!.op is Blockwise)
        let value = try batched.eval([
            x: NDArray((0..<6).map(Double.init)), shapes: NDArray(shape: [2, 2], elements: [Int64(2), 3, 2, -1]),
        ])
        #expect(value.shape == [2, 2, 3])
        #expect(value.asArray(Double.self) == (0..<6).map(Double.init) + (0..<6).map(Double.init))
    }

    @Test func reshapeGradOfGrad() throws {
        // d²/dx² Σ reshape(x)³ = diag(6x).
        let x = Tensor.matrix("x", shape: [2, 3])
        let point = T.random([2, 3], seed: 11)
        let flat = x.flattened()
        let H = try checked { hessian((flat * flat * flat).sum(), wrt: x) }
        let value = try H.eval([x: point])
        #expect(value.shape == [2, 3, 2, 3])
        let xs = point.asArray(Double.self)
        let entries = value.asArray(Double.self)
        for i in 0..<6 {
            for j in 0..<6 {
                let expected = i == j ? 6 * xs[i] : 0
                #expect(Swift.abs(entries[i * 6 + j] - expected) < 1e-12)
            }
        }
    }

    // MARK: Alloc

    @Test func allocPullbackSumsBroadcastDims() throws {
        let v = Tensor.matrix("v", shape: [1, 3])
        let g = Tensor.tensor3("g", shape: [2, 4, 3])
        let vjp = try checked { pullback(alloc(v, shape: [2, 4, 3]), wrt: v, cotangent: g) }
        #expect(vjp.dprint() == """
            ExpandDims{axis=0} [id A]
             └─ Sum{axes=[0, 1]} [id B]
                └─ g [id C]
            """)
        let node = alloc(v, shape: [2, 4, 3]).owner!
        #expect(node.op.connectionPattern(node) == [[true], [false], [false], [false]])
        // An integer value has no gradient and is disconnected.
        let n = Tensor.vector("n", dtype: .int64)
        let intNode = alloc(n, shape: [2, 3]).owner!
        #expect(intNode.op.connectionPattern(intNode) == [[false], [false], [false]])
    }

    @Test func allocLengthsAreDisconnected() throws {
        let x = Tensor.vector("x")
        // The output's length depends on x, its values do not.
        let cost = alloc(Variable(constant: 2.0), shape: [x.length(ofDimension: 0)]).sum()
        #expect(throws: CotangentError.self) { try checked { grad(cost, wrt: x) } }
        let zero = try checked { grad(cost, wrt: x, disconnected: .zero) }
        #expect(try zero.eval(["x": [1.0, 2.0]]).asArray(Double.self) == [0, 0])
    }

    @Test func vectorizedAllocPadsTheValueAfterItsBatchDims() throws {
        // alloc(v: (3,), [2, 3]) batched over v: (5, 3) -> (5, 2, 3), each entry broadcast.
        let v = Tensor.vector("v", shape: [3])
        let batch = Tensor.matrix("b", shape: [5, 3])
        let out = vectorizeGraph([alloc(v, shape: [2, 3])], replacing: [v: batch])[0]
        #expect(out.type.shape == [nil, 2, 3] || out.type.shape == [5, 2, 3])
        let values = NDArray(shape: [5, 3], elements: (0..<15).map(Double.init))
        let result = try out.eval([batch: values])
        #expect(result.shape == [5, 2, 3])
        #expect(Array(result.asArray(Double.self)[6..<12]) == [3, 4, 5, 3, 4, 5])
    }

    // MARK: MakeVector

    @Test func makeVectorPullbackIndexesTheCotangent() throws {
        let a = Tensor.scalar("a")
        let b = Tensor.scalar("b", dtype: .float32)
        let v = Tensor.vector("v")
        let grads = try checked { pullback(makeVector([a, b]), wrt: [a, b], cotangent: v) }
        let values = try evaluate(grads, ["v": [3.0, 4.0], "a": 1.0, "b": NDArray(scalar: Float(2))])
        #expect(values[0].item(Double.self) == 3)
        #expect(values[1].dtype == .float32)
        #expect(values[1].item(Double.self) == 4)
        // Integer vectors (shapes) are disconnected.
        let shape = makeVector([Tensor.scalar("n", dtype: .int64), 2])
        #expect(shape.owner!.op.connectionPattern(shape.owner!) == [[false], [false]])
    }

    @Test func vectorizedMakeVectorBroadcastsUnbatchedEntries() throws {
        let a = Tensor.scalar("a")
        let b = Tensor.scalar("b")
        let batch = Tensor.vector("batch", shape: [3])
        let out = vectorizeGraph([makeVector([a, b * 2])], replacing: [a: batch])[0]
        #expect(out.type.shape == [3, 2])
        let value = try out.eval([batch: [1.0, 2.0, 3.0], b: NDArray(scalar: 5.0)])
        #expect(value.asArray(Double.self) == [1, 10, 2, 10, 3, 10])
    }

    // MARK: Join

    @Test func joinPullbackSlicesAtCumulativeLengths() throws {
        let a = Tensor.matrix("a")
        let b = Tensor.matrix("b")
        let c = Tensor.matrix("c", shape: [nil, 2])
        let g = Tensor.matrix("g")
        let grads = try checked { pullback(concatenate([a, b, c], axis: 1), wrt: [a, b, c], cotangent: g) }
        // c's slice keeps c's static 2.
        #expect(grads[2].type.shape == [nil, 2])
        let values = try evaluate(grads, [
            "a": NDArray.zeros([2, 1]), "b": NDArray.zeros([2, 3]), "c": NDArray.zeros([2, 2]),
            "g": NDArray(shape: [2, 6], elements: (0..<12).map(Double.init)),
        ])
        #expect(values[0].asArray(Double.self) == [0, 6])
        #expect(values[1].asArray(Double.self) == [1, 2, 3, 7, 8, 9])
        #expect(values[2].asArray(Double.self) == [4, 5, 10, 11])
    }

    @Test func joinIntegerInputsAreDisconnected() throws {
        let x = Tensor.vector("x")
        let n = Tensor.vector("n", dtype: .int64)
        let joined = concatenate([n, x])
        #expect(joined.owner!.op.connectionPattern(joined.owner!) == [[false], [false], [true]])
        let g = try checked { grad((joined * joined).sum(), wrt: x) }
        let value = try g.eval(["x": [1.0, 2.0], "n": NDArray([Int64(7), 8, 9])])
        #expect(value.asArray(Double.self) == [2, 4])
        let allInt = concatenate([n, n])
        #expect(allInt.owner!.op.connectionPattern(allInt.owner!) == [[false], [false], [false]])
    }

    @Test func vectorizedJoinShiftsTheAxisAndBroadcastsUnbatchedTensors() throws {
        let a = Tensor.matrix("a", shape: [2, 3])
        let b = Tensor.matrix("b", shape: [2, 1])
        let batch = Tensor.tensor3("batch", shape: [4, 2, 3])
        let out = vectorizeGraph([concatenate([a, b], axis: -1)], replacing: [a: batch])[0]
        #expect(out.type.shape == [4, 2, 4])
        #expect(out.owner!.inputs[0].constantValue?.item(Int64.self) == 2)
        #expect(out.owner!.inputs[2].owner!.op is Alloc)
    }

    // MARK: Eye, ARange, Shape

    @Test func eyeIsDisconnected() throws {
        let x = Tensor.matrix("x")
        let n = x.length(ofDimension: 0)
        let identity = eye(n)
        #expect(identity.owner!.op.connectionPattern(identity.owner!) == [[false], [false], [false]])
        let g = try checked { grad((identity * x).sum(), wrt: x) }
        #expect(try g.eval(["x": NDArray.zeros([2, 2])]).asArray(Double.self) == [1, 0, 0, 1])
        // Through Eye's size only: no dependence on x's values.
        #expect(throws: CotangentError.self) { try checked { grad(eye(n).sum(), wrt: x) } }
    }

    @Test func floatARangeDependsOnStartAndStep() throws {
        // Element i is start + i·step over a fixed length 6: grads Σg and Σ g·i.
        let spec: ([Variable]) -> Variable = { xs in sqr(arange(xs[0], Variable(constant: 10.5), step: xs[1])) }
        let point = [NDArray(scalar: 0.3), NDArray(scalar: 1.9)]
        try verifyGrad(spec, at: point)
        try verifyPushforward(spec, at: point)
        try verifyGrad(spec, at: point.map { $0.converted(to: .float32) })
        let start = Tensor.scalar("start")
        let range = arange(start, Variable(constant: 4.0))
        #expect(range.owner!.op.connectionPattern(range.owner!) == [[true], [false], [false]])
        let g = try checked { grad(range.sum(), wrt: start) }
        #expect(try g.eval(["start": 0.5]).item(Double.self) == 4)
    }

    @Test func integerARangeAndShapesAreDisconnected() throws {
        let x = Tensor.vector("x")
        let n = x.length(ofDimension: 0)
        let range = arange(n)
        #expect(range.owner!.op.connectionPattern(range.owner!) == [[false], [false], [false]])
        // x · len(x): only the explicit x carries a gradient.
        let cost = (x * n.cast(to: .float64)).sum() + arange(n).cast(to: .float64).sum() + x.shape.cast(to: .float64).sum()
        let g = try checked { grad(cost, wrt: x) }
        #expect(try g.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == [3, 3, 3])
    }
}
