/// A scalar op applied element by element with static broadcasting: PyTensor's `Elemwise`.
///
/// Inputs of lower rank are left-padded with `ExpandDims`, so all inputs of the node share the
/// output's rank. A dimension broadcasts only where an input's static length is 1; at run time a
/// dimension of length 1 that was not statically 1 is an error (PyTensor forbids runtime
/// broadcasting, which would make gradients silently wrong).
public struct Elemwise: Op {
    public let scalarOp: ScalarOp

    public init(_ scalarOp: ScalarOp) { self.scalarOp = scalarOp }

    /// `Add`, `True_div`, `Cast{int32}`: the scalar op's name, capitalised as Python's
    /// `str.capitalize` does.
    public var description: String {
        if case .cast = scalarOp { return scalarOp.description }
        let name = scalarOp.description
        return name.prefix(1).uppercased() + name.dropFirst().lowercased()
    }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let expected = scalarOp.arity
        let arityOK = scalarOp.isVariadic ? inputs.count >= 1 : inputs.count == expected
        guard arityOK else {
            throw CotangentError.invalidGraph(
                "\(self): expects \(expected) inputs, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let rank = inputs.map(\.ndim).max() ?? 0
        let padded = inputs.map { input in
            input.ndim == rank
                ? input
                : build(
                    DimShuffle(
                        inputNdim: input.ndim,
                        newOrder: Array(repeating: nil, count: rank - input.ndim)
                            + (0..<input.ndim).map { Optional($0) }), input)
        }
        return Apply(op: self, inputs: padded, outputTypes: try outputTypes(for: padded))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let dtype: DType
        do {
            dtype = try scalarOp.outputDType(inputs.map(\.dtype))
        } catch let error as CotangentError {
            throw CotangentError.invalidGraph("\(error.message); input types: \(describeTypes(inputs))")
        }
        let shape = try Elemwise.broadcastStaticShapes(inputs.map(\.type.shape), op: self, inputs: inputs)
        return [TensorType(dtype: dtype, shape: shape)]
    }

    /// The output static shape: 1 where every input is 1, the known length where one is known,
    /// else unknown. Two different known lengths (neither 1) can never broadcast.
    static func broadcastStaticShapes(_ shapes: [[Int?]], op: some Op, inputs: [Variable]) throws -> [Int?] {
        let rank = shapes.map(\.count).max() ?? 0
        var result: [Int?] = []
        for axis in 0..<rank {
            var known: Int? = nil
            var allOne = true
            for shape in shapes {
                let dim = shape[axis]
                if dim != 1 { allOne = false }
                if let length = dim, length != 1 {
                    if let existing = known, existing != length {
                        throw CotangentError.invalidGraph(
                            "\(op): incompatible static shapes "
                                + inputs.map { TensorType.format($0.type.shape) }.joined(separator: " and ")
                                + " (dimension \(axis): \(existing) vs \(length)); input types: "
                                + describeTypes(inputs))
                    }
                    known = length
                }
            }
            result.append(allOne ? 1 : known)
        }
        return result
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let outputShape = try runtimeShape(inputs, node: node)
        return [ElemwiseKernel.run(scalarOp, inputs, shape: outputShape, dtype: node.outputTypes[0].dtype)]
    }

    /// The output shape at run time, enforcing static broadcasting.
    func runtimeShape(_ inputs: [NDArray], node: Apply) throws -> [Int] {
        let rank = node.outputTypes[0].ndim
        var shape = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            var length: Int? = nil
            for (k, input) in inputs.enumerated() where node.inputs[k].type.shape[axis] != 1 {
                if let existing = length, existing != input.shape[axis] {
                    throw CotangentError.shapeMismatch(
                        "\(self): input shapes "
                            + inputs.map { formatShape($0.shape) }.joined(separator: ", ")
                            + " do not match in dimension \(axis) (\(existing) vs \(input.shape[axis])); "
                            + "only dimensions that are statically 1 broadcast. Input types: "
                            + describeTypes(node.inputs))
                }
                length = input.shape[axis]
            }
            shape[axis] = length ?? 1
        }
        return shape
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let rank = node.outputTypes[0].ndim
        let dims = (0..<rank).map { axis -> Variable in
            for (k, input) in node.inputs.enumerated() where input.type.shape[axis] != 1 {
                return inputShapes[k][axis]
            }
            return shapeConstant(1)
        }
        return [dims]
    }
}

/// The elementwise loop: inputs converted to a compute domain (double or int64), broadcast as
/// views, one strided pass, then converted to the output dtype.
enum ElemwiseKernel {
    static func run(_ op: ScalarOp, _ inputs: [NDArray], shape: [Int], dtype: DType) -> NDArray {
        var operands = inputs
        if op == .switch { operands[0] = operands[0].converted(to: .bool) }
        if op == .invert && dtype == .bool {
            // Logical not: `~True` is `False` for bool arrays.
            return run(.eq, [operands[0], NDArray(scalar: false)], shape: shape, dtype: .bool)
        }
        let source: DType
        switch op {
        case .cast, .identity: source = operands[0].dtype
        case .second: source = operands[1].dtype
        case .switch: source = DType.promote(operands[1].dtype, operands[2].dtype)
        case _ where op.isComparison: source = DType.promote(operands.map(\.dtype))
        default: source = dtype
        }
        let useFloat = source.isFloat && !op.isBitwise
        let domain: DType = useFloat ? .float64 : .int64
        if op.isVariadic && operands.count > 2 {
            // n-ary add/mul fold pairwise (the kernels are binary).
            var partial = run(op, Array(operands.prefix(2)), shape: shape, dtype: domain)
            for next in operands.dropFirst(2) { partial = run(op, [partial, next], shape: shape, dtype: domain) }
            return partial.converted(to: dtype)
        }
        let views = operands.map { $0.converted(to: domain).broadcast(to: shape)! }
        let result =
            useFloat
            ? loop(views, shape: shape, kernel: op.floatKernel, as: Double.self)
            : loop(views, shape: shape, kernel: op.integerKernel, as: Int64.self)
        return result.converted(to: dtype)
    }

    /// Applies a kernel of up to three arguments; variadic add/mul fold over more inputs.
    static func loop<T: ArrayElement>(
        _ inputs: [NDArray], shape: [Int], kernel: Kernel3<T>, as _: T.Type
    ) -> NDArray {
        let result = NDArray.uninitialized(dtype: T.dtype, shape: shape)
        let a = inputs[0]
        let b = inputs.count > 1 ? inputs[1] : a
        let c = inputs.count > 2 ? inputs[2] : a
        let loop = StridedLoop(
            shape: shape,
            operands: [
                (a.strides, a.offset), (b.strides, b.offset), (c.strides, c.offset),
                (result.strides, 0),
            ])
        let (pa, pb, pc) = (a.basePointer(as: T.self), b.basePointer(as: T.self), c.basePointer(as: T.self))
        let out = result.basePointer(as: T.self)
        let steps = loop.rowStrides
        let length = loop.rowLength
        if inputs.count == 1, steps[0] == 1, steps[3] == 1 {
            loop.forEachRow { starts in
                let (ia, io) = (starts[0], starts[3])
                for i in 0..<length { out[io + i] = kernel(pa[ia + i], pa[ia + i], pa[ia + i]) }
            }
            return result
        }
        loop.forEachRow { starts in
            var (ia, ib, ic, io) = (starts[0], starts[1], starts[2], starts[3])
            for _ in 0..<length {
                out[io] = kernel(pa[ia], pb[ib], pc[ic])
                ia += steps[0]
                ib += steps[1]
                ic += steps[2]
                io += steps[3]
            }
        }
        return result
    }
}
