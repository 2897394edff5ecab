import CVectorMath
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

#if arch(x86_64) && os(Linux)

/// Cotangent's own vector kernels (exp, log, log1p, tanh, sigmoid, softplus, erf): their error in
/// ulps against an 80-bit reference over the whole double range, their special values against
/// libm's, and every lane width this machine runs.
@Suite("Transcendental kernels")
struct TranscendentalKernelTests {
    /// The bound the vector kernels are written to.
    static let kernelBound = 2.0
    /// The scalar path is libm (glibc documents tanh at 2 ulp) and, for sigmoid, e/(1 + e) with
    /// three roundings: it reaches about 2.25 ulp.
    static let scalarBound = 2.5

    static let functions: [(CotangentTranscendental, String)] = [
        (CotangentTranscendentalExp, "exp"), (CotangentTranscendentalLog, "log"),
        (CotangentTranscendentalLog1p, "log1p"), (CotangentTranscendentalTanh, "tanh"),
        (CotangentTranscendentalSigmoid, "sigmoid"), (CotangentTranscendentalSoftplus, "softplus"),
        (CotangentTranscendentalErf, "erf"),
    ]

    /// The lane counts this CPU runs (the scalar loop, 1, always).
    static var widths: [Int32] {
        var probe = [0.5]
        return [8, 4, 1].filter { cotangent_transcendental_map_width(CotangentTranscendentalExp, $0, probe, &probe, 1) != 0 }
    }

    static func map(_ function: CotangentTranscendental, width: Int32, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        let used = cotangent_transcendental_map_width(function, width, x, &y, x.count)
        #expect(used == width)
        return y
    }

    /// |y − reference| in units of the spacing of doubles in the reference's binade (2⁻¹⁰⁷⁴ below
    /// the normal range), so the 11 extra bits of the 80-bit reference make this a true error.
    static func ulpError(_ y: Double, _ reference: Float80) -> Double {
        if reference.isNaN { return y.isNaN ? 0 : .infinity }
        let rounded = Double(reference)
        if rounded.isInfinite || y.isInfinite { return y == rounded ? 0 : .infinity }
        let exponent = reference == 0 ? -1022 : max(Int(reference.magnitude.exponent), -1022)
        let ulp = Float80(sign: .plus, exponent: exponent - 52, significand: 1)
        return Double((Float80(y) - reference).magnitude / ulp)
    }

    /// Random bit patterns (every exponent and sign, NaNs and infinities among them), uniform
    /// draws over the ranges where each function changes, and `hard` points with their
    /// neighbours.
    static func inputs(_ function: CotangentTranscendental, count: Int, seed: UInt64) -> [Double] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + Double(next() >> 11) * 0x1p-53 * (range.upperBound - range.lowerBound)
        }
        let ranges = Self.ranges(function)
        var x = (0..<count).map { i -> Double in
            i % 2 == 0 ? Double(bitPattern: next()) : uniform(ranges[(i / 2) % ranges.count])
        }
        for point in Self.hardPoints(function) + Self.commonHardPoints {
            var below = point, above = point
            x.append(point)
            for _ in 0..<3 {
                below = below.nextDown
                above = above.nextUp
                x += [below, above]
            }
        }
        return x
    }

    /// The ranges where each function's reduction or formula changes.
    static func ranges(_ function: CotangentTranscendental) -> [ClosedRange<Double>] {
        switch function {
        case CotangentTranscendentalExp: return [-746...710, -1...1, -745.2...(-708), 700...710, -1e-8...1e-8]
        case CotangentTranscendentalLog: return [0...4, 0.7...1.5, 0.999...1.001, 0...1e-300, 1...1e300]
        case CotangentTranscendentalLog1p: return [-1...1, -1e-6...1e-6, -1...(-0.99), 0.4...0.42, 1...1e20]
        case CotangentTranscendentalTanh: return [-0.5...0.5, -22...22, 0.39...0.41, -1e-6...1e-6]
        case CotangentTranscendentalSigmoid: return [-750...40, -40...40, -2...2]
        case CotangentTranscendentalSoftplus: return [-750...40, -40...40, -1...1]
        default: return [-7...7, -0.6...0.6, 0.49...0.51, 5.8...6.1, -1e-6...1e-6]
        }
    }

    /// Inputs at each function's thresholds (overflow, underflow, saturation, branch points).
    static func hardPoints(_ function: CotangentTranscendental) -> [Double] {
        switch function {
        case CotangentTranscendentalExp:
            return [709.782712893384, -708.3964185322641, -745.1332191019411, -745.1332191019412, 0.34657359027997264]
        case CotangentTranscendentalLog:
            return [0.7071067811865476, 1.4142135623730951, 0x1p-1022, 0x1p-1074, .greatestFiniteMagnitude]
        case CotangentTranscendentalLog1p: return [-1, 0x1p-54, -0x1p-54, 1, 0.41421356237309503, -0.2928932188134524]
        case CotangentTranscendentalTanh: return [0.4, -0.4, 19.061547465398498, 20, -20, 0x1p-28]
        case CotangentTranscendentalSigmoid: return [36.7368005696771, -36.7368005696771, -709.08956571282405, -745.1332191019411]
        case CotangentTranscendentalSoftplus: return [-37, 18, 33.3, -745.1332191019411, 36.7368005696771]
        default: return [0.5, -0.5, 5.921587195794507, 6, -6, 1 / 256.0, 0.5 + 1 / 256.0]
        }
    }

    /// Points every function meets: zeros, ±1, the ends of the subnormal and normal ranges.
    static let commonHardPoints: [Double] = [
        0, -0.0, 1, -1, 2, -2, 0.5, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, 1e-300, -1e-300,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e300, -1e300,
    ]

    @Test(arguments: functions.map(\.1))
    func errorIsWithinTwoUlpsOnEveryWidth(name: String) {
        let function = Self.functions.first { $0.1 == name }!.0
        let x = Self.inputs(function, count: 60_000, seed: UInt64(function.rawValue) + 1)
        let reference = x.map { cotangent_transcendental_reference(function, $0) }
        for width in Self.widths {
            let y = Self.map(function, width: width, x)
            var worst = 0.0, at = 0.0
            for k in x.indices {
                let error = Self.ulpError(y[k], reference[k])
                if error > worst { (worst, at) = (error, x[k]) }
            }
            let bound = width == 1 ? Self.scalarBound : Self.kernelBound
            #expect(worst <= bound, "\(name) width \(width): \(worst) ulp at \(at)")
        }
    }

    /// Special inputs: NaN (quiet and signalling, both signs), ±∞, ±0, subnormals, the largest
    /// double, and every function's thresholds. Where libm's result is NaN, ±∞, ±0 or ±1 the
    /// kernels give its bits exactly; elsewhere they are within the bound.
    @Test(arguments: functions.map(\.1))
    func specialValuesAreLibmsBitForBit(name: String) {
        let function = Self.functions.first { $0.1 == name }!.0
        let nans = [Double.nan, -Double.nan, Double(bitPattern: 0x7ff4_0000_0000_0001), Double(bitPattern: 0xfff8_0000_0000_0123)]
        let x = nans + [.infinity, -.infinity] + Self.commonHardPoints + Self.hardPoints(function)
            + [710, -746, 746, 800, -800, 40, -40, 1e-10, -1e-10, 0x1.8p-1070, -1 + 0x1p-53, -1 - 0x1p-52]
        let libm = x.map { cotangent_transcendental_scalar(function, $0) }
        for width in Self.widths {
            let y = Self.map(function, width: width, x)
            for k in x.indices {
                let exact = libm[k].isNaN || libm[k].isInfinite || libm[k] == 0 || libm[k].magnitude == 1
                if exact {
                    #expect(y[k].bitPattern == libm[k].bitPattern,
                            "\(name)(\(x[k])) width \(width): \(y[k]) (\(String(y[k].bitPattern, radix: 16))), libm \(libm[k]) (\(String(libm[k].bitPattern, radix: 16)))")
                } else {
                    let error = Self.ulpError(y[k], cotangent_transcendental_reference(function, x[k]))
                    #expect(error <= Self.scalarBound, "\(name)(\(x[k])) width \(width): \(error) ulp")
                }
            }
        }
    }

    /// AVX-512 and AVX2 run the same operations in the same order, so they agree bit for bit;
    /// blocks of any length (whole vectors plus a tail) and in-place maps give the same results.
    @Test(arguments: functions.map(\.1))
    func widthsAgreeAndTailsAreComplete(name: String) {
        let function = Self.functions.first { $0.1 == name }!.0
        let x = Self.inputs(function, count: 4_000, seed: 99)
        let widths = Self.widths.filter { $0 > 1 }
        let results = widths.map { Self.map(function, width: $0, x) }
        for result in results.dropFirst() {
            #expect(zip(result, results[0]).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        var best = [Double](repeating: 0, count: x.count)
        cotangent_transcendental_map(function, x, &best, x.count)
        for count in [0, 1, 3, 4, 5, 7, 8, 9, 15, 17] {
            var block = Array(x[100..<(100 + count)])
            block.withUnsafeMutableBufferPointer { cotangent_transcendental_map(function, $0.baseAddress, $0.baseAddress, count) }
            #expect(zip(block, best[100..<(100 + count)]).allSatisfy { $0.bitPattern == $1.bitPattern }, "count \(count)")
        }
    }

    /// The elementwise ops run the kernels on float64 blocks (vector math is on by default; log
    /// and log1p stay with libmvec's faster ones).
    @Test func elementwiseOpsUseTheKernels() throws {
        let ops: [(ScalarOp, CotangentTranscendental)] = [
            (.exp, CotangentTranscendentalExp), (.tanh, CotangentTranscendentalTanh),
            (.sigmoid, CotangentTranscendentalSigmoid), (.softplus, CotangentTranscendentalSoftplus), (.erf, CotangentTranscendentalErf),
        ]
        let x = Self.inputs(CotangentTranscendentalSigmoid, count: 1_000, seed: 5).filter(\.isFinite)
        for (op, function) in ops {
            let input = Tensor.vector("x")
            let viaOp = try elemwise(op, input).eval([input: NDArray(x)], mode: .unoptimized).asArray(Double.self)
            var expected = [Double](repeating: 0, count: x.count)
            cotangent_transcendental_map(function, x, &expected, x.count)
            #expect(zip(viaOp, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(op)")
        }
    }
}

#endif
