// Greedy graph colourings of a sparsity pattern: columns (or rows) of one colour can be
// evaluated together by one pushforward (pullback), and a symmetric pattern's star colouring
// lets a Hessian be recovered from its compressed products H·S.

/// The order in which a greedy colouring visits vertices (columns, rows, or a Hessian's
/// variables), as SparseMatrixColorings.jl offers.
public enum ColoringOrder: String, Hashable, Sendable, CaseIterable {
    /// Index order.
    case natural
    /// Decreasing degree in the conflict graph (ties in index order).
    case largestFirst
    /// Smallest-last (Matula–Beck): repeatedly remove a vertex of smallest remaining degree and
    /// colour in the reverse order of removal; often the fewest colours.
    case smallestLast
}

/// An undirected graph in CSR form (no self loops).
package struct ConflictGraph {
    package var offsets: [Int]
    package var neighbours: [Int]

    package var vertexCount: Int { offsets.count - 1 }

    package func neighbours(of v: Int) -> ArraySlice<Int> { neighbours[offsets[v]..<offsets[v + 1]] }

    /// The intersection graph of the columns of a CSR pattern (`rowOffsets`, `columns`): two
    /// columns conflict when some row holds both. A distance-1 colouring of it is a
    /// distance-2 colouring of the bipartite graph, the condition for recovering a Jacobian
    /// from J·S.
    package static func columnIntersection(
        rowOffsets: [Int], columns: [Int], columnCount: Int
    ) -> ConflictGraph {
        // Rows of each column (CSC).
        var columnOffsets = [Int](repeating: 0, count: columnCount + 1)
        for c in columns { columnOffsets[c + 1] += 1 }
        for c in 0..<columnCount { columnOffsets[c + 1] += columnOffsets[c] }
        var fill = columnOffsets
        var rowsOfColumn = [Int](repeating: 0, count: columns.count)
        for r in 0..<(rowOffsets.count - 1) {
            for p in rowOffsets[r]..<rowOffsets[r + 1] {
                rowsOfColumn[fill[columns[p]]] = r
                fill[columns[p]] += 1
            }
        }
        var stamps = [Int](repeating: -1, count: columnCount)
        var offsets = [0]
        offsets.reserveCapacity(columnCount + 1)
        var neighbours: [Int] = []
        for c in 0..<columnCount {
            stamps[c] = c
            for q in columnOffsets[c]..<columnOffsets[c + 1] {
                let r = rowsOfColumn[q]
                for p in rowOffsets[r]..<rowOffsets[r + 1] where stamps[columns[p]] != c {
                    stamps[columns[p]] = c
                    neighbours.append(columns[p])
                }
            }
            offsets.append(neighbours.count)
        }
        return ConflictGraph(offsets: offsets, neighbours: neighbours)
    }

    /// The adjacency graph of a symmetric pattern: `i`–`j` for every off-diagonal nonzero.
    package static func adjacency(rowOffsets: [Int], columns: [Int]) -> ConflictGraph {
        var offsets = [0]
        var neighbours: [Int] = []
        for r in 0..<(rowOffsets.count - 1) {
            for p in rowOffsets[r]..<rowOffsets[r + 1] where columns[p] != r { neighbours.append(columns[p]) }
            offsets.append(neighbours.count)
        }
        return ConflictGraph(offsets: offsets, neighbours: neighbours)
    }

    /// The vertices in the order a greedy colouring visits them.
    package func order(_ order: ColoringOrder) -> [Int] {
        let n = vertexCount
        switch order {
        case .natural:
            return Array(0..<n)
        case .largestFirst:
            return (0..<n).sorted { a, b in
                let da = offsets[a + 1] - offsets[a], db = offsets[b + 1] - offsets[b]
                return da != db ? da > db : a < b
            }
        case .smallestLast:
            // Bucket queue by current degree.
            var degree = (0..<n).map { offsets[$0 + 1] - offsets[$0] }
            let maxDegree = degree.max() ?? 0
            var buckets = [[Int]](repeating: [], count: maxDegree + 1)
            for v in stride(from: n - 1, through: 0, by: -1) { buckets[degree[v]].append(v) }
            var removed = [Bool](repeating: false, count: n)
            var removal: [Int] = []
            removal.reserveCapacity(n)
            var low = 0
            while removal.count < n {
                low = max(0, low - 1)
                while buckets[low].isEmpty { low += 1 }
                let v = buckets[low].removeLast()
                // Stale entries (a vertex moved to a lower bucket, or already removed).
                guard !removed[v], degree[v] == low else { continue }
                removed[v] = true
                removal.append(v)
                for w in neighbours(of: v) where !removed[w] {
                    degree[w] -= 1
                    buckets[degree[w]].append(w)
                }
            }
            return removal.reversed()
        }
    }

    /// A greedy distance-1 colouring: each vertex in `order` takes the smallest colour no
    /// coloured neighbour has. Colours are 0, 1, ….
    package func greedyColoring(_ order: ColoringOrder) -> [Int] {
        var colors = [Int](repeating: -1, count: vertexCount)
        var forbidden = [Int](repeating: -1, count: vertexCount + 1)
        for v in self.order(order) {
            for w in neighbours(of: v) where colors[w] >= 0 { forbidden[colors[w]] = v }
            var color = 0
            while forbidden[color] == v { color += 1 }
            colors[v] = color
        }
        return colors
    }

    /// A greedy star colouring (Gebremedhin, Manne and Pothen's first algorithm): a distance-1
    /// colouring in which every path on four vertices uses at least three colours, so every
    /// nonzero of a symmetric matrix can be read directly from H·S (as `H[i][j]` or `H[j][i]`).
    package func starColoring(_ order: ColoringOrder) -> [Int] {
        var colors = [Int](repeating: -1, count: vertexCount)
        var forbidden = [Int](repeating: -1, count: vertexCount + 1)
        for v in self.order(order) {
            for w in neighbours(of: v) {
                if colors[w] >= 0 { forbidden[colors[w]] = v }
                for x in neighbours(of: w) where x != v && colors[x] >= 0 {
                    if colors[w] < 0 {
                        // x and v would colour the ends of a path through an uncoloured w.
                        forbidden[colors[x]] = v
                    } else if neighbours(of: x).contains(where: { $0 != w && colors[$0] == colors[w] }) {
                        // v–w–x–y would be a two-coloured path on four vertices.
                        forbidden[colors[x]] = v
                    }
                }
            }
            var color = 0
            while forbidden[color] == v { color += 1 }
            colors[v] = color
        }
        return colors
    }
}
