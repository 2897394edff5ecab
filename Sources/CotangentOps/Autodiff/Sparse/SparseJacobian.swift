import CotangentArrays
import CotangentGraph

/// The Jacobian `∂f/∂wrt` as a ``SparseTensor``: its pattern found from the graph
/// (``jacobianSparsity(_:wrt:)``), its columns (or rows) coloured so that columns of one
/// colour share no row, and its values computed by one pushforward per colour (or one
/// pullback per row colour), all batched by ``vectorizeGraph(_:replacing:)`` into one graph,
/// then read out of the compressed product by one gather. For a tridiagonal Jacobian this is
/// 3 products whatever `n`.
///
/// `mode` chooses forward (columns), reverse (rows) or whichever needs fewer colours; `order`
/// is the greedy colouring's vertex order. Errors as ``jacobianSparsity(_:wrt:)``.
public func sparseJacobian(
    _ f: Variable, wrt: Variable, mode: SparseDifferentiationMode = .automatic, order: ColoringOrder = .natural
) -> SparseTensor {
    let pattern = jacobianSparsity(f, wrt: wrt)
    let denseShape = f.type.shape.map { $0 ?? 0 } + wrt.type.shape.map { $0 ?? 0 }
    guard pattern.shape == [f.type.shape.reduce(1) { $0 * ($1 ?? 0) }, wrt.type.shape.reduce(1) { $0 * ($1 ?? 0) }],
        pattern.nonzeroCount > 0
    else {
        // An error already reported, or no nonzero (f does not depend on wrt).
        return SparseTensor(
            empty: pattern, denseShape: denseShape, dtype: f.dtype, mode: mode == .reverse ? .reverse : .forward)
    }
    let coloring = JacobianColoring(pattern: pattern, mode: mode, order: order)
    let compressed = coloring.mode == .forward
        ? compressedForward(f, wrt: wrt, colors: coloring.colors, colorCount: coloring.colorCount)
        : compressedReverse(f, wrt: wrt, colors: coloring.colors, colorCount: coloring.colorCount)
    // Forward: B = J·S is (colours × m) after batching: J[i][j] = B[colour(j)][i].
    // Reverse: B = Sᵀ·J is (colours × n): J[i][j] = B[colour(i)][j].
    let (m, n) = (pattern.shape[0], pattern.shape[1])
    let positions = zip(pattern.rows, pattern.columns).map { i, j in
        coloring.mode == .forward ? Int64(coloring.colors[j] * m + i) : Int64(coloring.colors[i] * n + j)
    }
    return SparseTensor(
        pattern: pattern, values: gather(compressed, positions), denseShape: denseShape, colors: coloring.colors,
        mode: coloring.mode)
}

/// The Hessian `∂²cost/∂wrt²` of a scalar cost as a ``SparseTensor`` (symmetric, both
/// triangles stored): its pattern from ``hessianSparsity(_:wrt:)``, a star colouring of its
/// variables, one Hessian-vector product per colour (forward over reverse, batched into one
/// graph), and each nonzero read directly from the compressed `H·S` (as `H[i][j]` or, by
/// symmetry, `H[j][i]`).
public func sparseHessian(_ cost: Variable, wrt: Variable, order: ColoringOrder = .natural) -> SparseTensor {
    let pattern = hessianSparsity(cost, wrt: wrt)
    let wrtShape = wrt.type.shape.map { $0 ?? 0 }
    let denseShape = wrtShape + wrtShape
    let n = wrtShape.reduce(1, *)
    guard pattern.shape == [n, n], pattern.nonzeroCount > 0 else {
        return SparseTensor(empty: pattern, denseShape: denseShape, dtype: wrt.dtype, mode: .forward)
    }
    let offsets = pattern.rowOffsets
    let graph = ConflictGraph.adjacency(rowOffsets: offsets, columns: pattern.columns)
    var colors = graph.starColoring(order)
    var positions = starRecovery(pattern, rowOffsets: offsets, colors: colors)
    if positions == nil {
        // Not reached for a star colouring; a distance-2 colouring always recovers directly.
        colors = ConflictGraph.columnIntersection(rowOffsets: offsets, columns: pattern.columns, columnCount: n)
            .greedyColoring(order)
        positions = starRecovery(pattern, rowOffsets: offsets, colors: colors)
    }
    let colorCount = (colors.max() ?? -1) + 1
    let gradient = grad(cost, wrt: wrt)
    let compressed = compressedForward(gradient, wrt: wrt, colors: colors, colorCount: colorCount)
    return SparseTensor(
        pattern: pattern, values: gather(compressed, positions ?? []), denseShape: denseShape, colors: colors,
        mode: .forward)
}

/// Where each nonzero of a symmetric pattern is read in the compressed `H·S`, laid out as
/// (colours × n): `colour(j) * n + i` when column `j` is the only column of its colour in
/// row `i`, else `colour(i) * n + j` when row `j` has `i` alone in its colour; nil when neither
/// holds (not a star colouring).
package func starRecovery(_ pattern: SparsityPattern, rowOffsets: [Int], colors: [Int]) -> [Int64]? {
    let n = pattern.shape[0]
    let colorCount = (colors.max() ?? -1) + 1
    // For each row, how many of its columns have each colour.
    var counts = [Int](repeating: 0, count: colorCount)
    var unique = [Bool](repeating: false, count: pattern.nonzeroCount)
    for r in 0..<n {
        let range = rowOffsets[r]..<rowOffsets[r + 1]
        for p in range { counts[colors[pattern.columns[p]]] += 1 }
        for p in range { unique[p] = counts[colors[pattern.columns[p]]] == 1 }
        for p in range { counts[colors[pattern.columns[p]]] = 0 }
    }
    var positions = [Int64](repeating: 0, count: pattern.nonzeroCount)
    for p in 0..<pattern.nonzeroCount {
        let (i, j) = (pattern.rows[p], pattern.columns[p])
        if unique[p] {
            positions[p] = Int64(colors[j] * n + i)
            continue
        }
        // The transposed entry (j, i): a binary search in row j.
        let row = pattern.columns[rowOffsets[j]..<rowOffsets[j + 1]]
        var low = row.startIndex, high = row.endIndex
        while low < high {
            let mid = (low + high) / 2
            if row[mid] < i { low = mid + 1 } else { high = mid }
        }
        guard low < row.endIndex, row[low] == i, unique[low] else { return nil }
        positions[p] = Int64(colors[i] * n + j)
    }
    return positions
}

extension SparsityPattern {
    /// The colouring ``sparseJacobian(_:wrt:mode:order:)`` uses for this pattern: columns
    /// (forward), rows (reverse), or whichever needs fewer colours (automatic).
    public func coloring(mode: SparseDifferentiationMode = .automatic, order: ColoringOrder = .natural) -> JacobianColoring {
        JacobianColoring(pattern: self, mode: mode, order: order)
    }
}

/// The colouring of a Jacobian's pattern for the chosen mode: elements of one colour share no
/// row (columns, forward mode) or no column (rows, reverse mode).
public struct JacobianColoring: Sendable {
    /// `.forward` (columns coloured) or `.reverse` (rows coloured).
    public let mode: SparseDifferentiationMode
    /// The colour of each column (forward) or row (reverse), from 0.
    public let colors: [Int]
    /// How many colours: products needed.
    public var colorCount: Int { (colors.max() ?? -1) + 1 }

    /// Colours `pattern`'s columns, rows, or both keeping the fewer.
    public init(pattern: SparsityPattern, mode: SparseDifferentiationMode, order: ColoringOrder) {
        let (m, n) = (pattern.shape[0], pattern.shape[1])
        func columnColors() -> [Int] {
            ConflictGraph.columnIntersection(rowOffsets: pattern.rowOffsets, columns: pattern.columns, columnCount: n)
                .greedyColoring(order)
        }
        func rowColors() -> [Int] {
            // Rows of J are the columns of Jᵀ: the transposed pattern in CSR.
            var offsets = [Int](repeating: 0, count: n + 1)
            for c in pattern.columns { offsets[c + 1] += 1 }
            for c in 0..<n { offsets[c + 1] += offsets[c] }
            var fill = offsets
            var transposedColumns = [Int](repeating: 0, count: pattern.nonzeroCount)
            for (r, c) in zip(pattern.rows, pattern.columns) {
                transposedColumns[fill[c]] = r
                fill[c] += 1
            }
            return ConflictGraph.columnIntersection(rowOffsets: offsets, columns: transposedColumns, columnCount: m)
                .greedyColoring(order)
        }
        switch mode {
        case .forward:
            (self.mode, colors) = (.forward, columnColors())
        case .reverse:
            (self.mode, colors) = (.reverse, rowColors())
        case .automatic:
            let columns = columnColors()
            let rows = rowColors()
            let columnCount = (columns.max() ?? -1) + 1
            let rowCount = (rows.max() ?? -1) + 1
            (self.mode, colors) = rowCount < columnCount ? (.reverse, rows) : (.forward, columns)
        }
    }
}

/// `J·S` for the column colouring: one pushforward along a symbolic tangent, vectorized over
/// the seed matrix's rows (one per colour), flattened to (colours · m).
package func compressedForward(_ f: Variable, wrt: Variable, colors: [Int], colorCount: Int) -> Variable {
    compressedProduct(seeding: wrt, result: f, colors: colors, colorCount: colorCount) { tangent in
        pushforward(f, wrt: wrt, tangent: tangent, disconnected: .zero)
    }
}

/// `Sᵀ·J` for the row colouring: one pullback of a symbolic cotangent, vectorized over the
/// seed matrix's rows, flattened to (colours · n).
package func compressedReverse(_ f: Variable, wrt: Variable, colors: [Int], colorCount: Int) -> Variable {
    compressedProduct(seeding: f, result: wrt, colors: colors, colorCount: colorCount) { cotangent in
        pullback(f, wrt: wrt, cotangent: cotangent, disconnected: .zero)
    }
}

/// `product` of a symbolic seed shaped like `seeded`, batched over the seed matrix's rows and
/// flattened; a product that does not depend on its seed (a zero) is broadcast to the batch.
func compressedProduct(
    seeding seeded: Variable, result: Variable, colors: [Int], colorCount: Int, _ product: (Variable) -> Variable
) -> Variable {
    let seed = Variable(type: seeded.type, name: "seed")
    let single = product(seed)
    let seeds = seedMatrix(colors: colors, colorCount: colorCount, shape: seeded.type.shape.map { $0 ?? 0 }, dtype: seeded.dtype)
    var batched = vectorizeGraph([single], replacing: [seed: Variable(constant: seeds)])[0]
    if batched.ndim == result.ndim { batched = alloc(batched, shape: [colorCount] + result.type.shape.map { $0 ?? 0 }) }
    return batched.flattened()
}

/// The seeds: row `c` is the indicator of the elements of colour `c`, shaped `shape`.
func seedMatrix(colors: [Int], colorCount: Int, shape: [Int], dtype: DType) -> NDArray {
    let count = colors.count
    var seeds = [Double](repeating: 0, count: colorCount * count)
    for (element, color) in colors.enumerated() { seeds[color * count + element] = 1 }
    return NDArray(shape: [colorCount] + shape, elements: seeds).converted(to: dtype)
}

/// The entries of a 1-d value at constant positions.
func gather(_ flat: Variable, _ positions: [Int64]) -> Variable {
    flat[Variable(constant: NDArray(shape: [positions.count], elements: positions))]
}
