import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Output dtypes: PyTensor's rules (numpy promotion for arithmetic and comparisons, int/int true
/// division → float64, transcendental functions of small ints → float32 and of int32/int64 →
/// float64), checked statically and on evaluated values, for every pair of dtypes.
@Suite("Elemwise dtypes")
struct ElemwiseDTypeTests {
    struct PairRow: Sendable, CustomTestStringConvertible {
        let a: DType
        let b: DType
        let results: [(op: String, dtype: DType, values: [Double])]

        init(
            _ a: DType, _ b: DType, add: (DType, [Double]), mul: (DType, [Double]),
            trueDiv: (DType, [Double]), lt: (DType, [Double])
        ) {
            self.a = a
            self.b = b
            results = [
                ("add", add.0, add.1), ("mul", mul.0, mul.1), ("trueDiv", trueDiv.0, trueDiv.1),
                ("lt", lt.0, lt.1),
            ]
        }

        var testDescription: String { "\(a), \(b)" }
    }

    static let x: [Double] = [1, 0, 3, 5]
    static let y: [Double] = [2, 1, 1, 3]

    @Test(arguments: ElemwiseDTypeTests.pairRows)
    func binaryPair(_ row: PairRow) throws {
        let a = NDArray(Self.x).converted(to: row.a)
        let b = NDArray(Self.y).converted(to: row.b)
        for (op, dtype, expected) in row.results {
            let (output, value) = try ElemwiseAPI.evaluate(op, [a, b])
            #expect(output.dtype == dtype, "\(op)(\(row.a), \(row.b))")
            #expect(value.dtype == dtype, "\(op)(\(row.a), \(row.b)) evaluated")
            if dtype == .float32 {
                expectClose(
                    value.asArray(Float.self), expected.map { Float($0) }, inputs: ["0", "1", "2", "3"],
                    ulps: 0, "\(op)(\(row.a), \(row.b))")
            } else {
                #expect(value.asArray(Double.self) == expected, "\(op)(\(row.a), \(row.b))")
            }
        }
    }

    @Test(arguments: ElemwiseDTypeTests.expRows.indices)
    func expUpgradesToFloat(_ index: Int) throws {
        let (input, dtype, expected) = Self.expRows[index]
        let (output, value) = try ElemwiseAPI.evaluate("exp", [NDArray(Self.x).converted(to: input)])
        #expect(output.dtype == dtype && value.dtype == dtype, "exp(\(input))")
        if dtype == .float32 {
            expectClose(
                value.asArray(Float.self), expected.map { Float($0) }, inputs: ["1", "0", "3", "5"],
                ulps: 1, "exp(\(input))")
        } else {
            expectClose(value.asArray(Double.self), expected, inputs: ["1", "0", "3", "5"], "exp(\(input))")
        }
    }

    /// Static output dtypes of the remaining rules (PyTensor's `output_types_preference` of
    /// each scalar op).
    @Test(arguments: [
        ("sqrt", [DType.int16], DType.float32), ("log", [.uint8], .float32), ("sin", [.int32], .float64),
        ("floor", [.bool], .float32), ("ceil", [.int64], .float64), ("reciprocal", [.int64], .float64),
        ("sigmoid", [.bool], .float32), ("gammaln", [.int8], .float32), ("psi", [.int32], .float64),
        ("arctan2", [.int8, .int16], .float32), ("arctan2", [.int32, .float32], .float64),
        ("arctan2", [.uint8, .float32], .float32), ("abs", [.int8], .int8), ("abs", [.bool], .bool),
        ("sqr", [.uint8], .uint8), ("neg", [.uint8], .uint8), ("sign", [.int16], .int16),
        ("maximum", [.int8, .uint8], .int16), ("minimum", [.bool, .float32], .float32),
        ("clip", [.int8, .int16, .uint8], .int16), ("intDiv", [.int8, .int8], .int8),
        ("intDiv", [.float32, .int8], .float32), ("mod", [.int32, .float32], .float64),
        ("pow", [.int8, .bool], .int8), ("pow", [.bool, .bool], .int8), ("pow", [.int16, .float32], .float32),
        ("switch", [.float64, .int8, .uint8], .int16), ("switch", [.bool, .float32, .int32], .float64),
        ("second", [.float64, .int8], .int8), ("identity", [.uint8], .uint8), ("isnan", [.int32], .bool),
        ("isinf", [.float32], .bool), ("eq", [.int8, .float64], .bool), ("and", [.uint8, .int8], .int16),
        ("xor", [.bool, .bool], .bool), ("invert", [.bool], .bool), ("invert", [.uint8], .uint8),
        ("trueDiv", [.bool, .bool], .float64), ("trueDiv", [.uint8, .float32], .float32),
        ("round", [.float32], .float32),
    ] as [(String, [DType], DType)])
    func staticDType(_ name: String, _ inputs: [DType], _ expected: DType) {
        let variables = inputs.enumerated().map { Tensor.vector("x\($0.offset)", dtype: $0.element) }
        #expect(ElemwiseAPI.apply(name, variables).dtype == expected)
    }

    /// Combinations PyTensor rejects when building: bool subtraction and negation
    /// (`upcast_out_nobool`, `same_out_nobool`), sign of a bool, rounding an integer
    /// (`same_out_float_only`), bitwise ops on floats or on a bool mixed with an integer.
    @Test(arguments: [
        ("sub", [DType.bool, .bool], "Sub"), ("neg", [.bool], "Neg"), ("sign", [.bool], "Sign"),
        ("round", [.int64], "Roundhalftoeven"), ("round", [.bool], "Roundhalftoeven"),
        ("and", [.float64, .int8], "And"), ("or", [.float32, .float32], "Or"),
        ("xor", [.bool, .int8], "Xor"), ("invert", [.float64], "Invert"),
    ] as [(String, [DType], String)])
    func rejectedDTypes(_ name: String, _ inputs: [DType], _ printed: String) throws {
        let variables = inputs.enumerated().map { Tensor.vector("x\($0.offset)", dtype: $0.element) }
        let error = expectCotangentError { _ = try checked { ElemwiseAPI.apply(name, variables) } }
        #expect(error?.kind == .invalidGraph)
        #expect(error?.message.contains(printed) == true, "\(error?.message ?? "")")
        for dtype in Set(inputs) {
            #expect(error?.message.contains(dtype.rawValue) == true, "\(error?.message ?? "")")
        }
    }

    /// `cast` for every dtype pair: the node prints `Cast{dtype}`, has that dtype, and gives
    /// numpy's `astype` values (the NDArray conversion table); casting to the same dtype adds
    /// no node.
    @Test(arguments: NDArrayTests.conversions)
    func cast(_ row: NDArrayTests.ConversionRow) throws {
        let x = Tensor.vector("x", dtype: row.source.dtype)
        #expect(x.cast(to: row.source.dtype) === x)
        for expected in row.targets where expected.dtype != row.source.dtype {
            let y = x.cast(to: expected.dtype)
            #expect(y.owner?.op.description == "Cast{\(expected.dtype)}")
            #expect(y.dtype == expected.dtype)
            let value = try y.eval(["x": row.source.array])
            #expect(expected.matches(value), "\(row.source.dtype) → \(expected.dtype): got \(value)")
        }
    }

    // Generated once with numpy 2.4.6. x = [1, 0, 3, 5], y = [2, 1, 1, 3] (as bool: nonzero).
    // Each row: x dtype, y dtype, then the result dtype and values of x + y, x * y, x / y, x < y.
    static let pairRows: [PairRow] = [
        PairRow(.bool, .bool,
                add: (.bool, [1.0, 1.0, 1.0, 1.0]),
                mul: (.bool, [1.0, 0.0, 1.0, 1.0]),
                trueDiv: (.float64, [1.0, 0.0, 1.0, 1.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.bool, .int8,
                add: (.int8, [3.0, 1.0, 2.0, 4.0]),
                mul: (.int8, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .int16,
                add: (.int16, [3.0, 1.0, 2.0, 4.0]),
                mul: (.int16, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .int32,
                add: (.int32, [3.0, 1.0, 2.0, 4.0]),
                mul: (.int32, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .int64,
                add: (.int64, [3.0, 1.0, 2.0, 4.0]),
                mul: (.int64, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .uint8,
                add: (.uint8, [3.0, 1.0, 2.0, 4.0]),
                mul: (.uint8, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .float32,
                add: (.float32, [3.0, 1.0, 2.0, 4.0]),
                mul: (.float32, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float32, [0.5, 0.0, 1.0, 0.3333333432674408]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.bool, .float64,
                add: (.float64, [3.0, 1.0, 2.0, 4.0]),
                mul: (.float64, [2.0, 0.0, 1.0, 3.0]),
                trueDiv: (.float64, [0.5, 0.0, 1.0, 0.3333333333333333]),
                lt: (.bool, [1.0, 1.0, 0.0, 1.0])),
        PairRow(.int8, .bool,
                add: (.int8, [2.0, 1.0, 4.0, 6.0]),
                mul: (.int8, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .int8,
                add: (.int8, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int8, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .int16,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .int32,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .int64,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .uint8,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .float32,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int8, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .bool,
                add: (.int16, [2.0, 1.0, 4.0, 6.0]),
                mul: (.int16, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .int8,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .int16,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .int32,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .int64,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .uint8,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .float32,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int16, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .bool,
                add: (.int32, [2.0, 1.0, 4.0, 6.0]),
                mul: (.int32, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .int8,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .int16,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .int32,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .int64,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .uint8,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .float32,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int32, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .bool,
                add: (.int64, [2.0, 1.0, 4.0, 6.0]),
                mul: (.int64, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .int8,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .int16,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .int32,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .int64,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .uint8,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .float32,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.int64, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .bool,
                add: (.uint8, [2.0, 1.0, 4.0, 6.0]),
                mul: (.uint8, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .int8,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .int16,
                add: (.int16, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int16, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .int32,
                add: (.int32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .int64,
                add: (.int64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.int64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .uint8,
                add: (.uint8, [3.0, 1.0, 4.0, 8.0]),
                mul: (.uint8, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .float32,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.uint8, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .bool,
                add: (.float32, [2.0, 1.0, 4.0, 6.0]),
                mul: (.float32, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float32, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .int8,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .int16,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .int32,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .int64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .uint8,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .float32,
                add: (.float32, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float32, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float32, [0.5, 0.0, 3.0, 1.6666666269302368]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float32, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .bool,
                add: (.float64, [2.0, 1.0, 4.0, 6.0]),
                mul: (.float64, [1.0, 0.0, 3.0, 5.0]),
                trueDiv: (.float64, [1.0, 0.0, 3.0, 5.0]),
                lt: (.bool, [0.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .int8,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .int16,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .int32,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .int64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .uint8,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .float32,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
        PairRow(.float64, .float64,
                add: (.float64, [3.0, 1.0, 4.0, 8.0]),
                mul: (.float64, [2.0, 0.0, 3.0, 15.0]),
                trueDiv: (.float64, [0.5, 0.0, 3.0, 1.6666666666666667]),
                lt: (.bool, [1.0, 1.0, 0.0, 0.0])),
    ]

    // exp over each dtype: PyTensor's upgrade_to_float (bool, int8, int16, uint8 → float32; numpy
    // would give float16), values from numpy's exp in that dtype.
    static let expRows: [(DType, DType, [Double])] = [
        (.bool, .float32, [2.7182819843292236, 1.0, 2.7182819843292236, 2.7182819843292236]),
        (.int8, .float32, [2.7182819843292236, 1.0, 20.08553695678711, 148.4131622314453]),
        (.int16, .float32, [2.7182819843292236, 1.0, 20.08553695678711, 148.4131622314453]),
        (.int32, .float64, [2.718281828459045, 1.0, 20.085536923187668, 148.4131591025766]),
        (.int64, .float64, [2.718281828459045, 1.0, 20.085536923187668, 148.4131591025766]),
        (.uint8, .float32, [2.7182819843292236, 1.0, 20.08553695678711, 148.4131622314453]),
        (.float32, .float32, [2.7182819843292236, 1.0, 20.08553695678711, 148.4131622314453]),
        (.float64, .float64, [2.718281828459045, 1.0, 20.085536923187668, 148.4131591025766]),
    ]
}
