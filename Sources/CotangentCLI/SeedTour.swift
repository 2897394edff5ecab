import Cotangent
/// The seed tutorial (PyTensor's "Vector Jacobian Product" notebook) run in Cotangent: every
/// example's Swift code, its simplified graph and its values.
///
/// `cotangent tour` prints it; the tests check that every graph and value block of the
/// tutorial's expected outputs appears in it, in order.
enum SeedTour {
    /// One printed result of the tour: what it is (`jacobian_log graph`), the code that
    /// produced it, and the text.
    public struct Block: Sendable {
        public let name: String
        public let code: String
        public let text: String
    }

    /// One section of the tutorial: a title, prose and its blocks.
    public struct Section: Sendable {
        public let title: String
        public let prose: String
        public let blocks: [Block]
    }

    /// PyTensor's `rewrite_graph(g, include=("fast_run",), exclude=("inplace", "BlasOpt"))`,
    /// the tutorial's `simplify_print`.
    static func simplified(_ graph: Variable) -> Variable {
        rewriteGraph(graph, include: ["fast_run"], exclude: ["inplace", "BlasOpt"])
    }

    /// Runs one block, turning any error into its text so the tour always completes.
    static func block(_ name: String, _ code: String, _ body: () throws -> String) -> Block {
        do {
            return Block(name: name, code: code, text: try body())
        } catch {
            return Block(name: name, code: code, text: "error: \(error)")
        }
    }

    /// Every section, computed now.
    static func sections() -> [Section] {
        [elementwise(), cumulativeSum(), convolution(), transpose(), reverseMode()]
    }

    /// The whole tour as text.
    static func text() -> String {
        var lines: [String] = []
        for section in sections() {
            lines.append("── \(section.title) " + String(repeating: "─", count: max(0, 60 - section.title.count)))
            lines.append(section.prose)
            lines.append("")
            for block in section.blocks {
                lines.append(block.code.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                lines.append(block.text)
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Sections

    static func elementwise() -> Section {
        let x = Tensor.vector("x")
        let logX = log(x)
        let v = Tensor.vector("v")
        return Section(
            title: "Elementwise operations",
            prose: "The Jacobian of log(x) is diagonal; its vector-Jacobian product is v / x.",
            blocks: [
                block("jacobian_log graph", """
                    let x = Tensor.vector("x")
                    let logX = log(x)
                    let J = jacobian(logX, wrt: x)
                    print(simplified(J).dprint())
                    """) { try simplified(checked { jacobian(logX, wrt: x) }).dprint() },
                block("jacobian_log value", "try J.eval([\"x\": [1.0, 2.0, 3.0]])") {
                    try checked { jacobian(logX, wrt: x) }.eval(["x": [1.0, 2.0, 3.0]]).description
                },
                block("pullback_log graph", """
                    let v = Tensor.vector("v")
                    let vjp = pullback(logX, wrt: x, cotangent: v)
                    print(simplified(vjp).dprint())
                    """) { try simplified(checked { pullback(logX, wrt: x, cotangent: v) }).dprint() },
                block("pullback_log value", "try vjp.eval([\"x\": [1.0, 2.0, 3.0], \"v\": [4.0, 5.0, 6.0]])") {
                    try checked { pullback(logX, wrt: x, cotangent: v) }
                        .eval(["x": [1.0, 2.0, 3.0], "v": [4.0, 5.0, 6.0]]).description
                },
            ])
    }

    static func cumulativeSum() -> Section {
        let x = Tensor.vector("x")
        let c = cumsum(x)
        let v = Tensor.vector("v")
        return Section(
            title: "Cumsum operation",
            prose: "The Jacobian of cumsum is lower-triangular ones; its VJP is a reversed cumsum of the reversed v.",
            blocks: [
                block("cumsum value", """
                    let x = Tensor.vector("x")
                    let cumsumX = cumsum(x)
                    try cumsumX.eval(["x": [1.0, 2.0, 3.0]])
                    """) { try c.eval(["x": [1.0, 2.0, 3.0]]).description },
                block("jacobian_cumsum graph", """
                    let J = jacobian(cumsumX, wrt: x)
                    print(simplified(J).dprint())
                    """) { try simplified(checked { jacobian(c, wrt: x) }).dprint() },
                block("jacobian_cumsum value", "try J.eval([\"x\": [1.0, 2.0, 3.0]]).converted(to: .int64)") {
                    try checked { jacobian(c, wrt: x) }.eval(["x": [1.0, 2.0, 3.0]]).converted(to: .int64).description
                },
                block("pullback_cumsum graph", """
                    let v = Tensor.vector("v")
                    let vjp = pullback(cumsumX, wrt: x, cotangent: v)
                    print(simplified(vjp).dprint())
                    """) { try simplified(checked { pullback(c, wrt: x, cotangent: v) }).dprint() },
                block("pullback_cumsum value", "try vjp.eval([\"x\": [1.0, 2.0, 3.0], \"v\": [1, 1, 1]])") {
                    try checked { pullback(c, wrt: x, cotangent: v) }.eval(["x": [1.0, 2.0, 3.0], "v": [1, 1, 1]])
                        .description
                },
            ])
    }

    static func convolution() -> Section {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let conv = convolve1d(x, y, mode: .full)
        let v = Tensor.vector("v", shape: [4])
        return Section(
            title: "Convolution operation",
            prose: "The Jacobian wrt y is Toeplitz: a batched valid convolution of eye(4) with the flipped x; the VJP is one valid convolution of v with the flipped x.",
            blocks: [
                block("convolve1d_full value", """
                    let x = Tensor.vector("x")
                    let y = Tensor.vector("y", shape: [2])
                    let conv = convolve1d(x, y, mode: .full)
                    try conv.eval(["x": [0, 1, 2], "y": [1, -1]])
                    """) { try conv.eval(["x": [0, 1, 2], "y": [1, -1]]).description },
                block("jacobian_convolve1d graph", """
                    let J = jacobian(conv, wrt: y)
                    print(simplified(J).dprint())
                    """) { try simplified(checked { jacobian(conv, wrt: y) }).dprint() },
                block("jacobian_convolve1d value", "try J.eval([\"x\": [0, 1, 2]])") {
                    try checked { jacobian(conv, wrt: y) }.eval(["x": [0, 1, 2]]).description
                },
                block("pullback_convolve1d graph", """
                    let v = Tensor.vector("v", shape: [4])
                    let vjp = pullback(conv, wrt: y, cotangent: v)
                    print(simplified(vjp).dprint())
                    """) { try simplified(checked { pullback(conv, wrt: y, cotangent: v) }).dprint() },
                block("pullback_convolve1d value", "try vjp.eval([\"v\": [1, 2, 3, 4], \"x\": [0, 1, 2]])") {
                    try checked { pullback(conv, wrt: y, cotangent: v) }.eval(["v": [1, 2, 3, 4], "x": [0, 1, 2]])
                        .description
                },
            ])
    }

    static func transpose() -> Section {
        let A = Tensor.matrix("A", shape: [2, nil])
        let transposed = A.T
        let V = Tensor.matrix("V", shape: [3, 2])
        let a: NDArray = [[0, 1, 2], [3, 4, 5]]
        let zeros = NDArray.zeros([2, 3])
        let J = { try checked { jacobian(transposed.flattened(), wrt: A).reshaped(to: [6, 6]) } }
        return Section(
            title: "Transpose operation",
            prose: "On raveled inputs and outputs the Jacobian of a transpose is a permutation matrix; the VJP is the transposed V.",
            blocks: [
                block("transpose_static_shape value", """
                    let A = Tensor.matrix("A", shape: [2, nil])
                    let transposeA = A.T
                    StaticShape(transposeA.type.shape)
                    """) { StaticShape(transposed.type.shape).description },
                block("transpose_ravel value", "try transposeA.flattened().eval([\"A\": [[0, 1, 2], [3, 4, 5]]])") {
                    try transposed.flattened().eval(["A": a]).description
                },
                block("jacobian_transpose value", """
                    let J = jacobian(transposeA.flattened(), wrt: A).reshaped(to: [6, 6])
                    try J.eval(["A": NDArray.zeros([2, 3])])
                    """) { try J().eval(["A": zeros]).description },
                block("jacobian_transpose graph", "print(simplified(J).dprint())") { try simplified(J()).dprint() },
                block("naive_pullback_transpose value", """
                    let V = Tensor.matrix("V", shape: [3, 2])
                    let naive = matmul(V.flattened(), J).reshaped(to: V.shape[.stride(by: -1)])
                    try naive.eval(["V": [[0, 1], [2, 3], [4, 5]], "A": NDArray.zeros([2, 3])])
                    """) {
                    let naive = try checked { matmul(V.flattened(), try J()).reshaped(to: V.shape[.stride(by: -1)]) }
                    return try naive.eval(["V": [[0, 1], [2, 3], [4, 5]], "A": zeros]).description
                },
                block("pullback_transpose graph", "print(pullback(transposeA, wrt: A, cotangent: V).dprint())") {
                    try checked { pullback(transposed, wrt: A, cotangent: V) }.dprint()
                },
            ])
    }

    static func reverseMode() -> Section {
        let x = Tensor.vector("x")
        let logX = log(x)
        let cumsumLogX = cumsum(logX)
        return Section(
            title: "VJP and auto-diff",
            prose: "Chaining VJPs is reverse-mode autodiff: the gradient simplifies to cumsum(ones_like(x))[::-1] / x.",
            blocks: [
                block("grad_sum_cumsum_log graph", """
                    let x = Tensor.vector("x")
                    let logX = log(x)
                    let cumsumLogX = cumsum(logX)
                    let g = grad(cumsumLogX.sum(), wrt: x)
                    print(simplified(g).dprint())
                    """) { try simplified(checked { grad(cumsumLogX.sum(), wrt: x) }).dprint() },
                block("chained_pullbacks graph", """
                    let seed = onesLike(cumsumLogX)
                    let g2 = pullback(logX, wrt: x, cotangent: pullback(cumsumLogX, wrt: logX, cotangent: seed))
                    print(simplified(g2).dprint())
                    """) {
                    try simplified(checked {
                        pullback(logX, wrt: x, cotangent: pullback(cumsumLogX, wrt: logX, cotangent: onesLike(cumsumLogX)))
                    }).dprint()
                },
            ])
    }
}
