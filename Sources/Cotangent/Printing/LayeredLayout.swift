/// A layered drawing of a directed graph (Sugiyama's method), for pictures of graphs where
/// Graphviz is not installed.
///
/// Every arrow points down: sources sit in the top layer and each node one layer below the
/// lowest node it reads (longest-path layering; a node read only by nodes far below, such as a
/// constant, moves down next to its first reader). Arrows spanning several layers pass through
/// a point in each layer between, which takes part in the ordering like a thin node (up to a
/// budget of points; past it the longest arrows are drawn straight). The order
/// within each layer is improved by barycentre sweeps (down, then up) keeping the order with the
/// fewest crossings; positions within the order are then pulled towards the mean of each
/// node's neighbours, keeping a gap between neighbours (an exact least-squares placement per
/// layer, by pool-adjacent-violators).
public struct LayeredLayout: Sendable {
    /// A node's box: centre, size and layer.
    public struct Box: Sendable, Equatable {
        /// The node's id.
        public let id: String
        /// The centre's horizontal position.
        public var x: Double
        /// The centre's vertical position (down from the top).
        public var y: Double
        /// The width, as given.
        public let width: Double
        /// The height, as given.
        public let height: Double
        /// The layer, 0 at the top.
        public let layer: Int
    }

    /// An arrow's path: from the bottom of its source, through its bends, to the top of its
    /// target.
    public struct Route: Sendable {
        /// The source's id.
        public let from: String
        /// The target's id.
        public let to: String
        /// From the source's bottom centre, through one point per layer crossed (none for an
        /// arrow drawn straight), to the target's top centre.
        public let points: [(x: Double, y: Double)]
    }

    /// The boxes, in the order the nodes were given.
    public private(set) var boxes: [Box] = []
    /// One route per arrow between two given nodes, in the order given.
    public private(set) var routes: [Route] = []
    /// The drawing's width, margins included.
    public private(set) var width: Double = 0
    /// The drawing's height, margins included.
    public private(set) var height: Double = 0

    /// Lays out `nodes` (ids and box sizes) with arrows `edges` (ids; arrows naming an unknown
    /// node are left out).
    ///
    /// The graph should have no cycle (a computation graph has none); arrows closing a cycle
    /// are drawn against the layering rather than breaking it.
    public init(
        nodes: [(id: String, width: Double, height: Double)], edges: [(from: String, to: String)],
        nodeGap: Double = 24, layerGap: Double = 40, margin: Double = 12
    ) {
        let count = nodes.count
        guard count > 0 else { return }
        var index: [String: Int] = [:]
        for (k, node) in nodes.enumerated() where index[node.id] == nil { index[node.id] = k }
        let arrows = edges.compactMap { edge -> (Int, Int)? in
            guard let a = index[edge.from], let b = index[edge.to] else { return nil }
            return (a, b)
        }
        let layerOf = Self.layers(count: count, arrows: arrows)
        let layerCount = (layerOf.max() ?? 0) + 1

        // Points: the nodes, then one per layer crossed by each long arrow, within a budget:
        // past it the longest arrows are drawn straight from source to target, outside the
        // ordering (an input read all along a long chain would otherwise add a point per layer
        // per reader, quadratic in the chain's length).
        let budget = max(2000, 8 * count)
        var straight = Set<Int>()
        var bends = arrows.reduce(0) { $0 + max(0, layerOf[$1.1] - layerOf[$1.0] - 1) }
        for k in arrows.indices.sorted(by: { layerOf[arrows[$0].1] - layerOf[arrows[$0].0] > layerOf[arrows[$1].1] - layerOf[arrows[$1].0] }) {
            guard bends > budget else { break }
            straight.insert(k)
            bends -= max(0, layerOf[arrows[k].1] - layerOf[arrows[k].0] - 1)
        }
        var pointLayer = layerOf
        var pointWidth = nodes.map(\.width)
        var down = [[Int]](repeating: [], count: count)
        var up = [[Int]](repeating: [], count: count)
        var chains: [[Int]] = []
        for (k, (a, b)) in arrows.enumerated() {
            var chain = [a]
            if layerOf[b] > layerOf[a] + 1, !straight.contains(k) {
                for layer in (layerOf[a] + 1)..<layerOf[b] {
                    pointLayer.append(layer)
                    pointWidth.append(2)
                    down.append([])
                    up.append([])
                    chain.append(pointLayer.count - 1)
                }
            }
            chain.append(b)
            for (p, q) in zip(chain, chain.dropFirst()) where pointLayer[q] == pointLayer[p] + 1 {
                down[p].append(q)
                up[q].append(p)
            }
            chains.append(chain)
        }

        // Initial order: the order points were made (the caller's depth-first order).
        var order = [[Int]](repeating: [], count: layerCount)
        for point in pointLayer.indices { order[pointLayer[point]].append(point) }
        order = Self.reduceCrossings(order, down: down, up: up, pointCount: pointLayer.count)

        // Coordinates.
        var x = [Double](repeating: 0, count: pointLayer.count)
        for layer in order {
            var left = 0.0
            for point in layer {
                x[point] = left + pointWidth[point] / 2
                left += pointWidth[point] + nodeGap
            }
        }
        for sweep in 0..<8 {
            let layers = sweep % 2 == 0 ? Array(order.indices) : order.indices.reversed()
            for layer in layers {
                let desired = order[layer].map { point -> Double in
                    let neighbours = sweep % 2 == 0 ? up[point] + down[point] : down[point] + up[point]
                    guard !neighbours.isEmpty else { return x[point] }
                    return neighbours.reduce(0) { $0 + x[$1] } / Double(neighbours.count)
                }
                let gaps = zip(order[layer], order[layer].dropFirst()).map { (pointWidth[$0] + pointWidth[$1]) / 2 + nodeGap }
                for (point, value) in zip(order[layer], Self.place(desired: desired, gaps: gaps)) { x[point] = value }
            }
        }
        let left = pointLayer.indices.map { x[$0] - pointWidth[$0] / 2 }.min() ?? 0
        for point in x.indices { x[point] += margin - left }

        // Layers top to bottom, each as tall as its tallest box.
        var layerHeight = [Double](repeating: 0, count: layerCount)
        for (k, node) in nodes.enumerated() { layerHeight[layerOf[k]] = max(layerHeight[layerOf[k]], node.height) }
        var layerY = [Double](repeating: 0, count: layerCount)
        var top = margin
        for layer in 0..<layerCount {
            layerY[layer] = top + layerHeight[layer] / 2
            top += layerHeight[layer] + layerGap
        }

        boxes = nodes.enumerated().map { k, node in
            Box(id: node.id, x: x[k], y: layerY[layerOf[k]], width: node.width, height: node.height, layer: layerOf[k])
        }
        routes = chains.map { chain in
            let first = chain[0], last = chain[chain.count - 1]
            var points = [(x: x[first], y: layerY[layerOf[first]] + nodes[first].height / 2)]
            for point in chain.dropFirst().dropLast() { points.append((x[point], layerY[pointLayer[point]])) }
            points.append((x[last], layerY[layerOf[last]] - nodes[last].height / 2))
            return Route(from: nodes[first].id, to: nodes[last].id, points: points)
        }
        width = (pointLayer.indices.map { x[$0] + pointWidth[$0] / 2 }.max() ?? 0) + margin
        height = top - layerGap + margin
    }

    /// Longest-path layers from the sources; then every node with readers but no inputs moves
    /// down to the layer just above its highest reader.
    static func layers(count: Int, arrows: [(Int, Int)]) -> [Int] {
        var incoming = [Int](repeating: 0, count: count)
        var readers = [[Int]](repeating: [], count: count)
        for (a, b) in arrows where a != b {
            incoming[b] += 1
            readers[a].append(b)
        }
        var layer = [Int](repeating: 0, count: count)
        var ready = (0..<count).filter { incoming[$0] == 0 }
        var remaining = incoming
        var placed = [Bool](repeating: false, count: count)
        var cursor = 0
        while true {
            while cursor < ready.count {
                let node = ready[cursor]
                cursor += 1
                placed[node] = true
                for reader in readers[node] {
                    layer[reader] = max(layer[reader], layer[node] + 1)
                    remaining[reader] -= 1
                    if remaining[reader] == 0 { ready.append(reader) }
                }
            }
            // A cycle: release its first unplaced node and go on.
            guard let stuck = (0..<count).first(where: { !placed[$0] && remaining[$0] > 0 }) else { break }
            remaining[stuck] = 0
            ready.append(stuck)
        }
        for node in 0..<count where incoming[node] == 0 && !readers[node].isEmpty {
            let highest = readers[node].map { layer[$0] }.min()!
            if highest > 0 { layer[node] = highest - 1 }
        }
        return layer
    }

    /// Barycentre sweeps over `order`, keeping the order with the fewest crossings.
    static func reduceCrossings(_ start: [[Int]], down: [[Int]], up: [[Int]], pointCount: Int) -> [[Int]] {
        var order = start
        var best = order
        var bestCrossings = crossings(order, down: down, pointCount: pointCount)
        var position = [Double](repeating: 0, count: pointCount)
        func record(_ layer: [Int]) { for (k, p) in layer.enumerated() { position[p] = Double(k) } }
        for layer in order { record(layer) }
        for sweep in 0..<12 where bestCrossings > 0 {
            let goingDown = sweep % 2 == 0
            let layers = goingDown ? Array(order.indices.dropFirst()) : Array(order.indices.dropLast().reversed())
            for layer in layers {
                let keyed = order[layer].map { point -> (point: Int, key: Double) in
                    let neighbours = goingDown ? up[point] : down[point]
                    guard !neighbours.isEmpty else { return (point, position[point]) }
                    return (point, neighbours.reduce(0) { $0 + position[$1] } / Double(neighbours.count))
                }
                // Stable: ties keep their current order.
                order[layer] = keyed.enumerated().sorted { ($0.1.key, $0.0) < ($1.1.key, $1.0) }.map(\.1.point)
                record(order[layer])
            }
            let now = crossings(order, down: down, pointCount: pointCount)
            if now < bestCrossings {
                bestCrossings = now
                best = order
            }
        }
        return best
    }

    /// The number of pairs of arrows between adjacent layers that cross.
    static func crossings(_ order: [[Int]], down: [[Int]], pointCount: Int) -> Int {
        var position = [Int](repeating: 0, count: pointCount)
        for layer in order { for (k, p) in layer.enumerated() { position[p] = k } }
        var total = 0
        for layer in order {
            // Arrows leaving this layer as (source position, target position), sorted; two
            // cross when the later one has a smaller target: an inversion of the targets.
            let pairs = layer.flatMap { p in down[p].map { (position[p], position[$0]) } }.sorted { $0 < $1 }
            total += inversions(pairs.map(\.1))
        }
        return total
    }

    /// The pairs `i < j` with `values[i] > values[j]`, counted while merge-sorting.
    static func inversions(_ values: [Int]) -> Int {
        var current = values, next = values, count = 0, width = 1
        while width < current.count {
            var start = 0
            while start < current.count {
                let middle = min(start + width, current.count), end = min(start + 2 * width, current.count)
                var i = start, j = middle, k = start
                while i < middle || j < end {
                    if j >= end || (i < middle && current[i] <= current[j]) {
                        next[k] = current[i]
                        i += 1
                    } else {
                        // Every value left in the first half is greater than this one.
                        count += middle - i
                        next[k] = current[j]
                        j += 1
                    }
                    k += 1
                }
                start = end
            }
            swap(&current, &next)
            width *= 2
        }
        return count
    }

    /// Positions as close as possible (least squares) to `desired`, in the same order, with
    /// at least `gaps[k]` between positions k and k + 1.
    ///
    /// With `offset[k]` the sum of the first k gaps, `y = x - offset` must be non-decreasing:
    /// an isotonic regression of `desired - offset`, solved by pooling adjacent violators.
    static func place(desired: [Double], gaps: [Double]) -> [Double] {
        var offset = [0.0]
        for gap in gaps { offset.append(offset.last! + gap) }
        var blocks: [(mean: Double, count: Int)] = []
        for (k, value) in desired.enumerated() {
            blocks.append((value - offset[k], 1))
            while blocks.count > 1, blocks[blocks.count - 2].mean > blocks[blocks.count - 1].mean {
                let b = blocks.removeLast(), a = blocks.removeLast()
                blocks.append(((a.mean * Double(a.count) + b.mean * Double(b.count)) / Double(a.count + b.count), a.count + b.count))
            }
        }
        var result: [Double] = []
        for block in blocks { result += Array(repeating: block.mean, count: block.count) }
        return zip(result, offset).map { $0 + $1 }
    }
}
