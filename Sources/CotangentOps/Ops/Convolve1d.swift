import CVectorMath
import CotangentArrays
import CotangentGraph

/// Discrete linear convolution of two vectors: PyTensor's `Convolve1d` core op, numpy's
/// `np.convolve`.
///
/// Inputs are `(in1, in2, fullMode)`: two vectors and a bool flag (a PyTensor scalar kind; a
/// 0-d bool tensor is converted with `ScalarFromTensor`), true for numpy's `"full"` mode
/// (length `n + k - 1`) and false for `"valid"` (length `max(n, k) - min(n, k) + 1`, the
/// positions where the shorter input overlaps the longer one completely). The op has no props.
/// Users reach it through ``convolve1d(_:_:mode:)``, which batches it with ``Blockwise``.
public struct Convolve1d: Op {
    /// The op (it has no properties; the mode is chosen by the function that builds it).
    public init() {}

    public var description: String { "Convolve1d" }

    /// The flag's value when it is a constant (then the output length is known statically).
    package static func constantFullMode(_ flag: Variable) -> Bool? {
        constantThroughConversions(flag).map { $0.item(Bool.self) }
    }

    /// PyTensor's `as_scalar` of the flag: a 0-d bool tensor is wrapped in `ScalarFromTensor`,
    /// so the node always takes the flag as a scalar-kind value (other inputs are left for
    /// ``outputTypes(for:)`` to check and report).
    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        var inputs = inputs
        if inputs.count == 3, !inputs[2].type.isScalarKind, inputs[2].ndim == 0, inputs[2].dtype == .bool {
            inputs[2] = scalarFromTensor(inputs[2])
        }
        return Apply(op: self, inputs: inputs, outputTypes: try outputTypes(for: inputs))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 3 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 3 inputs (in1, in2, fullMode), got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let (in1, in2, flag) = (inputs[0].type, inputs[1].type, inputs[2].type)
        guard in1.ndim == 1, in2.ndim == 1, !in1.isScalarKind, !in2.isScalarKind else {
            throw CotangentError(.invalidGraph, 
                "\(self): inputs must be vectors (ndim=1), got in1=\(in1) (ndim \(in1.ndim)) and "
                    + "in2=\(in2) (ndim \(in2.ndim))")
        }
        guard flag.dtype == .bool, flag.ndim == 0 else {
            throw CotangentError(.invalidGraph, 
                "\(self): the fullMode flag must be a bool scalar, got \(flag); input types: \(describeTypes(inputs))")
        }
        let (n, k) = (in1.shape[0], in2.shape[0])
        if n == 0 || k == 0 {
            throw CotangentError(.invalidGraph, 
                "\(self): inputs cannot be empty, got static shapes \(TensorType.format(in1.shape)) and "
                    + "\(TensorType.format(in2.shape))")
        }
        let length: Int?
        if let n, let k, let full = Convolve1d.constantFullMode(inputs[2]) {
            // Lengths of valid types (at most Int.max / 8 elements) add without overflow.
            length = full ? n + (k - 1) : max(n, k) - min(n, k) + 1
        } else {
            length = nil
        }
        return [TensorType(dtype: DType.promote(in1.dtype, in2.dtype), shape: [length])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let (in1, in2, flag) = (inputs[0], inputs[1], inputs[2])
        guard in1.ndim == 1, in2.ndim == 1, flag.ndim == 0 else {
            throw CotangentError(.shapeMismatch, 
                "\(self): expects two vectors and a 0-d flag, got shapes \(formatShape(in1.shape)), "
                    + "\(formatShape(in2.shape)), \(formatShape(flag.shape)) (dtypes \(in1.dtype), "
                    + "\(in2.dtype), \(flag.dtype))")
        }
        guard in1.count > 0, in2.count > 0 else {
            throw CotangentError(.invalidValue, 
                "\(self): inputs cannot be empty, got shapes \(formatShape(in1.shape)) and "
                    + "\(formatShape(in2.shape)) (dtypes \(in1.dtype), \(in2.dtype))")
        }
        let dtype = node.outputTypes[0].dtype
        let full = flag.item(Bool.self)
        // Integers and bool are computed in int64 (wrapping, then narrowed: the same residues
        // numpy's narrow wrapping arithmetic gives; bool is "any product is true").
        let compute: DType = dtype.isFloat ? dtype : .int64
        let (a, b) = (in1.converted(to: compute), in2.converted(to: compute))
        let result: NDArray
        // The vector kernel is chosen here, on the calling thread (the choice is task-local).
        let kernel = VectorProduct.current
        switch compute {
        case .float64:
            result = ConvolveKernel.convolve(a, b, full: full, Double.self) {
                ConvolveKernel.floatWindowSums($0, $1, $2, $3, $4, kernel: kernel)
            }
        case .float32:
            result = ConvolveKernel.convolve(a, b, full: full, Float.self) {
                ConvolveKernel.floatWindowSums($0, $1, $2, $3, $4, kernel: kernel)
            }
        default:
            result = ConvolveKernel.convolve(
                a, b, full: full, Int64.self, windowSums: ConvolveKernel.integerWindowSums)
        }
        return [result.converted(to: dtype)]
    }

    /// `select(full, n + k - 1, maximum(n, k) - minimum(n, k) + 1)` on int64 scalars, as
    /// PyTensor's `switch(full_mode, …)`.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let (n, k) = (inputShapes[0][0], inputShapes[1][0])
        // With a constant mode (the usual case) only its length is built, and with constant
        // lengths too, the number: shape inference runs on every rewrite that asks.
        let full = Convolve1d.constantFullMode(node.inputs[2])
        if let full, let a = n.constantValue?.item(Int64.self), let b = k.constantValue?.item(Int64.self) {
            return [[shapeConstant(Int(full ? a + b - 1 : Swift.max(a, b) - Swift.min(a, b) + 1))]]
        }
        let one = shapeConstant(1)
        let fullLength = { n + k - one }, validLength = { maximum(n, k) - minimum(n, k) + one }
        guard let full else { return [[select(node.inputs[2], fullLength(), validLength())]] }
        return [[full ? fullLength() : validLength()]]
    }
}

package enum ConvolveKernel {
    /// numpy's `convolve(a, b, mode)` for vectors of dtype `T` (any strides).
    ///
    /// Convolution is commutative, so the longer input is the signal and the shorter one the
    /// kernel (numpy's valid mode swaps the same way). The signal is copied once, zero-padded by
    /// `k - 1` on each side in full mode, and the kernel reversed, so that
    /// `out[i] = Σ_j signal[i + j] · taps[j]` over contiguous memory; `windowSums` computes that.
    /// Every output sums its terms in an order that depends only on `k` (increasing `j` in the
    /// portable kernels; blocks of 256 taps in the vector kernels, see `CWindowSums.h`), so
    /// splitting the outputs over threads (as a large float product splits its rows, under
    /// ``KernelOptions/matrixProductThreads``) changes no bit.
    package static func convolve<T: AccumulatingElement>(
        _ a: NDArray, _ b: NDArray, full: Bool, _: T.Type,
        windowSums: @escaping @Sendable (
            _ signal: UnsafePointer<T>, _ taps: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ count: Int,
            _ k: Int) -> Void
    ) -> NDArray {
        precondition(a.dtype == T.dtype && b.dtype == T.dtype && a.ndim == 1 && b.ndim == 1)
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        let (n, k) = (long.count, short.count)
        let pad = full ? k - 1 : 0
        let paddedLength = n + 2 * pad
        let outputLength = paddedLength - k + 1

        let signal = UnsafeMutablePointer<T>.allocate(capacity: paddedLength)
        defer { signal.deallocate() }
        let zero = T(converting: Int64(0))
        signal.initialize(repeating: zero, count: pad)
        (signal + pad + n).initialize(repeating: zero, count: pad)
        let longBase = long.basePointer(as: T.self) + long.offset
        if long.strides[0] == 1 {
            (signal + pad).initialize(from: longBase, count: n)
        } else {
            for i in 0..<n { (signal + pad + i).initialize(to: longBase[i * long.strides[0]]) }
        }

        let taps = UnsafeMutablePointer<T>.allocate(capacity: k)
        defer { taps.deallocate() }
        let shortBase = short.basePointer(as: T.self)
        for j in 0..<k { taps[j] = shortBase[short.offset + (k - 1 - j) * short.strides[0]] }

        let result = NDArray.uninitialized(dtype: T.dtype, shape: [outputLength])
        let out = result.basePointer(as: T.self)
        // Parts of whole 16-output register blocks, at least two blocks each.
        let parts = ParallelProduct.parts(m: outputLength, k: k, n: 1, rowBlock: 16)
        if parts > 1 {
            let span = ((outputLength + parts - 1) / parts + 15) / 16 * 16
            let job = WindowSplit(
                signal: UnsafePointer(signal), taps: UnsafePointer(taps), out: out, count: outputLength, k: k,
                span: span, sums: windowSums)
            ParallelProduct.runConcurrently(parts) { job.run(part: $0) }
        } else {
            windowSums(signal, taps, out, outputLength, k)
        }
        // numpy sums only the overlapping terms; the padding's zeros add nothing, unless a tap
        // is infinite or NaN (0 · ∞ is NaN). Then the outputs whose windows reach into the
        // padding are summed again over their real terms alone.
        if pad > 0, (0..<k).contains(where: { !taps[$0].doubleValue.isFinite }) {
            for i in Array(0..<pad) + Array(outputLength - pad..<outputLength) {
                let first = Swift.max(0, pad - i), last = Swift.min(k - 1, pad + n - 1 - i)
                var sum = zero
                for j in first...last {
                    sum = T.accumulatingSum(sum, T.accumulatingProduct(signal[i + j], taps[j]))
                }
                out[i] = sum
            }
        }
        return result
    }

    /// Float window sums: the vector kernel `kernel` when it runs here (AVX-512 or AVX2 with
    /// FMA, ``VectorProduct/windowSums(_:_:_:count:k:kernel:)``), else the portable kernel,
    /// register-blocked: 16 consecutive outputs live in four SIMD accumulators while every tap
    /// is added, so the inner loop is one unaligned load and one multiply-add per four outputs
    /// (about twice the throughput of a load/store loop).
    package static func floatWindowSums<T: BinaryFloatingPoint & SIMDScalar>(
        _ signal: UnsafePointer<T>, _ taps: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        _ count: Int, _ k: Int, kernel: CotangentGemmKernel
    ) {
        if VectorProduct.windowSums(signal, taps, out, count: count, k: k, kernel: kernel) { return }
        @inline(__always) func load(_ pointer: UnsafePointer<T>) -> SIMD4<T> {
            UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<T>.self)
        }
        @inline(__always) func store(_ value: SIMD4<T>, _ pointer: UnsafeMutablePointer<T>) {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<T>.self)
        }
        var i = 0
        while i + 16 <= count {
            var (s0, s1, s2, s3) = (SIMD4<T>(), SIMD4<T>(), SIMD4<T>(), SIMD4<T>())
            let window = signal + i
            for j in 0..<k {
                let tap = SIMD4<T>(repeating: taps[j])
                let shifted = window + j
                s0 += load(shifted) * tap
                s1 += load(shifted + 4) * tap
                s2 += load(shifted + 8) * tap
                s3 += load(shifted + 12) * tap
            }
            store(s0, out + i)
            store(s1, out + i + 4)
            store(s2, out + i + 8)
            store(s3, out + i + 12)
            i += 16
        }
        while i < count {
            var sum = T.zero
            for j in 0..<k { sum += signal[i + j] * taps[j] }
            out[i] = sum
            i += 1
        }
    }

    /// Integer window sums (wrapping): tap-outer, position-inner within blocks of 512 outputs
    /// that stay in L1 cache, a contiguous multiply-add that vectorises.
    package static func integerWindowSums<T: AccumulatingElement>(
        _ signal: UnsafePointer<T>, _ taps: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        _ count: Int, _ k: Int
    ) {
        let blockLength = 512
        var start = 0
        while start < count {
            let length = min(blockLength, count - start)
            let block = out + start
            let window = signal + start
            let first = taps[0]
            for i in 0..<length { block[i] = T.accumulatingProduct(window[i], first) }
            for j in 1..<k {
                let tap = taps[j]
                let shifted = window + j
                for i in 0..<length {
                    block[i] = T.accumulatingSum(block[i], T.accumulatingProduct(shifted[i], tap))
                }
            }
            start += length
        }
    }
}

extension Convolve1d: TakesScalarKindInputs {
    /// The mode flag is a PyTensor scalar (`as_scalar`).
    public var scalarKindInputPositions: [Int] { [2] }
}

// MARK: - Derivatives

extension Convolve1d {
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let float = node.outputTypes[0].dtype.isFloat
        return [[float && node.inputs[0].dtype.isFloat], [float && node.inputs[1].dtype.isFloat], [false]]
    }

    /// PyTensor's rule: each input's cotangent is the convolution of `g` with the other input
    /// reversed, `[conv(g, in2[::-1], ~full & any(k < n)), conv(g, in1[::-1], ~full & any(n < k)),
    /// disconnected]` (n, k the input lengths). In full mode both are valid convolutions; in
    /// valid mode the longer input's (the one whose length `g` falls short of) is a full one.
    /// The flags are 0-d bool tensors built from the shapes, so one graph serves every length.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let (in1, in2) = (node.inputs[0], node.inputs[1])
        guard let g = cotangents[0] else { return [.disconnected, .disconnected, .disconnected] }
        let full = Self.modeTensor(node.inputs[2])
        let in1Full = ~full & (in2.shape .< in1.shape).any()
        let in2Full = ~full & (in1.shape .< in2.shape).any()
        return [
            in1.dtype.isFloat ? .value(build(self, g, in2[.stride(by: -1)], in1Full)) : .disconnected,
            in2.dtype.isFloat ? .value(build(self, g, in1[.stride(by: -1)], in2Full)) : .disconnected,
            .disconnected,
        ]
    }

    /// Bilinear: `conv(t1, in2) + conv(in1, t2)` in the node's mode.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (in1, in2, mode) = (node.inputs[0], node.inputs[1], node.inputs[2])
        let terms = [
            tangents[0].map { build(self, $0, in2, mode) },
            tangents[1].map { build(self, in1, $0, mode) },
        ].compactMap { $0 }
        return [terms.isEmpty ? nil : terms.dropFirst().reduce(terms[0], +)]
    }

    /// The mode as a 0-d bool tensor: the tensor a `ScalarFromTensor` flag was made from
    /// (``Blockwise``'s pullback hands the core op such a flag, and PyTensor's rule sees that
    /// tensor), else the scalar-kind flag converted with `TensorFromScalar`.
    package static func modeTensor(_ flag: Variable) -> Variable {
        if let owner = flag.owner, owner.isOp(ScalarFromTensor.self) { return owner.inputs[0] }
        return asTensor(flag)
    }
}

// MARK: - Batching

extension Convolve1d {
    /// No batching rule of its own: batched inputs go through ``Blockwise`` with this
    /// signature, as in PyTensor.
    public var gufuncSignature: String? { "(n),(k),()->(o)" }
}

// MARK: - API

/// How much of a convolution to keep: numpy's `mode` argument.
public enum ConvolveMode: Hashable, Sendable {
    /// Every position where the inputs overlap at all: length `n + k - 1`.
    case full
    /// Only positions where the shorter input overlaps the longer one completely: length
    /// `max(n, k) - min(n, k) + 1`.
    case valid
}

/// The discrete linear convolution of `a` and `b` along their last axis (PyTensor's
/// `pt.signal.convolve1d`, numpy's `np.convolve` for vectors).
///
/// Leading dimensions are batch dimensions, broadcast as elementwise ops broadcast them (only
/// statically length-1 dimensions stretch). Built, as in PyTensor, as
/// `Blockwise{Convolve1d, (n),(k),()->(o)}` even for plain vectors.
///
/// - Parameters:
///   - a: a tensor of shape `(..., n)`.
///   - b: a tensor of shape `(..., k)`.
///   - mode: `.full` (length `n + k - 1`) or `.valid` (length `max(n, k) - min(n, k) + 1`).
/// - Returns: a tensor of shape `(..., o)` with the promoted dtype of `a` and `b`.
/// - Complexity: O(n·k) per batch element.
public func convolve1d(_ a: Variable, _ b: Variable, mode: ConvolveMode = .full) -> Variable {
    let fullMode = Variable(constant: NDArray(scalar: mode == .full))
    return blockwise(Convolve1d(), signature: "(n),(k),()->(o)", [a, b, fullMode])
}

// MARK: - StableHLO

extension Convolve1d {
    /// `stablehlo.convolution` (a cross-correlation) of the longer input with the reversed
    /// shorter one, padded by `k - 1` on both sides in full mode and not at all in valid mode.
    /// Integers and bool are computed in int64 and narrowed, as the kernel does. The mode flag
    /// must be known at export (it sets the output length).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        guard let flag = context.staticValue(of: node.inputs[2]) else {
            throw StableHLONotExportable(
                "the full/valid mode flag is computed at run time, but it sets the output length, which StableHLO "
                    + "needs when compiling")
        }
        let full = flag.item(Bool.self)
        let b = context.builder
        let output = context.outputType(node)
        let compute: DType = output.dtype.isFloat ? output.dtype : .int64
        let (in1, in2) = (b.convert(operands[0], to: compute), b.convert(operands[1], to: compute))
        let (long, short) = in1.shape[0] >= in2.shape[0] ? (in1, in2) : (in2, in1)
        let (n, k) = (long.shape[0], short.shape[0])
        let pad = full ? k - 1 : 0
        let length = n + 2 * pad - k + 1
        let lhs = b.reshape(long, [1, 1, n])
        let rhs = b.reshape(b.reverse(short, dimensions: [0]), [1, 1, k])
        let result = b.emit1(
            "stablehlo.convolution", [lhs, rhs],
            attributes: [
                "batch_group_count = 1 : i64", "feature_group_count = 1 : i64",
                "dimension_numbers = #stablehlo.conv<[b, f, 0]x[o, i, 0]->[b, f, 0]>",
                "lhs_dilation = array<i64: 1>", "rhs_dilation = array<i64: 1>", "window_strides = array<i64: 1>",
                "padding = dense<\(pad)> : tensor<1x2xi64>", "window_reversal = array<i1: false>",
            ],
            result: StableHLOType(compute, [1, 1, length]))
        return [b.convert(b.reshape(result, [length]), to: output.dtype)]
    }
}

/// One convolution's outputs split into ranges of `span`. Sendable because the parts only read
/// the signal and taps (which the caller keeps alive until every part has finished) and write
/// disjoint outputs.
private struct WindowSplit<T>: @unchecked Sendable {
    let signal: UnsafePointer<T>
    let taps: UnsafePointer<T>
    let out: UnsafeMutablePointer<T>
    let count: Int, k: Int, span: Int
    let sums: @Sendable (UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, Int, Int) -> Void

    func run(part: Int) {
        let start = Swift.min(count, part * span)
        let length = Swift.min(span, count - start)
        guard length > 0 else { return }
        sums(signal + start, taps, out + start, length, k)
    }
}

// MARK: - Sparsity

extension Convolve1d {
    /// Sparsity: banded. Output `m` of the full convolution reads `a[j]` and `b[m - j]` for the
    /// `j` where both exist; a valid convolution's output `m` is the full one's
    /// `m + min(n, k) - 1`. Bilinear.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        let (n, k) = (inputShapes[0][0], inputShapes[1][0])
        let shift = outputShape[0] == n + k - 1 ? 0 : min(n, k) - 1
        @Sendable func range(_ o: Int) -> ClosedRange<Int>? {
            let m = o + shift
            let (low, high) = (max(0, m - k + 1), min(m, n - 1))
            return low <= high ? low...high : nil
        }
        let left = ElementMap.computed { o, elements in
            if let js = range(o) { elements.append(contentsOf: js) }
        }
        let right = ElementMap.computed { o, elements in
            if let js = range(o) { for j in js.reversed() { elements.append(o + shift - j) } }
        }
        return ElementDependencies(inputs: [left, right, nil], interaction: .acrossInputs)
    }
}
