import Testing
@testable import Cotangent
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One `fast_run` rewrite leaves nothing for a second one: graphs the differential fuzzer
/// found changing on a second rewrite, each with the cause that was fixed.
@Suite("Rewriting twice changes nothing")
struct RewriteIdempotenceTests {
    static func rewrittenTwice(_ outputs: [Variable]) -> (once: String, twice: String) {
        let once = rewriteGraph(outputs, include: ["fast_run"], exclude: ["BlasOpt"])
        let twice = rewriteGraph(once, include: ["fast_run"], exclude: ["BlasOpt"])
        return (dprint(once), dprint(twice))
    }

    /// Convolve1d's pullback builds Blockwise{Convolve1d} with a computed mode flag (length
    /// unknown); once the flag folds to a constant the node's type is refined to the static 1
    /// its core op infers, and the unbatched Blockwise becomes its core op in the same rewrite.
    @Test func unbatchedBlockwiseWithAFoldedFlag() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [1])
        let x1 = Tensor.tensor("x1", dtype: .int32, shape: [1])
        let g = grad((convolve1d(x0, x1, mode: .full) * Tensor.constant(NDArray([0.7]))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([g])
        #expect(!once.contains("Blockwise"), "\(once)")
        #expect(once == twice)
    }

    /// An Alloc of constants feeding an unbatched Blockwise is folded as for its core op.
    @Test func allocIntoAnUnbatchedBlockwiseFolds() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [2])
        let x3 = Tensor.tensor("x3", dtype: .float64, shape: [nil])
        let v4 = convolve1d(x0, x3, mode: .full)
        let y = alloc(v4 - v4, shape: [1, 5])
        let g = grad((y * Tensor.constant(NDArray.full([1, 5], value: 0.7))).sum(), wrt: [x0, x3], disconnected: .zero)
        let (once, twice) = Self.rewrittenTwice([y] + g)
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// A Subtensor of an elemwise whose other (gradient) reader goes only in a later phase is
    /// lifted in specialize, where `local_subtensor_of_batch_dims` runs too.
    @Test func subtensorLiftedAfterAReaderGoes() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [nil])
        let v1 = onesLike(x0) + x0
        let y = (onesLike(v1) + v1)[.slice(stop: -3, step: -2)]
        let g = grad((y * Tensor.constant(NDArray([0.7]))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
        let xs = Tensor.tensor("xs", dtype: .float32, shape: [nil, 1])
        let mask = Tensor.tensor("mask", dtype: .bool, shape: [1, 1])
        let selected = select(mask, xs, cos(xs))[.slice(start: 0, stop: -2, step: -1), .slice(stop: 0)]
        let h = grad((selected * Tensor.constant(NDArray.full([1, 0], value: 0.7))).sum(), wrt: xs)
        let (first, second) = Self.rewrittenTwice([selected, h])
        #expect(first == second, "\(first)\n--- then ---\n\(second)")
    }

    /// Join's length is built as one n-ary add with the known lengths added first (the add
    /// canonicalizer's form); it was `Add(Shape_i{0}(x2), 4)`, reordered by a second rewrite.
    @Test func joinLengthInCanonicalForm() {
        let x0 = Tensor.tensor("x0", dtype: .int32, shape: [4, 1])
        let x1 = Tensor.tensor("x1", dtype: .float32, shape: [0, 1])
        let x2 = Tensor.tensor("x2", dtype: .float32, shape: [nil, 1])
        let y = round(concatenate([x1, x2, x0], axis: 0))
        let g = grad((y * Tensor.constant(NDArray.full([5, 1], value: 0.7))).sum(), wrt: [x1, x2], disconnected: .zero)
        let (once, twice) = Self.rewrittenTwice([y] + g)
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
        let length = concatenate([x1, x2, x0], axis: 0).symbolicShape[0]
        #expect(length.owner?.inputs.count == 2)
        #expect(length.owner?.inputs[0].constantValue?.item(Int64.self) == 4)
    }

    /// `inc_subtensor(x0, x1, idx) + x2` serializes into `inc_subtensor(x2 + x0, x1, idx)` once
    /// the increment's gradient reader is gone (in specialize, not only in canonicalize).
    @Test func incrementSerializedAfterItsOtherReaderGoes() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [4, 1])
        let x1 = Tensor.tensor("x1", dtype: .float64, shape: [2])
        let x2 = Tensor.tensor("x2", dtype: .float64, shape: [1])
        let y = x0.incremented(at: [.slice(stop: -2), .index(0)], by: x1) + x2
        let g = grad((y * Tensor.constant(NDArray.full([4, 1], value: 0.7))).sum(), wrt: [x0, x1, x2])
        let (once, twice) = Self.rewrittenTwice([y] + g)
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// Fusing `sigmoid(x0)` with the gradient's (4, 1) product gives it the group's static shape,
    /// which makes the reshape to (4, 1) useless only after fusion: the late walk removes it.
    @Test func reshapeMadeUselessByFusion() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [nil, 1])
        let y = sigmoid(x0).reshaped(to: [4, 1])
        let g = grad((y * Tensor.constant(NDArray.full([4, 1], value: 0.7))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(!once.hasPrefix("Reshape"), "\(once)")
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// The gradient of `x1 - x1 / x0` with respect to the 0-d `x1` adds a constant (a sum of
    /// the projection, folded in specialize) to a sum: it is put first there, as the add
    /// canonizer would, not on a second rewrite.
    @Test func constantFoldedLateGoesFirst() {
        let x0 = Tensor.tensor("x0", dtype: .float32, shape: [4])
        let x1 = Tensor.tensor("x1", dtype: .float32, shape: [])
        let y = x1 - x1 / x0
        let g = grad((y * Tensor.constant(NDArray([0.7, 0.2, 0.3, 0.1]).converted(to: .float32))).sum(), wrt: [x0, x1])
        let (once, twice) = Self.rewrittenTwice([y] + g)
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// The length of a flattened (2, 2, ?) array is built as Mul(4, Shape_i{2}(x)): constant
    /// factors multiplied when the shape graph is made, as the mul canonicalizer would.
    @Test func flattenedLengthFoldsConstantFactors() throws {
        let x = Tensor.tensor("x", dtype: .float64, shape: [2, 2, nil])
        let length = x.flattened().symbolicShape[0]
        #expect(length.owner?.op.description == "Mul")
        #expect(length.owner?.inputs[0].constantValue?.item(Int64.self) == 4)
        #expect(length.owner?.inputs.count == 2)
        #expect(try length.eval(["x": NDArray.zeros([2, 2, 3])]).item(Int64.self) == 12)
        let statics = Tensor.tensor("s", dtype: .float64, shape: [2, 3])
        #expect(statics.flattened().symbolicShape[0].constantValue?.item(Int64.self) == 6)
    }

    /// A shape a rewrite built from a cached symbolic shape whose nodes a replacement had
    /// pruned read those dead nodes: passes skip them and fusion saw no clients, so the shape
    /// arithmetic fused only on a second rewrite (`x0[:1] % x0` flattened, seed 94394).
    @Test func shapeArithmeticOfPrunedNodesIsRebuilt() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [nil])
        let y = (x0[.slice(stop: 1)] % x0).flattened()
        let g = grad((y * Tensor.constant(NDArray([0.7]))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// A reduction of a reduction merges though the inner one's other readers read only its
    /// shape (a gradient's fill, through the dimshuffle `local_dimshuffle_lift` leaves there).
    @Test func reductionChainThroughShapeOnlyReaders() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [4, 2, 3])
        let v1 = x0.sum(axes: [1])
        let y = v1.sum(axes: [0, 1])
        let g = grad(y * 0.7, wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
        #expect(!once.contains("Sum{axis=1}"), "\(once)")
    }

    /// Constants that meet in a product only in specialize (a `Sum` of constants folded late)
    /// fold into one constant placed first, nested products holding one spliced in, as the
    /// canonizer would: `2 · (c · x)` → `Mul(2c, x)`, and `2 · 0 · x` → `Mul(0, x)`.
    @Test func constantsMeetingInSpecializeFold() {
        let x0 = Tensor.tensor("x0", dtype: .float32, shape: [])
        let y = alloc(sqr(x0), shape: [3, 1])
        let g = grad((y * Tensor.constant(NDArray.full([3, 1], value: 0.7, dtype: .float32))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
        let x1 = Tensor.tensor("x1", dtype: .float32, shape: [2, 1])
        let h = exp2(cos(x1.prod(axes: [0, 1], keepDims: true)))
        let gh = grad((h * Tensor.constant(NDArray.full([1, 1], value: 0.7, dtype: .float32))).sum(), wrt: x1)
        let (first, second) = Self.rewrittenTwice([h, gh])
        #expect(first == second, "\(first)\n--- then ---\n\(second)")
    }

    /// A lift whose result lost a static 1 the original had (the `Alloc` that gave it was made
    /// useless, leaving its input's unknown length) keeps it with a `SpecifyShape` instead of
    /// failing, so the lift happens in the first rewrite.
    @Test func aLiftThatLosesAStaticOneSpecifiesIt() throws {
        let x1 = Tensor.tensor("x1", dtype: .float32, shape: [4, nil, 2])
        let x2 = Tensor.tensor("x2", dtype: .float64, shape: [4, nil, nil])
        let y = (alloc(x1, shape: [4, 2, 2]) .!= x2)[.index(0), .slice(step: 2)]
        var report = RewriteReport()
        let once = rewriteGraph([y], include: ["fast_run"], exclude: ["BlasOpt"], report: &report)
        #expect(report.failures.isEmpty, "\(report)")
        #expect(once[0].type.shape == [1, 2])
        let (first, second) = Self.rewrittenTwice([y])
        #expect(first == second, "\(first)\n--- then ---\n\(second)")
        let a = NDArray(shape: [4, 2, 2], elements: (0..<16).map { Float($0 % 3) })
        let b = NDArray(shape: [4, 2, 2], elements: (0..<16).map { Double($0 % 2) })
        #expect(try once[0].eval([x1: a, x2: b]) == y.eval([x1: a, x2: b], mode: .unoptimized))
    }

    /// Lengths the working graph learned (a reshape of 3 elements into `(1, 3, ?)`) stay in
    /// the graph a rewrite returns, so a second rewrite sees the same broadcast patterns and
    /// fuses the same groups.
    @Test func learnedLengthsSurviveMaterializing() {
        let x0 = Tensor.tensor("x0", dtype: .int64, shape: [1, 3, 1])
        let x3 = Tensor.tensor("x3", dtype: .float64, shape: [1, nil, nil])
        let y = arctan2(x3, x0).reshaped(to: [3, 1])
        let g = grad((y * Tensor.constant(NDArray.full([3, 1], value: 0.7))).sum(), wrt: x3)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// A fill of zeros added to a value leaves only its shape (`local_neutral_fill`), so
    /// `x / (zerosLike(x) + x)` meets `x / x` in canonicalize and cancels in the first rewrite.
    @Test func neutralFillsGoInCanonicalize() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [3, 2])
        let y = x0 / (zerosLike(x0) + x0)
        let (once, twice) = Self.rewrittenTwice([y])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
        #expect(!once.contains("True_div"), "\(once)")
    }

    /// A `Reshape` learns a static length when an entry of its `MakeVector` shape becomes a
    /// constant (the vector's own type does not change), so a slice of it is seen useless in the
    /// same rewrite.
    @Test func reshapeLearnsALengthFromItsShapeEntries() {
        let x0 = Tensor.tensor("x0", dtype: .float64, shape: [nil, 0, nil])
        let v1 = x0.reshaped(to: [x0.shape[0] * x0.shape[1], x0.shape[2]])
        let y = v1[.slice(stop: 1), .slice(start: 0)]
        let g = grad((y * Tensor.constant(NDArray.full([0, 1], value: 0.7))).sum(), wrt: x0)
        let (once, twice) = Self.rewrittenTwice([y, g])
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// Fusion compares broadcast patterns, so it reads the lengths the graph built afresh would
    /// have: a `cosh` lifted under a slice whose start became a constant later kept an unknown
    /// length in the working graph, and `mul(slice, cosh(…))` fused only on a second rewrite
    /// (fuzz seed 37552).
    @Test func fusionSeesLengthsLearnedLate() {
        let x0 = Tensor.tensor("x0", dtype: .int32, shape: [3, 3, 2])
        let x1 = Tensor.tensor("x1", dtype: .float64, shape: [1])
        let x3 = Tensor.tensor("x3", dtype: .float64, shape: [3])
        let v = sinh(concatenate([x0.min(axes: [1, 2], keepDims: false), x1], axis: 0))
        let y = convolve1d(v, x3, mode: .full)
        let p = Tensor.constant(NDArray([0.7, 0.3, 0.2, 0.1, 0.5, 0.9]))
        let g = grad((y * p).sum(), wrt: [x1, x3], disconnected: .zero)
        let (once, twice) = Self.rewrittenTwice([y] + g)
        #expect(once.contains("Composite{(i0 * cosh(i1))}"), "\(once)")
        #expect(once == twice, "\(once)\n--- then ---\n\(twice)")
    }

    /// A rewrite that fails on a length the working graph has not yet refined (a `Squeeze`
    /// lifted onto an input whose length 1 only a rebuilt graph knows) is tried again on
    /// refreshed lengths instead of leaving the lift to a second rewrite (fuzz seed 91321).
    @Test func aRewriteFailingOnAStaleLengthIsRetried() {
        let x0 = Tensor.tensor("x0", dtype: .float32, shape: [3, 3])
        let x1 = Tensor.tensor("x1", dtype: .float32, shape: [3, 1])
        let x2 = Tensor.tensor("x2", dtype: .float32, shape: [3])
        let x3 = Tensor.tensor("x3", dtype: .float32, shape: [3])
        let v = blockwise(Convolve1d(), signature: "(n),(k),()->(o)", [x0, x1, Tensor.constant(NDArray(scalar: true))])
        let y = stack([floor(dot(v, x2)), x3], axis: 0)
        let p = Tensor.constant(NDArray(shape: [2, 3], elements: [0.7, 0.3, 0.2, 0.1, 0.5, 0.9] as [Double]).converted(to: .float32))
        let g = grad((y * p).sum(), wrt: [x0, x1, x2, x3], disconnected: .zero)
        var report = RewriteReport()
        let once = rewriteGraph([y] + g, include: ["fast_run"], exclude: ["BlasOpt"], report: &report)
        let twice = rewriteGraph(once, include: ["fast_run"], exclude: ["BlasOpt"])
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(dprint(once) == dprint(twice), "\(dprint(once))\n--- then ---\n\(dprint(twice))")
    }
}

@Suite("FunctionGraph.replace and static lengths")
struct ReplaceRefiningTests {
    @Test func aStaticOneReplacesAnUnknownLengthOnlyWhenRefining() throws {
        let x = Tensor.vector("x")
        let one = Tensor.tensor("one", dtype: .float64, shape: [1])
        let graph = FunctionGraph(outputs: [exp(x)])
        let value = graph.outputs[0].owner!.inputs[0]
        #expect(throws: CotangentError.self) { try graph.replace(value, with: one) }
        try graph.replace(value, with: one, refiningUnknownLengths: true)
        #expect(graph.outputs[0].owner!.inputs[0].type.shape == [1])
        // The reader's type follows: exp of a static 1 is a static 1.
        #expect(graph.outputs[0].type.shape == [1])
        // A static 1 never becomes another length, refining or not.
        let two = Tensor.tensor("two", dtype: .float64, shape: [2])
        let graph2 = FunctionGraph(outputs: [exp(one)])
        #expect(throws: CotangentError.self) {
            try graph2.replace(graph2.outputs[0].owner!.inputs[0], with: two, refiningUnknownLengths: true)
        }
        // An unknown length may stand for it (the replacement computes the same value, so its
        // length is 1 whenever the graph runs); the replacement's type keeps the static 1, and
        // the materialized graph has it too.
        let graph3 = FunctionGraph(outputs: [exp(one) * 2])
        let y = sin(x)
        try graph3.replace(graph3.outputs[0].owner!.inputs[0], with: y)
        #expect(graph3.outputs[0].owner!.inputs[0].type.shape == [1])
        let materialized = graph3.materialize()[0]
        #expect(materialized.owner!.inputs[0].type.shape == [1])
        #expect(materialized.type.shape == [1])
    }
}
