import CotangentArrays
import CotangentGraph

// Sparsity detection by static analysis of the graph: every value's elements carry the sorted
// set of `wrt` elements they depend on, propagated forward through each op's
// `elementDependencies` rule (first order, as a Jacobian's rows); for a Hessian, each op that
// combines its inputs nonlinearly also adds the pairs of the sets it combines (second order).
// No value is computed, except that ops which only move elements find their maps by running
// their own kernel on index arrays, once per node.

/// The nonzero positions of a Jacobian (or Hessian) flattened to a matrix: `rows` index the
/// flattened output, `columns` the flattened input, sorted row-major (so they are also the
/// CSR column indices, with ``rowOffsets``).
public struct SparsityPattern: Hashable, Sendable, CustomStringConvertible {
    /// The row of each nonzero, ascending.
    public let rows: [Int]
    /// The column of each nonzero, ascending within a row.
    public let columns: [Int]
    /// `[rows, columns]` of the flattened matrix: `[f.size, wrt.size]`.
    public let shape: [Int]
    /// The ops that have no sparsity rule and were taken as dense (every output element
    /// depending on every input element), by their printed names, once each; empty when the
    /// pattern is exact for the graph's structure.
    public let fallbacks: [String]

    /// A pattern from its nonzeros, which must be sorted row-major without repeats.
    public init(rows: [Int], columns: [Int], shape: [Int], fallbacks: [String] = []) {
        self.rows = rows
        self.columns = columns
        self.shape = shape
        self.fallbacks = fallbacks
    }

    /// How many nonzeros.
    public var nonzeroCount: Int { rows.count }

    /// CSR row offsets: the nonzeros of row `r` are `rowOffsets[r]..<rowOffsets[r + 1]`.
    public var rowOffsets: [Int] {
        var offsets = [Int](repeating: 0, count: shape[0] + 1)
        for r in rows { offsets[r + 1] += 1 }
        for r in 0..<shape[0] { offsets[r + 1] += offsets[r] }
        return offsets
    }

    /// The pattern as a dense 0/1 matrix of Bools, row-major (small patterns, tests).
    public var denseMask: [[Bool]] {
        var mask = [[Bool]](repeating: [Bool](repeating: false, count: shape[1]), count: shape[0])
        for (r, c) in zip(rows, columns) { mask[r][c] = true }
        return mask
    }

    /// `SparsityPattern(3×3, 7 nonzeros)`.
    public var description: String {
        "SparsityPattern(\(shape[0])×\(shape[1]), \(nonzeroCount) nonzeros"
            + (fallbacks.isEmpty ? ")" : "; dense fallback for \(fallbacks.joined(separator: ", ")))")
    }
}

/// The exact structural sparsity pattern of the Jacobian `∂f/∂wrt` (flattened: rows are `f`'s
/// elements, columns `wrt`'s), found from the graph alone.
///
/// Every shape on the way from `wrt` to `f` must be static. An op without a sparsity rule is
/// taken as dense and named in the pattern's `fallbacks`. A structurally impossible request
/// (a non-float `f` or `wrt`, an unknown shape) stops with a message naming the value, or
/// throws inside `checked(_:)`.
public func jacobianSparsity(_ f: Variable, wrt: Variable) -> SparsityPattern {
    do {
        var analysis = try SparsityAnalysis(wrt: wrt, transform: "jacobianSparsity")
        try analysis.checkOutput(f)
        let sets = try analysis.propagate(to: inliningOpsFromGraphs([f])[0])
        return analysis.pattern(of: sets)
    } catch {
        reportBuildError(error)
        return SparsityPattern(rows: [], columns: [], shape: [0, 0])
    }
}

/// The structural pattern of the Hessian `∂²cost/∂wrt²` of a scalar cost (flattened, symmetric):
/// the pairs of `wrt`'s elements that some op of the graph combines nonlinearly.
///
/// Pairs are collected over every op between `wrt` and `cost` (a pattern for the whole
/// graph, not per element of intermediate values), so a pair an op creates counts even where
/// a later op drops the element: the pattern may hold structural zeros, never miss a
/// nonzero. Errors as ``jacobianSparsity(_:wrt:)``, and `cost` must have one element.
public func hessianSparsity(_ cost: Variable, wrt: Variable) -> SparsityPattern {
    do {
        var analysis = try SparsityAnalysis(wrt: wrt, transform: "hessianSparsity", secondOrder: true)
        try analysis.checkScalarCost(cost)
        _ = try analysis.propagate(to: inliningOpsFromGraphs([cost])[0])
        return analysis.hessianPattern()
    } catch {
        reportBuildError(error)
        return SparsityPattern(rows: [], columns: [], shape: [0, 0])
    }
}

/// Sorted sets of `wrt` elements, one per element of a value, in CSR layout. A set holding the
/// single index -1 is "every element" (kept small for dense values).
package struct ElementSets {
    package var offsets: [Int]
    package var indices: [Int32]

    package var count: Int { offsets.count - 1 }

    package func set(_ element: Int) -> ArraySlice<Int32> { indices[offsets[element]..<offsets[element + 1]] }
}

/// One pass of detection: the sets of every value reached from `wrt`, and (second order) the
/// pairs found.
package struct SparsityAnalysis {
    let wrt: Variable
    let transform: String
    /// `wrt`'s element count: the sets' universe.
    package let width: Int
    let secondOrder: Bool
    var fallbacks: [String] = []
    /// Second-order pairs `i * width + j` with `i ≤ j`.
    var pairs = Set<Int>()
    /// Some op combined a dense set nonlinearly: the Hessian is taken as dense.
    var denseHessian = false
    /// Cliques already added (sets combined with themselves), so repeated ones cost nothing.
    var cliques = Set<[Int32]>()

    package init(wrt: Variable, transform: String, secondOrder: Bool = false) throws(CotangentError) {
        self.wrt = wrt
        self.transform = transform
        self.secondOrder = secondOrder
        guard wrt.dtype.isFloat else {
            throw CotangentError(
                .invalidGradient,
                "\(transform): wrt \(wrt) has dtype \(wrt.dtype); derivatives are taken with respect to float "
                    + "(float32, float64) inputs only")
        }
        let shape = try SparsityAnalysis.staticShape(of: wrt, transform: transform, role: "wrt")
        width = shape.reduce(1, *)
    }

    static func staticShape(of variable: Variable, transform: String, role: String) throws(CotangentError) -> [Int] {
        let lengths = variable.type.shape.compactMap { $0 }
        guard lengths.count == variable.ndim else {
            let printed = "(" + variable.type.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + ")"
            throw CotangentError(
                .shapeMismatch,
                "\(transform): the \(role) \(variable) has shape \(printed), not static; sparsity detection "
                    + "needs every shape from wrt to the output known when the graph is built (declare "
                    + "inputs with static lengths, Tensor.vector(\"u\", shape: [n]), or use specifyingShape)")
        }
        return lengths
    }

    func checkOutput(_ f: Variable) throws(CotangentError) {
        guard f.dtype.isFloat else {
            throw CotangentError(
                .invalidGradient,
                "\(transform): the output \(f) has dtype \(f.dtype); only float outputs have derivatives")
        }
        _ = try SparsityAnalysis.staticShape(of: f, transform: transform, role: "output")
    }

    func checkScalarCost(_ cost: Variable) throws(CotangentError) {
        try checkOutput(cost)
        guard cost.type.shape.allSatisfy({ $0 == 1 }) else {
            throw CotangentError(
                .shapeMismatch,
                "\(transform): the cost \(cost) has type \(cost.type); a Hessian is taken of a scalar cost "
                    + "(one element)")
        }
    }

    /// The sets of `f`'s elements (every element empty when `f` does not depend on `wrt`).
    package mutating func propagate(to f: Variable) throws(CotangentError) -> ElementSets {
        var sets: [ObjectIdentifier: ElementSets] = [ObjectIdentifier(wrt): ElementSets(
            offsets: Array(0...width), indices: (0..<Int32(width)).map { $0 })]
        var stamps = [Int](repeating: -1, count: width)
        var generation = 0
        for node in GraphTraversal.toposort([f]) {
            let active = node.inputs.map { input in input.dtype.isFloat ? sets[ObjectIdentifier(input)] : nil }
            guard active.contains(where: { $0 != nil }) else { continue }
            var inputShapes: [[Int]] = []
            for input in node.inputs {
                inputShapes.append(try SparsityAnalysis.staticShape(
                    of: input, transform: transform, role: "input of \(node.op)"))
            }
            for (k, output) in node.outputs.enumerated() where output.dtype.isFloat && output !== wrt {
                let outputShape = try SparsityAnalysis.staticShape(
                    of: output, transform: transform, role: "output of \(node.op)")
                let rule = node.op.elementDependencies(
                    node, output: k, inputShapes: inputShapes, outputShape: outputShape)
                let dependencies = rule ?? ElementDependencies(
                    inputs: node.inputs.map { _ in .all }, interaction: .all)
                if rule == nil, !fallbacks.contains(node.op.description) { fallbacks.append(node.op.description) }
                sets[ObjectIdentifier(output)] = combine(
                    dependencies, active: active, outputCount: outputShape.reduce(1, *),
                    stamps: &stamps, generation: &generation)
            }
        }
        let count = f.type.shape.reduce(1) { $0 * ($1 ?? 1) }
        return sets[ObjectIdentifier(f)] ?? ElementSets(offsets: [Int](repeating: 0, count: count + 1), indices: [])
    }

    /// One output's sets from its inputs' sets through the op's maps.
    ///
    /// Per output element, the union of the sets of the input elements it reads is gathered
    /// with a generation stamp per `wrt` element (no hashing), then sorted. For second-order
    /// pairs each input's part is also kept apart (`scratch`, split by `segments`).
    mutating func combine(
        _ dependencies: ElementDependencies, active: [ElementSets?], outputCount: Int,
        stamps: inout [Int], generation: inout Int
    ) -> ElementSets {
        // Each read input's arrays are copied once into raw buffers, so that the loop over
        // output elements reads them with no reference counting (the maps are as large as
        // the values, so the copies cost what one pass costs).
        /// One read input, its map taken apart once.
        struct Source {
            var offsets: UnsafeMutableBufferPointer<Int>
            var indices: UnsafeMutableBufferPointer<Int32>
            var gather: UnsafeMutableBufferPointer<Int>?
            var listOffsets: UnsafeMutableBufferPointer<Int>?
            var listIndices: UnsafeMutableBufferPointer<Int>?
            /// An index into `computed`.
            var computed: Int?
        }
        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: Swift.max(array.count, 1))
            _ = buffer.initialize(from: array)
            return buffer
        }
        var sources: [Source] = []
        var computedMaps: [@Sendable (Int, inout [Int]) -> Void] = []
        for (k, map) in dependencies.inputs.enumerated() {
            guard let map, k < active.count, let sets = active[k] else { continue }
            var source = Source(offsets: copy(sets.offsets), indices: copy(sets.indices))
            switch map {
            case .gather(let indices): source.gather = copy(indices)
            case .lists(let offsets, let indices): (source.listOffsets, source.listIndices) = (copy(offsets), copy(indices))
            case .computed(let elements):
                source.computed = computedMaps.count
                computedMaps.append(elements)
            case .all:
                // One output element reading the whole input: its union as a single set.
                let union = Set(sets.indices)
                source.offsets.deallocate()
                source.indices.deallocate()
                let whole: [Int32] = union.contains(-1) ? [-1] : union.sorted()
                source.indices = copy(whole)
                source.offsets = copy([0, whole.count])
                source.gather = copy([Int](repeating: 0, count: outputCount))
            }
            sources.append(source)
        }
        defer {
            for source in sources {
                source.offsets.deallocate()
                source.indices.deallocate()
                source.gather?.deallocate()
                source.listOffsets?.deallocate()
                source.listIndices?.deallocate()
            }
        }
        let pairsWanted = secondOrder && dependencies.interaction != .none && !sources.isEmpty
        if !pairsWanted, sources.allSatisfy({ $0.gather != nil }) {
            return combineGathers(sources.map { ($0.gather!, $0.offsets, $0.indices) }, outputCount: outputCount)
        }
        var segmentStamps = pairsWanted ? [Int](repeating: -1, count: width) : []
        var segmentGeneration = 0
        var result = ElementSets(offsets: [0], indices: [])
        result.offsets.reserveCapacity(outputCount + 1)
        var union: [Int32] = []
        var scratch: [Int32] = []
        var segments: [(start: Int, full: Bool)] = []
        var elements: [Int] = []
        for o in 0..<outputCount {
            generation += 1
            union.removeAll(keepingCapacity: true)
            scratch.removeAll(keepingCapacity: true)
            segments.removeAll(keepingCapacity: true)
            var full = false
            for s in sources.indices {
                segmentGeneration += 1
                let start = scratch.count
                var segmentFull = false
                let source = sources[s]
                elements.removeAll(keepingCapacity: true)
                if let gather = source.gather {
                    if gather[o] >= 0 { elements.append(gather[o]) }
                } else if let listOffsets = source.listOffsets, let listIndices = source.listIndices {
                    for p in listOffsets[o]..<listOffsets[o + 1] { elements.append(listIndices[p]) }
                } else if let computed = source.computed {
                    computedMaps[computed](o, &elements)
                }
                reading: for j in elements {
                    for p in source.offsets[j]..<source.offsets[j + 1] {
                        let index = source.indices[p]
                        if index < 0 {
                            segmentFull = true
                            break reading
                        }
                        let i = Int(index)
                        if stamps[i] != generation {
                            stamps[i] = generation
                            union.append(index)
                        }
                        if pairsWanted, segmentStamps[i] != segmentGeneration {
                            segmentStamps[i] = segmentGeneration
                            scratch.append(index)
                        }
                    }
                }
                full = full || segmentFull
                if pairsWanted { segments.append((start, segmentFull)) }
            }
            if pairsWanted { addPairs(scratch, segments: segments, interaction: dependencies.interaction) }
            if full || union.count == width {
                result.indices.append(-1)
            } else if !union.isEmpty {
                union.sort()
                result.indices.append(contentsOf: union)
            }
            result.offsets.append(result.indices.count)
        }
        return result
    }

    /// The first-order sets of an output whose every map is a gather (elementwise ops,
    /// moves): each element's set is the union of at most one set per input, appended and,
    /// when several are non-empty, sorted and deduplicated in place.
    func combineGathers(
        _ sources: [(gather: UnsafeMutableBufferPointer<Int>, offsets: UnsafeMutableBufferPointer<Int>,
                     indices: UnsafeMutableBufferPointer<Int32>)],
        outputCount: Int
    ) -> ElementSets {
        var offsets = [Int](repeating: 0, count: outputCount + 1)
        var indices: [Int32] = []
        indices.reserveCapacity(outputCount * 3)
        for o in 0..<outputCount {
            let first = indices.count
            var pieces = 0
            var full = false
            for source in sources {
                let j = source.gather[o]
                guard j >= 0 else { continue }
                let (start, end) = (source.offsets[j], source.offsets[j + 1])
                guard start < end else { continue }
                if source.indices[start] < 0 { full = true; break }
                for p in start..<end { indices.append(source.indices[p]) }
                pieces += 1
            }
            if full {
                indices.removeLast(indices.count - first)
                indices.append(-1)
            } else if pieces > 1 {
                // Short pieces: insertion sort in place (no slice copied); long ones: sort.
                if indices.count - first > 32 { indices[first...].sort() }
                for read in (first + 1)..<indices.count where indices.count - first <= 32 {
                    let value = indices[read]
                    var position = read
                    while position > first, indices[position - 1] > value {
                        indices[position] = indices[position - 1]
                        position -= 1
                    }
                    indices[position] = value
                }
                var write = first + 1
                for read in (first + 1)..<indices.count where indices[read] != indices[write - 1] {
                    indices[write] = indices[read]
                    write += 1
                }
                indices.removeLast(indices.count - write)
                if write - first == width {
                    indices.removeLast(indices.count - first)
                    indices.append(-1)
                }
            }
            offsets[o + 1] = indices.count
        }
        return ElementSets(offsets: offsets, indices: indices)
    }

    /// The second-order pairs one output element creates.
    mutating func addPairs(
        _ scratch: [Int32], segments: [(start: Int, full: Bool)], interaction: SecondOrderInteraction
    ) {
        let bounds = segments.indices.map { s in
            segments[s].start..<(s + 1 < segments.count ? segments[s + 1].start : scratch.count)
        }
        switch interaction {
        case .none:
            return
        case .all:
            if segments.contains(where: \.full) { denseHessian = true; return }
            var clique = scratch
            clique.sort()
            if clique.count > 1 {
                clique = Array(Set(clique)).sorted()
                guard !cliques.contains(clique) else { return }
                cliques.insert(clique)
            }
            for a in clique.indices {
                for b in a..<clique.count { pairs.insert(Int(clique[a]) * width + Int(clique[b])) }
            }
        case .acrossInputs:
            for s in segments.indices {
                for t in (s + 1)..<max(s + 1, segments.count) {
                    let sEmpty = bounds[s].isEmpty && !segments[s].full
                    let tEmpty = bounds[t].isEmpty && !segments[t].full
                    guard !sEmpty, !tEmpty else { continue }
                    if segments[s].full || segments[t].full { denseHessian = true; return }
                    for a in scratch[bounds[s]] {
                        for b in scratch[bounds[t]] {
                            pairs.insert(Int(min(a, b)) * width + Int(max(a, b)))
                        }
                    }
                }
            }
        }
    }

    /// The Jacobian's pattern from the output's sets.
    func pattern(of sets: ElementSets) -> SparsityPattern {
        var rows: [Int] = []
        var columns: [Int] = []
        rows.reserveCapacity(sets.indices.count)
        columns.reserveCapacity(sets.indices.count)
        for r in 0..<sets.count {
            let set = sets.set(r)
            if set.first == -1 {
                rows.append(contentsOf: repeatElement(r, count: width))
                columns.append(contentsOf: 0..<width)
            } else {
                rows.append(contentsOf: repeatElement(r, count: set.count))
                for c in set { columns.append(Int(c)) }
            }
        }
        return SparsityPattern(rows: rows, columns: columns, shape: [sets.count, width], fallbacks: fallbacks)
    }

    /// The symmetric Hessian pattern from the pairs found.
    func hessianPattern() -> SparsityPattern {
        if denseHessian {
            return SparsityPattern(
                rows: (0..<width).flatMap { repeatElement($0, count: width) },
                columns: (0..<width).flatMap { _ in 0..<width }, shape: [width, width], fallbacks: fallbacks)
        }
        var perRow = [[Int]](repeating: [], count: width)
        for key in pairs {
            let (i, j) = key.quotientAndRemainder(dividingBy: width)
            perRow[i].append(j)
            if i != j { perRow[j].append(i) }
        }
        var rows: [Int] = []
        var columns: [Int] = []
        for (r, row) in perRow.enumerated() {
            rows.append(contentsOf: repeatElement(r, count: row.count))
            columns.append(contentsOf: row.sorted())
        }
        return SparsityPattern(rows: rows, columns: columns, shape: [width, width], fallbacks: fallbacks)
    }
}
