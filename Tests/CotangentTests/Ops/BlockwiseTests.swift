import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Expected values computed once with numpy 2.4 (`np.convolve` in Python loops over the batch).
@Suite("Blockwise")
struct BlockwiseTests {
    /// `(np.arange(30).reshape(2, 3, 5) * 7 % 11 - 5) * 0.5`.
    static let a = NDArray(shape: [2, 3, 5], elements: [
        -2.5, 1.0, -1.0, 2.5, 0.5, -1.5, 2.0, 0.0, -2.0, 1.5, -0.5, -2.5, 1.0, -1.0, 2.5,
        0.5, -1.5, 2.0, 0.0, -2.0, 1.5, -0.5, -2.5, 1.0, -1.0, 2.5, 0.5, -1.5, 2.0, 0.0,
    ])
    /// `np.arange(12).reshape(3, 4) * 5 % 9 - 4.0`.
    static let b = NDArray(shape: [3, 4], elements: [
        -4.0, 1.0, -3.0, 2.0, -2.0, 3.0, -1.0, 4.0, 0.0, -4.0, 1.0, -3.0,
    ])
    static let convolveSignature = "(n),(k),()->(o)"

    @Test func oneBatchDimensionWithAnUnbatchedKernel() throws {
        let x = Tensor.matrix("x")
        let y = Tensor.vector("y")
        let out = convolve1d(x, y)
        #expect(out.type.shape == [nil, nil])
        // The unbatched kernel is padded with ExpandDims{axis=0}.
        #expect("\(out.owner!.inputs[1].owner!.op)" == "ExpandDims{axis=0}")
        #expect(out.owner!.inputs[2].type.shape == [1])
        let value = try out.eval(["x": Self.a.indexed(axis: 0, at: 0), "y": Self.b.indexed(axis: 0, at: 0)])
        #expect(value.shape == [3, 8])
        #expect(value.asArray(Double.self) == [
            10.0, -6.5, 12.5, -19.0, 5.5, -9.0, 3.5, 1.0, 6.0, -9.5, 6.5, -1.0, -4.0, 7.5, -8.5, 3.0,
            2.0, 9.5, -5.0, 11.5, -19.0, 7.5, -9.5, 5.0,
        ])
        // The same values from a transposed (non-contiguous) batch.
        let transposed = Self.a.indexed(axis: 0, at: 0).transposed([1, 0]).contiguous().transposed([1, 0])
        #expect(!transposed.isContiguous)
        let again = try out.eval(["x": transposed, "y": Self.b.indexed(axis: 0, at: 0)])
        #expect(again.asArray(Double.self) == value.asArray(Double.self))
    }

    @Test func twoBatchDimensions() throws {
        let x = Tensor.tensor3("x")
        let y = Tensor.matrix("y")
        let out = convolve1d(x, y, mode: .valid)
        let value = try out.eval(["x": Self.a, "y": Self.b])
        #expect(value.shape == [2, 3, 2])
        #expect(value.asArray(Double.self) == [-19.0, 5.5, -4.0, -1.0, -5.0, 12.5, 7.5, -1.0, -3.0, 5.5, -1.0, -11.0])
    }

    @Test func staticallyLengthOneBatchDimensionBroadcasts() throws {
        let x = Tensor.tensor3("x", shape: [2, 1, 5])
        let y = Tensor.matrix("y", shape: [3, 4])
        let out = convolve1d(x, y)
        // The constant mode reaches the core op, so the core length is static too.
        #expect(out.type.shape == [2, 3, 8])
        let first = Self.a.sliced(axis: 1, start: 0, step: 1, count: 1)
        let value = try out.eval(["x": first, "y": Self.b])
        #expect(value.asArray(Double.self) == [
            10.0, -6.5, 12.5, -19.0, 5.5, -9.0, 3.5, 1.0, 5.0, -9.5, 7.5, -19.0, 11.5, -5.0, 9.5, 2.0,
            0.0, 10.0, -6.5, 12.5, -14.0, 3.5, -7.0, -1.5, -2.0, 6.5, -11.0, 7.5, -1.0, 2.0, 6.0, -4.0,
            -1.0, 4.5, -9.0, 9.5, -4.0, 2.0, 2.0, -8.0, 0.0, -2.0, 6.5, -11.0, 6.5, 2.0, -2.0, 6.0,
        ])
    }

    @Test func batchedModeFlag() throws {
        let x = Tensor.matrix("x")
        let y = Tensor.matrix("y")
        let flags = Tensor.vector("flags", dtype: .bool)
        let out = blockwise(Convolve1d(), signature: Self.convolveSignature, [x, y, flags])
        #expect(out.type.shape == [nil, nil])
        let x2 = Self.a.indexed(axis: 0, at: 0).sliced(axis: 0, start: 0, step: 1, count: 2)
        let y2 = Self.b.sliced(axis: 0, start: 0, step: 1, count: 2)
        let value = try out.eval(["x": x2, "y": y2, "flags": NDArray([false, false])])
        #expect(value.asArray(Double.self) == [-19.0, 5.5, -4.0, -1.0])
        // Mixed modes give core outputs of different lengths: a runtime error.
        #expect {
            try out.eval(["x": x2, "y": y2, "flags": NDArray([true, false])])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .shapeMismatch && error.message.contains("Blockwise{Convolve1d, (n),(k),()->(o)}")
                && error.message.contains("(2,)") && error.message.contains("(8,)")
        }
    }

    @Test func elemwiseCoreOps() throws {
        let a = Tensor.matrix("a")
        let b = Tensor.vector("b")
        let sum = blockwise(Elemwise(.add), signature: "(),()->()", [a, b])
        #expect("\(sum.owner!.op)" == "Blockwise{Add, (),()->()}")
        let product = blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", [a, b])
        let aValue = NDArray(shape: [2, 3], elements: [1.0, 2, 3, 4, 5, 6])
        let bValue = NDArray([10.0, 20, 30])
        #expect(try sum.eval(["a": aValue, "b": bValue]).asArray(Double.self) == [11, 22, 33, 14, 25, 36])
        #expect(try product.eval(["a": aValue, "b": bValue]).asArray(Double.self) == [10, 40, 90, 40, 100, 180])
        // The core op's dtype rule decides the output dtype.
        let i = Tensor.matrix("i", dtype: .int32)
        let ratio = blockwise(Elemwise(.trueDiv), signature: "(),()->()", [i, i])
        #expect(ratio.dtype == .float64)
        #expect(try ratio.eval(["i": NDArray(shape: [1, 2], elements: [Int32(2), 4])]).asArray(Double.self) == [1, 1])
    }

    @Test func inferShapeMatchesRuntimeShapes() throws {
        let x = Tensor.tensor3("x")
        let y = Tensor.matrix("y")
        let v = Tensor.vector("v")
        let a = Tensor.matrix("a")
        let b = Tensor.vector("b")
        let outputs = [
            convolve1d(x, y), convolve1d(x, y, mode: .valid), convolve1d(v, y),
            convolve1d(v, b), convolve1d(b, v, mode: .valid),
            blockwise(Elemwise(.add), signature: "(),()->()", [a, b]),
            blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", [a, b]),
        ]
        let values: [String: NDArray] = [
            "x": Self.a, "y": Self.b, "v": NDArray.zeros([6]), "b": NDArray.zeros([3]), "a": NDArray.zeros([4, 3]),
        ]
        for out in outputs {
            let dims = try out.symbolicShape.map { Int(try $0.eval(values).item(Int64.self)) }
            #expect(dims == (try out.eval(values).shape))
        }
        // Unbatched inputs: the core op's own rule gives the length, without running the op.
        let unbatched = convolve1d(v, b).symbolicShape[0]
        #expect(!GraphTraversal.toposort([unbatched]).contains { $0.op is Blockwise })
        // Batch dims come from the inputs; a core dim named in the signature from that input.
        let named = blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", [a, b]).symbolicShape
        #expect(!GraphTraversal.toposort(named).contains { $0.op is Blockwise })
    }

    @Test func emptyBatch() throws {
        let x = Tensor.matrix("x", shape: [nil, 5])
        let y = Tensor.vector("y", shape: [4])
        let out = convolve1d(x, y)
        #expect(out.type.shape == [nil, 8])
        let value = try out.eval(["x": NDArray.zeros([0, 5]), "y": NDArray.zeros([4])])
        #expect(value.shape == [0, 8])
        let a = Tensor.matrix("a")
        let b = Tensor.vector("b")
        let product = blockwise(Elemwise(.mul), signature: "(n),(n)->(n)", [a, b])
        #expect(try product.eval(["a": NDArray.zeros([0, 3]), "b": NDArray.zeros([3])]).shape == [0, 3])
        // Not static: the core op's shape rule tells it from the core dims and the shared flag.
        #expect(try convolve1d(a, b).eval(["a": NDArray.zeros([0, 3]), "b": NDArray.zeros([3])]).shape == [0, 5])
        let padded = Tensor.matrix("p", shape: [1, nil])
        #expect(try convolve1d(a, padded, mode: .valid).eval(["a": NDArray.zeros([0, 3]), "p": NDArray.zeros([1, 2])]).shape == [0, 2])
        // Nothing tells it when the flag itself is batched (no block runs to read it).
        let flags = Tensor.vector("flags", dtype: .bool)
        #expect {
            try blockwise(Convolve1d(), signature: Self.convolveSignature, [a, b, flags])
                .eval(["a": NDArray.zeros([0, 3]), "b": NDArray.zeros([3]), "flags": NDArray.zeros([0], dtype: .bool)])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidValue && error.message.contains("'o'") && error.message.contains("(0,)")
        }
    }

    @Test func emptyBatchStillChecksCoreShapes() throws {
        // np.convolve rejects an empty input; so does the batched op with nothing to compute.
        let a = Tensor.matrix("a")
        let b = Tensor.matrix("b")
        #expect {
            try convolve1d(a, b).eval(["a": NDArray.zeros([0, 0]), "b": NDArray.zeros([0, 2])])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidValue && error.message.hasPrefix("Blockwise{Convolve1d")
                && error.message.contains("empty batch of shape (0,)") && error.message.contains("cannot be empty")
        }
    }

    @Test func rebuildingFromPaddedInputsKeepsTheConstantFlag() throws {
        // makeNode pads the unbatched flag with ExpandDims; a node rebuilt from those inputs
        // (a clone, a rewrite) still sees the constant, so its core length stays static.
        let x = Tensor.matrix("x", shape: [nil, 1])
        let y = Tensor.matrix("y", shape: [nil, 1])
        let out = blockwise(Convolve1d(), signature: Self.convolveSignature, [x, y, Tensor.constant(NDArray(scalar: true))])
        #expect(out.type.shape == [nil, 1])
        #expect(out.owner!.inputs[2].type.shape == [1])
        let rebuilt = try out.owner!.op.makeNode(out.owner!.inputs)
        #expect(rebuilt.outputTypes[0].shape == [nil, 1])
        // A (1,)-shaped constant flag is a single block too; a (2,)-shaped one is not.
        let one = blockwise(Convolve1d(), signature: Self.convolveSignature, [x, y, Tensor.constant(NDArray(shape: [1], elements: [false]))])
        #expect(one.type.shape == [nil, 1])
        let two = blockwise(Convolve1d(), signature: Self.convolveSignature, [x, y, Tensor.constant(NDArray(shape: [2], elements: [false, true]))])
        #expect(two.type.shape == [2, nil])
        // (x.T / out) broadcasts (1, n) against (n, 1), as numpy does.
        let quotient = x.transposed(axes: [1, 0]) / out
        let value = try quotient.eval(["x": NDArray([[1.0], [2.0], [4.0]]), "y": NDArray([[1.0], [2.0], [0.5]])])
        #expect(value.shape == [3, 3])
        #expect(value.asArray(Double.self) == [1, 2, 4, 0.25, 0.5, 1, 0.5, 1, 2])
    }

    @Test func equalityAndHashing() {
        let first = Blockwise(Convolve1d(), signature: Self.convolveSignature)
        let second = Blockwise(Convolve1d(), signature: Self.convolveSignature)
        let other = Blockwise(Elemwise(.add), signature: Self.convolveSignature)
        #expect(first == second)
        #expect(first != other)
        #expect(first != Blockwise(Convolve1d(), signature: "(n0),(k0),()->(o0)"))
        #expect(Set([first, second, other]).count == 2)
    }

    @Test func signatureParsing() throws {
        let parsed = try GufuncSignature(parsing: " ( m , n ) , ( n ) -> ( m ) ")
        #expect(parsed.inputs == [["m", "n"], ["n"]])
        #expect(parsed.outputs == [["m"]])
        #expect(parsed.description == "(m,n),(n)->(m)")
        let convolve = try GufuncSignature(parsing: Self.convolveSignature)
        #expect(convolve.inputs == [["n"], ["k"], []])
        #expect(convolve.outputs == [["o"]])
        #expect(try GufuncSignature(parsing: "(),()->(),()").outputs == [[], []])
    }

    @Test(arguments: [
        "(n),(k),()", "(n),(k)->", "->(o)", "(n,),(k),()->(o)", "(n)(k),()->(o)",
        "(n),(k),()->(o)->(p)", "(n-1),(k),()->(o)", "(n),(k),(->(o)", "n,k->o",
    ])
    func badSignaturesAreConstructionErrors(_ signature: String) {
        let x = Tensor.vector("x")
        #expect(throws: CotangentError.self) { try GufuncSignature(parsing: signature) }
        #expect {
            try checked { blockwise(Convolve1d(), signature: signature, [x, x, Variable(constant: NDArray(scalar: true))]) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("Blockwise{Convolve1d, \(signature)}")
                && error.message.contains("invalid gufunc signature '\(signature)'")
        }
    }

    @Test func constructionErrors() {
        let x = Tensor.vector("x")
        let flag = Variable(constant: NDArray(scalar: true))
        func expectError(_ contains: [String], _ body: () -> Variable) {
            #expect {
                try checked(body)
            } throws: { error in
                let error = error as! CotangentError
                return error.kind == .invalidGraph && contains.allSatisfy { error.message.contains($0) }
            }
        }
        expectError(["has 2 inputs, got 3"]) { blockwise(Convolve1d(), signature: "(n),(k)->(o)", [x, x, flag]) }
        expectError(["core output 0", "signature gives it 0"]) {
            blockwise(Convolve1d(), signature: "(n),(k),()->()", [x, x, flag])
        }
        expectError(["already a Blockwise"]) {
            blockwise(Blockwise(Convolve1d(), signature: Self.convolveSignature), signature: Self.convolveSignature, [x, x, flag])
        }
        // A scalar-kind input is wrapped in TensorFromScalar only for a scalar core `()`.
        expectError(["input 2 is scalar-kind (bool)", "core dimensions are (m)", "needs the core '()'"]) {
            blockwise(Convolve1d(), signature: "(n),(k),(m)->(o)", [x, x, Variable(constant: NDArray(scalar: true), type: .scalar(.bool))])
        }
        expectError(["incompatible batch shapes (2,) and (3,)", "batch dimension 0: 2 vs 3"]) {
            convolve1d(Tensor.matrix("a", shape: [2, 5]), Tensor.matrix("b", shape: [3, 4]))
        }
        // Elemwise would pad the scalar core input, but the kernel passes blocks unchanged.
        expectError(["rewrites its core inputs"]) {
            blockwise(Elemwise(.add), signature: "(n),()->(n)", [Tensor.matrix("m"), x])
        }
        // The core op's own checks surface through Blockwise.
        expectError(["Convolve1d", "bool"]) {
            blockwise(Convolve1d(), signature: Self.convolveSignature, [x, x, Variable(constant: NDArray(scalar: 1.0))])
        }
    }

    @Test func scalarKindInputsBecomeTensors() throws {
        // PyTensor's `as_tensor_variable`: `Blockwise{Convolve1d}(x, y, TensorFromScalar(True))`.
        let x = Tensor.matrix("x")
        let y = Tensor.vector("y", shape: [2])
        let full = Variable(constant: NDArray(scalar: true), type: .scalar(.bool))
        let out = blockwise(Convolve1d(), signature: Self.convolveSignature, [x, y, full])
        let flag = out.owner!.inputs[2]
        #expect("\(flag.owner!.op)" == "ExpandDims{axis=0}")
        #expect("\(flag.owner!.inputs[0].owner!.op)" == "TensorFromScalar")
        #expect(flag.owner!.inputs[0].owner!.inputs[0] === full)
        // The constant behind the conversion still reaches the core op: the core length is static.
        let fixed = blockwise(Convolve1d(), signature: Self.convolveSignature, [Tensor.matrix("m", shape: [2, 3]), y, full])
        #expect(fixed.type.shape == [2, 4])
        let value = try out.eval(["x": [[0, 1, 2], [1, 0, 0]], "y": [1, -1]])
        #expect(value.asArray(Double.self) == [0, 1, 1, -2, 1, -1, 0, 0])
    }

    @Test func runtimeBatchMismatch() {
        let a = Tensor.matrix("a")
        let b = Tensor.matrix("b")
        #expect {
            try convolve1d(a, b).eval(["a": NDArray.zeros([2, 5]), "b": NDArray.zeros([3, 4])])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .shapeMismatch && error.message.contains("Blockwise{Convolve1d, (n),(k),()->(o)}")
                && error.message.contains("(2, 5), (3, 4)") && error.message.contains("batch dimension 0")
        }
        // A runtime length of 1 does not broadcast unless it is statically 1.
        #expect {
            try convolve1d(a, b).eval(["a": NDArray.zeros([1, 5]), "b": NDArray.zeros([3, 4])])
        } throws: { error in
            (error as? CotangentError)?.kind == .shapeMismatch
        }
    }

    /// The prepared kernel (its core node made on the first call and kept) computes what
    /// `perform` computes, call after call with other batch shapes, and throws where it throws.
    @Test func preparedKernelMatchesPerform() throws {
        let x = Tensor.tensor3("x")
        let y = Tensor.matrix("y")
        let node = try #require(convolve1d(x, y).owner)
        #expect(node.op is Blockwise)
        let kernel = try #require(node.op.preparedKernel(node))
        // The node's inputs as the kernel gets them (`y` and the mode flag padded to rank 3).
        let padded = try function(inputs: [x, y], outputs: node.inputs)
        let calls: [(NDArray, NDArray)] = [
            (Self.a, Self.b),
            (Self.a.sliced(axis: 1, start: 1, step: 1, count: 2), Self.b.sliced(axis: 0, start: 0, step: 2, count: 2)),
            (Self.a, Self.b),
            (NDArray.zeros([0, 3, 5]), Self.b),  // an empty batch
            (Self.a, NDArray.zeros([2, 4])),  // batch lengths 3 and 2: both throw
            (Self.a.transposed([1, 0, 2]).contiguous().transposed([1, 0, 2]), Self.b),  // strided
        ]
        for (k, (a, b)) in calls.enumerated() {
            let arguments = try padded.call([a, b])
            let expected = Result { try node.op.perform(arguments, node: node) }
            let prepared = Result { try kernel.perform(arguments, destroying: .none) }
            switch (expected, prepared) {
            case (.success(let want), .success(let got)):
                #expect(got.count == 1 && got[0].shape == want[0].shape, "call \(k)")
                #expect(got[0].asArray(Double.self) == want[0].asArray(Double.self), "call \(k)")
            case (.failure(let want), .failure(let got)):
                #expect("\(got)" == "\(want)", "call \(k)")
            default:
                Issue.record("call \(k): perform gave \(expected), the prepared kernel \(prepared)")
            }
        }
    }
}
