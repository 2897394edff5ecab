import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One basic-indexing pattern applied to a tensor of a given shape.
struct IndexGradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shape: [Int]
    let index: @Sendable (Variable) -> Variable
    var testDescription: String { name }

    init(_ name: String, _ shape: [Int], _ index: @escaping @Sendable (Variable) -> Variable) {
        self.name = name
        self.shape = shape
        self.index = index
    }

    /// A symbolic int64 that is always `value` but is not a constant (so the index input is
    /// `ScalarFromTensor` of a computed 0-d tensor, as for a user's symbolic index).
    static func symbolic(_ value: Int64, from x: Variable) -> Variable {
        (x.sum() * 0).cast(to: .int64) + Variable(constant: NDArray(scalar: value))
    }

    static let all: [IndexGradCase] = [
        .init("x[2]", [5]) { $0[2] },
        .init("x[-1]", [5]) { $0[-1] },
        .init("x[1:]", [5]) { $0[1...] },
        .init("x[:3]", [5]) { $0[..<3] },
        .init("x[1:4]", [5]) { $0[1..<4] },
        .init("x[::-1]", [5]) { $0[.stride(by: -1)] },
        .init("x[::2]", [5]) { $0[.stride(by: 2)] },
        .init("x[3::-2]", [5]) { $0[.stride(from: 3, by: -2)] },
        .init("x[-10:10]", [5]) { $0[.slice(start: -10, stop: 10)] },
        .init("x[10:-10:-3]", [5]) { $0[.stride(from: 10, to: -10, by: -3)] },
        .init("x[10:] (empty)", [5]) { $0[.slice(start: 10)] },
        .init("x[:] of an empty x", [0]) { $0[.all] },
        .init("A[1]", [3, 4]) { $0[1] },
        .init("A[-1, -2]", [3, 4]) { $0[-1, -2] },
        .init("A[:, 2]", [3, 4]) { $0[.all, 2] },
        .init("A[:, ::-1]", [3, 4]) { $0[.all, .stride(by: -1)] },
        .init("A[1:, :3]", [3, 4]) { $0[1..., ..<3] },
        .init("A[::-2, 1]", [3, 4]) { $0[.stride(by: -2), 1] },
        .init("A[..., -2]", [3, 4]) { $0[.ellipsis, -2] },
        .init("A[0, None]", [3, 4]) { $0[0, .newAxis] },
        .init("A[:, 1:2] (static 1)", [3, 4]) { $0[.all, 1..<2] },
        .init("A[-5:] of a (1, 4) A", [1, 4]) { $0[.slice(start: -5)] },
        .init("T[1, :, ::-1]", [2, 3, 4]) { $0[1, .all, .stride(by: -1)] },
        .init("T[:, 0, 1:3]", [2, 3, 4]) { $0[.all, 0, 1..<3] },
        .init("T[-1, -1, -1]", [2, 3, 4]) { $0[-1, -1, -1] },
        .init("T[::-1, 2::-2]", [2, 3, 4]) { $0[.stride(by: -1), .stride(from: 2, by: -2)] },
        .init("T[1][::-1][0] (chained)", [2, 3, 4]) { $0[1][.stride(by: -1)][0] },
        .init("x[i] (symbolic)", [5]) { x in x[symbolic(-2, from: x)] },
        .init("x[argmax(x)] (symbolic)", [5]) { x in x[x.argmax()] },
        .init("A[i:, ::s] (symbolic)", [3, 4]) { A in
            A[.slice(start: symbolic(1, from: A)), .stride(by: symbolic(-2, from: A))]
        },
        .init("T[i, j:k] (symbolic int32)", [2, 3, 4]) { T in
            T[symbolic(-1, from: T).cast(to: .int32),
              .slice(start: symbolic(-2, from: T), stop: symbolic(3, from: T).cast(to: .int32))]
        },
    ]
}

/// `x[idx] += y` or `x[idx] = y` with shapes for `x` and `y`.
struct UpdateGradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let xShape: [Int]
    let yShape: [Int]
    let indices: [any TensorIndexConvertible]
    var testDescription: String { name }

    init(_ name: String, _ xShape: [Int], _ yShape: [Int], _ indices: [any TensorIndexConvertible]) {
        self.name = name
        self.xShape = xShape
        self.yShape = yShape
        self.indices = indices
    }

    func apply(_ x: Variable, _ y: Variable, set: Bool) -> Variable {
        set ? x.setting(at: indices, to: y) : x.incremented(at: indices, by: y)
    }

    static let all: [UpdateGradCase] = [
        .init("x[1:4] <- (3,)", [5], [3], [1..<4]),
        .init("x[1:4] <- (1,) broadcast", [5], [1], [1..<4]),
        .init("x[1:4] <- () broadcast", [5], [], [1..<4]),
        .init("x[::-2] <- (3,)", [5], [3], [.stride(by: -2)]),
        .init("x[2] <- ()", [5], [], [2]),
        .init("x[10:] (empty) <- (1,)", [5], [1], [.slice(start: 10)]),
        .init("A[:, 1:3] <- (3, 2)", [3, 4], [3, 2], [.all, 1..<3]),
        .init("A[:, 1:3] <- (1, 2)", [3, 4], [1, 2], [.all, 1..<3]),
        .init("A[:, 1:3] <- (2,) leading", [3, 4], [2], [.all, 1..<3]),
        .init("A[:, 1:3] <- (3, 1)", [3, 4], [3, 1], [.all, 1..<3]),
        .init("A[:, 1:3] <- (1, 1)", [3, 4], [1, 1], [.all, 1..<3]),
        .init("A[:, 1:3] <- ()", [3, 4], [], [.all, 1..<3]),
        .init("A[1] <- (4,)", [3, 4], [4], [1]),
        .init("A[-1] <- (1,)", [3, 4], [1], [-1]),
        .init("A[::-1, 3::-2] <- (3, 2)", [3, 4], [3, 2], [.stride(by: -1), .stride(from: 3, by: -2)]),
        .init("T[::-1, 0] <- (4,)", [2, 3, 4], [4], [.stride(by: -1), 0]),
        .init("T[::-1, 0] <- (2, 1)", [2, 3, 4], [2, 1], [.stride(by: -1), 0]),
        .init("T[-1, :, 2] <- (3,)", [2, 3, 4], [3], [-1, .all, 2]),
        .init("T[:, 1:] <- (1, 2, 1)", [2, 3, 4], [1, 2, 1], [.all, 1...]),
        .init("A[None, 1:] <- (4,) new axis", [3, 4], [4], [.newAxis, 1...]),
        .init("A[1:, None, 2] <- (2, 1) new axis", [3, 4], [2, 1], [1..., .newAxis, 2]),
    ]
}

@Suite("Indexing derivatives")
struct IndexingGradTests {
    // MARK: - Subtensor

    @Test(arguments: IndexGradCase.all)
    func subtensorGradientMatchesFiniteDifferences(_ spec: IndexGradCase) throws {
        try verifyGrad({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 1)])
    }

    @Test(arguments: IndexGradCase.all)
    func subtensorGradientInFloat32(_ spec: IndexGradCase) throws {
        try verifyGrad({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 2, dtype: .float32)])
    }

    @Test(arguments: IndexGradCase.all)
    func subtensorPushforwardAgreesWithPullback(_ spec: IndexGradCase) throws {
        try verifyPushforward({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 3)])
    }

    @Test func subtensorInsideAComposite() throws {
        let point = [randomPoint([6], 0.5...2, seed: 4), randomPoint([3, 6], -1...1, seed: 5)]
        let f: ([Variable]) -> Variable = { v in
            exp(v[0])[.stride(by: -1)] * 2 + (v[1][1] * v[0])[.stride(by: -1)] + v[1][.all, 1..<3].sum()
        }
        try verifyGrad(f, at: point)
        try verifyPushforward(f, at: point)
    }

    /// `pullback(x[i:j:s], x, v)` scatters `v` into zeros (numpy `z[i:j:s] += v`) for symbolic
    /// bounds fed at run time.
    @Test(arguments: [
        (1, 5, 1, [0.0, 10, 20, 30, 40, 0]),
        (-1, 0, -2, [0.0, 30, 0, 20, 0, 10]),
        (10, -10, -3, [0.0, 0, 20, 0, 0, 10]),
    ])
    func pullbackWithSymbolicBounds(_ start: Int, _ stop: Int, _ step: Int, _ expected: [Double]) throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let (i, j) = (Tensor.scalar("i", dtype: .int64), Tensor.scalar("j", dtype: .int32))
        let s = Variable(type: .scalar(.int64), name: "s")
        let vjp = try checked { pullback(x[.slice(start: i, stop: j, step: s)], wrt: x, cotangent: v) }
        let count = expected.filter { $0 != 0 }.count
        let value = try vjp.eval([
            "x": NDArray.zeros([6]), "v": NDArray((1...count).map { Double($0) * 10 }),
            "i": NDArray(scalar: Int64(start)), "j": NDArray(scalar: Int32(stop)), "s": NDArray(scalar: Int64(step)),
        ])
        #expect(value.asArray(Double.self) == expected)
    }

    @Test func pullbackOfAMixedIndexWithASymbolicRow() throws {
        let A = Tensor.matrix("A")
        let v = Tensor.vector("v")
        let i = Tensor.scalar("i", dtype: .int64)
        let vjp = try checked { pullback(A[i, .stride(by: -1)], wrt: A, cotangent: v) }
        let value = try vjp.eval(["A": NDArray.zeros([3, 4]), "v": [1.0, 2.0, 3.0, 4.0], "i": NDArray(scalar: Int64(-2))])
        // numpy: z = zeros((3, 4)); z[-2, ::-1] += v
        #expect(value.asArray(Double.self) == [0, 0, 0, 0, 4, 3, 2, 1, 0, 0, 0, 0])
    }

    // MARK: - IncSubtensor and SetSubtensor

    @Test(arguments: UpdateGradCase.all, [false, true])
    func updateGradientMatchesFiniteDifferences(_ spec: UpdateGradCase, set: Bool) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 6), randomPoint(spec.yShape, -2...2, seed: 7)]
        // The output times x makes the gradient with respect to x depend on x (not only on 0/1).
        try verifyGrad({ v in spec.apply(v[0], v[1], set: set) * v[0] }, at: point)
    }

    @Test(arguments: UpdateGradCase.all, [false, true])
    func updateGradientInFloat32(_ spec: UpdateGradCase, set: Bool) throws {
        let point = [
            randomPoint(spec.xShape, -2...2, seed: 8, dtype: .float32),
            randomPoint(spec.yShape, -2...2, seed: 9, dtype: .float32),
        ]
        try verifyGrad({ v in spec.apply(v[0], v[1], set: set) * v[0] }, at: point)
    }

    @Test(arguments: UpdateGradCase.all, [false, true])
    func updatePushforwardAgreesWithPullback(_ spec: UpdateGradCase, set: Bool) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 10), randomPoint(spec.yShape, -2...2, seed: 11)]
        try verifyPushforward({ v in spec.apply(v[0], v[1], set: set) * v[0] }, at: point)
    }

    @Test(arguments: [false, true])
    func updateWithATangentForOnlyOneOperand(set: Bool) throws {
        // x alone, y alone: the missing tangent is zeros.
        let spec = UpdateGradCase.all[7]
        let point = [randomPoint(spec.xShape, -2...2, seed: 12), randomPoint(spec.yShape, -2...2, seed: 13)]
        try verifyPushforward({ v in spec.apply(v[0], Variable(constant: point[1]), set: set) }, at: [point[0]])
        try verifyPushforward({ v in spec.apply(Variable(constant: point[0]), v[0], set: set) }, at: [point[1]])
    }

    @Test(arguments: [false, true])
    func updateOfMixedFloatDtypes(set: Bool) throws {
        let x64 = randomPoint([3, 4], -2...2, seed: 14)
        let y32 = randomPoint([1, 2], -2...2, seed: 15, dtype: .float32)
        let f: ([Variable]) -> Variable = { v in
            let updated = set ? v[0].setting(at: [.all, 1..<3], to: v[1]) : v[0].incremented(at: [.all, 1..<3], by: v[1])
            return updated * v[0]
        }
        try verifyGrad(f, at: [x64, y32])
        try verifyGrad(f, at: [x64.converted(to: .float32), y32.converted(to: .float64)])
        let (x, y) = (Tensor.matrix("x"), Tensor.matrix("y", dtype: .float32, shape: [1, 2]))
        let grads = try checked { grad(f([x, y]).sum(), wrt: [x, y]) }
        #expect(grads.map(\.dtype) == [.float64, .float32])
        // The cotangent's shape is unknown: only the broadcast dim is known (summed to 1).
        #expect(grads[1].type.shape == [1, nil])
    }

    /// numpy: `v` with the set region zeroed for x; `v[idx]` summed over y's broadcast dims.
    @Test func setPullbackValues() throws {
        let x = Tensor.vector("x", shape: [5])
        let y = Tensor.vector("y", shape: [1])
        let v = Tensor.vector("v")
        let updated = x.setting(at: [.stride(by: -2)], to: y)
        let grads = try checked { pullback(updated, wrt: [x, y], cotangent: v) }
        let values = try evaluate(grads, ["x": NDArray.zeros([5]), "y": [0.0], "v": [1.0, 2, 3, 4, 5]])
        #expect(values[0].asArray(Double.self) == [0, 2, 0, 4, 0])
        #expect(values[1].asArray(Double.self) == [9])
    }

    @Test func incrementPullbackValuesForBroadcastValues() throws {
        let A = Tensor.matrix("A", shape: [3, 4])
        let V = Tensor.matrix("V")
        let source = NDArray(shape: [3, 4], elements: (0..<12).map(Double.init))
        // numpy: V[:, 1:3].sum(0), .sum(1, keepdims=True), .sum(); x gets V itself.
        let cases: [(Variable, [Int], [Double])] = [
            (Tensor.vector("y", shape: [2]), [2], [15, 18]),
            (Tensor.matrix("y", shape: [3, 1]), [3, 1], [3, 11, 19]),
            (Tensor.scalar("y"), [], [33]),
        ]
        for (y, shape, expected) in cases {
            let grads = try checked { pullback(A.incremented(at: [.all, 1..<3], by: y), wrt: [A, y], cotangent: V) }
            #expect(grads[1].ndim == y.ndim)
            let values = try evaluate(grads, ["A": NDArray.zeros([3, 4]), "y": NDArray.zeros(shape), "V": source])
            #expect(values[0].asArray(Double.self) == source.asArray(Double.self))
            #expect(values[1].shape == shape)
            #expect(values[1].asArray(Double.self) == expected)
        }
        // The set variant zeroes the region in x's gradient: [[0,0,0,3],[4,0,0,7],[8,0,0,11]].
        let set = try checked { pullback(A.setting(at: [.all, 1..<3], to: Tensor.vector("y")), wrt: A, cotangent: V) }
        let value = try set.eval(["A": NDArray.zeros([3, 4]), "y": [0.0, 0.0], "V": source])
        #expect(value.asArray(Double.self) == [0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11])
    }

    // MARK: - Integer operands

    @Test func integerOperandsAreDisconnected() throws {
        let x = Tensor.vector("x")
        let n = Tensor.vector("n", dtype: .int64)
        let i = Tensor.scalar("i", dtype: .int64)
        // An integer value added into a float tensor: x's gradient is ones, n has none.
        let g = try checked { grad(x.incremented(at: [i], by: n[0]).sum(), wrt: x) }
        #expect(try g.eval(["x": [1.0, 2.0], "n": NDArray([Int64(3)]), "i": NDArray(scalar: Int64(1))])
            .asArray(Double.self) == [1, 1])
        let integerWrt = cotangentError { _ = try checked { grad(x.incremented(at: [0], by: n[0]).sum(), wrt: n) } }
        #expect(integerWrt?.kind == .invalidGradient)
        // A float written into an integer tensor: the output is integer, so no gradient reaches f.
        let f = Tensor.scalar("f")
        let cost = n.setting(at: [0], to: f).cast(to: .float64).sum() + x.sum()
        let disconnected = cotangentError { _ = try checked { grad(cost, wrt: f) } }
        #expect(disconnected?.message.contains("do not depend on f") == true)
        // Index inputs: connection pattern false, pullback disconnected.
        let node = try #require(x[.slice(start: i, step: 2)].owner)
        #expect(node.op.connectionPattern(node) == [[true], [false], [false]])
        let results = node.op.pullback(node, cotangents: [Tensor.vector("g")])
        #expect(results.count == 3)
        if case .disconnected = results[1] {} else { Issue.record("index input not disconnected") }
        let update = try #require(x.incremented(at: [i], by: n[0]).owner)
        #expect(update.op.connectionPattern(update) == [[true], [false], [false]])
        let intNode = try #require(n[0].owner)
        #expect(intNode.op.connectionPattern(intNode) == [[false], [false]])
    }

    // MARK: - Derivatives of derivatives

    @Test func gradOfGradThroughIndexing() throws {
        // The first gradient holds IncSubtensor (Subtensor's pullback) and Subtensor (its own).
        let point = [randomPoint([5], -2...2, seed: 16)]
        try verifyGrad({ v in
            let x = v[0]
            return grad((x[.stride(by: -1)] * x * x).sum() + (x[1...] * x[..<4]).sum(), wrt: x)[1...]
        }, at: point)
        try verifyGrad({ v in
            let x = v[0]
            let updated = x.setting(at: [.stride(from: 1, by: 2)], to: x[..<2] * x[3...])
            return grad((updated * updated).sum(), wrt: x)
        }, at: point)
    }

    @Test func pushforwardOfPullback() throws {
        let point = [randomPoint([4, 3], -2...2, seed: 17)]
        try verifyPushforward({ v in
            let A = v[0]
            return pullback(A[1, .stride(by: -1)] * A[0], wrt: A, cotangent: Variable(constant: NDArray([1.0, -2.0, 3.0])))
        }, at: point)
        try verifyPushforward({ v in
            let A = v[0]
            let updated = A.incremented(at: [.all, 1], by: A[.all, 0] * A[.all, 2])
            return grad((updated * updated).sum(), wrt: A)
        }, at: point)
    }

    @Test func hessianThroughIndexingMatchesTheLoopedJacobianOfTheGradient() throws {
        let x = Tensor.vector("x")
        let cost = (exp(x)[.stride(by: -1)] * x).sum() + (x.setting(at: [0], to: x[-1] * x[1]) * x).sum()
        let H = try checked { hessian(cost, wrt: x) }
        let looped = try checked { jacobian(grad(cost, wrt: x), wrt: x, vectorize: false) }
        let point = randomPoint([4], -1...1, seed: 18)
        let (a, b) = (try H.eval(["x": point]), try looped.eval(["x": point]))
        #expect(a.shape == [4, 4])
        #expect(maxDifference(a, b) < 1e-12)
    }

    // MARK: - Raw graph forms (the seed prints these)

    @Test func subtensorPullbackIsAnIncrementOfZeros() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let vjp = try checked { pullback(x[.stride(by: -1)], wrt: x, cotangent: v) }
        #expect(vjp.dprint() == """
            IncSubtensor{::step} [id A]
             ├─ Second [id B]
             │  ├─ x [id C]
             │  └─ ExpandDims{axis=0} [id D]
             │     └─ 0.0 [id E]
             ├─ v [id F]
             └─ -1 [id G]
            """)
        #expect(try vjp.eval(["x": [0.0, 0, 0], "v": [1.0, 2, 3]]).asArray(Double.self) == [3, 2, 1])
        let jvp = try checked { pushforward(x[.stride(by: -1)], wrt: x, tangent: v) }
        #expect(jvp.dprint() == """
            Subtensor{::step} [id A]
             ├─ v [id B]
             └─ -1 [id C]
            """)
    }

    @Test func setSubtensorPullbackZeroesTheRegion() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let v = Tensor.vector("v")
        let grads = try checked { pullback(x.setting(at: [1...], to: y), wrt: [x, y], cotangent: v) }
        #expect(grads[0].dprint() == """
            SetSubtensor{start:} [id A]
             ├─ v [id B]
             ├─ Second [id C]
             │  ├─ y [id D]
             │  └─ ExpandDims{axis=0} [id E]
             │     └─ 0.0 [id F]
             └─ 1 [id G]
            """)
        #expect(grads[1].dprint() == """
            Subtensor{start:} [id A]
             ├─ v [id B]
             └─ 1 [id C]
            """)
    }

    @Test func broadcastValueGradientSumsAndKeepsDims() throws {
        let A = Tensor.matrix("A")
        let y = Tensor.matrix("y", shape: [1, nil])
        let V = Tensor.matrix("V")
        let gy = try checked { pullback(A.incremented(at: [.all, ..<2], by: y), wrt: y, cotangent: V) }
        #expect(gy.dprint() == """
            ExpandDims{axis=0} [id A]
             └─ Sum{axis=0} [id B]
                └─ Subtensor{:, :stop} [id C]
                   ├─ V [id D]
                   └─ 2 [id E]
            """)
        let s = Tensor.scalar("s")
        let gs = try checked { pullback(A.incremented(at: [0], by: s), wrt: s, cotangent: V) }
        #expect(gs.type.shape == [])
        #expect(try gs.eval(["A": NDArray.zeros([2, 3]), "s": 0.0, "V": [[1.0, 2, 3], [4, 5, 6]]]).item(Double.self) == 6)
    }
}

/// The largest elementwise difference of two equally shaped arrays.
func maxDifference(_ a: NDArray, _ b: NDArray) -> Double {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
    return zip(a.asArray(Double.self), b.asArray(Double.self)).map { Swift.abs($0 - $1) }.max() ?? 0
}
