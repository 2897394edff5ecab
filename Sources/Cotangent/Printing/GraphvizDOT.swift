import CotangentEngine
import CotangentGraph

// Graphviz DOT text for a graph. The method is `graphvizDOT()` rather than `dot()`: `dot(_:_:)`
// is already the matrix product, and `x.dot()` next to `dot(x, y)` would read as a product.

extension Variable {
    /// The graph computing this variable as Graphviz DOT text (render it with `dot -Tsvg`).
    ///
    /// Ops are boxes labelled as ``dprint(depth:printType:printShape:)`` prints them, graph
    /// inputs and outputs ellipses, constants grey boxes; each arrow carries the value's dtype
    /// and static shape; inner graphs (loop bodies, branches, Blockwise cores, fused elementwise
    /// graphs) are clusters linked to the node running them by a dotted arrow. Node ids are
    /// stable (`n0`, `n1`, … in a depth-first walk from the output), so the text of a graph is
    /// always the same.
    public func graphvizDOT() -> String {
        GraphPicture(outputs: [self]).graphvizDOT()
    }
}

/// The graph computing `outputs` as Graphviz DOT text; see `Variable/graphvizDOT()`.
public func graphvizDOT(_ outputs: [Variable]) -> String {
    GraphPicture(outputs: outputs).graphvizDOT()
}

extension CompiledFunction {
    /// The graph this function runs (after rewriting) as Graphviz DOT text; with a `profile`
    /// of this function each op's box also shows its time per call.
    public func graphvizDOT(profile: FunctionProfile? = nil) -> String {
        GraphPicture(outputs: outputs, profile: profile).graphvizDOT()
    }
}

extension GraphPicture {
    /// The fill colour of a family's boxes (the page uses the same colours).
    static func fillColour(_ node: Node) -> String {
        switch node.kind {
        case .input: return "#d1fae5"
        case .shared: return "#fef3c7"
        case .constant: return "#f3f4f6"
        case .output: return "#bfdbfe"
        case .op: return familyColour(node.family)
        }
    }

    /// The colour of an op family.
    static func familyColour(_ family: Family) -> String {
        switch family {
        case .elementwise: "#dbeafe"
        case .fused: "#a5b4fc"
        case .reduction: "#fde68a"
        case .shape: "#e5e7eb"
        case .indexing: "#fbcfe8"
        case .linearAlgebra: "#fca5a5"
        case .loop: "#ddd6fe"
        case .random: "#bbf7d0"
        case .other: "#fafaf9"
        case .variable: "#ffffff"
        }
    }

    /// Graphviz's shape for a node.
    static func shape(_ kind: Kind) -> String {
        switch kind {
        case .op: "box"
        case .input, .shared, .output: "ellipse"
        case .constant: "note"
        }
    }

    /// `text` as a DOT double-quoted string: quotes and backslashes escaped (so a label's `\l`
    /// or `\N` is text, not a Graphviz escape), line breaks (`\n`, `\r\n`) as `\n`.
    static func quoted(_ text: String) -> String {
        "\"" + replacingCharacters(text, ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r\n": "\\n", "\r": ""]) + "\""
    }

    /// The text of a box: the label, cut to `maxLabel` characters when given, and the time.
    func boxText(_ node: Node, maxLabel: Int?) -> String {
        var text = node.label
        if let maxLabel, text.count > maxLabel { text = String(text.prefix(maxLabel - 1)) + "…" }
        if let micros = node.microseconds { text += "\n" + GraphPicture.formatTime(micros) }
        return text
    }

    /// A profiled op's outline width: 1 plus 3 times its share of the slowest op's time.
    func outlineWidth(_ node: Node) -> Double? {
        guard let micros = node.microseconds else { return nil }
        let slowest = nodes.compactMap(\.microseconds).max() ?? micros
        return 1 + 3 * micros / max(slowest, 1e-9)
    }

    /// A time per call for a box: `12.3 µs`, `4.56 ms`.
    static func formatTime(_ microseconds: Double) -> String {
        microseconds >= 1000
            ? "\((microseconds / 10).rounded() / 100) ms" : "\((microseconds * 10).rounded() / 10) µs"
    }

    /// The picture as Graphviz DOT text.
    ///
    /// - Parameters:
    ///   - idPrefix: put before every node's `id` attribute (Graphviz's SVG gives each node's
    ///     group that id), so two graphs can share one page.
    ///   - maxLabel: cut longer box labels (a long fused op's name) to this many characters.
    public func graphvizDOT(idPrefix: String = "", maxLabel: Int? = nil) -> String {
        var lines = [
            "digraph G {",
            "  graph [id=" + Self.quoted(idPrefix + "graph") + ", rankdir=TB, compound=true, fontname=\"Helvetica\", fontsize=10];",
            "  node [fontname=\"Helvetica\", fontsize=10, style=filled, penwidth=0.8];",
            "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\", fontcolor=\"#555555\"];",
        ]
        func nodeLine(_ node: Node, indent: String) -> String {
            var attributes = [
                "id=" + Self.quoted(idPrefix + node.id),
                "label=" + Self.quoted(boxText(node, maxLabel: maxLabel)),
                "shape=" + Self.shape(node.kind),
                "fillcolor=" + Self.quoted(Self.fillColour(node)),
            ]
            if node.kind == .op { attributes.append("style=\"filled,rounded\"") }
            // A profiled op's outline thickens with its share of the slowest op's time.
            if let width = outlineWidth(node) {
                attributes.append("color=\"#dc2626\", penwidth=\((width * 10).rounded() / 10)")
            }
            return indent + Self.quoted(node.id) + " [" + attributes.joined(separator: ", ") + "];"
        }
        for node in nodes where node.cluster == nil { lines.append(nodeLine(node, indent: "  ")) }
        for (index, cluster) in clusters.enumerated() {
            lines.append("  subgraph " + Self.quoted("cluster_" + cluster.id) + " {")
            lines.append("    id=" + Self.quoted(idPrefix + cluster.id) + ";")
            lines.append("    label=" + Self.quoted(cluster.label) + ";")
            lines.append("    style=\"dashed,rounded\"; color=\"#7c3aed\"; fontcolor=\"#5b21b6\";")
            for node in nodes where node.cluster == index { lines.append(nodeLine(node, indent: "    ")) }
            lines.append("  }")
        }
        for (k, edge) in edges.enumerated() {
            lines.append(
                "  " + Self.quoted(edge.from) + " -> " + Self.quoted(edge.to) + " [id=" + Self.quoted(idPrefix + "e\(k)")
                    + ", label=" + Self.quoted(edge.label) + "];")
        }
        // The node running an inner graph points at its cluster (at the cluster's first node,
        // clipped to the cluster's frame).
        for (index, cluster) in clusters.enumerated() {
            guard let first = nodes.first(where: { $0.cluster == index }) else { continue }
            lines.append(
                "  " + Self.quoted(cluster.owner) + " -> " + Self.quoted(first.id) + " [id="
                    + Self.quoted(idPrefix + "link-" + cluster.id) + ", lhead="
                    + Self.quoted("cluster_" + cluster.id) + ", style=dotted, color=\"#7c3aed\", arrowhead=odiamond];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
