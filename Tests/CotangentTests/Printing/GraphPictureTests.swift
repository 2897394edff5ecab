import Foundation
import Testing
@testable import Cotangent
@testable import CotangentCLI

/// Graphviz DOT text of graphs (`graphvizDOT`) and the built-in layered layout.
@Suite("Graph pictures")
struct GraphPictureTests {
    let x = Tensor.vector("x")
    let y = Tensor.vector("y")

    /// Ops labelled as `dprint` prints them (`Mul`, `ExpandDims{axis=0}` of the weak constant),
    /// ids in a depth-first walk from the output, arrows with dtypes and shapes.
    @Test func dotTextOfASmallGraph() {
        let z = log(x) * 2
        #expect(z.graphvizDOT() == """
            digraph G {
              graph [id="graph", rankdir=TB, compound=true, fontname="Helvetica", fontsize=10];
              node [fontname="Helvetica", fontsize=10, style=filled, penwidth=0.8];
              edge [fontname="Helvetica", fontsize=8, color="#555555", fontcolor="#555555"];
              "n0" [id="n0", label="x", shape=ellipse, fillcolor="#d1fae5"];
              "n1" [id="n1", label="Log", shape=box, fillcolor="#dbeafe", style="filled,rounded"];
              "n2" [id="n2", label="2", shape=note, fillcolor="#f3f4f6"];
              "n3" [id="n3", label="ExpandDims{axis=0}", shape=box, fillcolor="#e5e7eb", style="filled,rounded"];
              "n4" [id="n4", label="Mul", shape=box, fillcolor="#dbeafe", style="filled,rounded"];
              "n5" [id="n5", label="out 0", shape=ellipse, fillcolor="#bfdbfe"];
              "n0" -> "n1" [id="e0", label="float64 (?,)"];
              "n2" -> "n3" [id="e1", label="int8 ()"];
              "n1" -> "n4" [id="e2", label="float64 (?,)"];
              "n3" -> "n4" [id="e3", label="int8 (1,)"];
              "n4" -> "n5" [id="e4", label="float64 (?,)"];
            }

            """)
    }

    @Test func labelsAreEscapedAndIdsStable() {
        let odd = Tensor.vector("a\"b\\l\nc")
        let text = graphvizDOT([exp(odd), exp(odd) + odd])
        #expect(text.contains(#"label="a\"b\\l\nc""#), "\(text)")
        #expect(!text.contains("a\"b"), "an unescaped quote")
        // The same graph built again (new objects) gives the same text.
        let again = Tensor.vector("a\"b\\l\nc")
        #expect(graphvizDOT([exp(again), exp(again) + again]) == text)
        // Two outputs, each drawn once; a shared input drawn once.
        #expect(text.components(separatedBy: "label=\"Exp\"").count == 3)
        #expect(text.components(separatedBy: "shape=ellipse").count - 1 == 3)  // the input and two outputs
    }

    /// Names that look like markup stay text on the page: in the data (JSON), in the drawing
    /// (XML) and in the title.
    @Test(arguments: [VizLayout.layered] + (GraphPicture.graphvizPath() != nil ? [.graphviz] : []))
    func hostileNamesAreEscapedOnThePage(layout: VizLayout) throws {
        let name = "</script><img src=x onerror=alert(1)>\"&'\r\n\u{2028}"
        let hostile = Tensor.vector(name)
        let page = try vizHTML(before: [exp(hostile)], after: [exp(hostile)], title: name, layout: layout)
        #expect(page.components(separatedBy: "<script").count - 1 == 4)
        #expect(page.components(separatedBy: "</script>").count - 1 == 4)
        #expect(!page.contains("<img"))
        #expect(jsonQuoted(name, forScript: true) == #""\u003c/script\u003e\u003cimg src=x onerror=alert(1)\u003e\"\u0026'\r\n\u2028""#)
        #expect(jsonQuoted("<a>\u{1}") == #""<a>\u0001""#)
        #expect(GraphPicture.quoted("a\r\nb\"") == #""a\nb\"""#)
    }

    @Test func innerGraphsAreClusters() throws {
        let n = Tensor.scalar("n", dtype: .int64)
        let branch = ifElse(n .> 0, then: x.sum(), else: x.prod())
        let text = branch.graphvizDOT()
        #expect(text.contains("subgraph \"cluster_c0\""), "\(text)")
        #expect(text.contains("subgraph \"cluster_c1\""), "two branches: \(text)")
        #expect(text.contains("lhead=\"cluster_c0\""), "\(text)")

        let fused = rewriteGraph([exp(x) * y + 2], include: ["fast_run"], exclude: ["inplace", "BlasOpt"])
        let fusedText = graphvizDOT(fused)
        #expect(fusedText.contains("label=\"Composite{(2.0 + (exp(i1) * i0))}\""), "\(fusedText)")
        #expect(fusedText.contains("label=\"exp\""), "the scalar graph: \(fusedText)")

        // A fused sum's scalar graph is a cluster too.
        let summed = rewriteGraph([(exp(x) * y).sum()], include: ["fast_run"], exclude: ["inplace", "BlasOpt"])
        let summedPicture = GraphPicture(outputs: summed)
        let sumNode = try #require(summedPicture.nodes.first { $0.label.hasPrefix("Sum{Composite") }, "\(graphvizDOT(summed))")
        #expect(sumNode.family == .fused)
        #expect(summedPicture.clusters.map(\.owner) == [sumNode.id])
        #expect(summedPicture.nodes.contains { $0.cluster == 0 && $0.label == "exp" })

        let convolution = try #require(VizExamples.named("jacobian_convolve1d"))
        let compiled = try function(inputs: convolution.inputs, outputs: convolution.outputs, onUnusedInput: .ignore)
        let blockwise = compiled.graphvizDOT()
        #expect(blockwise.contains("Blockwise{Convolve1d, (n),(k),()->(o)} core"), "\(blockwise)")
        #expect(blockwise.contains("label=\"in 1 (k)\""), "\(blockwise)")
    }

    @Test func profiledFunctionShowsTimes() throws {
        let f = try function(inputs: [x], outputs: [exp(x).sum()])
        let profile = try f.profile([NDArray([1.0, 2.0, 3.0])], calls: 3)
        let text = f.graphvizDOT(profile: profile)
        #expect(text.contains(" µs\"") || text.contains(" ms\""), "\(text)")
        #expect(text.contains("penwidth=4.0"), "the slowest op's outline: \(text)")
    }

    /// Every DOT text the command line can write is accepted by Graphviz.
    @Test(.enabled(if: GraphPicture.graphvizPath() != nil, "Graphviz's dot is not installed (apt-get install graphviz)"))
    func graphvizAcceptsEveryExample() throws {
        let dot = try #require(GraphPicture.graphvizPath())
        for (name, _) in VizExamples.catalog where !name.hasPrefix("mlp") {
            let example = try #require(VizExamples.named(name))
            let picture = GraphPicture(outputs: example.outputs)
            let svg = try #require(picture.graphvizSVG(idPrefix: "t-", dot: dot), "\(name)")
            // Graphviz writes the `-` of ids as `&#45;` (the page's HTML parser reads it back).
            for node in picture.nodes { #expect(svg.contains("id=\"t&#45;\(node.id)\""), "\(name): \(node.id)") }
        }
    }

    // MARK: - Layered layout

    /// Checks the layout's promises: every node placed, no two boxes of a layer overlapping
    /// (with the gap between them), every arrow going down through its bends.
    func checkLayout(
        _ layout: LayeredLayout, nodes: [(id: String, width: Double, height: Double)], edges: [(from: String, to: String)]
    ) {
        #expect(layout.boxes.map(\.id) == nodes.map(\.id))
        let layers = Dictionary(grouping: layout.boxes, by: \.layer)
        for (_, boxes) in layers {
            let sorted = boxes.sorted { $0.x < $1.x }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                #expect(b.x - b.width / 2 >= a.x + a.width / 2 + 24 - 1e-6, "\(a.id) and \(b.id) overlap")
                #expect(a.y == b.y)
            }
        }
        for box in layout.boxes {
            #expect(box.x - box.width / 2 >= 0 && box.x + box.width / 2 <= layout.width)
            #expect(box.y - box.height / 2 >= 0 && box.y + box.height / 2 <= layout.height)
        }
        let byID = Dictionary(uniqueKeysWithValues: layout.boxes.map { ($0.id, $0) })
        #expect(layout.routes.count == edges.count)
        for (route, edge) in zip(layout.routes, edges) {
            #expect(route.from == edge.from && route.to == edge.to)
            #expect(byID[edge.to]!.layer > byID[edge.from]!.layer, "\(edge) does not point down")
            for (p, q) in zip(route.points, route.points.dropFirst()) { #expect(q.y > p.y, "\(edge) goes up") }
            #expect(route.points.first!.y == byID[edge.from]!.y + byID[edge.from]!.height / 2)
            #expect(route.points.last!.y == byID[edge.to]!.y - byID[edge.to]!.height / 2)
        }
    }

    @Test func layoutOfRandomGraphs() {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for size in [1, 2, 5, 20, 60] {
            let nodes = (0..<size).map { (id: "v\($0)", width: Double(20 + next(80)), height: Double(20 + next(20))) }
            var edges: [(from: String, to: String)] = []
            for target in 1..<max(size, 1) {
                for _ in 0..<(1 + next(3)) { edges.append(("v\(next(target))", "v\(target)")) }
            }
            let layout = LayeredLayout(nodes: nodes, edges: edges)
            checkLayout(layout, nodes: nodes, edges: edges)
        }
    }

    @Test func layoutOfEveryExample() throws {
        for (name, _) in VizExamples.catalog {
            let example = try #require(VizExamples.named(name))
            let picture = GraphPicture(outputs: example.outputs)
            let outer = picture.nodes.filter { $0.cluster == nil }
            let nodes = outer.map { ($0.id, picture.boxSize($0).width, picture.boxSize($0).height) }
            let ids = Set(outer.map(\.id))
            let edges = picture.edges.filter { ids.contains($0.from) && ids.contains($0.to) }.map { ($0.from, $0.to) }
            checkLayout(LayeredLayout(nodes: nodes, edges: edges), nodes: nodes, edges: edges)
            // The page's SVG draws every node, inner ones included.
            let svg = picture.layeredSVG(idPrefix: "p")
            for node in picture.nodes { #expect(svg.contains("id=\"p-\(node.id)\""), "\(name): \(node.id)") }
        }
    }

    @Test func crossingsAreRemovedWhereAnOrderHasNone() {
        // Given in an order where both pairs of arrows cross; one swap removes every crossing.
        let nodes = ["a", "b", "c", "d", "p", "q"].map { (id: $0, width: 30.0, height: 20.0) }
        let edges = [("a", "d"), ("b", "c"), ("c", "q"), ("d", "p")].map { (from: $0.0, to: $0.1) }
        let layout = LayeredLayout(nodes: nodes, edges: edges)
        checkLayout(layout, nodes: nodes, edges: edges)
        let x = Dictionary(uniqueKeysWithValues: layout.boxes.map { ($0.id, $0.x) })
        #expect((x["a"]! < x["b"]!) == (x["d"]! < x["c"]!))
        #expect((x["d"]! < x["c"]!) == (x["p"]! < x["q"]!))
        #expect(LayeredLayout.crossings([[0, 1], [2, 3], [4, 5]], down: [[3], [2], [5], [4], [], []], pointCount: 6) == 2)
    }

    @Test func constantsMoveDownToTheirReader() {
        let nodes = ["x", "a", "b", "c", "k"].map { (id: $0, width: 30.0, height: 20.0) }
        let edges = [("x", "a"), ("a", "b"), ("b", "c"), ("k", "c")].map { (from: $0.0, to: $0.1) }
        let layout = LayeredLayout(nodes: nodes, edges: edges)
        checkLayout(layout, nodes: nodes, edges: edges)
        #expect(layout.boxes.map(\.layer) == [0, 1, 2, 3, 2])
    }

    @Test func crossingsCountedByMergeSortMatchThePairs() {
        var state: UInt64 = 11
        for length in [0, 1, 2, 7, 64, 301] {
            let values = (0..<length).map { _ -> Int in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int((state >> 33) % 20)
            }
            var pairs = 0
            for i in values.indices { for j in values.indices where i < j && values[i] > values[j] { pairs += 1 } }
            #expect(LayeredLayout.inversions(values) == pairs, "\(values)")
        }
    }

    /// An input read by every op of a long chain: its arrows would need a bend in every layer
    /// they cross (quadratic in the chain); past the budget the longest go straight.
    @Test func longArrowsStayWithinTheBudget() {
        let length = 600
        let nodes = [(id: "input", width: 30.0, height: 20.0)] + (0..<length).map { (id: "op\($0)", width: 40.0, height: 20.0) }
        let edges = (1..<length).map { (from: "op\($0 - 1)", to: "op\($0)") } + (0..<length).map { (from: "input", to: "op\($0)") }
        let layout = LayeredLayout(nodes: nodes, edges: edges)
        checkLayout(layout, nodes: nodes, edges: edges)
        let points = layout.routes.reduce(0) { $0 + $1.points.count }
        #expect(points <= 2 * edges.count + max(2000, 8 * nodes.count), "\(points) route points")
        #expect(points > 2 * edges.count, "the shorter arrows still bend")
    }

    @Test func placementIsTheClosestWithGaps() {
        // Wanted 0, 0, 0 with gaps 10: the best is -10, 0, 10.
        #expect(LayeredLayout.place(desired: [0, 0, 0], gaps: [10, 10]) == [-10, 0, 10])
        // Already far enough apart: unchanged.
        #expect(LayeredLayout.place(desired: [0, 50, 100], gaps: [10, 10]) == [0, 50, 100])
        // A violating pair in the middle moves apart symmetrically.
        #expect(LayeredLayout.place(desired: [0, 50, 50, 100], gaps: [10, 10, 10]) == [0, 45, 55, 100])
    }
}
