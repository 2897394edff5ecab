import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Reshape, Subtensor, SpecifyShape and Alloc rewrites")
struct ShapeExtrasRewriteTests {
    typealias T = RewriteTesting
    static let useless: Set<String> = ["useless"]

    // MARK: Reshape

    @Test func uselessReshapes() {
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        let s = Tensor.matrix("s", shape: [2, 3])
        let cases: [(Variable, String)] = [
            (x.reshaped(to: [-1]), "x [id A]"),
            (m.reshaped(to: m.shape, ndim: 2), "m [id A]"),
            (m.reshaped(to: [m.length(ofDimension: 0), m.length(ofDimension: 1)]), "m [id A]"),
            (m.reshaped(to: [m.length(ofDimension: 0), shapeConstant(-1)]), "m [id A]"),
            (s.reshaped(to: [2, 3]), "s [id A]"),
            (s.reshaped(to: [-1, 3]), "s [id A]"),
        ]
        let inputs = ["x": T.values(5, low: -1, high: 1), "m": SplitMix64(seed: 1).uniform(shape: [3, 4]),
                      "s": SplitMix64(seed: 2).uniform(shape: [2, 3])]
        for (y, text) in cases {
            for include in [Self.useless, T.fastRun] {
                let r = T.expectRewrite(y, fires: ["local_useless_reshape": nil], include: include)
                #expect(r.dprint() == text)
                T.expectSameValues(y, r, inputs, tolerance: 0)
            }
        }
        for y in [s.reshaped(to: [3, 2]), m.reshaped(to: [m.length(ofDimension: 1), m.length(ofDimension: 0)]),
                  m.reshaped(to: [shapeConstant(-1), m.length(ofDimension: 0)])] {
            T.expectNoRewrite(y, "local_useless_reshape")
        }
    }

    @Test func reshapeChains() {
        let x = Tensor.vector("x")
        let y = x.reshaped(to: [2, 3]).reshaped(to: [3, -1])
        let r = T.expectRewrite(y, fires: ["local_reshape_chain": 1], include: ["canonicalize"])
        #expect(T.opNames(r) == ["Reshape{2}", "x", "[ 3 -1]"])
        T.expectSameValues(y, r, ["x": T.values(6, low: -1, high: 1)], tolerance: 0)
        let back = x.reshaped(to: [2, 3]).flattened()
        let rb = T.expectRewrite(back, fires: ["local_reshape_chain": 1, "local_useless_reshape": 1], include: ["canonicalize"])
        #expect(rb.dprint() == "x [id A]")
    }

    // MARK: Subtensor

    @Test func uselessSlices() {
        let x = Tensor.vector("x")
        let s = Tensor.vector("s", shape: [5])
        let m = Tensor.matrix("m")
        let cases: [(Variable, [String])] = [
            (x[.slice(start: 0, stop: nil, step: 1)], ["x"]),
            (x[.slice(start: 0)], ["x"]),
            (x[.slice(stop: x.length(ofDimension: 0))], ["x"]),
            (x[.slice(stop: Int(Int64.max))], ["x"]),
            (s[0..<7], ["s"]),
            (s[.slice(start: -9)], ["s"]),
            (s[.slice(start: -1, stop: -8, step: -1)], ["Subtensor{::step}", "s", "-1"]),
            (s[.slice(start: 4, step: -1)], ["Subtensor{::step}", "s", "-1"]),
            (m[1..., .all], ["Subtensor{start:}", "m", "1"]),
            (m[.all, .slice(start: 0, step: 2)], ["Subtensor{:, ::step}", "m", "2"]),
            (m[0, .all], ["Subtensor{i}", "m", "0"]),
            (s[0..<4], ["Subtensor{:stop}", "s", "4"]),
        ]
        let inputs = ["x": T.values(6, low: -1, high: 1), "s": T.values(5, low: -1, high: 1),
                      "m": SplitMix64(seed: 3).uniform(shape: [3, 4])]
        for (y, ops) in cases {
            let r = T.expectRewrite(y, fires: ["local_useless_slice": 1], include: T.fastRun)
            #expect(T.opNames(r) == ops, "\(r.dprint())")
            T.expectSameValues(y, r, inputs, tolerance: 0)
        }
        for y in [x[1...], x[..<3], s[1..<4], x[.stride(by: -1)], m[.all, 1...], s[.slice(start: 3, step: -1)]] {
            T.expectNoRewrite(y, "local_useless_slice")
        }
    }

    /// Slices of a length-7 vector, numpy style: (start, stop, step).
    static let slices: [(Int?, Int?, Int?)] = [
        (nil, nil, nil), (2, nil, nil), (nil, 5, nil), (1, 6, 2), (nil, nil, -1), (-2, nil, -2), (5, 1, -1),
        (-10, 10, 3), (3, 3, nil), (6, nil, -3), (0, 100, 1), (4, -9, -1), (-3, -1, nil),
    ]

    static func index(_ part: (Int?, Int?, Int?)) -> TensorIndex {
        .slice(start: part.0, stop: part.1, step: part.2)
    }

    @Test func mergedSlicesMatchNumpyOnStaticLengths() {
        let x = Tensor.vector("x", shape: [7])
        let input = ["x": NDArray((0..<7).map(Double.init))]
        var merged = 0
        for first in Self.slices {
            for second in Self.slices {
                let y = x[Self.index(first)][Self.index(second)]
                let (r, report) = T.rewrite(y)
                merged += report.applied["local_subtensor_merge_slice"] ?? 0
                #expect(!T.opNames(r).contains { $0.hasPrefix("Subtensor") } || T.opNames(r).filter { $0.hasPrefix("Subtensor") }.count == 1,
                        "\(first) \(second): \(r.dprint())")
                T.expectSameValues(y, r, input, tolerance: 0)
                let (again, _) = T.rewrite(r)
                #expect(again.dprint() == r.dprint())
            }
        }
        #expect(merged > 100)
    }

    @Test func mergedSlicesOfUnknownLength() {
        let x = Tensor.vector("x")
        let y = x[2...][1..<3]
        let r = T.expectRewrite(y, fires: ["local_subtensor_merge_slice": 1])
        #expect(r.dprint() == """
            Subtensor{start:stop} [id A]
             ├─ x [id B]
             ├─ 3 [id C]
             └─ 5 [id D]
            """)
        // Every non-negative, positive-step pair merges; check on lengths 0 … 9.
        let parts: [(Int?, Int?, Int?)] = [(nil, nil, nil), (1, nil, nil), (nil, 4, nil), (2, 8, 3), (0, nil, 2), (3, 3, nil)]
        for first in parts {
            for second in parts {
                let y = x[Self.index(first)][Self.index(second)]
                let r = T.rewrite(y).result
                #expect(T.opNames(r).filter { $0.hasPrefix("Subtensor") }.count <= 1, "\(first) \(second)")
                for length in 0..<10 {
                    T.expectSameValues(y, r, ["x": NDArray((0..<length).map(Double.init))], tolerance: 0)
                }
            }
        }
        // A negative bound depends on the length: not merged without one.
        T.expectNoRewrite(x[(-3)...][1...], "local_subtensor_merge_slice")
        T.expectNoRewrite(x[.stride(by: -1)][1...], "local_subtensor_merge_slice")
        // Symbolic bounds and integer indices are left to other rewrites.
        let i = Tensor.scalar("i", dtype: .int64)
        T.expectNoRewrite(x[.slice(start: i)][1...], "local_subtensor_merge_slice")
        T.expectNoRewrite(Tensor.matrix("m")[1...][0], "local_subtensor_merge_slice")
    }

    @Test func mergedSlicesOfAMatrix() {
        let m = Tensor.matrix("m", shape: [4, nil])
        let y = m[1..., .stride(by: 2)][.stride(by: -1), 1...]
        let r = T.expectRewrite(y, fires: ["local_subtensor_merge_slice": 1])
        T.expectSameValues(y, r, ["m": SplitMix64(seed: 8).uniform(shape: [4, 7])], tolerance: 0)
    }

    // MARK: SpecifyShape and Alloc

    @Test func uselessSpecifyShape() {
        let x = Tensor.vector("x")
        let s = Tensor.matrix("s", shape: [2, nil])
        for y in [x.specifyingShape([nil]), s.specifyingShape([2, nil]), s.specifyingShape([nil, nil])] {
            let r = T.expectRewrite(y, fires: ["local_useless_specify_shape": 1], include: Self.useless)
            #expect(T.opNames(r).count == 1)
            T.expectSameValues(y, r, ["x": T.values(3, low: 0, high: 1), "s": SplitMix64(seed: 1).uniform(shape: [2, 3])])
        }
        T.expectNoRewrite(x.specifyingShape([3]), "local_useless_specify_shape", include: Self.useless)
        T.expectNoRewrite(s.specifyingShape([2, 3]), "local_useless_specify_shape", include: Self.useless)
    }

    @Test func uselessAlloc() {
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m", shape: [1, nil])
        let cases = [alloc(x, shape: [x.length(ofDimension: 0)]), alloc(m, shape: [shapeConstant(1), m.length(ofDimension: 1)])]
        for y in cases {
            let r = T.expectRewrite(y, fires: ["local_useless_alloc": 1], include: Self.useless)
            #expect(T.opNames(r).count == 1)
            T.expectSameValues(y, r, ["x": T.values(4, low: 0, high: 1), "m": SplitMix64(seed: 1).uniform(shape: [1, 3])])
        }
        // Broadcasting allocs stay: a new dim, a length-1 dim stretched, a dtype change.
        T.expectNoRewrite(alloc(x, shape: [shapeConstant(2), x.length(ofDimension: 0)]), "local_useless_alloc", include: Self.useless)
        T.expectNoRewrite(alloc(m, shape: [shapeConstant(3), m.length(ofDimension: 1)]), "local_useless_alloc", include: Self.useless)
        T.expectNoRewrite(alloc(Tensor.scalar("c"), shape: [shapeConstant(1)]), "local_useless_alloc", include: Self.useless)
    }
}
