import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// A 1-d function of float inputs of the given shapes, for Jacobians.
struct IndexJacobianCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    let build: @Sendable ([Variable]) -> Variable
    var testDescription: String { name }

    init(_ name: String, _ shapes: [[Int]], _ build: @escaping @Sendable ([Variable]) -> Variable) {
        self.name = name
        self.shapes = shapes
        self.build = build
    }

    static let all: [IndexJacobianCase] = [
        .init("x[::-1]", [[4]]) { $0[0][.stride(by: -1)] },
        .init("exp(x)[::-1] * 2", [[4]]) { exp($0[0])[.stride(by: -1)] * 2 },
        .init("x[1:] - x[:-1]", [[5]]) { $0[0][1...] - $0[0][..<4] },
        .init("A[1, ::-1]", [[3, 4]]) { $0[0][1, .stride(by: -1)] },
        .init("A[:, 2] * A[0, 1:]", [[3, 4]]) { $0[0][.all, 2] * $0[0][0, 1...] },
        .init("T[1, 2, ::-1] * T[0, 0]", [[2, 3, 4]]) { $0[0][1, 2, .stride(by: -1)] * $0[0][0, 0] },
        .init("sin(x[::2])[::-1]", [[5]]) { sin($0[0][.stride(by: 2)])[.stride(by: -1)] },
        .init("x[1:4] += y", [[5], [3]]) { $0[0].incremented(at: [1..<4], by: $0[1]) },
        .init("x[1:4] += s (0-d y)", [[5], []]) { $0[0].incremented(at: [1..<4], by: $0[1]) },
        .init("x[::-2] = y", [[5], [3]]) { $0[0].setting(at: [.stride(by: -2)], to: $0[1]) },
        .init("x[::-2] = y (length-1 y)", [[5], [1]]) { $0[0].setting(at: [.stride(by: -2)], to: $0[1]) },
        .init("x[0] = x[-1] * 3", [[4]]) { $0[0].setting(at: [0], to: $0[0][-1] * 3) },
        .init("exp(x[1:3] += x[:2])", [[4]]) { exp($0[0].incremented(at: [1..<3], by: $0[0][..<2])) },
        .init("(A[:, 1] += b).sum(0)", [[3, 4], [3]]) { $0[0].incremented(at: [.all, 1], by: $0[1]).sum(axis: 0) },
        .init("(A[1] = b)[:, 2] (b broadcast)", [[3, 4], [1]]) { $0[0].setting(at: [1], to: $0[1])[.all, 2] },
        .init("(A[:, 1:3] += B).sum(1) (B (3, 1))", [[3, 4], [3, 1]]) {
            ($0[0].incremented(at: [.all, 1..<3], by: $0[1]) * $0[0]).sum(axis: 1)
        },
        .init("(T[::-1, 0] = y)[1, 2] (y (2, 1))", [[2, 3, 4], [2, 1]]) {
            $0[0].setting(at: [.stride(by: -1), 0], to: $0[1])[1, .all, 2] * $0[0][0, 0, 1]
        },
    ]
}

@Suite("Indexing batching")
struct IndexingBatchingTests {
    // MARK: - Jacobians: vectorized (the batching rules) against looped (symbolic-row Subtensor)

    @Test(arguments: IndexJacobianCase.all, [false, true])
    func vectorizedJacobianMatchesTheLoop(_ spec: IndexJacobianCase, staticShapes: Bool) throws {
        // Length-1 dims stay static: broadcasting is declared statically (as PyTensor's
        // broadcastable flags), and gradients sum over statically broadcast dims only.
        let inputs = spec.shapes.enumerated().map { k, shape in
            Tensor.tensor("in\(k)", shape: shape.map { staticShapes || $0 == 1 ? $0 : nil })
        }
        let f = try checked { spec.build(inputs) }
        let vectorized = try checked { jacobian(f, wrt: inputs) }
        let looped = try checked { jacobian(f, wrt: inputs, vectorize: false) }
        let point = spec.shapes.enumerated().map { k, shape in randomPoint(shape, -1...1, seed: UInt64(60 + k)) }
        let feed = Dictionary(uniqueKeysWithValues: zip(inputs, point))
        let rows = try f.eval(feed).shape[0]
        for (k, (a, b)) in zip(vectorized, looped).enumerated() {
            let (va, vb) = (try a.eval(feed), try b.eval(feed))
            #expect(va.shape == [rows] + spec.shapes[k])
            #expect(vb.shape == va.shape)
            #expect(maxDifference(va, vb) < 1e-12, "wrt input \(k)")
        }
    }

    @Test func jacobianValuesMatchNumpy() throws {
        let x = Tensor.vector("x")
        let f = exp(x)[.stride(by: -1)] * 2
        // numpy: np.fliplr(np.diag(2 * np.exp(x)))[::-1] … i.e. J[i, n-1-i] = 2 exp(x[n-1-i]).
        let expected = [0, 0, 14.7781121978613, 0, 5.43656365691809, 0, 2, 0, 0]
        for vectorize in [true, false] {
            let J = try checked { jacobian(f, wrt: x, vectorize: vectorize) }
            let value = try J.eval(["x": [0.0, 1.0, 2.0]]).asArray(Double.self)
            #expect(zip(value, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "vectorize: \(vectorize)")
        }
    }

    @Test func float32Jacobians() throws {
        let x = Tensor.vector("x", dtype: .float32)
        let y = Tensor.vector("y", dtype: .float32)
        let f = exp(x.setting(at: [.stride(by: -2)], to: y))[1...]
        let feed: [Variable: NDArray] = [
            x: randomPoint([5], -1...1, seed: 70, dtype: .float32), y: randomPoint([3], -1...1, seed: 71, dtype: .float32),
        ]
        let vectorized = try checked { jacobian(f, wrt: [x, y]) }
        let looped = try checked { jacobian(f, wrt: [x, y], vectorize: false) }
        for (a, b) in zip(vectorized, looped) {
            let (va, vb) = (try a.eval(feed), try b.eval(feed))
            #expect(va.dtype == .float32 && vb.dtype == .float32)
            #expect(maxDifference(va, vb) < 1e-6)
        }
    }

    @Test func jacobiansWithASymbolicSliceBound() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let f = exp(x)[.slice(start: i, step: -1)]
        let vectorized = try checked { jacobian(f, wrt: x) }
        let looped = try checked { jacobian(f, wrt: x, vectorize: false) }
        for start in [-2, 1, 10] {
            let feed: [String: NDArray] = ["x": [0.0, 1.0, 2.0, 3.0], "i": NDArray(scalar: Int64(start))]
            let (a, b) = (try vectorized.eval(feed), try looped.eval(feed))
            #expect(a.shape == b.shape)
            #expect(maxDifference(a, b) < 1e-12)
        }
    }

    @Test func jacobiansOfAnEmptySlice() throws {
        let x = Tensor.vector("x")
        let f = x[.stride(by: -1)] * 2
        for vectorize in [true, false] {
            let J = try checked { jacobian(f, wrt: x, vectorize: vectorize) }
            #expect(try J.eval(["x": NDArray.zeros([0])]).shape == [0, 0])
        }
    }

    /// The loop is a scan over the row indices; its row is a symbolic index: the body's graph is
    /// `Subtensor{i}(flat, ScalarFromTensor(row))` and the row's pullback an `IncSubtensor{i}` at
    /// the same converted row.
    @Test func loopedJacobianIndexesRowsSymbolically() throws {
        let x = Tensor.vector("x")
        let J = try checked { jacobian(x[.stride(by: -1)], wrt: x, vectorize: false) }
        let loop = try #require(J.owner?.op as? Scan)
        let nodes = GraphTraversal.toposort(loop.body.outputs)
        let rowUpdate = try #require(nodes.first { "\($0.op)" == "IncSubtensor{i}" })
        let conversion = try #require(rowUpdate.inputs[2].owner)
        #expect(conversion.op is ScalarFromTensor)
        #expect(conversion.inputs[0] === loop.body.slices[0])
        #expect(nodes.contains { "\($0.op)" == "Subtensor{i}" && $0.inputs[1] === rowUpdate.inputs[2] })
        #expect(try J.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == [0, 0, 1, 0, 1, 0, 1, 0, 0])
    }

    // MARK: - vectorizeGraph: the batched graph equals stacking per-entry evaluations

    /// Builds `f` on unbatched inputs, replaces the `batched` ones by inputs with leading
    /// `batchShape` dims and checks the vectorized graph against a loop over the batch.
    @discardableResult
    func expectBatchingAgrees(
        _ shapes: [[Int]], batched: [Bool], batchShape: [Int] = [3], staticShapes: Bool = false,
        _ f: ([Variable]) -> Variable
    ) throws -> Variable {
        let inputs = shapes.enumerated().map { k, shape in
            Tensor.tensor("in\(k)", shape: staticShapes ? shape.map { $0 } : shape.map { _ in nil })
        }
        let output = try checked { f(inputs) }
        var replacements: [Variable: Variable] = [:]
        var batchedFeed: [Variable: NDArray] = [:]
        var values: [NDArray] = []
        for (k, shape) in shapes.enumerated() {
            let full = batched[k] ? batchShape + shape : shape
            let value = randomPoint(full, -2...2, seed: UInt64(80 + k))
            values.append(value)
            if batched[k] {
                let replacement = Tensor.tensor("batched\(k)", shape: staticShapes ? full.map { $0 } : full.map { _ in nil })
                replacements[inputs[k]] = replacement
                batchedFeed[replacement] = value
            } else {
                batchedFeed[inputs[k]] = value
            }
        }
        let vectorized = try checked { vectorizeGraph([output], replacing: replacements)[0] }
        let whole = try vectorized.eval(batchedFeed)
        let count = batchShape.reduce(1, *)
        let entries = try (0..<count).map { flat -> NDArray in
            // The batch index at row-major position `flat`.
            var index = [Int](repeating: 0, count: batchShape.count)
            var rest = flat
            for axis in batchShape.indices.reversed() {
                index[axis] = rest % batchShape[axis]
                rest /= batchShape[axis]
            }
            var feed: [Variable: NDArray] = [:]
            for (k, (input, value)) in zip(inputs, values).enumerated() {
                feed[input] = batched[k] ? index.reduce(value) { $0.indexed(axis: 0, at: $1) } : value
            }
            return try output.eval(feed)
        }
        #expect(whole.shape == batchShape + entries[0].shape)
        #expect(whole.asArray(Double.self) == entries.flatMap { $0.asArray(Double.self) })
        return vectorized
    }

    @Test func batchedSubtensorPrependsFullSlices() throws {
        let out = try expectBatchingAgrees([[3, 4]], batched: [true]) { $0[0][1, .stride(by: -1)] }
        #expect("\(out.owner!.op)" == "Subtensor{:, i, ::step}")
        let twice = try expectBatchingAgrees([[5]], batched: [true], batchShape: [2, 3]) { $0[0][.stride(from: 3, by: -2)] }
        #expect("\(twice.owner!.op)" == "Subtensor{:, :, start::step}")
        try expectBatchingAgrees([[2, 3, 4]], batched: [true], staticShapes: true) { exp($0[0][-1, 1...])[.all, 0] }
    }

    /// The seed's form: vectorizing `Subtensor{::step}(v, -1)` gives `Subtensor{:, ::step}`
    /// with the same `-1`.
    @Test func vectorizedReversalPrintsLikeTheSeed() throws {
        let v = Tensor.vector("v")
        let V = Tensor.matrix("V")
        let reversed = v[.stride(by: -1)]
        let batched = vectorizeGraph([reversed], replacing: [v: V])[0]
        #expect(batched.dprint() == """
            Subtensor{:, ::step} [id A]
             ├─ V [id B]
             └─ -1 [id C]
            """)
        #expect(batched.owner!.inputs[1] === reversed.owner!.inputs[1])
    }

    @Test(arguments: [false, true])
    func batchedUpdates(set: Bool) throws {
        func update(_ indices: [any TensorIndexConvertible]) -> ([Variable]) -> Variable {
            { v in set ? v[0].setting(at: indices, to: v[1]) : v[0].incremented(at: indices, by: v[1]) }
        }
        let columns: [any TensorIndexConvertible] = [.all, 1..<3]
        for batched in [[true, false], [false, true], [true, true]] {
            for yShape in [[3, 2], [2], [1, 2], [3, 1], [], [1]] {
                // A value's length 1 broadcasts only when it is static.
                for staticShapes in yShape.contains(1) ? [true] : [false, true] {
                    try expectBatchingAgrees(
                        [[3, 4], yShape], batched: batched, staticShapes: staticShapes, update(columns))
                }
            }
            try expectBatchingAgrees([[2, 3, 4], [4]], batched: batched, update([.stride(by: -1), 0]))
            try expectBatchingAgrees([[5], []], batched: batched, batchShape: [2, 2], update([-2]))
            try expectBatchingAgrees([[3, 4], [2]], batched: batched, batchShape: [2, 1], update([0, .stride(by: -2)]))
        }
    }

    @Test func batchedUpdatePrintsFullSlicesAndBroadcastsX() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let Y = Tensor.matrix("Y")
        let updated = x.incremented(at: [.stride(by: -1)], by: y)
        let batched = vectorizeGraph([updated], replacing: [y: Y])[0]
        let node = try #require(batched.owner)
        #expect("\(node.op)" == "IncSubtensor{:, ::step}")
        #expect("\(try #require(node.inputs[0].owner).op)" == "Alloc")
        #expect(node.inputs[1] === Y)
        // Only x batched: y is used as it is and broadcasts across the batch.
        let X = Tensor.matrix("X")
        let onlyX = try #require(vectorizeGraph([updated], replacing: [x: X])[0].owner)
        #expect(onlyX.inputs[0] === X && onlyX.inputs[1] === y)
    }

    /// A batch dim that is statically 1 in x but not in y: x is broadcast across y's batch.
    @Test(arguments: [false, true])
    func xWithAStaticLengthOneBatchIsBroadcast(set: Bool) throws {
        let (x, y) = (Tensor.matrix("x"), Tensor.vector("y"))
        let updated = set ? x.setting(at: [.all, 1..<3], to: y) : x.incremented(at: [.all, 1..<3], by: y)
        let X = Tensor.tensor3("X", shape: [1, nil, nil])
        let Y = Tensor.matrix("Y")
        let batched = try checked { vectorizeGraph([updated], replacing: [x: X, y: Y])[0] }
        let (xs, ys) = (randomPoint([1, 3, 4], -1...1, seed: 90), randomPoint([2, 2], -1...1, seed: 91))
        let whole = try batched.eval([X: xs, Y: ys])
        #expect(whole.shape == [2, 3, 4])
        let entries = try (0..<2).map { b in
            try updated.eval([x: xs.indexed(axis: 0, at: 0), y: ys.indexed(axis: 0, at: b)]).asArray(Double.self)
        }
        #expect(whole.asArray(Double.self) == entries.flatMap { $0 })
    }

    // MARK: - Batched index inputs fall back to Blockwise

    @Test func batchedIndexFallsBackToBlockwise() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let indices = Tensor.vector("indices", dtype: .int64)
        let picked = vectorizeGraph([x[i] * 10], replacing: [i: indices])[0]
        let nodes = GraphTraversal.toposort([picked])
        #expect(nodes.contains { "\($0.op)".hasPrefix("Blockwise{Subtensor{i}") })
        let value = try picked.eval(["x": [1.0, 2.0, 3.0], "indices": NDArray([Int64(2), -3, 1])])
        #expect(value.asArray(Double.self) == [30, 10, 20])

        // Windows of a fixed length at batched starts (both bounds batched).
        let windows = vectorizeGraph([x[.slice(start: i, stop: i + 2)]], replacing: [i: indices])[0]
        let values = try windows.eval(["x": [1.0, 2.0, 3.0, 4.0], "indices": NDArray([Int64(0), 2, -3])])
        #expect(values.shape == [3, 2])
        #expect(values.asArray(Double.self) == [1, 2, 3, 4, 2, 3])
        // Windows of different lengths cannot be stacked: the Blockwise kernel says so.
        let ragged = vectorizeGraph([x[.slice(start: i, stop: -1)]], replacing: [i: indices])[0]
        let error = cotangentError { _ = try ragged.eval(["x": [1.0, 2.0, 3.0], "indices": NDArray([Int64(0), 1])]) }
        #expect(error?.kind == .shapeMismatch)

        let y = Tensor.scalar("y")
        let updated = vectorizeGraph([x.incremented(at: [i], by: y)], replacing: [i: indices])[0]
        #expect(GraphTraversal.toposort([updated]).contains { "\($0.op)".hasPrefix("Blockwise{IncSubtensor{i}") })
        let rows = try updated.eval(["x": [0.0, 0.0], "y": 5.0, "indices": NDArray([Int64(1), 0])])
        #expect(rows.asArray(Double.self) == [0, 5, 5, 0])
    }
}
