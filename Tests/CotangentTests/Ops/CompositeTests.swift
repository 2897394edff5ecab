import CVectorMath
import RealModule
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Same dtype, shape and values bit for bit (NaN equals NaN, -0.0 differs from 0.0).
func identicalArrays(_ a: NDArray, _ b: NDArray) -> Bool {
    guard a.dtype == b.dtype, a.shape == b.shape else { return false }
    if a.dtype.isFloat {
        return zip(a.asArray(Double.self), b.asArray(Double.self)).allSatisfy { x, y in
            (x.isNaN && y.isNaN) || x.bitPattern == y.bitPattern
        }
    }
    return a.asArray(Int64.self) == b.asArray(Int64.self)
}

/// Builds composite graphs tersely: `c.add(.mul, [c.add(.exp, [.input(0)]), 2.0])` (a class,
/// so nested calls all add to the same builder).
private final class GraphMaker {
    var builder: CompositeGraph.Builder
    init(inputs: Int) { builder = CompositeGraph.Builder(inputCount: inputs) }
    func add(_ op: ScalarOp, _ operands: [CompositeGraph.Operand]) -> CompositeGraph.Operand {
        builder.add(op, operands)
    }
    func finish(_ outputs: CompositeGraph.Operand...) -> CompositeGraph { builder.finish(outputs: outputs) }
}

private func constant(_ value: Double, _ dtype: DType = .float64) -> CompositeGraph.Operand {
    .constant(CompositeConstant(value, dtype: dtype))
}

private let i0 = CompositeGraph.Operand.input(0)
private let i1 = CompositeGraph.Operand.input(1)
private let i2 = CompositeGraph.Operand.input(2)

/// Symbolic inputs with the values' exact static shapes (so length-1 dims broadcast).
private func inputs(for values: [NDArray]) -> [Variable] {
    values.enumerated().map { k, value in
        Variable(type: TensorType(dtype: value.dtype, shape: value.shape.map { $0 }), name: "x\(k)")
    }
}

/// The composite's outputs on `xs` (one Elemwise node).
private func fused(_ graph: CompositeGraph, _ xs: [Variable]) -> [Variable] {
    buildOutputs(Elemwise(.composite(graph)), xs, outputCount: graph.outputs.count)
}

@Suite("Composite")
struct CompositeTests {
    // MARK: Printing

    @Test func printsPyTensorsPrettyForm() {
        let c = GraphMaker(inputs: 1)
        let e = c.add(.exp, [i0])
        let m = c.add(.mul, [constant(2), e])
        let graph = c.finish(c.add(.add, [constant(1), m]))
        #expect(graph.description == "Composite{(1.0 + (2.0 * exp(i0)))}")
        #expect(Elemwise(.composite(graph)).description == "Composite{(1.0 + (2.0 * exp(i0)))}")
    }

    /// Named calls are lowercase, as PyTensor 3.0.7 prints them (checked op by op against its
    /// `debugprint`; the inner-graph listing uses the class names, see InnerGraphPrintTests).
    @Test func operatorsAreParenthesisedAndOtherOpsUseTheirScalarNames() {
        func printed(_ op: ScalarOp, _ operands: [CompositeGraph.Operand], inputs: Int = 3) -> String {
            let c = GraphMaker(inputs: inputs)
            return c.finish(c.add(op, operands)).description
        }
        #expect(printed(.add, [i0, i1, i2]) == "Composite{(i0 + i1 + i2)}")
        #expect(printed(.mul, [i0, i1]) == "Composite{(i0 * i1)}")
        #expect(printed(.sub, [i0, i1]) == "Composite{(i0 - i1)}")
        #expect(printed(.neg, [i0]) == "Composite{(-i0)}")
        #expect(printed(.trueDiv, [i0, i1]) == "Composite{(i0 / i1)}")
        #expect(printed(.intDiv, [i0, i1]) == "Composite{(i0 // i1)}")
        #expect(printed(.pow, [i0, constant(3)]) == "Composite{(i0 ** 3.0)}")
        #expect(printed(.mod, [i0, constant(2, .int64)]) == "Composite{(i0 % 2)}")
        #expect(printed(.lt, [i0, i1]) == "Composite{lt(i0, i1)}")
        #expect(printed(.ge, [i0, i1]) == "Composite{ge(i0, i1)}")
        #expect(printed(.neq, [i0, i1]) == "Composite{neq(i0, i1)}")
        #expect(printed(.switch, [i0, i1, i2]) == "Composite{switch(i0, i1, i2)}")
        #expect(printed(.maximum, [i0, i1]) == "Composite{maximum(i0, i1)}")
        #expect(printed(.minimum, [i0, i1]) == "Composite{minimum(i0, i1)}")
        #expect(printed(.abs, [i0]) == "Composite{abs(i0)}")
        #expect(printed(.and, [i0, i1]) == "Composite{and(i0, i1)}")
        #expect(printed(.invert, [i0]) == "Composite{invert(i0)}")
        #expect(printed(.isnan, [i0]) == "Composite{isnan(i0)}")
        #expect(printed(.cast(.int32), [i0]) == "Composite{Cast{int32}(i0)}")
        #expect(printed(.round, [i0]) == "Composite{roundhalftoeven(i0)}")
        #expect(printed(.softplus, [i0]) == "Composite{softplus(i0)}")
        #expect(printed(.sqr, [i0]) == "Composite{sqr(i0)}")
        #expect(printed(.log1p, [i0]) == "Composite{log1p(i0)}")
        #expect(printed(.trigamma, [i0]) == "Composite{tri_gamma(i0)}")
        #expect(printed(.clip, [i0, constant(0), constant(1)]) == "Composite{clip(i0, 0.0, 1.0)}")
        #expect(printed(.eq, [i0, .constant(CompositeConstant(NDArray(scalar: true)))]) == "Composite{eq(i0, True)}")
    }

    @Test func sharedValuesPrintAtEveryUse() {
        let c = GraphMaker(inputs: 1)
        let e = c.add(.exp, [i0])
        #expect(c.finish(c.add(.mul, [e, e])).description == "Composite{(exp(i0) * exp(i0))}")
    }

    @Test func largeOrMultiOutputGraphsPrintElided() {
        // Ten nodes still print in full; eleven do not.
        let c = GraphMaker(inputs: 1)
        var value = i0
        for k in 0..<10 { value = c.add(.add, [value, constant(Double(k + 1))]) }
        let ten = c.finish(value)
        #expect(ten.nodes.count == 10)
        #expect(ten.description.hasPrefix("Composite{((((((((((i0 + 1.0) + 2.0)"))
        value = c.add(.exp, [value])
        #expect(c.finish(value).description == "Composite{...}")
        let d = GraphMaker(inputs: 1)
        let e = d.add(.exp, [i0])
        #expect(d.finish(e, d.add(.log, [e])).description == "Composite{...}")
    }

    @Test func multiOutputNodesPrintTheirOutputIndex() {
        let c = GraphMaker(inputs: 1)
        let e = c.add(.exp, [i0])
        let graph = c.finish(e, c.add(.log, [e]))
        let x = Tensor.vector("x")
        let outputs = fused(graph, [x])
        #expect(
            dprint(outputs) == """
                Composite{...}.0 [id A]
                 └─ x [id B]
                Composite{...}.1 [id A]
                 └─ ···

                Inner graphs:

                Composite{...} [id A]
                 ← exp [id C]
                    └─ i0 [id D]
                 ← log [id E]
                    └─ exp [id C]
                       └─ ···
                """)
    }

    // MARK: Structure

    @Test func equalStructuresAreEqualOps() {
        func make(_ k: Double) -> CompositeGraph {
            let c = GraphMaker(inputs: 2)
            return c.finish(c.add(.add, [c.add(.mul, [i0, constant(k)]), i1]))
        }
        #expect(make(2) == make(2))
        #expect(make(2).hashValue == make(2).hashValue)
        #expect(make(2) != make(3))
        #expect(make(0) != make(-0.0))
        #expect(Elemwise(.composite(make(2))) == Elemwise(.composite(make(2))))
        // Merging treats two equal fused nodes on the same inputs as one computation.
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let a = fused(make(2), [x, y])[0], b = fused(make(2), [x, y])[0]
        let merged = rewriteGraph([a, b], include: ["merge"])
        #expect(merged[0] === merged[1])
    }

    @Test func builderSharesEqualNodesInlinesCompositesAndDropsUnusedNodes() {
        let inner = GraphMaker(inputs: 2)
        let innerGraph = inner.finish(inner.add(.mul, [i0, i1]))
        let c = GraphMaker(inputs: 2)
        let e1 = c.add(.exp, [i0])
        let e2 = c.add(.exp, [i0])
        #expect(e1 == e2)
        _ = c.add(.log, [i1])  // unused
        let product = c.add(.composite(innerGraph), [e1, i1])
        let graph = c.finish(product)
        #expect(graph.nodes.count == 2)
        #expect(graph.description == "Composite{(exp(i0) * i1)}")
        #expect(graph.nodes.allSatisfy { $0.op.compositeGraph == nil })
    }

    // MARK: Types

    @Test(arguments: [
        (DType.float64, [ScalarOp.lt], DType.bool),
        (.int8, [.add], .int8),
        (.int16, [.exp], .float32),
        (.float32, [.exp, .neg], .float32),
        (.int32, [.trueDiv], .float64),
        (.bool, [.cast(.int32), .neg], .int32),
    ])
    func outputDTypesFollowTheInnerOps(input: DType, ops: [ScalarOp], expected: DType) throws {
        let c = GraphMaker(inputs: 1)
        var value = i0
        for op in ops { value = c.add(op, op.arity == 2 ? [value, value] : [value]) }
        let graph = c.finish(value)
        #expect(try graph.outputDTypes(inputs: [input]) == [expected])
        let x = Tensor.vector("x", dtype: input)
        #expect(fused(graph, [x])[0].dtype == expected)
    }

    @Test func multipleOutputsHaveTheirOwnDTypesAndTheBroadcastShape() throws {
        let c = GraphMaker(inputs: 2)
        let s = c.add(.add, [i0, i1])
        let graph = c.finish(s, c.add(.gt, [s, constant(0)]))
        let x = Tensor.matrix("x", shape: [3, 1]), y = Tensor.matrix("y", shape: [1, nil])
        let outputs = fused(graph, [x, y])
        #expect(outputs.map(\.dtype) == [.float64, .bool])
        #expect(outputs.map(\.type.shape) == [[3, nil], [3, nil]])
        let feed = [x: AutodiffTesting.random([3, 1], seed: 1), y: AutodiffTesting.random([1, 4], seed: 2)]
        for output in outputs {
            let dims = try output.symbolicShape.map { Int(try $0.eval(feed).item(Int64.self)) }
            #expect(dims == (try output.eval(feed).shape))
        }
    }

    // MARK: Values

    /// Fused values equal the expansion's (the same kernels op by op), bit for bit.
    private func expectSameAsExpansion(_ graph: CompositeGraph, _ values: [NDArray]) throws {
        let xs = inputs(for: values)
        let feed = Dictionary(uniqueKeysWithValues: zip(xs.map(InputKey.variable), values))
        let fusedValues = try evaluate(fused(graph, xs), feed, mode: .unoptimized)
        let expandedValues = try evaluate(graph.apply(to: xs), feed, mode: .unoptimized)
        for (a, b) in zip(fusedValues, expandedValues) {
            #expect(identicalArrays(a, b), "\(graph): fused \(a) vs expanded \(b)")
        }
    }

    /// `(exp(-i0 ** 2) * log1p(i1 * i1) + tanh(i0 * i1), i0 * i1)`: transcendental and
    /// arithmetic ops, a shared value, two outputs.
    static let w2: CompositeGraph = {
        let c = GraphMaker(inputs: 2)
        let square = c.add(.pow, [i0, constant(2)])
        let e = c.add(.exp, [c.add(.neg, [square])])
        let l = c.add(.log1p, [c.add(.mul, [i1, i1])])
        let p = c.add(.mul, [i0, i1])
        let sum = c.add(.add, [c.add(.mul, [e, l]), c.add(.tanh, [p])])
        return c.finish(sum, p)
    }()

    @Test(arguments: [
        ([1000], [1000]), ([3, 1], [1, 700]), ([], [5]), ([0], [0]), ([2, 300], [2, 300]), ([1, 1], [1, 1]),
    ])
    func floatValuesMatchTheExpansion(xShape: [Int], yShape: [Int]) throws {
        let x = AutodiffTesting.random(xShape, seed: 3, low: -2, high: 2)
        let y = AutodiffTesting.random(yShape, seed: 4, low: -2, high: 2)
        try expectSameAsExpansion(Self.w2, [x, y])
        try expectSameAsExpansion(Self.w2, [x.converted(to: .float32), y.converted(to: .float32)])
        // Mixed: float32 with float64 computes in float64.
        try expectSameAsExpansion(Self.w2, [x.converted(to: .float32), y])
    }

    @Test func stridedAndReversedInputs() throws {
        let base = AutodiffTesting.random([40, 30], seed: 5)
        let transposed = base.transposed([1, 0])
        let reversed = AutodiffTesting.random([30, 40], seed: 6).sliced(axis: 1, start: 39, step: -1, count: 40)
        try expectSameAsExpansion(Self.w2, [transposed, reversed])
        try expectSameAsExpansion(Self.w2, [transposed.converted(to: .float32), base.transposed([1, 0])])
    }

    @Test func integerAndBoolOps() throws {
        // (i0 * 3 + i1) // 2, its comparison with i1, the select and a bitwise and.
        let c = GraphMaker(inputs: 2)
        let s = c.add(.add, [c.add(.mul, [i0, constant(3, .int8)]), i1])
        let q = c.add(.intDiv, [s, constant(2, .int8)])
        let greater = c.add(.gt, [q, i1])
        let chosen = c.add(.switch, [greater, q, c.add(.neg, [i1])])
        let bits = c.add(.and, [chosen, constant(6, .int8)])
        let graph = c.finish(bits, greater, c.add(.invert, [greater]), c.add(.cast(.float32), [chosen]))
        for dtype in [DType.int8, .int32, .int64, .uint8] {
            let a = AutodiffTesting.random([257], seed: 7, low: -100, high: 100).converted(to: dtype)
            let b = AutodiffTesting.random([257], seed: 8, low: -100, high: 100).converted(to: dtype)
            try expectSameAsExpansion(graph, [a, b])
        }
        // int8 arithmetic wraps exactly as separate int8 ops do: 100 * 3 = 44.
        let xs = inputs(for: [NDArray([Int8(100)]), NDArray([Int8(0)])])
        let value = try fused(graph, xs)[0].eval([xs[0]: NDArray([Int8(100)]), xs[1]: NDArray([Int8(0)])], mode: .unoptimized)
        #expect(value.asArray(Int64.self) == [Int64((44 / 2) & 6)])
    }

    @Test func mixedDomainsAndSpecialValues() throws {
        // Comparisons of ints with floats, casts both ways, bool arithmetic, NaN and infinities.
        let c = GraphMaker(inputs: 2)
        let sum = c.add(.add, [i0, i1])  // int32 + float32 → float64
        let cast = c.add(.cast(.int16), [sum])
        let nan = c.add(.isnan, [c.add(.log, [sum])])
        let maxed = c.add(.maximum, [sum, c.add(.cast(.float64), [cast])])
        let graph = c.finish(cast, nan, maxed, c.add(.lt, [i0, i1]), c.add(.sign, [sum]))
        let a = NDArray([Int32(-3), 0, 7, Int32.max, Int32.min, 5])
        let b = NDArray([Float.nan, -.infinity, .infinity, 1e30, -0.0, 2.5])
        try expectSameAsExpansion(graph, [a, b])
    }

    @Test func variadicAndUnaryEdgeCases() throws {
        let c = GraphMaker(inputs: 3)
        let graph = c.finish(
            c.add(.add, [i0, i1, i2, i0]), c.add(.mul, [i0, i1, i2]), c.add(.add, [i2]),
            c.add(.second, [i0, i1]), c.add(.identity, [i2]), c.add(.clip, [i0, i1, i2]))
        let values = (0..<3).map { AutodiffTesting.random([513], seed: 10 + UInt64($0), low: -3, high: 3) }
        try expectSameAsExpansion(graph, values)
        try expectSameAsExpansion(graph, values.map { $0.converted(to: .int32) })
    }

    @Test func manyNodesNeedFewRegisters() throws {
        // A long chain: registers are shared, values still match the op-by-op evaluation.
        let c = GraphMaker(inputs: 2)
        var h = i0
        for k in 0..<300 { h = c.add(.add, [c.add(.mul, [c.add(.sin, [h]), constant(k % 2 == 0 ? 0.5 : 0.25)]), i1]) }
        let graph = c.finish(h)
        let program = try ElemwiseProgram(graph, inputs: [.float64, .float64])
        #expect(program.registerCount < 10)
        try expectSameAsExpansion(graph, [AutodiffTesting.random([600], seed: 20), AutodiffTesting.random([600], seed: 21)])
    }

    // MARK: Vector math

    /// Every function with a vector variant, its libm counterpart and an input range.
    private static var vectorFunctions: [(CotangentVectorFunction, ScalarOp, @Sendable (Double) -> Double, ClosedRange<Double>)] { [
        (CotangentVectorExp, .exp, { Double.exp($0) }, -700...700),
        (CotangentVectorExp2, .exp2, { Double.exp2($0) }, -1000...1000),
        (CotangentVectorExpm1, .expm1, { Double.expMinusOne($0) }, -5...5),
        (CotangentVectorLog, .log, { Double.log($0) }, 1e-300...1e300),
        (CotangentVectorLog2, .log2, { Double.log2($0) }, 1e-10...1e10),
        (CotangentVectorLog10, .log10, { Double.log10($0) }, 1e-10...1e10),
        (CotangentVectorLog1p, .log1p, { Double.log(onePlus: $0) }, -0.999...100),
        (CotangentVectorSin, .sin, { Double.sin($0) }, -100...100),
        (CotangentVectorCos, .cos, { Double.cos($0) }, -100...100),
        (CotangentVectorTan, .tan, { Double.tan($0) }, -1.5...1.5),
        (CotangentVectorAsin, .arcsin, { Double.asin($0) }, -1...1),
        (CotangentVectorAcos, .arccos, { Double.acos($0) }, -1...1),
        (CotangentVectorAtan, .arctan, { Double.atan($0) }, -100...100),
        (CotangentVectorSinh, .sinh, { Double.sinh($0) }, -20...20),
        (CotangentVectorCosh, .cosh, { Double.cosh($0) }, -20...20),
        (CotangentVectorTanh, .tanh, { Double.tanh($0) }, -20...20),
        (CotangentVectorAsinh, .arcsinh, { Double.asinh($0) }, -100...100),
        (CotangentVectorAcosh, .arccosh, { Double.acosh($0) }, 1...100),
        (CotangentVectorAtanh, .arctanh, { Double.atanh($0) }, -0.999...0.999),
        (CotangentVectorErf, .erf, { Double.erf($0) }, -6...6),
        (CotangentVectorErfc, .erfc, { Double.erfc($0) }, -6...26),
    ] }

    /// The ops whose block kernel is Cotangent's own (TranscendentalKernelTests measures those).
    private static let ownKernels: [String: CotangentTranscendental] = [
        "exp": CotangentTranscendentalExp, "tanh": CotangentTranscendentalTanh, "erf": CotangentTranscendentalErf,
    ]

    @Test func vectorMathStaysWithinAFewUlpsOfLibm() throws {
        let special = [0.0, -0.0, .infinity, -.infinity, .nan, 1, -1, 1e-310, 710, -746]
        for (function, op, libm, range) in Self.vectorFunctions {
            let random = AutodiffTesting.random([1003], seed: 70, low: range.lowerBound, high: range.upperBound)
            let inputs = random.asArray(Double.self) + special
            var outputs = [Double](repeating: 0, count: inputs.count)
            cotangent_vector_map(function, inputs, &outputs, inputs.count)
            // The same through an Elemwise node (float64 contiguous: the block path), which runs
            // Cotangent's own kernel where it has one, else libmvec's.
            let x = Tensor.vector("x")
            let viaOp = try elemwise(op, x).eval([x: NDArray(inputs)], mode: .unoptimized).asArray(Double.self)
            var blockPath = outputs
            if let own = Self.ownKernels[op.description] { cotangent_transcendental_map(own, inputs, &blockPath, inputs.count) }
            for (k, input) in inputs.enumerated() {
                let expected = libm(input)
                let close =
                    (expected.isNaN && outputs[k].isNaN) || expected == outputs[k]
                    || (expected.isFinite && ulpDistance(outputs[k], expected) <= 4)
                #expect(close, "\(op)(\(input)): vector \(outputs[k]), libm \(expected)")
                #expect(viaOp[k].bitPattern == blockPath[k].bitPattern || (viaOp[k].isNaN && blockPath[k].isNaN))
            }
        }
        #if arch(x86_64) && os(Linux)
        // This machine kind has AVX2 or AVX-512 and glibc's libmvec.
        #expect(cotangent_vector_width(CotangentVectorExp) >= 4)
        #endif
    }

    // MARK: Errors

    @Test func constructionErrorsNameTheComposite() throws {
        let c = GraphMaker(inputs: 2)
        let graph = c.finish(c.add(.and, [i0, i1]))
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let arity = #expect(throws: CotangentError.self) { try checked { fused(graph, [x]) } }
        #expect(arity?.kind == .invalidGraph)
        #expect(arity?.message.contains("Composite{and(i0, i1)}: expects 2 inputs, got 1") == true)
        let dtypes = #expect(throws: CotangentError.self) { try checked { fused(graph, [x, y]) } }
        #expect(dtypes?.kind == .invalidGraph)
        #expect(dtypes?.message.contains("bitwise op needs integer inputs") == true)
        #expect(dtypes?.message.contains("Vector(float64") == true)
        let shapes = #expect(throws: CotangentError.self) {
            try checked { fused(graph, [Tensor.vector("a", dtype: .int8, shape: [2]), Tensor.vector("b", dtype: .int8, shape: [3])]) }
        }
        #expect(shapes?.message.contains("incompatible static shapes") == true)
    }

    @Test func runtimeShapeMismatch() throws {
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let out = fused(Self.w2, [x, y])[0]
        let error = #expect(throws: CotangentError.self) {
            try out.eval([x: NDArray.zeros([3]), y: NDArray.zeros([4])], mode: .unoptimized)
        }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.message.contains("Composite{...}: input shapes (3,), (4,) do not match") == true)
    }

    // MARK: Derivatives

    /// `sum(w2 outputs · weights)` through the fused node.
    private static func fusedCost(_ xs: [Variable]) -> Variable {
        let outputs = fused(w2, xs)
        return (outputs[0] + outputs[1] * Tensor.constant(0.5)).sum()
    }

    @Test(arguments: [DType.float64, .float32])
    func gradientsMatchFiniteDifferences(dtype: DType) throws {
        for (xShape, yShape) in [([5], [5]), ([3, 1], [1, 4]), ([2, 3], [2, 3])] {
            let point = [
                AutodiffTesting.random(xShape, seed: 30, dtype: dtype), AutodiffTesting.random(yShape, seed: 31, dtype: dtype),
            ]
            try verifyGrad({ xs in fused(Self.w2, xs)[0] }, at: point)
            try verifyGrad(Self.fusedCost, at: point)
            let (jvp, vjp) = try verifyPushforward({ xs in fused(Self.w2, xs)[0] }, at: point)
            #expect(Swift.abs(jvp - vjp) <= (dtype == .float32 ? 1e-3 : 1e-9) * Swift.max(1, Swift.abs(jvp)))
        }
    }

    @Test func gradientEqualsTheExpansionsGradient() throws {
        let x = Tensor.vector("x"), y = Tensor.vector("y")
        let feed = [x: AutodiffTesting.random([7], seed: 40), y: AutodiffTesting.random([7], seed: 41)]
        let viaComposite = try checked { grad(Self.fusedCost([x, y]), wrt: [x, y]) }
        let expanded = Self.w2.apply(to: [x, y])
        let viaOps = try checked { grad((expanded[0] + expanded[1] * Tensor.constant(0.5)).sum(), wrt: [x, y]) }
        for (a, b) in zip(viaComposite, viaOps) {
            #expect(arraysMatch(try a.eval(feed), try b.eval(feed), tolerance: 1e-15))
        }
        // Second derivatives through the composite's pullback.
        let hessianRow = try checked { grad(viaComposite[0].sum(), wrt: y) }
        let expectedRow = try checked { grad(viaOps[0].sum(), wrt: y) }
        #expect(arraysMatch(try hessianRow.eval(feed), try expectedRow.eval(feed), tolerance: 1e-13))
    }

    @Test func jacobiansAndBatching() throws {
        let point = [AutodiffTesting.random([4], seed: 50), AutodiffTesting.random([4], seed: 51)]
        try AutodiffTesting.checkJacobians({ xs in fused(Self.w2, xs)[0] }, at: point, wrt: 0)
        try AutodiffTesting.checkJacobians({ xs in fused(Self.w2, xs)[1] }, at: point, wrt: 1)
        let stack = (0..<3).map { AutodiffTesting.random([4], seed: 60 + UInt64($0)) }
        try AutodiffTesting.checkVectorizeGraph({ xs in fused(Self.w2, xs)[0] }, at: point, batched: 1, stack: stack)
        // Both outputs of a batched composite.
        let x = Tensor.vector("x"), y = Tensor.vector("y"), batch = Tensor.matrix("batch")
        let outputs = fused(Self.w2, [x, y])
        let batched = vectorizeGraph(outputs, replacing: [x: batch])
        #expect(batched.map(\.ndim) == [2, 2])
        #expect(batched[0].owner === batched[1].owner)
    }

    @Test func integerInputsAreDisconnected() throws {
        // i0 (int64) only reaches the output through a comparison; i1 (float) directly.
        let c = GraphMaker(inputs: 2)
        let graph = c.finish(c.add(.mul, [c.add(.switch, [c.add(.gt, [i0, constant(0, .int64)]), i1, constant(0)]), i1]))
        let n = Tensor.vector("n", dtype: .int64), y = Tensor.vector("y")
        let node = fused(graph, [n, y])[0].owner!
        #expect(node.op.connectionPattern(node) == [[false], [true]])
        let results = node.op.pullback(node, cotangents: [Tensor.vector("g")])
        guard case .disconnected = results[0], case .value = results[1] else {
            Issue.record("expected disconnected, value; got \(results)")
            return
        }
        let g = try checked { grad(fused(graph, [n, y])[0].sum(), wrt: y) }
        let value = try g.eval([n: NDArray([Int64(1), -1, 2]), y: NDArray([1.5, 2.0, -3.0])])
        #expect(value.asArray(Double.self) == [3.0, 0, -6.0])
    }
}
