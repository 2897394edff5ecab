import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// A stand-in op for printing tests: prints as any string and produces given types. Ops the
/// seed graphs use that do not exist yet (Eye, Subtensor, CumOp, Alloc, Reshape…) are built
/// with it; dprint only reads `description`, the inputs and the output types.
private struct NamedTestOp: Op {
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("a test op") }

    let name: String
    let outputs: [TensorType]

    init(name: String, output: TensorType) { self.init(name: name, outputs: [output]) }
    init(name: String, outputs: [TensorType]) {
        self.name = name
        self.outputs = outputs
    }

    var description: String { name }
    func outputTypes(for inputs: [Variable]) throws -> [TensorType] { outputs }
    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        throw CotangentError(.invalidValue, "\(name): test-only op has no kernel")
    }
}

private let float64Vector = TensorType(dtype: .float64, shape: [nil])
private let float64Matrix = TensorType(dtype: .float64, shape: [nil, nil])

/// One output of a `NamedTestOp` node.
private func node(_ name: String, _ type: TensorType, _ inputs: Variable...) -> Variable {
    build(NamedTestOp(name: name, output: type), inputs)
}

/// PyTensor's `Eye(n, n, 0)` with the int8 constant `0`.
private func eye(_ size: Variable) -> Variable {
    let zero: Variable = 0
    return node("Eye{dtype='float64'}", float64Matrix, size, size, zero)
}

/// An int64 0-d constant (a `Scalar(int64, shape=())` as shape arithmetic produces).
private func int64Constant(_ value: Int64) -> Variable {
    Variable.constant(NDArray(scalar: value))
}

// MARK: - The seed's final graphs, built with the same node sharing

/// The graphs of /work/shared/seed/expected_outputs.txt, each with its expected text.
enum DprintSeedGraph: String, CaseIterable, Sendable {
    case jacobianLog, pullbackLog, jacobianCumsum, pullbackCumsum, jacobianConvolve1d
    case pullbackConvolve1d, jacobianTranspose, pullbackTranspose, gradSumCumsumLog
    case chainedPullbacks

    func build() -> Variable {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let minusOne = Variable.scalarConstant(-1)  // one variable, used twice where shared
        switch self {
        case .jacobianLog:
            return eye(x.length(ofDimension: 0)) / x.expandingDims([0])
        case .pullbackLog:
            return v / x
        case .jacobianCumsum:
            let flipped = node("Subtensor{:, ::step}", float64Matrix, eye(x.length(ofDimension: 0)), minusOne)
            let summed = node("CumOp{1, add}", float64Matrix, flipped)
            return node("Subtensor{:, ::step}", float64Matrix, summed, minusOne)
        case .pullbackCumsum:
            let summed = node("CumOp{None, add}", float64Vector, node("Subtensor{::step}", float64Vector, v, minusOne))
            return node("Subtensor{::step}", float64Vector, summed, minusOne)
        case .jacobianConvolve1d:
            let rows = eye(int64Constant(1) + x.length(ofDimension: 0))
            let flipped = node("Subtensor{::step}", float64Vector, x, minusOne).expandingDims([0])
            let full = Variable.constant(NDArray([false]))
            return node("Blockwise{Convolve1d, (n),(k),()->(o)}", float64Matrix, rows, flipped, full)
        case .pullbackConvolve1d:
            let flipped = node("Subtensor{::step}", float64Vector, x, minusOne)
            let full = node("ScalarFromTensor", .scalar(.bool), false)
            return node("Convolve1d", float64Vector, v, flipped, full)
        case .jacobianTranspose:
            let a = Tensor.matrix("A", shape: [2, nil])
            let columns = a.length(ofDimension: 1)
            let two = int64Constant(2)
            let size = two * columns
            let shape = node(
                "MakeVector{dtype='int64'}", TensorType(dtype: .int64, shape: [3]), size, columns, two)
            let reshaped = node("Reshape{3}", TensorType(dtype: .float64, shape: [nil, nil, 2]), eye(size), shape)
            let target = Variable.constant(NDArray([Int64(6), 6]))
            return node(
                "Reshape{2}", TensorType(dtype: .float64, shape: [6, 6]),
                reshaped.transposed(axes: [0, 2, 1]), target)
        case .pullbackTranspose:
            return Tensor.matrix("V").transposed()
        case .gradSumCumsumLog, .chainedPullbacks:
            let ones = node("Alloc", float64Vector, Variable.constant(NDArray([1.0])), x.length(ofDimension: 0))
            let summed = node("CumOp{None, add}", float64Vector, ones)
            return node("Subtensor{::step}", float64Vector, summed, minusOne) / x
        }
    }

    /// The expected block, copied byte for byte from the seed's expected_outputs.txt.
    var expected: String {
        switch self {
        case .jacobianLog:
            """
            True_div [id A]
             ├─ Eye{dtype='float64'} [id B]
             │  ├─ Shape_i{0} [id C]
             │  │  └─ x [id D]
             │  ├─ Shape_i{0} [id C]
             │  │  └─ ···
             │  └─ 0 [id E]
             └─ ExpandDims{axis=0} [id F]
                └─ x [id D]
            """
        case .pullbackLog:
            """
            True_div [id A]
             ├─ v [id B]
             └─ x [id C]
            """
        case .jacobianCumsum:
            """
            Subtensor{:, ::step} [id A]
             ├─ CumOp{1, add} [id B]
             │  └─ Subtensor{:, ::step} [id C]
             │     ├─ Eye{dtype='float64'} [id D]
             │     │  ├─ Shape_i{0} [id E]
             │     │  │  └─ x [id F]
             │     │  ├─ Shape_i{0} [id E]
             │     │  │  └─ ···
             │     │  └─ 0 [id G]
             │     └─ -1 [id H]
             └─ -1 [id H]
            """
        case .pullbackCumsum:
            """
            Subtensor{::step} [id A]
             ├─ CumOp{None, add} [id B]
             │  └─ Subtensor{::step} [id C]
             │     ├─ v [id D]
             │     └─ -1 [id E]
             └─ -1 [id E]
            """
        case .jacobianConvolve1d:
            """
            Blockwise{Convolve1d, (n),(k),()->(o)} [id A]
             ├─ Eye{dtype='float64'} [id B]
             │  ├─ Add [id C]
             │  │  ├─ 1 [id D]
             │  │  └─ Shape_i{0} [id E]
             │  │     └─ x [id F]
             │  ├─ Add [id C]
             │  │  └─ ···
             │  └─ 0 [id G]
             ├─ ExpandDims{axis=0} [id H]
             │  └─ Subtensor{::step} [id I]
             │     ├─ x [id F]
             │     └─ -1 [id J]
             └─ [False] [id K]
            """
        case .pullbackConvolve1d:
            """
            Convolve1d [id A]
             ├─ v [id B]
             ├─ Subtensor{::step} [id C]
             │  ├─ x [id D]
             │  └─ -1 [id E]
             └─ ScalarFromTensor [id F]
                └─ False [id G]
            """
        case .jacobianTranspose:
            """
            Reshape{2} [id A]
             ├─ Transpose{axes=[0, 2, 1]} [id B]
             │  └─ Reshape{3} [id C]
             │     ├─ Eye{dtype='float64'} [id D]
             │     │  ├─ Mul [id E]
             │     │  │  ├─ 2 [id F]
             │     │  │  └─ Shape_i{1} [id G]
             │     │  │     └─ A [id H]
             │     │  ├─ Mul [id E]
             │     │  │  └─ ···
             │     │  └─ 0 [id I]
             │     └─ MakeVector{dtype='int64'} [id J]
             │        ├─ Mul [id E]
             │        │  └─ ···
             │        ├─ Shape_i{1} [id G]
             │        │  └─ ···
             │        └─ 2 [id F]
             └─ [6 6] [id K]
            """
        case .pullbackTranspose:
            """
            Transpose{axes=[1, 0]} [id A]
             └─ V [id B]
            """
        case .gradSumCumsumLog, .chainedPullbacks:
            """
            True_div [id A]
             ├─ Subtensor{::step} [id B]
             │  ├─ CumOp{None, add} [id C]
             │  │  └─ Alloc [id D]
             │  │     ├─ [1.] [id E]
             │  │     └─ Shape_i{0} [id F]
             │  │        └─ x [id G]
             │  └─ -1 [id H]
             └─ x [id G]
            """
        }
    }
}

@Suite("dprint")
struct DebugPrintTests {
    @Test(arguments: [
        (0, "A"), (25, "Z"), (26, "BA"), (27, "BB"), (51, "BZ"), (52, "CA"), (675, "ZZ"),
        (676, "BAA"), (42_421_337, "DOVPLX"),
    ])
    func idsAreBase26WithAZero(number: Int, id: String) {
        #expect(dprintID(number) == id)
    }

    @Test(arguments: DprintSeedGraph.allCases)
    func seedGraphPrintsExactly(_ graph: DprintSeedGraph) {
        #expect(graph.build().dprint() == graph.expected)
    }

    @Test func debugDescriptionIsDprint() {
        let graph = DprintSeedGraph.jacobianLog.build()
        #expect(graph.debugDescription == DprintSeedGraph.jacobianLog.expected)
        #expect(String(reflecting: graph) == DprintSeedGraph.jacobianLog.expected)
    }

    // MARK: Types and shapes

    @Test func printTypeAppendsTensorTypes() {
        let expected = """
            True_div [id A] <Matrix(float64, shape=(?, ?))>
             ├─ Eye{dtype='float64'} [id B] <Matrix(float64, shape=(?, ?))>
             │  ├─ Shape_i{0} [id C] <Scalar(int64, shape=())>
             │  │  └─ x [id D] <Vector(float64, shape=(?,))>
             │  ├─ Shape_i{0} [id C] <Scalar(int64, shape=())>
             │  │  └─ ···
             │  └─ 0 [id E] <Scalar(int8, shape=())>
             └─ ExpandDims{axis=0} [id F] <Matrix(float64, shape=(1, ?))>
                └─ x [id D] <Vector(float64, shape=(?,))>
            """
        #expect(DprintSeedGraph.jacobianLog.build().dprint(printType: true) == expected)
    }

    @Test func printTypeShowsScalarKindsByDtype() {
        let expected = """
            Blockwise{Convolve1d, (n),(k),()->(o)} [id A] <Matrix(float64, shape=(?, ?))>
             ├─ Eye{dtype='float64'} [id B] <Matrix(float64, shape=(?, ?))>
             │  ├─ Add [id C] <Scalar(int64, shape=())>
             │  │  ├─ 1 [id D] <Scalar(int64, shape=())>
             │  │  └─ Shape_i{0} [id E] <Scalar(int64, shape=())>
             │  │     └─ x [id F] <Vector(float64, shape=(?,))>
             │  ├─ Add [id C] <Scalar(int64, shape=())>
             │  │  └─ ···
             │  └─ 0 [id G] <Scalar(int8, shape=())>
             ├─ ExpandDims{axis=0} [id H] <Matrix(float64, shape=(1, ?))>
             │  └─ Subtensor{::step} [id I] <Vector(float64, shape=(?,))>
             │     ├─ x [id F] <Vector(float64, shape=(?,))>
             │     └─ -1 [id J] <int64>
             └─ [False] [id K] <Vector(bool, shape=(1,))>
            """
        #expect(DprintSeedGraph.jacobianConvolve1d.build().dprint(printType: true) == expected)
    }

    @Test func printShapeAppendsStaticShapes() {
        let expected = """
            True_div [id A] shape=(?,)
             ├─ Subtensor{::step} [id B] shape=(?,)
             │  ├─ CumOp{None, add} [id C] shape=(?,)
             │  │  └─ Alloc [id D] shape=(?,)
             │  │     ├─ [1.] [id E] shape=(1,)
             │  │     └─ Shape_i{0} [id F] shape=()
             │  │        └─ x [id G] shape=(?,)
             │  └─ -1 [id H] shape=()
             └─ x [id G] shape=(?,)
            """
        #expect(DprintSeedGraph.gradSumCumsumLog.build().dprint(printShape: true) == expected)
    }

    @Test func typeComesBeforeShapeAndName() throws {
        let a = Tensor.matrix("A", shape: [2, nil])
        let transpose = DimShuffle(inputNdim: 2, newOrder: [1, 0])
        let named = Apply(
            op: transpose, inputs: [a], outputTypes: try transpose.outputTypes(for: [a]),
            outputNames: ["A.T"]
        ).output(0)
        let expected = """
            Transpose{axes=[1, 0]} [id A] <Matrix(float64, shape=(?, 2))> shape=(?, 2) 'A.T'
             └─ A [id B] <Matrix(float64, shape=(2, ?))> shape=(2, ?)
            """
        #expect(named.dprint(printType: true, printShape: true) == expected)
        #expect(named.dprint() == "Transpose{axes=[1, 0]} [id A] 'A.T'\n └─ A [id B]")
    }

    // MARK: Leaves

    @Test func unnamedInputsPrintTheirType() {
        let x = Tensor.vector()
        let expected = """
            Exp [id A]
             └─ <Vector(float64, shape=(?,))> [id B]
            """
        #expect(exp(x).dprint() == expected)
        #expect(x.dprint(printType: true) == "<Vector(float64, shape=(?,))> [id A] <Vector(float64, shape=(?,))>")
    }

    @Test func leafRootsAndConstants() {
        #expect(Tensor.vector("x").dprint() == "x [id A]")
        #expect(Variable.scalarConstant(-1).dprint(printType: true) == "-1 [id A] <int64>")
        let named = Variable.constant([1.0, 2.0], name: "c")
        #expect(named.dprint() == "c{[1. 2.]} [id A]")
        let long = Variable.constant(NDArray((0..<30).map(Double.init)))
        #expect(long.dprint(printShape: true) == "[ 0.  1. ... . 28. 29.] [id A] shape=(30,)")
    }

    @Test func repeatedLeavesPrintInFullWithTheirId() {
        let x = Tensor.vector("x")
        let expected = """
            Mul [id A]
             ├─ x [id B]
             └─ x [id B]
            """
        #expect((x * x).dprint() == expected)
    }

    // MARK: Ids

    @Test func idsContinuePastZ() {
        let leaves = (0..<30).map { Tensor.scalar("x\($0)") }
        let root = build(NamedTestOp(name: "Join", output: float64Vector), leaves)
        let lines = root.dprint().split(separator: "\n").map(String.init)
        #expect(lines.count == 31)
        #expect(lines[0] == "Join [id A]")
        #expect(lines[1] == " ├─ x0 [id B]")
        #expect(lines[25] == " ├─ x24 [id Z]")
        #expect(lines[26] == " ├─ x25 [id BA]")
        #expect(lines[30] == " └─ x29 [id BE]")
    }

    @Test func nodesGetIdsInPreOrder() {
        // A chain deep enough to pass Z through nested nodes, not only siblings.
        var y = Tensor.vector("x")
        for _ in 0..<27 { y = exp(y) }
        let lines = y.dprint().split(separator: "\n").map(String.init)
        #expect(lines.count == 28)
        #expect(lines[25] == String(repeating: "   ", count: 24) + " └─ Exp [id Z]")
        #expect(lines[26] == String(repeating: "   ", count: 25) + " └─ Exp [id BA]")
        #expect(lines[27].hasSuffix("└─ x [id BB]"))
    }

    // MARK: Several outputs

    @Test func severalOutputsShareIds() {
        let x = Tensor.vector("x")
        let e = exp(x)
        let expected = """
            Exp [id A]
             └─ x [id B]
            Add [id C]
             ├─ Exp [id A]
             │  └─ ···
             └─ x [id B]
            """
        #expect(dprint([e, e + x]) == expected)
    }

    @Test func multiOutputNodesNumberTheirOutputs() {
        let m = Tensor.matrix("M")
        let qr = NamedTestOp(name: "QR", outputs: [float64Matrix, float64Matrix])
        let outputs = buildOutputs(qr, [m], outputCount: 2)
        let expected = """
            QR.0 [id A]
             └─ M [id B]
            QR.1 [id A]
             └─ ···
            Add [id C]
             ├─ QR.1 [id A]
             │  └─ ···
             └─ M [id B]
            """
        #expect(dprint([outputs[0], outputs[1], outputs[1] + m]) == expected)
    }

    // MARK: Depth

    @Test func depthCutsLevelsAndRepeatsStillShowDots() {
        // PyTensor's raw transpose Jacobian with depth=5: the Subtensor{i} nodes on level 4
        // show no inputs and their cut inputs take no ids; the repeat still gets `···`.
        let a = Tensor.matrix("A", shape: [2, nil])
        let int64Scalar = TensorType(dtype: .int64, shape: [])
        func index(_ of: Variable, _ i: Int64) -> Variable {
            node("Subtensor{i}", int64Scalar, of.shape, Variable.scalarConstant(i))
        }
        let n = index(a, 1)
        let size = index(n * 2, 0)
        let rows = eye(size)
        let shape = node(
            "MakeVector{dtype='int64'}", TensorType(dtype: .int64, shape: [3]),
            index(rows, 0), index(a, 1), index(a, 0))
        let reshaped = node("Reshape{3}", TensorType(dtype: .float64, shape: [nil, nil, 2]), rows, shape)
        let transposed = node("MatrixTranspose", TensorType(dtype: .float64, shape: [nil, 2, nil]), reshaped)
        let root = node(
            "Reshape{2}", TensorType(dtype: .float64, shape: [6, 6]), transposed,
            Variable.constant(NDArray([Int64(6), 6])))
        let expected = """
            Reshape{2} [id A] <Matrix(float64, shape=(6, 6))>
             ├─ MatrixTranspose [id B] <Tensor3(float64, shape=(?, 2, ?))>
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
            """
        #expect(root.dprint(depth: 5, printType: true) == expected)
        // Unlimited depth prints the cut inputs (and gives them ids).
        #expect(root.dprint().split(separator: "\n").count > expected.split(separator: "\n").count)
        #expect(root.dprint(depth: -1) == root.dprint())
    }

    @Test func nodeCutOnTheLastLevelRepeatsWithDotsHigherUp() {
        let x = Tensor.vector("x")
        let inner = exp(x)
        let root = node("Root", float64Vector, log(inner), inner)
        let expected = """
            Root [id A]
             ├─ Log [id B]
             │  └─ Exp [id C]
             └─ Exp [id C]
                └─ ···
            """
        #expect(root.dprint(depth: 3) == expected)
    }

    @Test func smallDepths() {
        let graph = DprintSeedGraph.pullbackLog.build()
        #expect(graph.dprint(depth: 0) == "")
        #expect(graph.dprint(depth: 1) == "True_div [id A]")
        #expect(graph.dprint(depth: 2) == DprintSeedGraph.pullbackLog.expected)
        #expect(dprint([graph, graph], depth: 1) == "True_div [id A]\nTrue_div [id A]\n └─ ···")
    }
}
