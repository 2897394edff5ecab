import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// NDArray: literals, element access, numpy `astype` conversions for every dtype pair, dtype
/// promotion, views (transpose, negative-step slices, indexing, zero-stride broadcasts, reshapes)
/// and `contiguous()`, the strided loop's dimension merging, and the SplitMix64 generator.
@Suite("NDArray")
struct NDArrayTests {
    // MARK: - Literals and element access

    @Test func nestedIntegerLiteralIsInt64() {
        let a: NDArray = [[1, 2, 3], [4, 5, 6]]
        #expect(a.dtype == .int64)
        #expect(a.shape == [2, 3])
        #expect(a.strides == [3, 1])
        #expect(a.asArray(Int64.self) == [1, 2, 3, 4, 5, 6])
    }

    /// `np.array([[1, 2.5], [3, 4]])` is float64; `np.array([True, 2])` is int64.
    @Test func mixedLiteralsPromoteLikeNpArray() {
        let mixed: NDArray = [[1, 2.5], [3, 4]]
        #expect(mixed.dtype == .float64)
        #expect(mixed.asArray(Double.self) == [1, 2.5, 3, 4])
        let boolInt: NDArray = [true, 2]
        #expect(boolInt.dtype == .int64)
        #expect(boolInt.asArray(Int64.self) == [1, 2])
        let bools: NDArray = [[true, false], [false, true]]
        #expect(bools.dtype == .bool && bools.shape == [2, 2])
        #expect(bools.asArray(Bool.self) == [true, false, false, true])
    }

    @Test func scalarAndEmptyLiterals() {
        let f: NDArray = 0.5
        #expect(f.dtype == .float64 && f.shape == [] && f.item(Double.self) == 0.5)
        let i: NDArray = 3
        #expect(i.dtype == .int64 && i.shape == [] && i.count == 1)
        let b: NDArray = false
        #expect(b.dtype == .bool && b.item(Bool.self) == false)
        let empty: NDArray = []
        #expect(empty.dtype == .float64 && empty.shape == [0] && empty.count == 0)
        let deep: NDArray = [[[1]], [[2]]]
        #expect(deep.shape == [2, 1, 1])
        #expect(NDArray([[1.0, 2.0]]).shape == [1, 2])
        #expect(NDArray([Int8](arrayLiteral: 1, -2)).dtype == .int8)
    }

    @Test func asArrayConvertsWithAstypeRules() {
        let a = NDArray([2.7, -2.7, 0, .nan])
        #expect(a.asArray(Int64.self) == [2, -2, 0, Int64.min])
        #expect(a.asArray(Int32.self) == [2, -2, 0, Int32.min])
        #expect(a.asArray(Bool.self) == [true, true, false, true])
        #expect(NDArray([Int64](arrayLiteral: -1, 256, 3)).asArray(UInt8.self) == [255, 0, 3])
        #expect(NDArray([true, false]).asArray(Double.self) == [1, 0])
    }

    @Test func factories() {
        #expect(NDArray.zeros([2, 2], dtype: .int16).asArray(Int16.self) == [0, 0, 0, 0])
        #expect(NDArray.zeros([2], dtype: .bool).asArray(Bool.self) == [false, false])
        let full = NDArray.full([3], value: -2.7, dtype: .int32)
        #expect(full.dtype == .int32 && full.asArray(Int32.self) == [-2, -2, -2])
        #expect(NDArray(shape: [2], filledWith: Float(1.5)).asArray(Float.self) == [1.5, 1.5])
        #expect(NDArray.zeros([0, 3]).count == 0)
    }

    // MARK: - Conversions and promotion

    struct ConversionRow: Sendable, CustomTestStringConvertible {
        let source: TypedValues
        let targets: [TypedValues]
        init(_ source: TypedValues, targets: [TypedValues]) {
            self.source = source
            self.targets = targets
        }
        var testDescription: String { "from \(source.dtype)" }
    }

    /// Every dtype pair against numpy's `astype` on x86-64: floats truncate toward zero; NaN,
    /// infinities and out-of-range floats give INT_MIN of the conversion's 32- or 64-bit
    /// instruction (so 0 for int8, int16 and uint8); integers wrap; nonzero (and NaN) is true.
    @Test(arguments: NDArrayTests.conversions)
    func convertedMatchesAstype(_ row: ConversionRow) {
        let source = row.source.array
        for expected in row.targets {
            let converted = source.converted(to: expected.dtype)
            #expect(expected.matches(converted), "\(row.source.dtype) → \(expected.dtype): \(converted)")
            // Non-contiguous sources convert the same way.
            let reversed = source.sliced(axis: 0, start: source.count - 1, step: -1, count: source.count)
            let back = reversed.converted(to: expected.dtype)
                .sliced(axis: 0, start: source.count - 1, step: -1, count: source.count)
            #expect(expected.matches(back), "reversed \(row.source.dtype) → \(expected.dtype)")
        }
    }

    @Test func promoteMatchesResultType() {
        for (i, a) in DType.allCases.enumerated() {
            for (j, b) in DType.allCases.enumerated() {
                #expect(DType.promote(a, b) == Self.promotions[i][j], "promote(\(a), \(b))")
                #expect(a.canCastSafely(to: b) == Self.safeCasts[i][j], "can_cast(\(a), \(b))")
            }
        }
        #expect(DType.promote([.int8, .uint8, .float32]) == .float32)
        #expect(DType.promote([.uint8, .int16, .int32, .bool]) == .int32)
    }

    // MARK: - Views

    @Test func transposeIsAView() {
        let a = NDArray(shape: [2, 3, 4], elements: (0..<24).map(Int64.init))
        let t = a.transposed([2, 0, 1])
        #expect(t.shape == [4, 2, 3])
        #expect(t.strides == [1, 12, 4])
        #expect(t.storage === a.storage)
        #expect(!t.isContiguous)
        // numpy: np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1)[1].ravel()
        #expect(t.indexed(axis: 0, at: 1).asArray(Int64.self) == [1, 5, 9, 13, 17, 21])
        let c = t.contiguous()
        #expect(c.isContiguous && c.strides == [6, 3, 1] && c.storage !== a.storage)
        #expect(Array(c.asArray(Int64.self).prefix(6)) == [0, 4, 8, 12, 16, 20])
    }

    @Test func negativeStepSliceAndIndex() {
        let a = NDArray(shape: [2, 5], elements: (0..<10).map(Int64.init))
        let s = a.sliced(axis: 1, start: 4, step: -2, count: 3)  // a[:, 4::-2]
        #expect(s.shape == [2, 3] && s.strides == [5, -2])
        #expect(s.storage === a.storage)
        #expect(s.asArray(Int64.self) == [4, 2, 0, 9, 7, 5])
        #expect(s.contiguous().asArray(Int64.self) == [4, 2, 0, 9, 7, 5])
        #expect(s.contiguous().isContiguous)
        let row = a.indexed(axis: 0, at: 1)
        #expect(row.shape == [5] && row.isContiguous && row.asArray(Int64.self) == [5, 6, 7, 8, 9])
        #expect(row.contiguous().storage === a.storage)  // already contiguous: no copy
        let column = s.indexed(axis: 1, at: 2)  // a[:, 0]
        #expect(column.asArray(Int64.self) == [0, 5])
        let empty = a.sliced(axis: 1, start: 0, step: 1, count: 0)
        #expect(empty.shape == [2, 0] && empty.asArray(Int64.self) == [])
    }

    @Test func rowViewsAreTheIndexedRows() {
        // A loop's row views share one shape and strides array; each row is `indexed(axis: 0)`.
        let cube = NDArray(shape: [3, 2, 4], elements: (0..<24).map(Int64.init))
        let reversed = cube.sliced(axis: 0, start: 2, step: -1, count: 3)  // cube[::-1]
        let columns = NDArray(shape: [4, 3], elements: (0..<12).map(Double.init)).transposed([1, 0])
        let vector = NDArray([0.5, 1.5, 2.5])
        for array in [cube, reversed, columns, vector] {
            let rows = RowViews(array)
            for index in 0..<array.shape[0] {
                let (row, expected) = (rows.row(index), array.indexed(axis: 0, at: index))
                #expect(row.shape == expected.shape && row.strides == expected.strides)
                #expect(row.dtype == expected.dtype && row.storage === array.storage)
                #expect(row.asArray(Double.self) == expected.asArray(Double.self))
            }
        }
    }

    @Test func broadcastUsesZeroStrides() throws {
        let v = NDArray([1.0, 2, 3])
        let b = try #require(v.broadcast(to: [2, 3]))
        #expect(b.strides == [0, 1] && b.storage === v.storage)
        #expect(b.asArray(Double.self) == [1, 2, 3, 1, 2, 3])
        let column = NDArray(shape: [2, 1], elements: [5.0, 6])
        let c = try #require(column.broadcast(to: [3, 2, 4]))
        #expect(c.strides == [0, 1, 0])
        #expect(c.asArray(Double.self) == [5, 5, 5, 5, 6, 6, 6, 6, 5, 5, 5, 5, 6, 6, 6, 6, 5, 5, 5, 5, 6, 6, 6, 6])
        #expect(v.broadcast(to: [4]) == nil)
        #expect(v.broadcast(to: [3, 1]) == nil)
        #expect(v.broadcast(to: []) == nil)
        #expect(NDArray(scalar: 7.0).broadcast(to: [2, 2])?.asArray(Double.self) == [7, 7, 7, 7])
        #expect(broadcastShapes([[3, 1], [1, 4], [4]]) == [3, 4])
        #expect(broadcastShapes([[3], [4]]) == nil)
        #expect(broadcastShapes([[0], [1]]) == [0])
    }

    @Test func reshapeIsAViewOnlyWhenContiguous() {
        let a = NDArray(shape: [2, 3], elements: (0..<6).map(Int64.init))
        let r = a.reshaped([3, 2])
        #expect(r.storage === a.storage)
        #expect(r.asArray(Int64.self) == [0, 1, 2, 3, 4, 5])
        let t = a.transposed([1, 0])
        let tr = t.reshaped([3, 2])
        #expect(tr.storage !== a.storage)
        // numpy: np.arange(6).reshape(2, 3).T.reshape(3, 2)
        #expect(tr.asArray(Int64.self) == [0, 3, 1, 4, 2, 5])
        #expect(tr.strides == [2, 1])
        // A view with an offset (a row) reshaped in place keeps its offset.
        let row = a.indexed(axis: 0, at: 1).reshaped([3, 1])
        #expect(row.storage === a.storage && row.asArray(Int64.self) == [3, 4, 5])
        // Reversed then reshaped: a copy in the reversed order.
        let reversed = NDArray([1.0, 2, 3, 4]).sliced(axis: 0, start: 3, step: -1, count: 4)
        #expect(reversed.reshaped([2, 2]).asArray(Double.self) == [4, 3, 2, 1])
    }

    @Test func expandAndSqueezeDims() {
        let a = NDArray([1.0, 2])
        let e = a.expandingDims([0, 2])
        #expect(e.shape == [1, 2, 1])
        #expect(e.squeezingDims([0, 2]).shape == [2])
        #expect(e.asArray(Double.self) == [1, 2])
    }

    // MARK: - Strided loop

    /// The row traversal (after dropping length-1 dims and merging contiguous ones) visits the
    /// same offsets, in the same order, as a naive odometer over the full shape.
    @Test func stridedLoopMatchesNaiveTraversal() {
        let random = SplitMix64(seed: 7)
        var counter: UInt64 = 0
        func next(_ range: ClosedRange<Int>) -> Int {
            counter += 1
            return range.lowerBound + Int(random.raw(counter) % UInt64(range.count))
        }
        for trial in 0..<400 {
            // Up to rank 6 and 8 operands, so that some plans exceed the inline capacity.
            let rank = next(0...6)
            let shape = (0..<rank).map { _ in next(0...8) == 0 ? next(0...1) : next(1...4) }
            let operandCount = next(1...8)
            var operands: [(strides: [Int], offset: Int)] = []
            for k in 0..<operandCount {
                // One contiguous operand most of the time, so that merging happens.
                let strides: [Int]
                if k == 0 && trial % 2 == 0 {
                    strides = NDArray.contiguousStrides(shape)
                } else if k == 1 && trial % 3 == 0 {
                    strides = NDArray.contiguousStrides(shape).map { -$0 }
                } else {
                    strides = shape.map { _ in next(0...3) == 0 ? 0 : next(-12...12) }
                }
                operands.append((strides, next(0...50)))
            }
            // Naive odometer.
            var expected: [[Int]] = []
            let total = shape.reduce(1, *)
            var index = [Int](repeating: 0, count: rank)
            for _ in 0..<total {
                expected.append(operands.map { op in
                    op.offset + zip(index, op.strides).map { $0 * $1 }.reduce(0, +)
                })
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
            let loop = StridedLoop(shape: shape, operands: operands)
            var visited: [[Int]] = []
            let steps = loop.rowStrides
            loop.forEachRow { starts in
                for i in 0..<loop.rowLength {
                    visited.append(zip(starts, steps).map { $0 + i * $1 })
                }
            }
            #expect(visited == expected, "shape \(shape), operands \(operands)")
            #expect(loop.shape.count <= max(rank, 1))
        }
    }

    @Test func contiguousOperandsMergeIntoOneRow() {
        let shape = [3, 4, 5]
        let strides = NDArray.contiguousStrides(shape)
        let loop = StridedLoop(shape: shape, operands: [(strides, 0), (strides, 7)])
        #expect(loop.shape == [60])
        #expect(loop.rowStrides == [1, 1])
        // A transposed operand keeps the dims apart.
        let split = StridedLoop(shape: [3, 4], operands: [([4, 1], 0), ([1, 3], 0)])
        #expect(split.shape == [3, 4])
        // Length-1 dims are dropped, zero-size shapes visit nothing.
        #expect(StridedLoop(shape: [1, 5, 1], operands: [([9, 2, 9], 0)]).shape == [5])
        var rows = 0
        StridedLoop(shape: [2, 0, 3], operands: [([0, 0, 0], 0)]).forEachRow { _ in rows += 1 }
        #expect(rows == 0)
    }

    // MARK: - SplitMix64

    /// The check values of WORKLOADS.md §1.1.
    @Test func splitMixCheckValues() {
        let random = SplitMix64(seed: 1)
        #expect(random.raw(0) == 10_451_216_379_200_822_465)
        #expect(random.raw(1) == 13_757_245_211_066_428_519)
        #expect(random.raw(2) == 17_911_839_290_282_890_590)
        #expect(random.unit(0) == 0.5665615751722809)
        #expect(random.unit(1) == 0.7457817572627011)
        #expect(random.unit(2) == 0.9710027535867962)
        let u = random.uniform(shape: [3], low: -1, high: 1, dtype: .float32)
        #expect(u.dtype == .float32)
        let units: [Double] = [0.5665615751722809, 0.7457817572627011, 0.9710027535867962]
        let expected = units.map { Float(-1 + 2 * $0) }
        #expect(u.asArray(Float.self) == expected)
    }

    // Generated once with numpy 2.4.6 on x86-64: `source.astype(target)` for every dtype pair.
    static let conversions: [ConversionRow] = [
        ConversionRow(
            .bool([false, true]),
            targets: [
                .bool([false, true]),
                .int8([0, 1]),
                .int16([0, 1]),
                .int32([0, 1]),
                .int64([0, 1]),
                .uint8([0, 1]),
                .float32([0.0, 1.0]),
                .float64([0.0, 1.0]),
            ]),
        ConversionRow(
            .int8([0, 1, -1, 127, -128, 5]),
            targets: [
                .bool([false, true, true, true, true, true]),
                .int8([0, 1, -1, 127, -128, 5]),
                .int16([0, 1, -1, 127, -128, 5]),
                .int32([0, 1, -1, 127, -128, 5]),
                .int64([0, 1, -1, 127, -128, 5]),
                .uint8([0, 1, 255, 127, 128, 5]),
                .float32([0.0, 1.0, -1.0, 127.0, -128.0, 5.0]),
                .float64([0.0, 1.0, -1.0, 127.0, -128.0, 5.0]),
            ]),
        ConversionRow(
            .int16([0, 1, -1, 127, 128, -129, 255, 256, 32767, -32768]),
            targets: [
                .bool([false, true, true, true, true, true, true, true, true, true]),
                .int8([0, 1, -1, 127, -128, 127, -1, 0, -1, 0]),
                .int16([0, 1, -1, 127, 128, -129, 255, 256, 32767, -32768]),
                .int32([0, 1, -1, 127, 128, -129, 255, 256, 32767, -32768]),
                .int64([0, 1, -1, 127, 128, -129, 255, 256, 32767, -32768]),
                .uint8([0, 1, 255, 127, 128, 127, 255, 0, 255, 0]),
                .float32([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32767.0, -32768.0,
                ]),
                .float64([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32767.0, -32768.0,
                ]),
            ]),
        ConversionRow(
            .int32([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, 16777217, 2147483647, -2147483648]),
            targets: [
                .bool([false, true, true, true, true, true, true, true, true, true, true, true, true]),
                .int8([0, 1, -1, 127, -128, 127, -1, 0, 0, -1, 1, -1, 0]),
                .int16([0, 1, -1, 127, 128, -129, 255, 256, -32768, 32767, 1, -1, 0]),
                .int32([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, 16777217, 2147483647, -2147483648]),
                .int64([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, 16777217, 2147483647, -2147483648]),
                .uint8([0, 1, 255, 127, 128, 127, 255, 0, 0, 255, 1, 255, 0]),
                .float32([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32768.0, -32769.0, 16777216.0, 2147483600.0,
                    -2147483600.0,
                ]),
                .float64([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32768.0, -32769.0, 16777217.0, 2147483647.0,
                    -2147483648.0,
                ]),
            ]),
        ConversionRow(
            .int64([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, 2147483648, -2147483649, 9007199254740993, 9223372036854775807, -9223372036854775808]),
            targets: [
                .bool([false, true, true, true, true, true, true, true, true, true, true, true, true, true, true]),
                .int8([0, 1, -1, 127, -128, 127, -1, 0, 0, -1, 0, -1, 1, -1, 0]),
                .int16([0, 1, -1, 127, 128, -129, 255, 256, -32768, 32767, 0, -1, 1, -1, 0]),
                .int32([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, -2147483648, 2147483647, 1, -1, 0]),
                .int64([0, 1, -1, 127, 128, -129, 255, 256, 32768, -32769, 2147483648, -2147483649, 9007199254740993, 9223372036854775807, -9223372036854775808]),
                .uint8([0, 1, 255, 127, 128, 127, 255, 0, 0, 255, 0, 255, 1, 255, 0]),
                .float32([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32768.0, -32769.0, 2147483600.0, -2147483600.0,
                    9007199000000000.0, 9.223372e+18, -9.223372e+18,
                ]),
                .float64([
                    0.0, 1.0, -1.0, 127.0, 128.0, -129.0,
                    255.0, 256.0, 32768.0, -32769.0, 2147483648.0, -2147483649.0,
                    9007199254740992.0, 9.223372036854776e+18, -9.223372036854776e+18,
                ]),
            ]),
        ConversionRow(
            .uint8([0, 1, 127, 128, 255]),
            targets: [
                .bool([false, true, true, true, true]),
                .int8([0, 1, 127, -128, -1]),
                .int16([0, 1, 127, 128, 255]),
                .int32([0, 1, 127, 128, 255]),
                .int64([0, 1, 127, 128, 255]),
                .uint8([0, 1, 127, 128, 255]),
                .float32([0.0, 1.0, 127.0, 128.0, 255.0]),
                .float64([0.0, 1.0, 127.0, 128.0, 255.0]),
            ]),
        ConversionRow(
            .float32([
                0.0, -0.0, 1.5, -1.5, 2.5, -2.7,
                127.9, 128.0, -129.0, 255.9, 256.0, -300.0,
                70000.0, 3000000000.0, 3000000000.0, -3000000000.0, 1.0e+20, -1.0e+20,
                16777216.0, 0.1, 0.0, .infinity, .nan, .infinity,
                -.infinity,
            ]),
            targets: [
                .bool([false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false, true, true, true, true]),
                .int8([0, 0, 1, -1, 2, -2, 127, -128, 127, -1, 0, -44, 112, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                .int16([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 4464, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                .int32([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 70000, -2147483648, -2147483648, -2147483648, -2147483648, -2147483648, 16777216, 0, 0, -2147483648, -2147483648, -2147483648, -2147483648]),
                .int64([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 70000, 3000000000, 3000000000, -3000000000, -9223372036854775808, -9223372036854775808, 16777216, 0, 0, -9223372036854775808, -9223372036854775808, -9223372036854775808, -9223372036854775808]),
                .uint8([0, 0, 1, 255, 2, 254, 127, 128, 127, 255, 0, 212, 112, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                .float32([
                    0.0, -0.0, 1.5, -1.5, 2.5, -2.7,
                    127.9, 128.0, -129.0, 255.9, 256.0, -300.0,
                    70000.0, 3000000000.0, 3000000000.0, -3000000000.0, 1.0e+20, -1.0e+20,
                    16777216.0, 0.1, 0.0, .infinity, .nan, .infinity,
                    -.infinity,
                ]),
                .float64([
                    0.0, -0.0, 1.5, -1.5, 2.5, -2.700000047683716,
                    127.9000015258789, 128.0, -129.0, 255.89999389648438, 256.0, -300.0,
                    70000.0, 3000000000.0, 3000000000.0, -3000000000.0, 1.0000000200408773e+20, -1.0000000200408773e+20,
                    16777216.0, 0.10000000149011612, 0.0, .infinity, .nan, .infinity,
                    -.infinity,
                ]),
            ]),
        ConversionRow(
            .float64([
                0.0, -0.0, 1.5, -1.5, 2.5, -2.7,
                127.9, 128.0, -129.0, 255.9, 256.0, -300.0,
                70000.0, 3000000000.0, 3000000001.0, -3000000000.0, 1.0e+20, -1.0e+20,
                16777217.0, 0.1, 1.0e-300, 3.5e+38, .nan, .infinity,
                -.infinity,
            ]),
            targets: [
                .bool([false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true]),
                .int8([0, 0, 1, -1, 2, -2, 127, -128, 127, -1, 0, -44, 112, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
                .int16([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 4464, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
                .int32([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 70000, -2147483648, -2147483648, -2147483648, -2147483648, -2147483648, 16777217, 0, 0, -2147483648, -2147483648, -2147483648, -2147483648]),
                .int64([0, 0, 1, -1, 2, -2, 127, 128, -129, 255, 256, -300, 70000, 3000000000, 3000000001, -3000000000, -9223372036854775808, -9223372036854775808, 16777217, 0, 0, -9223372036854775808, -9223372036854775808, -9223372036854775808, -9223372036854775808]),
                .uint8([0, 0, 1, 255, 2, 254, 127, 128, 127, 255, 0, 212, 112, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
                .float32([
                    0.0, -0.0, 1.5, -1.5, 2.5, -2.7,
                    127.9, 128.0, -129.0, 255.9, 256.0, -300.0,
                    70000.0, 3000000000.0, 3000000000.0, -3000000000.0, 1.0e+20, -1.0e+20,
                    16777216.0, 0.1, 0.0, .infinity, .nan, .infinity,
                    -.infinity,
                ]),
                .float64([
                    0.0, -0.0, 1.5, -1.5, 2.5, -2.7,
                    127.9, 128.0, -129.0, 255.9, 256.0, -300.0,
                    70000.0, 3000000000.0, 3000000001.0, -3000000000.0, 1.0e+20, -1.0e+20,
                    16777217.0, 0.1, 1.0e-300, 3.5e+38, .nan, .infinity,
                    -.infinity,
                ]),
            ]),
    ]

    // np.result_type(a, b) for every pair, rows and columns in DType.allCases order.
    static let promotions: [[DType]] = [
        [.bool, .int8, .int16, .int32, .int64, .uint8, .float32, .float64],
        [.int8, .int8, .int16, .int32, .int64, .int16, .float32, .float64],
        [.int16, .int16, .int16, .int32, .int64, .int16, .float32, .float64],
        [.int32, .int32, .int32, .int32, .int64, .int32, .float64, .float64],
        [.int64, .int64, .int64, .int64, .int64, .int64, .float64, .float64],
        [.uint8, .int16, .int16, .int32, .int64, .uint8, .float32, .float64],
        [.float32, .float32, .float32, .float64, .float64, .float32, .float32, .float64],
        [.float64, .float64, .float64, .float64, .float64, .float64, .float64, .float64],
    ]

    // np.can_cast(a, b, casting="safe") for every pair, rows and columns in DType.allCases order.
    static let safeCasts: [[Bool]] = [
        [true, true, true, true, true, true, true, true],
        [false, true, true, true, true, false, true, true],
        [false, false, true, true, true, false, true, true],
        [false, false, false, true, true, false, false, true],
        [false, false, false, false, true, false, false, true],
        [false, false, true, true, true, true, true, true],
        [false, false, false, false, false, false, true, true],
        [false, false, false, false, false, false, false, true],
    ]
}
