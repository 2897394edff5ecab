import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The random-variable lifts: an index or a DimShuffle of a draw moved onto its parameters and
/// size. The lifted draw has the same distribution but other values, so the checks compare
/// shapes, dtypes and distributions (narrow normals around distinct means), not values.
@Suite("Random-variable lifts")
struct RandomVariableRewriteTests {
    static let subtensorLift = "local_subtensor_rv_lift"
    static let dimshuffleLift = "local_dimshuffle_rv_lift"
    /// The lifts are opt-in (tag `random_lift`), as in PyTensor, where they are not registered.
    static let lifts = RewriteTesting.fastRun.union(["random_lift"])
    /// Distinct means, far apart compared with the draws' spread.
    static let means: [Double] = [0, 10, 20, 30, 40, 50, 70, 80]

    /// `draw` rewritten with `rewriter` firing once (and idempotent); the result must be a draw
    /// of the same op, nothing in the graph may index or shuffle a draw, and evaluating both
    /// graphs gives the same shape and dtype. Returns the lifted draw's node and its value.
    @discardableResult
    static func expectLift(
        _ draw: Variable, _ rewriter: String, _ inputs: [String: NDArray] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (node: Apply, value: NDArray)? {
        let original = try #require(draw.owner, sourceLocation: sourceLocation).inputs[0].owner
        let rewritten = RewriteTesting.expectRewrite(draw, fires: [rewriter: 1], include: Self.lifts, sourceLocation: sourceLocation)
        guard let node = rewritten.owner, let op = node.op as? RandomVariable else {
            Issue.record("the result is not a draw:\n\(rewritten.dprint())", sourceLocation: sourceLocation)
            return nil
        }
        #expect(op == original?.op as? RandomVariable, "the op changed: \(op)", sourceLocation: sourceLocation)
        for apply in GraphTraversal.toposort([rewritten]) where apply.op is Subtensor || apply.op is DimShuffle {
            #expect(!(apply.inputs[0].owner?.op is RandomVariable), "\(apply.op) of a draw remains:\n\(rewritten.dprint())",
                    sourceLocation: sourceLocation)
        }
        #expect(rewritten.type == draw.type, "type \(rewritten.type), expected \(draw.type)", sourceLocation: sourceLocation)
        let before = try RewriteTesting.run(draw, inputs)
        let after = try RewriteTesting.run(rewritten, inputs)
        #expect(after.shape == before.shape && after.dtype == before.dtype,
                "shape \(after.shape) \(after.dtype), expected \(before.shape) \(before.dtype)", sourceLocation: sourceLocation)
        return (node, after)
    }

    /// Whether every value is within `tolerance` of its expected mean.
    static func near(_ values: NDArray, _ expected: [Double], tolerance: Double = 0.01) -> Bool {
        let actual = values.asArray(Double.self)
        return actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) < tolerance }
    }

    /// The constant means as a graph constant of `shape`.
    static func constant(_ values: [Double], shape: [Int]) -> Variable {
        Tensor(constant: NDArray(shape: shape, elements: values))
    }

    // MARK: Subtensor

    @Test func aSliceOfADrawDrawsFromTheSlicedParameters() throws {
        let rng = Tensor.randomGenerator(seed: 3)
        let m = Tensor.vector("m", shape: [8])
        let draw = normal(mean: m, std: 0.001, rng: rng)[2..<5]
        let lifted = try #require(try Self.expectLift(draw, Self.subtensorLift, ["m": NDArray(Self.means)]))
        // The draw reads m[2:5]; the scalar std is not indexed.
        let mean = lifted.node.inputs[1]
        #expect(mean.owner?.op is Subtensor && mean.owner?.inputs[0] === m)
        #expect(lifted.node.inputs[2].ndim == 0)
        #expect(Self.near(lifted.value, [20, 30, 40]))
        // With constant means, the sliced constant folds.
        let folded = normal(mean: Self.constant(Self.means, shape: [8]), std: 0.001, rng: rng)[2..<5]
        let constantLift = try #require(try Self.expectLift(folded, Self.subtensorLift))
        #expect(Self.near(constantLift.value, [20, 30, 40]))
        #expect(try Self.near(folded.eval(), [20, 30, 40]))
    }

    @Test func integerAndStepIndicesLiftOntoEveryIndexedParameter() throws {
        let rng = Tensor.randomGenerator(seed: 4)
        let mean = Self.constant(Self.means.prefix(6).map { $0 }, shape: [2, 3])
        let std = Tensor(constant: NDArray(shape: [2, 3], elements: [0.001, 0.002, 0.001, 0.002, 0.001, 0.002]))
        let row = try #require(try Self.expectLift(normal(mean: mean, std: std, rng: rng)[1], Self.subtensorLift))
        #expect(Self.near(row.value, [30, 40, 50]))
        let stepped = normal(mean: mean, std: std, rng: rng)[.all, .stride(by: -2)]
        let lifted = try #require(try Self.expectLift(stepped, Self.subtensorLift))
        #expect(Self.near(lifted.value, [20, 0, 50, 30]))
        let element = try #require(try Self.expectLift(normal(mean: mean, std: std, rng: rng)[-1, 1], Self.subtensorLift))
        #expect(element.node.inputs.count == 3 && Self.near(element.value, [40]))
    }

    /// A parameter broadcast along an indexed dim keeps it (a full slice, or index 0 for an
    /// integer index); one without the dim is not indexed there.
    @Test func broadcastParametersKeepTheirBroadcastDims() throws {
        let rng = Tensor.randomGenerator(seed: 5)
        let column = Tensor.matrix("column", shape: [4, 1])
        let row = Tensor.vector("row", shape: [3])
        let inputs: [String: NDArray] = ["column": NDArray(shape: [4, 1], elements: [0.0, 100, 200, 300]), "row": [1.0, 2, 3]]
        let draw = normal(mean: column + row, std: 0.001, rng: rng)
        #expect(draw.type.shape == [4, 3])
        // Means broadcast before the draw: mean = column + row is one parameter of shape (4, 3).
        let sliced = try #require(try Self.expectLift(draw[1..<3, 2], Self.subtensorLift, inputs))
        #expect(Self.near(sliced.value, [103, 203]))
        // Two parameters broadcast against each other: low (4, 1) and high (3,).
        let uniformDraw = uniform(low: column, high: column + row, rng: rng)[1..<3, 2]
        let lifted = try #require(try Self.expectLift(uniformDraw, Self.subtensorLift, inputs))
        let low = try #require(lifted.node.inputs[1].owner)
        #expect(low.op as? Subtensor == Subtensor(idxList: [.slice(hasStart: true, hasStop: true, hasStep: false), .index]))
        #expect(BasicIndexing.constantInt(low.inputs[3]) == 0, "the broadcast dim is indexed at 0")
        let values = lifted.value.asArray(Double.self)
        #expect(values.count == 2 && (100...103).contains(values[0]) && (200...203).contains(values[1]))
        // A statically-1 dim of a draw indexed by 0 is a squeeze (lifted by the DimShuffle lift).
        let single = normal(mean: column[0..<1], std: 0.001, rng: rng)
        let squeezed = RewriteTesting.expectRewrite(single[0], fires: [Self.dimshuffleLift: 1], include: Self.lifts)
        #expect(try Self.near(RewriteTesting.run(squeezed, inputs), [0]))
    }

    @Test func aSliceOfADrawWithASizeGetsTheIndexedSize() throws {
        let rng = Tensor.randomGenerator(seed: 6)
        let mean = Self.constant([0, 100, 200], shape: [3])
        let draw = normal(mean: mean, std: 0.001, shape: [4, 3], rng: rng)[1..<3, .stride(by: 2)]
        let lifted = try #require(try Self.expectLift(draw, Self.subtensorLift))
        #expect(lifted.node.inputs[1].constantValue?.asArray(Int64.self) == [2, 2])
        #expect(Self.near(lifted.value, [0, 200, 0, 200]))
        // An integer index drops the size's entry; the mean is indexed where it has the dim.
        let picked = try #require(try Self.expectLift(normal(mean: mean, std: 0.001, shape: [4, 3], rng: rng)[3, 1], Self.subtensorLift))
        #expect(picked.node.inputs[1].constantValue?.asArray(Int64.self) == [])
        #expect(Self.near(picked.value, [100]))
        // A symbolic bound gives a symbolic size.
        let start = Tensor.scalar("start", dtype: .int64)
        let symbolic = normal(mean: mean, std: 0.001, shape: [5, 3], rng: rng)[.slice(start: start, stop: nil, step: nil)]
        let result = try #require(try Self.expectLift(symbolic, Self.subtensorLift, ["start": NDArray(scalar: Int64(2))]))
        #expect(result.node.inputs[1].constantValue == nil)
        #expect(Self.near(result.value, [0, 100, 200, 0, 100, 200, 0, 100, 200]))
    }

    @Test func aBatchIndexOfADirichletLiftsButAnEventIndexDoesNot() throws {
        let rng = Tensor.randomGenerator(seed: 7)
        let alpha = Self.constant([1, 2, 3, 4, 1000, 1, 1, 1, 5, 5, 5, 5], shape: [3, 4])
        let row = try #require(try Self.expectLift(dirichlet(alpha: alpha, rng: rng)[1], Self.subtensorLift))
        let values = row.value.asArray(Double.self)
        #expect(row.value.shape == [4] && abs(values.reduce(0, +) - 1) < 1e-9 && values[0] > 0.9)
        // Rows 0 and 2, the event dim kept whole (an explicit full slice is allowed).
        let rows = try #require(try Self.expectLift(dirichlet(alpha: alpha, rng: rng)[.stride(by: 2), .all], Self.subtensorLift))
        #expect(rows.value.shape == [2, 4])
        let batched = try #require(try Self.expectLift(dirichlet(alpha: alpha, shape: [2, 3], rng: rng)[0, 1..<3], Self.subtensorLift))
        #expect(batched.value.shape == [2, 4])
        // Indices on the event dim (the last) are left alone.
        RewriteTesting.expectNoRewrite(dirichlet(alpha: alpha, rng: rng)[.all, 0], Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(dirichlet(alpha: alpha, rng: rng)[1, 0..<2], Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(dirichlet(alpha: Self.constant([1, 2, 3], shape: [3]), rng: rng)[0], Self.subtensorLift, include: Self.lifts)
    }

    @Test func multivariateNormalBatchIndicesIndexTheCovariances() throws {
        let rng = Tensor.randomGenerator(seed: 8)
        let mean = Self.constant([0, 0, 100, 100, 200, 200], shape: [3, 2])
        let cov = Tensor(constant: NDArray(shape: [2, 2], elements: [1e-6, 0, 0, 1e-6]))
        let draw = multivariateNormal(mean: mean, cov: cov, rng: rng)[1..<3]
        let lifted = try #require(try Self.expectLift(draw, Self.subtensorLift))
        #expect(Self.near(lifted.value, [100, 100, 200, 200]))
    }

    // MARK: DimShuffle

    @Test func aTransposeOfADrawTransposesItsParameters() throws {
        let rng = Tensor.randomGenerator(seed: 9)
        let m = Tensor.matrix("m", shape: [2, 3])
        let draw = normal(mean: m, std: 0.001, rng: rng).T
        let lifted = try #require(try Self.expectLift(draw, Self.dimshuffleLift, ["m": NDArray(shape: [2, 3], elements: Self.means.prefix(6).map { $0 })]))
        #expect(lifted.node.inputs[1].owner?.op as? DimShuffle == DimShuffle(inputNdim: 2, newOrder: [1, 0]))
        #expect(Self.near(lifted.value, [0, 30, 10, 40, 20, 50]))
    }

    @Test func aTransposeOfADrawWithASizePermutesTheSize() throws {
        let rng = Tensor.randomGenerator(seed: 10)
        let mean = Self.constant([0, 100, 200], shape: [3])
        let draw = normal(mean: mean, std: 0.001, shape: [2, 3], rng: rng).T
        let lifted = try #require(try Self.expectLift(draw, Self.dimshuffleLift))
        #expect(lifted.node.inputs[1].constantValue?.asArray(Int64.self) == [3, 2])
        #expect(lifted.node.inputs[2].type.shape == [3, 1])
        #expect(Self.near(lifted.value, [0, 0, 100, 100, 200, 200]))
        // A symbolic size is permuted symbolically.
        let n = Tensor.scalar("n", dtype: .int64)
        let sized = build(
            RandomVariable(.normal, dtype: .float64, stream: 99, hasSize: true),
            [rng, makeVector([n, shapeConstant(3)], dtype: .int64), mean, Tensor(constant: NDArray(scalar: 0.001))])
        let symbolic = try #require(try Self.expectLift(sized.T, Self.dimshuffleLift, ["n": NDArray(scalar: Int64(2))]))
        #expect(Self.near(symbolic.value, [0, 0, 100, 100, 200, 200]))
    }

    @Test func newAndDroppedBatchDimsLift() throws {
        let rng = Tensor.randomGenerator(seed: 11)
        let mean = Self.constant([0, 100, 200], shape: [1, 3])
        let expanded = try #require(try Self.expectLift(normal(mean: mean, std: 0.001, rng: rng).expandingDims([1]), Self.dimshuffleLift))
        #expect(expanded.value.shape == [1, 1, 3] && Self.near(expanded.value, [0, 100, 200]))
        let squeezed = try #require(try Self.expectLift(normal(mean: mean, std: 0.001, rng: rng).squeezed(axes: [0]), Self.dimshuffleLift))
        #expect(squeezed.node.inputs[1].ndim == 1 && Self.near(squeezed.value, [0, 100, 200]))
        // A scalar draw made a matrix: the scalar parameters stay scalars only if a size keeps the rank.
        let scalar = normal(mean: 5, std: 0.001, rng: rng).expandingDims([0, 1])
        let grown = try #require(try Self.expectLift(scalar, Self.dimshuffleLift))
        #expect(grown.value.shape == [1, 1] && Self.near(grown.value, [5]))
        let sized = normal(mean: 5, std: 0.001, shape: [2], rng: rng).expandingDims([0])
        let kept = try #require(try Self.expectLift(sized, Self.dimshuffleLift))
        #expect(kept.node.inputs[1].constantValue?.asArray(Int64.self) == [1, 2] && kept.node.inputs[2].ndim == 0)
        // Dirichlet batch dims move; the event dim stays last.
        let alpha = Self.constant([1, 2, 3, 4, 5, 6], shape: [2, 1, 3])
        let moved = try #require(try Self.expectLift(dirichlet(alpha: alpha, rng: rng).transposed(axes: [1, 0, 2]), Self.dimshuffleLift))
        #expect(moved.value.shape == [1, 2, 3])
    }

    @Test func shufflesOfEventDimsAreLeftAlone() {
        let rng = Tensor.randomGenerator(seed: 12)
        let alpha = Self.constant([1, 2, 3, 4, 5, 6], shape: [2, 3])
        RewriteTesting.expectNoRewrite(dirichlet(alpha: alpha, rng: rng).T, Self.dimshuffleLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(dirichlet(alpha: alpha, rng: rng).expandingDims([2]), Self.dimshuffleLift, include: Self.lifts)
        let vector = dirichlet(alpha: Self.constant([1, 2, 3], shape: [3]), rng: rng)
        RewriteTesting.expectNoRewrite(vector.expandingDims([1]), Self.dimshuffleLift, include: Self.lifts)
    }

    // MARK: Left alone

    @Test func drawsWithAnotherReaderAreLeftAlone() {
        let rng = Tensor.randomGenerator(seed: 13)
        let m = Tensor.matrix("m", shape: [2, 3])
        let x = normal(mean: m, std: 1, rng: rng)
        RewriteTesting.expectNoRewrite(x[0..<1].sum() + x.sum(), Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(x[0] + x[1], Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(x.T.sum() + x.sum(), Self.dimshuffleLift, include: Self.lifts)
        // A draw that is itself an output.
        var report = RewriteReport()
        _ = rewriteGraph([x, x[1], x.T], include: Self.lifts, report: &report)
        #expect(report.applied[Self.subtensorLift] == nil && report.applied[Self.dimshuffleLift] == nil, "\(report)")
        // Readers of its shape alone do not count.
        let y = normal(mean: Tensor.matrix("m2"), std: 1, rng: rng)
        let shaped = RewriteTesting.rewrite(y[1] * y.length(ofDimension: 0).cast(to: .float64), include: Self.lifts).report
        #expect(shaped.applied[Self.subtensorLift] == 1, "\(shaped)")
    }

    @Test func advancedIndicesAreLeftAlone() {
        let rng = Tensor.randomGenerator(seed: 14)
        let x = normal(mean: Self.constant(Self.means, shape: [8]), std: 1, rng: rng)
        RewriteTesting.expectNoRewrite(x[indexConstant([1, 3, 3])], Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(x[indexConstant([6, 1, 3])], Self.subtensorLift, include: Self.lifts)
        // An index array that is an arithmetic progression is a slice (the advanced-indexing
        // rewrites make it one), which lifts.
        RewriteTesting.expectRewrite(x[indexConstant([1, 3])], fires: [Self.subtensorLift: 1], include: Self.lifts)
        RewriteTesting.expectNoRewrite(x[maskConstant([true, false, true, false, true, false, true, false])], Self.subtensorLift, include: Self.lifts)
    }

    /// A pathwise gradient recovers the draw's noise from a sibling draw on the same stream;
    /// lifting the forward draw alone would pair its values with other elements' noise.
    @Test func aDrawSharingItsStreamWithAGradientIsLeftAlone() throws {
        let rng = Tensor.randomGenerator(seed: 15)
        let s = Tensor.scalar("s")
        let mean = Self.constant(Self.means, shape: [8])
        let y = normal(mean: mean, std: s, rng: rng)[2..<5]
        let g = grad(y.sum(), wrt: s)
        var report = RewriteReport()
        _ = rewriteGraph([y, g], include: Self.lifts, report: &report)
        #expect(report.applied[Self.subtensorLift] == nil, "\(report)")
        // y = mean + s z, so d(sum y)/ds = sum z = sum(y - mean) / s.
        let values = try function(inputs: [s], outputs: [y, g])(NDArray(scalar: 2.0))
        let noise = zip(values[0].asArray(Double.self), [20.0, 30, 40]).map { ($0 - $1) / 2 }.reduce(0, +)
        #expect(abs(noise - values[1].item(Double.self)) < 1e-9)
    }

    /// A parameter of unknown length may be 1 at run time and broadcast: it is indexed only
    /// when it alone sets the draw's length there.
    @Test func unknownLengthsThatMayBroadcastAreLeftAlone() throws {
        let rng = Tensor.randomGenerator(seed: 16)
        let (a, b) = (Tensor.vector("a"), Tensor.vector("b"))
        let alone = try #require(try Self.expectLift(normal(mean: a, std: 0.001, rng: rng)[1..<3], Self.subtensorLift, ["a": [0.0, 10, 20, 30]]))
        #expect(Self.near(alone.value, [10, 20]))
        RewriteTesting.expectNoRewrite(normal(mean: a, std: b, rng: rng)[1..<3], Self.subtensorLift, include: Self.lifts)
        RewriteTesting.expectNoRewrite(normal(mean: a, std: 0.001, shape: [4], rng: rng)[1..<3], Self.subtensorLift, include: Self.lifts)
        // The draw broadcasts a length-1 parameter of unknown length (numpy's rule): the
        // un-lifted graph gives two elements.
        let both = normal(mean: a, std: b, rng: rng)[1..<3]
        #expect(try both.eval(["a": [5.0], "b": [0.001, 0.001, 0.001, 0.001]]).shape == [2])
    }

    /// An integer index no parameter carries (each broadcasts there) is lifted only when it is
    /// a constant in range, so that an out-of-range index still fails.
    @Test func anIndexOnlyTheSizeCarriesMustBeInRange() throws {
        let rng = Tensor.randomGenerator(seed: 17)
        try Self.expectLift(normal(mean: 1, std: 0.001, shape: [6], rng: rng)[5], Self.subtensorLift)
        RewriteTesting.expectNoRewrite(normal(mean: 1, std: 0.001, shape: [6], rng: rng)[Tensor.scalar("i", dtype: .int64)], Self.subtensorLift, include: Self.lifts)
        let outOfRange = normal(mean: 1, std: 0.001, shape: [6], rng: rng)[6]
        RewriteTesting.expectNoRewrite(outOfRange, Self.subtensorLift, include: Self.lifts)
        #expect(throws: CotangentError.self) { try outOfRange.eval() }
    }

    @Test func theLiftsAreOptIn() throws {
        // fast_run alone keeps the draw as built: a slice of it gives the built draw's values.
        let rng = Tensor.randomGenerator(seed: 16)
        let x = normal(mean: Self.constant(Self.means, shape: [8]), std: 1, rng: rng)
        RewriteTesting.expectNoRewrite(x[2..<5], Self.subtensorLift)
        RewriteTesting.expectNoRewrite(x.expandingDims([0]), Self.dimshuffleLift)
        let f = try function(inputs: [], outputs: [x, x[2..<5]], updates: [rng: rng])()
        #expect(Array(f[0].asArray(Double.self)[2..<5]) == f[1].asArray(Double.self))
    }
}
