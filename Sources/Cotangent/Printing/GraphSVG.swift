import Foundation

// Pictures of graphs as SVG: laid out by Graphviz's `dot` when it is installed, or by
// ``LayeredLayout`` otherwise. Either way every node's group has the id `PREFIX-nK`, which the
// page's script looks nodes up by.

extension GraphPicture {
    /// The path of Graphviz's `dot` on the PATH, if installed.
    static func graphvizPath() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/dot" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The picture as SVG laid out by Graphviz's `dot` at `dot` (nil if it fails).
    func graphvizSVG(idPrefix: String, dot: String) -> String? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-viz-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let input = folder.appendingPathComponent("graph.dot"), output = folder.appendingPathComponent("graph.svg")
            try graphvizDOT(idPrefix: idPrefix, maxLabel: Self.pageLabelLength).write(to: input, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dot)
            process.arguments = ["-Tsvg", "-o", output.path, input.path]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            let svg = try String(contentsOf: output, encoding: .utf8)
            // The page inlines the <svg> element alone (no XML prolog or doctype).
            guard let start = svg.range(of: "<svg") else { return nil }
            return String(svg[start.lowerBound...])
        } catch {
            return nil
        }
    }

    /// The longest box label on a page; longer ones (long fused ops) end with `…` and show in
    /// full on hover.
    static let pageLabelLength = 48

    /// The size of a node's box: about 6.6 px per character at the page's 11 px font.
    func boxSize(_ node: Node) -> (width: Double, height: Double) {
        let lines = boxText(node, maxLabel: Self.pageLabelLength).split(separator: "\n")
        let longest = lines.map(\.count).max() ?? 1
        let padding: Double = node.kind == .op || node.kind == .constant ? 16 : 28
        return (max(36, Double(longest) * 6.6 + padding), Double(lines.count) * 14 + 12)
    }

    /// `text` with XML's special characters escaped.
    static func xmlEscaped(_ text: String) -> String {
        replacingCharacters(text, ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"])
    }

    /// A number for SVG: at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
    }

    /// A profiled op's outline, thicker the closer its time is to the slowest op's (as in
    /// ``graphvizDOT(idPrefix:maxLabel:)``).
    func timedOutline(_ node: Node) -> String {
        guard let width = outlineWidth(node) else { return "" }
        return " class=\"timed\" style=\"stroke-width:\(Self.number(width))\""
    }

    /// The picture as SVG laid out by ``LayeredLayout``: the outer graph on the left, each inner
    /// graph in a dashed frame to its right, under the previous one, with a dotted arrow from
    /// the node that runs it.
    public func layeredSVG(idPrefix: String) -> String {
        let n = Self.number
        var body: [String] = []
        // Absolute boxes of every node, for owner arrows.
        var placed: [String: (x: Double, y: Double, width: Double, height: Double)] = [:]
        var sizes: [String: (width: Double, height: Double)] = [:]
        for node in nodes { sizes[node.id] = boxSize(node) }
        var totalWidth = 0.0, totalHeight = 0.0
        var frames: [(cluster: Int, x: Double, y: Double, width: Double, height: Double)] = []

        func lay(_ cluster: Int?, originX: Double, originY: Double) -> (width: Double, height: Double) {
            let members = nodes.filter { $0.cluster == cluster }
            let memberIDs = Set(members.map(\.id))
            let links = edges.filter { memberIDs.contains($0.from) && memberIDs.contains($0.to) }
            let layout = LayeredLayout(
                nodes: members.map { ($0.id, sizes[$0.id]!.width, sizes[$0.id]!.height) },
                edges: links.map { ($0.from, $0.to) })
            for (edge, route) in zip(links, layout.routes) {
                let points = route.points.map { (x: $0.x + originX, y: $0.y + originY) }
                var d = "M\(n(points[0].x)),\(n(points[0].y))"
                for (p, q) in zip(points, points.dropFirst()) {
                    let middle = (p.y + q.y) / 2
                    d += " C\(n(p.x)),\(n(middle)) \(n(q.x)),\(n(middle)) \(n(q.x)),\(n(q.y))"
                }
                let last = points[points.count - 1], before = points[points.count - 2]
                let label = Self.xmlEscaped(edge.label)
                body.append(
                    "<g class=\"edge\"><title>\(label)</title><path d=\"\(d)\" marker-end=\"url(#\(idPrefix)-arrow)\"/>"
                        + "<text x=\"\(n((last.x + before.x) / 2 + 4))\" y=\"\(n(last.y - 8))\">\(label)</text></g>")
            }
            for box in layout.boxes {
                let x = box.x + originX, y = box.y + originY
                placed[box.id] = (x, y, box.width, box.height)
            }
            return (layout.width, layout.height)
        }

        let main = lay(nil, originX: 0, originY: 0)
        totalWidth = main.width
        totalHeight = main.height
        let clusterX = main.width + 40
        var clusterY = 12.0
        for index in clusters.indices {
            let header = 20.0
            let size = lay(index, originX: clusterX + 8, originY: clusterY + header)
            frames.append((index, clusterX, clusterY, size.width + 16, size.height + header + 8))
            totalWidth = max(totalWidth, clusterX + size.width + 28)
            clusterY += size.height + header + 8 + 24
            totalHeight = max(totalHeight, clusterY)
        }
        var frameLines: [String] = []
        for frame in frames {
            let cluster = clusters[frame.cluster]
            frameLines.append(
                "<g class=\"cluster\" id=\"\(idPrefix)-\(cluster.id)\"><title>\(Self.xmlEscaped(cluster.label))</title>"
                    + "<rect x=\"\(n(frame.x))\" y=\"\(n(frame.y))\" width=\"\(n(frame.width))\" height=\"\(n(frame.height))\" rx=\"6\"/>"
                    + "<text x=\"\(n(frame.x + 8))\" y=\"\(n(frame.y + 14))\">"
                    + Self.xmlEscaped(String(cluster.label.prefix(80))) + "</text></g>")
            if let owner = placed[cluster.owner] {
                let from = (x: owner.x + owner.width / 2, y: owner.y)
                let to = (x: frame.x, y: frame.y + 10)
                frameLines.append(
                    "<path class=\"owner-link\" d=\"M\(n(from.x)),\(n(from.y)) C\(n((from.x + to.x) / 2)),\(n(from.y)) "
                        + "\(n((from.x + to.x) / 2)),\(n(to.y)) \(n(to.x)),\(n(to.y))\"/>")
            }
        }
        var nodeLines: [String] = []
        for node in nodes {
            guard let box = placed[node.id] else { continue }
            let fill = Self.fillColour(node)
            var shape: String
            switch node.kind {
            case .input, .shared, .output:
                shape = "<ellipse cx=\"\(n(box.x))\" cy=\"\(n(box.y))\" rx=\"\(n(box.width / 2))\" ry=\"\(n(box.height / 2))\" fill=\"\(fill)\"/>"
            case .op, .constant:
                shape = "<rect x=\"\(n(box.x - box.width / 2))\" y=\"\(n(box.y - box.height / 2))\" width=\"\(n(box.width))\" "
                    + "height=\"\(n(box.height))\" rx=\"\(node.kind == .op ? 5 : 0)\" fill=\"\(fill)\""
                    + timedOutline(node) + "/>"
            }
            let lines = boxText(node, maxLabel: Self.pageLabelLength).split(separator: "\n")
            let top = box.y - Double(lines.count - 1) * 7 + 4
            let text = lines.enumerated().map { k, line in
                "<tspan x=\"\(n(box.x))\" y=\"\(n(top + Double(k) * 14))\">\(Self.xmlEscaped(String(line)))</tspan>"
            }.joined()
            nodeLines.append(
                "<g class=\"node \(node.kind.rawValue)\" id=\"\(idPrefix)-\(node.id)\"><title>\(node.id)</title>\(shape)"
                    + "<text text-anchor=\"middle\">\(text)</text></g>")
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"layered\" width=\"\(n(totalWidth))\" height=\"\(n(totalHeight))\" "
            + "viewBox=\"0 0 \(n(totalWidth)) \(n(totalHeight))\">"
            + "<defs><marker id=\"\(idPrefix)-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
            + "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>"
            + (frameLines + body + nodeLines).joined(separator: "\n") + "</svg>"
    }
}
