import CVectorMath
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One numpy reference `np.convolve(a, b, mode)` for the inputs built by
/// `Convolve1dTests.input` (values computed once with numpy 2.4; bool results as 0/1).
struct ConvolveCase: Sendable, CustomTestStringConvertible {
    let n: Int
    let k: Int
    let mode: ConvolveMode
    let dtype: DType
    let outputDType: DType
    let expected: [Double]

    init(_ n: Int, _ k: Int, _ mode: ConvolveMode, _ dtype: DType, _ outputDType: DType, _ expected: [Double]) {
        (self.n, self.k, self.mode, self.dtype, self.outputDType, self.expected) = (n, k, mode, dtype, outputDType, expected)
    }

    var testDescription: String { "convolve \(dtype) n=\(n) k=\(k) \(mode)" }

    static let all: [ConvolveCase] = [
        ConvolveCase(5, 3, .full, .float64, .float64, [0.0, 0.0, -1.5, 2.75, 0.0, -1.0, 0.25]),
        ConvolveCase(5, 3, .full, .float32, .float32, [0.0, 0.0, -1.5, 2.75, 0.0, -1.0, 0.25]),
        ConvolveCase(5, 3, .full, .int64, .int64, [0, 0, -6, 11, 0, -4, 1]),
        ConvolveCase(5, 3, .full, .int32, .int32, [0, 0, -6, 11, 0, -4, 1]),
        ConvolveCase(5, 3, .full, .bool, .bool, [0, 0, 0, 0, 0, 0, 0]),
        ConvolveCase(5, 3, .valid, .float64, .float64, [-1.5, 2.75, 0.0]),
        ConvolveCase(5, 3, .valid, .float32, .float32, [-1.5, 2.75, 0.0]),
        ConvolveCase(5, 3, .valid, .int64, .int64, [-6, 11, 0]),
        ConvolveCase(5, 3, .valid, .int32, .int32, [-6, 11, 0]),
        ConvolveCase(5, 3, .valid, .bool, .bool, [0, 0, 0]),
        ConvolveCase(3, 5, .full, .float64, .float64, [0.0, 0.0, -1.5, 2.75, -1.75, 2.5, -1.5]),
        ConvolveCase(3, 5, .full, .float32, .float32, [0.0, 0.0, -1.5, 2.75, -1.75, 2.5, -1.5]),
        ConvolveCase(3, 5, .full, .int64, .int64, [0, 0, -6, 11, -7, 10, -6]),
        ConvolveCase(3, 5, .full, .int32, .int32, [0, 0, -6, 11, -7, 10, -6]),
        ConvolveCase(3, 5, .full, .bool, .bool, [0, 0, 0, 0, 0, 0, 0]),
        ConvolveCase(3, 5, .valid, .float64, .float64, [-1.5, 2.75, -1.75]),
        ConvolveCase(3, 5, .valid, .float32, .float32, [-1.5, 2.75, -1.75]),
        ConvolveCase(3, 5, .valid, .int64, .int64, [-6, 11, -7]),
        ConvolveCase(3, 5, .valid, .int32, .int32, [-6, 11, -7]),
        ConvolveCase(3, 5, .valid, .bool, .bool, [0, 0, 0]),
        ConvolveCase(4, 4, .full, .float64, .float64, [0.0, 0.0, -1.5, 2.75, -1.0, 1.25, 0.5]),
        ConvolveCase(4, 4, .full, .float32, .float32, [0.0, 0.0, -1.5, 2.75, -1.0, 1.25, 0.5]),
        ConvolveCase(4, 4, .full, .int64, .int64, [0, 0, -6, 11, -4, 5, 2]),
        ConvolveCase(4, 4, .full, .int32, .int32, [0, 0, -6, 11, -4, 5, 2]),
        ConvolveCase(4, 4, .full, .bool, .bool, [0, 0, 0, 0, 0, 0, 0]),
        ConvolveCase(4, 4, .valid, .float64, .float64, [2.75]),
        ConvolveCase(4, 4, .valid, .float32, .float32, [2.75]),
        ConvolveCase(4, 4, .valid, .int64, .int64, [11]),
        ConvolveCase(4, 4, .valid, .int32, .int32, [11]),
        ConvolveCase(4, 4, .valid, .bool, .bool, [0]),
        ConvolveCase(1, 4, .full, .float64, .float64, [0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(1, 4, .full, .float32, .float32, [0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(1, 4, .full, .int64, .int64, [0, 0, 0, 0]),
        ConvolveCase(1, 4, .full, .int32, .int32, [0, 0, 0, 0]),
        ConvolveCase(1, 4, .full, .bool, .bool, [0, 0, 0, 0]),
        ConvolveCase(1, 4, .valid, .float64, .float64, [0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(1, 4, .valid, .float32, .float32, [0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(1, 4, .valid, .int64, .int64, [0, 0, 0, 0]),
        ConvolveCase(1, 4, .valid, .int32, .int32, [0, 0, 0, 0]),
        ConvolveCase(1, 4, .valid, .bool, .bool, [0, 0, 0, 0]),
        ConvolveCase(6, 1, .full, .float64, .float64, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(6, 1, .full, .float32, .float32, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(6, 1, .full, .int64, .int64, [0, 0, 0, 0, 0, 0]),
        ConvolveCase(6, 1, .full, .int32, .int32, [0, 0, 0, 0, 0, 0]),
        ConvolveCase(6, 1, .full, .bool, .bool, [0, 0, 0, 0, 0, 0]),
        ConvolveCase(6, 1, .valid, .float64, .float64, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(6, 1, .valid, .float32, .float32, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ConvolveCase(6, 1, .valid, .int64, .int64, [0, 0, 0, 0, 0, 0]),
        ConvolveCase(6, 1, .valid, .int32, .int32, [0, 0, 0, 0, 0, 0]),
        ConvolveCase(6, 1, .valid, .bool, .bool, [0, 0, 0, 0, 0, 0]),
    ]
}

@Suite("Convolve1d")
struct Convolve1dTests {
    /// `((i * seed + 3) % 7) - 3`, halved for floats; `(i * seed) % 3 != 0` for bool.
    static func input(_ n: Int, dtype: DType, seed: Int) -> NDArray {
        if dtype == .bool { return NDArray((0..<n).map { ($0 * seed) % 3 != 0 }) }
        let values = (0..<n).map { Double(($0 * seed + 3) % 7 - 3) }
        return NDArray(values.map { dtype.isFloat ? $0 * 0.5 : $0 }).converted(to: dtype)
    }

    /// A constant full-mode flag of PyTensor's scalar kind.
    static func scalarFlag(_ full: Bool) -> Variable {
        Variable(constant: NDArray(scalar: full), type: .scalar(.bool))
    }

    @Test(arguments: ConvolveCase.all)
    func valuesMatchNumpy(_ c: ConvolveCase) throws {
        let a = Tensor.vector("a", dtype: c.dtype)
        let b = Tensor.vector("b", dtype: c.dtype)
        let inputs = ["a": Self.input(c.n, dtype: c.dtype, seed: 5), "b": Self.input(c.k, dtype: c.dtype, seed: 3)]
        let batched = convolve1d(a, b, mode: c.mode)
        let core = build(Convolve1d(), a, b, Self.scalarFlag(c.mode == .full))
        for y in [batched, core] {
            #expect(y.dtype == c.outputDType)
            let value = try y.eval(inputs)
            #expect(value.dtype == c.outputDType)
            #expect(value.asArray(Double.self) == c.expected)
        }
    }

    /// Inputs long enough for the vectorised float path (16 outputs at a time) and its tail.
    @Test(arguments: [
        (.float64, .full, [0.0, 0.0, -1.5, 2.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -0.75, -1.0, 0.5]),
        (.float64, .valid, [-1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0]),
        (.float32, .full, [0.0, 0.0, -1.5, 2.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -0.75, -1.0, 0.5]),
        (.float32, .valid, [-1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0, 1.5, -3.0, 1.25, -1.5, 1.0, 1.75, -1.0]),
        (.int64, .full, [0, 0, -6, 11, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -3, -4, 2]),
        (.int64, .valid, [-4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4, 6, -12, 5, -6, 4, 7, -4]),
    ] as [(DType, ConvolveMode, [Double])])
    func longInputsMatchNumpy(_ dtype: DType, _ mode: ConvolveMode, _ expected: [Double]) throws {
        let a = Tensor.vector("a", dtype: dtype)
        let b = Tensor.vector("b", dtype: dtype)
        let value = try convolve1d(a, b, mode: mode).eval(
            ["a": Self.input(40, dtype: dtype, seed: 5), "b": Self.input(5, dtype: dtype, seed: 3)])
        #expect(value.dtype == dtype)
        #expect(value.asArray(Double.self) == expected)
    }

    @Test func randomFloatsMatchNumpy() throws {
        let a: [Double] = [0.1257302210933933, -0.1321048632913019, 0.6404226504432821, 0.10490011715303971, -0.535669373161111, 0.36159505490948474, 1.3040000451301372, 0.9470809631292422, -0.7037352358069926, -1.2654214710460525, -0.6232744625373522, 0.0413259793472436, -2.3250307746388343, -0.21879166393254573, -1.2459109472530652, -0.7322673547034516, -0.5442589828573099, -0.31630015636915454, 0.4116305363741328, 1.0425133694426776, -0.12853466294403426, 1.3664634705496859, -0.6651946734866135, 0.3515100700930197, 0.9034701816518086, 0.09401229776087457, -0.7434992493538084, -0.9217253762584194, -0.45772582566733916, 0.2201951234700494, -1.009618183538736, -0.20917557487171307, -0.15922500991447772, 0.5408455846858077, 0.2146591225063409, 0.3553727090399214, -0.6538286094183394, -0.12961363369276946, 0.7839754700613295, 1.4934311452207607, -1.2590655321041202, 1.5139237747390626, 1.3458754237823045, 0.7813114007004275, 0.2644556303293035, -0.3139228145364278, 1.4580206835369587, 1.9602583164499647, 1.801634869866125, 1.31510376473437]
        let b: [Double] = [0.357380410658956, -1.2083186322821715, -0.004454133120083229, 0.6564749350763358, -1.2883614637495544, 0.39512206018200824, 0.42986369482223]
        let full: [Double] = [0.044933518046598224, -0.19913385908119474, 0.38793925839871884, -0.6532182227434953, -0.5697525376183997, 1.4163180513583151, -0.7228942819635427, -1.5293347130663844, -0.15742828632877076, 0.617497304340133, 0.16374166220787126, -0.2379717912771724, 0.13262348275482827, 4.081212681787116, -0.14291202407510684, -1.125061533831179, 3.2961087943617855, -0.8890725650199596, 0.5702970196269816, -0.1236029804364297, -1.638805250337318, 0.7869247918738824, -2.093157677455246, -0.47753196240083984, 1.5526224212104567, -2.8594781123706925, 1.1891031556098932, 1.0333521062063398, -0.29586575860375547, 0.5347495287896038, 0.15347667816865496, 1.777873873190372, 0.2508153490181779, -1.136939930941888, 0.4775892526090747, -0.2740843763958106, -0.620482272865956, 0.03341246502166694, 0.541693989096779, -0.9827559768101373, -1.2680287238529198, 2.631816276125627, -1.704618805587744, -3.850338472404741, 2.6875181370675603, -1.3576769007817167, -0.264895664827007, -0.7102344514524643, -1.3907824059723466, 0.08626183957986089, -2.1990442696994714, -0.9074986715954556, -0.05653281687326339, -0.13981944712328875, 1.2940839307561793, 0.565315363383341]
        let valid: [Double] = [-0.7228942819635427, -1.5293347130663844, -0.15742828632877076, 0.617497304340133, 0.16374166220787126, -0.2379717912771724, 0.13262348275482827, 4.081212681787116, -0.14291202407510684, -1.125061533831179, 3.2961087943617855, -0.8890725650199596, 0.5702970196269816, -0.1236029804364297, -1.638805250337318, 0.7869247918738824, -2.093157677455246, -0.47753196240083984, 1.5526224212104567, -2.8594781123706925, 1.1891031556098932, 1.0333521062063398, -0.29586575860375547, 0.5347495287896038, 0.15347667816865496, 1.777873873190372, 0.2508153490181779, -1.136939930941888, 0.4775892526090747, -0.2740843763958106, -0.620482272865956, 0.03341246502166694, 0.541693989096779, -0.9827559768101373, -1.2680287238529198, 2.631816276125627, -1.704618805587744, -3.850338472404741, 2.6875181370675603, -1.3576769007817167, -0.264895664827007, -0.7102344514524643, -1.3907824059723466, 0.08626183957986089]
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        for (mode, expected) in [(ConvolveMode.full, full), (.valid, valid)] {
            for (first, second) in [("x", "y"), ("y", "x")] {
                let value = try convolve1d(x, y, mode: mode).eval([first: NDArray(a), second: NDArray(b)])
                #expect(value.shape == [expected.count])
                for (got, want) in zip(value.asArray(Double.self), expected) {
                    #expect(Swift.abs(got - want) <= 1e-13 * Swift.max(1, Swift.abs(want)))
                }
            }
        }
    }

    @Test func stridedAndReversedInputs() throws {
        let s = NDArray((0..<12).map { Double($0) * 0.5 - 2 })
        let kernel = NDArray([1.0, -2, 0.5, 3])
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let everyOther = s.sliced(axis: 0, start: 0, step: 2, count: 6)        // s[::2]
        let reversedKernel = kernel.sliced(axis: 0, start: 3, step: -1, count: 4)  // k[::-1]
        let backwards = s.sliced(axis: 0, start: 11, step: -2, count: 6)       // s[::-2]
        let full = try convolve1d(x, y).eval(["x": everyOther, "y": reversedKernel])
        #expect(full.asArray(Double.self) == [-6.0, -4.0, 3.5, 3.0, 5.5, 8.0, -1.5, -4.0, 3.0])
        let valid = try convolve1d(x, y, mode: .valid).eval(["x": backwards, "y": reversedKernel])
        #expect(valid.asArray(Double.self) == [0.75, -1.75, -4.25])
    }

    @Test func seedValues() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let conv = convolve1d(x, y, mode: .full)
        let value = try conv.eval(["x": [0, 1, 2], "y": [1, -1]])
        #expect(value.description == "array([ 0.,  1.,  1., -2.])")
        // The seed's pullback: valid convolution of v with x flipped.
        let v = Tensor.vector("v", shape: [4])
        let flipped = Tensor.vector("xf")
        for flag in [Self.scalarFlag(false), Variable(constant: NDArray(scalar: false))] {
            let vjp = build(Convolve1d(), v, flipped, flag)
            let result = try vjp.eval(["v": [1.0, 2, 3, 4], "xf": [2.0, 1, 0]])
            #expect(result.description == "array([ 8., 11.])")
        }
        #expect(try convolve1d(v, flipped, mode: .valid).eval(["v": [1.0, 2, 3, 4], "xf": [2.0, 1, 0]])
            .asArray(Double.self) == [8, 11])
    }

    @Test func printedNames() {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let conv = convolve1d(x, y, mode: .full)
        #expect("\(conv.owner!.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        #expect("\(Convolve1d())" == "Convolve1d")
        // The mode is a 0-d bool constant input, as PyTensor's `[False]`/`True` leaves.
        let flag = conv.owner!.inputs[2]
        #expect(flag.type == TensorType(dtype: .bool, shape: []))
        #expect(flag.constantValue?.item(Bool.self) == true)
        #expect(convolve1d(x, y, mode: .valid).owner!.inputs[2].constantValue?.item(Bool.self) == false)
    }

    @Test func staticShapesAndDTypes() {
        let x3 = Tensor.vector("x", shape: [3])
        let y2 = Tensor.vector("y", shape: [2])
        let x = Tensor.vector("x")
        #expect(convolve1d(x3, y2).type.shape == [4])
        #expect(convolve1d(y2, x3, mode: .valid).type.shape == [2])
        #expect(convolve1d(x, y2).type.shape == [nil])
        let flag = Tensor.scalar("full", dtype: .bool)
        #expect(build(Convolve1d(), x3, y2, flag).type.shape == [nil])
        #expect(build(Convolve1d(), x3, y2, Self.scalarFlag(false)).type.shape == [2])
        // A 0-d tensor flag is converted (PyTensor's `as_scalar`); a constant behind the
        // conversion still fixes the length.
        let converted = build(Convolve1d(), x3, y2, Variable(constant: NDArray(scalar: false)))
        #expect("\(converted.owner!.inputs[2].owner!.op)" == "ScalarFromTensor")
        #expect(converted.owner!.inputs[2].type == .scalar(.bool))
        #expect(converted.type.shape == [2])
        #expect(build(Convolve1d(), x3, y2, Self.scalarFlag(false)).owner!.inputs[2].owner == nil)
        let i32 = Tensor.vector("i", dtype: .int32)
        let i8 = Tensor.vector("j", dtype: .int8)
        let f32 = Tensor.vector("f", dtype: .float32)
        let i64 = Tensor.vector("k", dtype: .int64)
        #expect(convolve1d(i32, i8).dtype == .int32)
        #expect(convolve1d(i64, f32).dtype == .float64)
        #expect(convolve1d(f32, i8).dtype == .float32)
    }

    @Test func inferShapeMatchesRuntimeShapes() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let flag = Tensor.scalar("full", dtype: .bool)
        let lengths = [(5, 3), (3, 5), (4, 4), (1, 6)]
        for (n, k) in lengths {
            let inputs: [String: NDArray] = [
                "x": NDArray.zeros([n]), "y": NDArray.zeros([k]),
            ]
            for full in [true, false] {
                var values = inputs
                values["full"] = NDArray(scalar: full)
                let outputs = [
                    convolve1d(x, y, mode: full ? .full : .valid),
                    build(Convolve1d(), x, y, flag),
                    build(Convolve1d(), x, y, Self.scalarFlag(full)),
                ]
                for out in outputs {
                    let dims = try out.symbolicShape.map { Int(try $0.eval(values).item(Int64.self)) }
                    #expect(dims == (try out.eval(values).shape))
                }
            }
        }
    }

    @Test func constructionErrors() {
        let m = Tensor.matrix("m")
        let v = Tensor.vector("v")
        #expect {
            try checked { build(Convolve1d(), m, v, Self.scalarFlag(true)) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("Convolve1d")
                && error.message.contains("Matrix(float64, shape=(?, ?))") && error.message.contains("ndim=1")
        }
        #expect {
            try checked { build(Convolve1d(), v, v, Variable(constant: NDArray(scalar: Int64(1)))) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("bool")
        }
        #expect {
            try checked { convolve1d(Tensor.scalar("s"), v) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph
                && error.message.contains("Blockwise{Convolve1d, (n),(k),()->(o)}")
                && error.message.contains("fewer than its 1 core dimensions")
        }
        #expect {
            try checked { convolve1d(Tensor.vector("e", shape: [0]), v) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("empty")
        }
    }

    @Test func emptyInputIsARuntimeError() {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        #expect {
            try convolve1d(x, y).eval(["x": NDArray.zeros([0]), "y": [1.0, 2.0]])
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidValue && error.message.contains("Convolve1d")
                && error.message.contains("(0,)")
        }
    }

    /// An infinite or NaN value in the shorter input: numpy sums only the terms that overlap,
    /// so the outputs whose windows reach past the longer input's ends stay finite where their
    /// real terms are (the padding's 0 · ∞ must not make them NaN). Values from numpy 2.4, the
    /// same for both argument orders and for float32.
    @Test func nonFiniteValuesMatchNumpy() throws {
        let cases: [([Double], [Double], [Double])] = [
            ([1, 2, 3], [.infinity, 1], [.infinity, .infinity, .infinity, 3]),
            ([1, 2, 3, 4], [.nan, 1], [.nan, .nan, .nan, .nan, 4]),
            ([0.5, -1, 2, 3, 1], [1, -.infinity, 2], [0.5, -.infinity, .infinity, -.infinity, -.infinity, -.infinity, 2]),
        ]
        for dtype in [DType.float64, .float32] {
            let x = Tensor.vector("x", dtype: dtype)
            let y = Tensor.vector("y", dtype: dtype)
            let f = try function(inputs: [x, y], outputs: [convolve1d(x, y)])
            for (a, b, expected) in cases {
                for (first, second) in [(a, b), (b, a)] {
                    let value = try f(NDArray(first).converted(to: dtype), NDArray(second).converted(to: dtype))[0]
                    #expect(value.dtype == dtype)
                    let got = value.asArray(Double.self)
                    #expect(got.count == expected.count && zip(got, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                            "\(first) ∗ \(second) (\(dtype)): \(got)")
                }
            }
        }
    }

    /// The vector kernel (AVX-512 or AVX2 with FMA, where the CPU has one) against the portable
    /// Swift kernel on integer-valued floats, where every summation order is exact, so any
    /// misplaced load or tap shows: register blocks and their vector and scalar tails, blocks
    /// of 256 taps at every boundary, and few outputs with long windows.
    @Test func vectorKernelMatchesPortableExactly() throws {
        let sizes = [(1, 1), (7, 3), (23, 5), (63, 64), (64, 64), (65, 64), (129, 64), (200, 255), (300, 256),
                     (129, 257), (1000, 513), (5, 700), (70, 1000), (3001, 31)]
        for dtype in [DType.float64, .float32] {
            let x = Tensor.vector("x", dtype: dtype)
            let y = Tensor.vector("y", dtype: dtype)
            let f = try function(inputs: [x, y], outputs: [convolve1d(x, y), convolve1d(x, y, mode: .valid)])
            for (n, k) in sizes {
                let xs = NDArray((0..<n).map { Double(($0 * 5 + 3) % 7 - 3) }).converted(to: dtype)
                let ys = NDArray((0..<k).map { Double(($0 * 5 + 1) % 9 - 4) }).converted(to: dtype)
                let vector = try f(xs, ys)
                let portable = try VectorProduct.$isDisabled.withValue(true) { try f(xs, ys) }
                #expect(vector == portable, "n = \(n), k = \(k), \(dtype)")
                #expect(vector.map(\.dtype) == [dtype, dtype])
            }
        }
    }

    /// Each vector kernel this CPU runs (AVX2 and, where present, AVX-512: different register
    /// blocks and interleavings), called directly, against the portable kernel on
    /// integer-valued floats (every order exact): output counts around each kernel's register
    /// block and vector width, tap counts around the vector width and the 256-tap blocks.
    @Test func everyVectorKernelMatchesPortableExactly() {
        let kernels = [CotangentGemmAVX2, CotangentGemmAVX512].filter { $0.rawValue <= VectorProduct.best.rawValue }
        let counts = [1, 3, 4, 5, 15, 16, 17, 23, 24, 25, 47, 48, 49, 63, 64, 65, 96, 127, 128, 129, 200]
        let tapCounts = [1, 2, 3, 7, 8, 9, 16, 17, 64, 255, 256, 257, 600]
        func check<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type) {
            for kernel in kernels {
                for count in counts {
                    for k in tapCounts {
                        let signal = (0..<(count + k - 1)).map { T(($0 * 5 + 3) % 7 - 3) }
                        let taps = (0..<k).map { T(($0 * 5 + 1) % 9 - 4) }
                        var vector = [T](repeating: 99, count: count), portable = vector
                        let ran = VectorProduct.windowSums(signal, taps, &vector, count: count, k: k, kernel: kernel)
                        ConvolveKernel.floatWindowSums(signal, taps, &portable, count, k, kernel: CotangentGemmNone)
                        #expect(ran && vector == portable, "\(T.self) kernel \(kernel.rawValue) count \(count) k \(k)")
                    }
                }
            }
        }
        check(Double.self)
        check(Float.self)
        // No vector kernel, or one the CPU lacks: refused, the output untouched.
        var untouched: [Double] = [7]
        #expect(!VectorProduct.windowSums([1.0], [1.0], &untouched, count: 1, k: 1, kernel: CotangentGemmNone))
        #expect(untouched == [7])
    }

    /// Large convolutions split their outputs over threads; every output sums its taps in the
    /// same order, so the bits do not change (float64, float32 and int64; both modes; the
    /// gradient-shaped case of few outputs with long windows).
    @Test func threadSplitsGiveTheSameBits() throws {
        let cases: [(signal: Int, kernel: Int, dtype: DType, modes: [ConvolveMode])] = [
            (100_003, 64, .float64, [.full, .valid]), (70_001, 97, .float32, [.full, .valid]),
            (100_000, 100_063, .float64, [.valid]), (50_000, 200, .int64, [.full, .valid]),
        ]
        for (n, k, dtype, modes) in cases {
            let x = Tensor.vector("x", dtype: dtype)
            let y = Tensor.vector("y", dtype: dtype)
            let f = try function(inputs: [x, y], outputs: modes.map { convolve1d(x, y, mode: $0) })
            let xs = AutodiffTesting.random([n], seed: 41, low: -3, high: 3).converted(to: dtype)
            let ys = AutodiffTesting.random([k], seed: 42, low: -3, high: 3).converted(to: dtype)
            let one = try KernelOptions.singleThreaded.withCurrent { try f(xs, ys) }
            for threads in [2, 3] {
                let many = try KernelOptions(threads: threads).withCurrent { try f(xs, ys) }
                #expect(many == one, "n = \(n), k = \(k), \(dtype), \(threads) threads")
            }
        }
    }
}
