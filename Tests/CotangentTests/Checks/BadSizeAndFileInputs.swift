import Foundation
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

// Requests for more memory than exists (an error naming the op and the size, thrown before
// anything is allocated, never an abort), indices out of range, and malformed `.npy` files.

extension BadInput {
    static let sizeAndFileCases: [BadInput] = sizeCases + indexCases + npyCases

    private static func tooBig(_ label: String, _ inputs: [String: NDArray], _ substrings: [String],
                               build: @escaping @Sendable () -> Tensor) -> BadInput {
        .graph("sizes", label, inputs, throws: .invalidValue, ["unable to allocate"] + substrings, build: build)
    }

    /// A static shape no array can have: reported while building.
    private static func overflow(_ label: String, _ substrings: [String], build: @escaping @Sendable () -> Tensor) -> BadInput {
        .graph("sizes", label, throws: .invalidGraph, ["too big"] + substrings, build: build)
    }

    private static func tooBig(_ label: String, _ substrings: [String], build: @escaping @Sendable () -> Tensor) -> BadInput {
        tooBig(label, [:], substrings, build: build)
    }

    static let sizeCases: [BadInput] = {
        let million = ["v": NDArray.zeros([1_000_000])]
        let v: @Sendable () -> Tensor = { Tensor.vector("v") }
        return [
            tooBig("zeros of 1e12 elements", ["Alloc", "(1000000000000,)", "float64", "8000000000000 bytes"]) { zeros(shape: [1_000_000_000_000]) },
            tooBig("ones of 1e6 × 1e6 int32", ["Alloc", "(1000000, 1000000)", "int32"]) { ones(shape: [1_000_000, 1_000_000], dtype: .int32) },
            tooBig("full of 2^40 bools", ["Alloc", "bool"]) { full(shape: [1 << 40], value: true) },
            tooBig("alloc to a run-time 1e12", ["n": NDArray(scalar: Int64(1_000_000_000_000))], ["Alloc", "(1000000000000,)"]) {
                alloc(1.0, shape: [Tensor.scalar("n", dtype: .int64)])
            },
            tooBig("eye(1_000_000)", ["Eye", "(1000000, 1000000)", "float64"]) { eye(1_000_000) },
            tooBig("eye of a run-time 1e6", ["n": NDArray(scalar: Int64(1_000_000))], ["Eye", "(1000000, 1000000)"]) {
                eye(Tensor.scalar("n", dtype: .int64))
            },
            tooBig("arange(0, 1e12)", ["ARange", "(1000000000000,)"]) { arange(0.0, 1e12) },
            tooBig("arange of a run-time stop 1e13", ["n": NDArray(scalar: 1e13)], ["ARange"]) { arange(0.0, Tensor.scalar("n")) },
            tooBig("outer product of two 1e6 vectors by broadcasting", million, ["Mul", "(1000000, 1000000)", "float64"]) {
                let v = v()
                return v.expandingDims([1]) * v.expandingDims([0])
            },
            tooBig("outer product of two 1e6 vectors by matmul", million, ["Dot", "(1000000, 1000000)"]) {
                let v = v()
                return matmul(v.expandingDims([1]), v.expandingDims([0]))
            },
            tooBig("outer sum of two 1e6 vectors", million, ["(1000000, 1000000)"]) {
                let v = v()
                return (v.expandingDims([1]) + v.expandingDims([0])).sum()
            },
            tooBig("comparison table of two 1e6 vectors", million, ["(1000000, 1000000)", "bool"]) {
                let v = v()
                return v.expandingDims([1]) .< v.expandingDims([0])
            },
            tooBig("alloc of a vector to 1e6 rows", million, ["Alloc", "(1000000, 1000000)"]) {
                alloc(v(), shape: [1_000_000, 1_000_000])
            },
            overflow("sum over axis 1 of zeros((2^62, 0))", ["Sum", "(4611686018427387904,)"]) { zeros(shape: [1 << 62, 0]).sum(axis: 1) },
            overflow("prod over axis 1 of zeros((2^62, 0))", ["Prod", "(4611686018427387904,)"]) { zeros(shape: [1 << 62, 0]).prod(axis: 1) },
            tooBig("any over axis 1 of zeros((2^62, 0))", ["Any", "bool"]) { zeros(shape: [1 << 62, 0], dtype: .bool).any(axis: 1) },
            .graph("sizes", "argmax over axis 1 of a run-time (2^50, 0)", ["e": NDArray.zeros([1 << 50, 0])], throws: .invalidValue,
                   ["Argmax", "empty", "(1125899906842624, 0)"]) {
                Tensor.matrix("e").argmax(axis: 1)
            },
            tooBig("sums of (2^40, 0) and (0, 2^40) broadcast together", ["a": NDArray.zeros([1 << 40, 0]), "b": NDArray.zeros([0, 1 << 40])],
                   ["Sum", "(1099511627776,)"]) {
                Tensor.matrix("a").sum(axis: 1, keepDims: true) + Tensor.matrix("b").sum(axis: 0, keepDims: true)
            },
            tooBig("concatenate of two (2^62, 0) along axis 1, summed", ["e": NDArray.zeros([1 << 62, 0])], ["Sum"]) {
                let e = Tensor.matrix("e")
                return concatenate([e, e], axis: 1).sum(axis: 1)
            },
            .graph("sizes", "concatenate of two (2^62, 0) along axis 0", ["e": NDArray.zeros([1 << 62, 0])], throws: .invalidValue, ["Join", "too big"]) {
                let e = Tensor.matrix("e")
                return concatenate([e, e], axis: 0)
            },
        ]
    }()

    static let indexCases: [BadInput] = {
        let three = ["x": BadValues.three]
        let matrix = ["m": BadValues.matrix(2, 3)]
        let x: @Sendable () -> Tensor = { Tensor.vector("x") }, m: @Sendable () -> Tensor = { Tensor.matrix("m") }
        func index(_ label: String, _ inputs: [String: NDArray], _ substrings: [String], build: @escaping @Sendable () -> Tensor) -> BadInput {
            .graph("indices", label, inputs, throws: .invalidValue, substrings, build: build)
        }
        return [
            index("x[5] of length 3", three, ["5", "(3,)"]) { x()[5] },
            index("x[3] of length 3", three, ["3", "(3,)"]) { x()[3] },
            index("x[-4] of length 3", three, ["-4", "(3,)"]) { x()[-4] },
            index("m[2] of (2, 3)", matrix, ["2", "(2, 3)"]) { m()[2] },
            index("m[0, 3] of (2, 3)", matrix, ["3", "(2, 3)"]) { m()[0, 3] },
            index("m[-3, 0] of (2, 3)", matrix, ["-3", "(2, 3)"]) { m()[-3, 0] },
            index("x[i] with a run-time 7", ["x": BadValues.three, "i": NDArray(scalar: Int64(7))], ["7", "(3,)"]) {
                x()[Tensor.scalar("i", dtype: .int64)]
            },
            index("x[5] of a static length 3", three, ["5", "3"]) { Tensor.vector("x", shape: [3])[5] },
            index("x[-4] of a static length 3", three, ["-4", "3"]) { Tensor.vector("x", shape: [3])[-4] },
            index("grad through x[5]", three, ["5", "(3,)"]) {
                let x = x()
                return grad(x[5], wrt: x)
            },
        ]
    }()

    private static func npy(_ label: String, _ bytes: [UInt8], _ substrings: [String]) -> BadInput {
        BadInput(family: "npy", label: label, run: { try NDArray(npyData: Data(bytes)) }, outcome: .error(.npy, substrings))
    }

    /// A version-1.0 `.npy` file: magic, version, header length, `header` padded, then `body`.
    static func npyFile(header: String, body: [UInt8] = [], version: [UInt8] = [1, 0]) -> [UInt8] {
        var text = Array(header.utf8)
        let total = 10 + text.count + 1
        text += Array(repeating: UInt8(ascii: " "), count: (64 - total % 64) % 64) + [UInt8(ascii: "\n")]
        let length = UInt16(text.count)
        return [0x93] + Array("NUMPY".utf8) + version + [UInt8(length & 0xFF), UInt8(length >> 8)] + text + body
    }

    static let npyCases: [BadInput] = {
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        let eight = [UInt8](repeating: 0, count: 8)
        return [
            npy("empty data", [], ["truncated"]),
            npy("a wrong magic string", Array("NOTNUMPY".utf8) + [1, 0, 0, 0], ["magic"]),
            npy("version 9.0", npyFile(header: good, body: eight + eight, version: [9, 0]), ["version"]),
            npy("a header length past the end", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x7F] + Array("{".utf8), ["truncated"]),
            npy("a header that is not a dictionary", npyFile(header: "[1, 2, 3]"), ["malformed header"]),
            npy("a header without descr", npyFile(header: "{'fortran_order': False, 'shape': (2,), }", body: eight + eight), ["descr"]),
            npy("a header without shape", npyFile(header: "{'descr': '<f8', 'fortran_order': False, }", body: eight + eight), ["shape"]),
            npy("an unknown dtype", npyFile(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", body: eight + eight), ["<c16"]),
            npy("a string dtype", npyFile(header: "{'descr': '|S4', 'fortran_order': False, 'shape': (2,), }", body: eight), ["|S4"]),
            npy("a negative length", npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }"), ["-2"]),
            npy("a data section too short", npyFile(header: good, body: eight), ["truncated"]),
            npy("a shape that overflows", npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"), ["4294967296"]),
            npy("an unterminated header", npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,"), ["malformed header"]),
            npy("a non-bool fortran_order", npyFile(header: "{'descr': '<f8', 'fortran_order': 3, 'shape': (2,), }", body: eight + eight), ["fortran_order"]),
            npy("a float length", npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,), }"), ["malformed header"]),
        ]
    }()
}
