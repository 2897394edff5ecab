import CotangentArrays
import CotangentGraph
import CotangentOps
import CotangentRewriting
import CotangentEngine

// PyTensor's `debugprint` text format, reproduced byte for byte (see pytensor-anatomy §5).
//
// One line per visited variable, depth-first, pre-order, inputs left to right:
//
//     True_div [id A]
//      ├─ Eye{dtype='float64'} [id B]
//      │  ├─ Shape_i{0} [id C]
//      │  │  └─ x [id D]
//      │  ├─ Shape_i{0} [id C]
//      │  │  └─ ···
//      │  └─ 0 [id E]
//      └─ ExpandDims{axis=0} [id F]
//         └─ x [id D]
//
// Ids belong to Apply nodes (every output of a node shares its node's id) and to leaves (graph
// inputs and constants); the n-th distinct one gets `dprintID(n)`. An Apply node met again
// prints its line again with a single `└─ ···` child instead of its inputs; leaves are never
// elided.

/// PyTensor's `char_from_number`: `n` in base 26 with the digits `A`…`Z`, where `A` is 0.
///
/// There is no `AA`: 25 → `Z`, 26 → `BA`, 675 → `ZZ`, 676 → `BAA`.
func dprintID(_ n: Int) -> String {
    precondition(n >= 0, "dprintID: negative id \(n)")
    let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    var digits: [Character] = []
    var rest = n
    repeat {
        digits.append(letters[rest % 26])
        rest /= 26
    } while rest > 0
    return String(digits.reversed())
}

extension Variable {
    /// The graph that computes this variable as text, in PyTensor's `dprint` format.
    ///
    /// Lines are joined with `"\n"`; there is no trailing newline (so a golden text written as
    /// a Swift multi-line string literal compares equal as is).
    ///
    /// - Parameters:
    ///   - depth: print only the levels `0 ..< depth` (the root is level 0); nil or a negative
    ///     value prints everything, 0 prints nothing. A node first met on the last printed level
    ///     shows no inputs, but a later repeat of it still gets a `···` child (as in PyTensor).
    ///   - printType: append each variable's type, ` <Vector(float64, shape=(?,))>`.
    ///   - printShape: append each variable's static shape, ` shape=(?,)`.
    public func dprint(depth: Int? = nil, printType: Bool = false, printShape: Bool = false) -> String {
        Cotangent.dprint([self], depth: depth, printType: printType, printShape: printShape)
    }
}

/// Several graphs printed one after another, sharing ids: a node already printed for an
/// earlier output is shown with `···` under a later one (PyTensor's `dprint([a, b])`).
///
/// Same parameters and text conventions as ``Variable/dprint(depth:printType:printShape:)``.
public func dprint(
    _ outputs: [Variable], depth: Int? = nil, printType: Bool = false, printShape: Bool = false
) -> String {
    var printer = DebugPrinter(depth: depth, printType: printType, printShape: printShape)
    for output in outputs { printer.print(output) }
    printer.printInnerGraphs()
    return printer.lines.joined(separator: "\n")
}

extension Variable: CustomDebugStringConvertible {
    /// The graph as ``dprint(depth:printType:printShape:)`` prints it.
    public var debugDescription: String { dprint() }
}

/// The state of one `dprint` call: ids handed out so far and the lines written.
///
/// The walk uses an explicit stack rather than recursion so that very deep graphs (long chains
/// of elementwise ops) cannot overflow the call stack.
struct DebugPrinter {
    let depth: Int?
    let printType: Bool
    let printShape: Bool
    private(set) var lines: [String] = []
    /// Ids of Apply nodes and leaf variables, keyed by object identity. Both kinds of object
    /// stay alive for the whole call (the printed outputs hold them), so identifiers are unique.
    private var ids: [ObjectIdentifier: String] = [:]
    /// Fused (`Composite`) nodes in the order they were first printed, for `Inner graphs:`.
    private var fusedNodes: [Apply] = []

    init(depth: Int?, printType: Bool, printShape: Bool) {
        self.depth = depth
        self.printType = printType
        self.printShape = printShape
    }

    /// One pending line: the variable, the prefix of its own line, the prefix its children's
    /// prefixes are built from, and its level (root = 0).
    private struct Entry {
        let variable: Variable
        let prefix: String
        let childPrefix: String
        let level: Int
    }

    /// Appends the lines of the graph of `root` (an inner graph's output is printed after ` ← `).
    mutating func print(_ root: Variable, prefix: String = "", childPrefix: String = "") {
        var stack = [Entry(variable: root, prefix: prefix, childPrefix: childPrefix, level: 0)]
        while let entry = stack.popLast() {
            if let depth, depth >= 0, entry.level >= depth { continue }
            let variable = entry.variable
            guard let node = variable.owner else {
                lines.append(entry.prefix + leafLabel(variable))
                continue
            }
            let alreadyPrinted = ids[ObjectIdentifier(node)] != nil
            if !alreadyPrinted, let elemwise = node.op as? Elemwise, case .composite = elemwise.scalarOp {
                fusedNodes.append(node)
            }
            if !alreadyPrinted, node.op is any InnerGraphOp { fusedNodes.append(node) }
            lines.append(entry.prefix + ownedLabel(variable, node: node))
            if alreadyPrinted {
                lines.append(entry.childPrefix + " └─ ···")
                continue
            }
            // Children are pushed last-first so that they pop in input order. Each level
            // indents 3 columns: " │ " under a non-last child, "   " under the last one.
            let last = node.inputs.count - 1
            for (position, input) in node.inputs.enumerated().reversed() {
                let isLast = position == last
                stack.append(
                    Entry(
                        variable: input,
                        prefix: entry.childPrefix + (isLast ? " └─ " : " ├─ "),
                        childPrefix: entry.childPrefix + (isLast ? "   " : " │ "),
                        level: entry.level + 1))
            }
        }
    }

    /// PyTensor's `Inner graphs:` section: after the outer graphs, each printed composite's
    /// scalar graph, one tree per inner output (`←`), with ids continuing the outer ones. Inner
    /// inputs (`i0`, …) and constants keep one id and never print `···`; a repeated inner node
    /// does.
    mutating func printInnerGraphs() {
        guard !fusedNodes.isEmpty else { return }
        lines.append("")
        lines.append("Inner graphs:")
        // Inner graphs of loops and branches can hold more such nodes: the list grows as we go.
        var position = 0
        while position < fusedNodes.count {
            let node = fusedNodes[position]
            position += 1
            if let op = node.op as? any InnerGraphOp {
                lines.append("")
                lines.append("\(node.op)" + idText(ObjectIdentifier(node)))
                for graph in op.innerGraphs(node) {
                    for output in graph.outputs { print(output, prefix: " ← ", childPrefix: "   ") }
                }
                continue
            }
            guard let elemwise = node.op as? Elemwise, case .composite(let graph) = elemwise.scalarOp else { continue }
            lines.append("")
            lines.append("\(node.op)" + idText(ObjectIdentifier(node)))
            let dtypes = (try? graph.nodeDTypes(inputs: node.inputs.map(\.dtype))) ?? []
            var inner = InnerIDs()
            for output in graph.outputs {
                printInner(graph, .node(output), dtypes: dtypes, inputs: node.inputs, ids: &inner)
            }
        }
    }

    /// Ids of one composite's inner values (node index, input index, constant).
    private struct InnerIDs {
        var nodes: [Int: String] = [:]
        var inputs: [Int: String] = [:]
        var constants: [CompositeConstant: String] = [:]
    }

    private mutating func printInner(
        _ graph: CompositeGraph, _ root: CompositeGraph.Operand, dtypes: [DType], inputs: [Variable],
        ids inner: inout InnerIDs
    ) {
        var stack: [(operand: CompositeGraph.Operand, prefix: String, childPrefix: String)] = [(root, " ← ", "   ")]
        while let (operand, prefix, childPrefix) = stack.popLast() {
            let dtype: DType
            let text: String
            switch operand {
            case .input(let k):
                dtype = inputs[k].dtype
                text = "i\(k) [id \(inner.inputs[k] ?? nextID { inner.inputs[k] = $0 })]"
            case .constant(let c):
                dtype = c.dtype
                text = "\(c) [id \(inner.constants[c] ?? nextID { inner.constants[c] = $0 })]"
            case .node(let k):
                dtype = k < dtypes.count ? dtypes[k] : .float64
                let seen = inner.nodes[k] != nil
                text = "\(graph.nodes[k].op.innerName) [id \(inner.nodes[k] ?? nextID { inner.nodes[k] = $0 })]"
                lines.append(prefix + text + innerTypeAndShape(dtype))
                if seen {
                    lines.append(childPrefix + " └─ ···")
                    continue
                }
                let operands = graph.nodes[k].operands
                for (position, child) in operands.enumerated().reversed() {
                    let isLast = position == operands.count - 1
                    stack.append((child, childPrefix + (isLast ? " └─ " : " ├─ "), childPrefix + (isLast ? "   " : " │ ")))
                }
                continue
            }
            lines.append(prefix + text + innerTypeAndShape(dtype))
        }
    }

    /// The next free id, recorded through `record`.
    private mutating func nextID(_ record: (String) -> Void) -> String {
        let id = dprintID(ids.count + innerCount)
        innerCount += 1
        record(id)
        return id
    }

    /// Ids handed to inner values (they share the outer id sequence).
    private var innerCount = 0

    /// ` <float64>` and ` shape=()` for an inner scalar, as requested.
    private func innerTypeAndShape(_ dtype: DType) -> String {
        var text = ""
        if printType { text += " <\(dtype)>" }
        if printShape { text += " shape=()" }
        return text
    }

    /// ` [id X]` for `object`, handing out the next id on first sight.
    private mutating func idText(_ object: ObjectIdentifier) -> String {
        if let existing = ids[object] { return " [id \(existing)]" }
        let id = dprintID(ids.count + innerCount)
        ids[object] = id
        return " [id \(id)]"
    }

    /// `{op}{.k}{ [id X]}{ <type>}{ shape=…}{ 'name'}`.
    private mutating func ownedLabel(_ variable: Variable, node: Apply) -> String {
        var label = "\(node.op)"
        if node.outputTypes.count > 1 { label += ".\(variable.index)" }
        label += idText(ObjectIdentifier(node)) + typeAndShape(variable)
        if let name = variable.name { label += " '\(name)'" }
        return label
    }

    /// `{text}{ [id X]}{ <type>}{ shape=…}`, where the text is the name, the constant's data
    /// (`name{data}` for a named constant, as PyTensor's `Constant.__str__`) or `<type>`.
    private mutating func leafLabel(_ variable: Variable) -> String {
        let text: String
        if let value = variable.constantValue {
            let data = value.constantDescription
            text = variable.name.map { "\($0){\(data)}" } ?? data
        } else {
            text = variable.description
        }
        return text + idText(ObjectIdentifier(variable)) + typeAndShape(variable)
    }

    /// ` <type>` and ` shape=(…)` as requested; PyTensor writes unknown lengths as `?`.
    private func typeAndShape(_ variable: Variable) -> String {
        var text = ""
        if printType { text += " <\(variable.type)>" }
        if printShape { text += " shape=" + TensorType.format(variable.type.shape) }
        return text
    }
}
