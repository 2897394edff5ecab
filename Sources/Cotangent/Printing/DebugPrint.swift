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
/// Same parameters and text conventions as `Variable.dprint(depth:printType:printShape:)`.
public func dprint(
    _ outputs: [Variable], depth: Int? = nil, printType: Bool = false, printShape: Bool = false
) -> String {
    var printer = DebugPrinter(depth: depth, printType: printType, printShape: printShape)
    for output in outputs { printer.print(output) }
    printer.printInnerGraphs()
    return printer.text
}

extension Variable: CustomDebugStringConvertible {
    /// The graph as ``dprint(depth:printType:printShape:)`` prints it.
    public var debugDescription: String { dprint() }
}

/// The state of one `dprint` call: ids handed out so far and the lines written.
///
/// The walk uses an explicit stack rather than recursion so that very deep graphs (long chains
/// of elementwise ops) cannot overflow the call stack, and pending lines keep no text: a line's
/// indentation is written from the branch marks of its ancestors when it is printed, so the
/// walk's memory is linear in the nodes visited (the text itself grows with depth × lines,
/// which `depth` bounds).
struct DebugPrinter {
    let depth: Int?
    let printType: Bool
    let printShape: Bool
    /// The lines written so far, joined with `"\n"`.
    private(set) var text = ""
    private var isEmpty = true
    /// Ids of Apply nodes and leaf variables, keyed by object identity. Both kinds of object
    /// stay alive for the whole call (the printed outputs hold them), so identifiers are unique.
    private var ids: [ObjectIdentifier: String] = [:]
    /// Fused (`Composite`) nodes and nodes of inner-graph ops (loops, branches) in the order they
    /// were first printed, for `Inner graphs:`.
    private var fusedNodes: [Apply] = []

    init(depth: Int?, printType: Bool, printShape: Bool) {
        self.depth = depth
        self.printType = printType
        self.printShape = printShape
    }

    /// One pending line: the variable, its level (root = 0) and whether it is its parent's
    /// last input.
    private struct Entry {
        let variable: Variable
        let level: Int
        let isLast: Bool
    }

    /// Appends one line.
    private mutating func appendLine(_ line: String) {
        if !isEmpty { text += "\n" }
        text += line
        isEmpty = false
    }

    /// The indentation of the children of the entry whose path of last-input marks (from level
    /// 1 down to it) is `marks`: 3 columns a level, " │ " under a non-last input, "   " under
    /// the last one.
    private static func indentation(_ marks: ArraySlice<Bool>) -> String {
        var indent = ""
        for isLast in marks { indent += isLast ? "   " : " │ " }
        return indent
    }

    /// Appends the lines of the graph of `root`; the root line starts with `rootPrefix` and every
    /// line below it with `childPrefix` (an inner graph's output is printed after ` ← `).
    mutating func print(_ root: Variable, prefix rootPrefix: String = "", childPrefix: String = "") {
        var stack = [Entry(variable: root, level: 0, isLast: true)]
        // The last-input marks of the current line's ancestors and its own, levels 1 and up.
        // Entries pop in pre-order, so the ancestors of a popped entry are the entries last
        // popped at each lower level.
        var marks: [Bool] = []
        while let entry = stack.popLast() {
            if let depth, depth >= 0, entry.level >= depth { continue }
            if entry.level > 0 {
                marks.removeLast(marks.count - (entry.level - 1))
                marks.append(entry.isLast)
            }
            let prefix =
                entry.level == 0
                ? rootPrefix : childPrefix + Self.indentation(marks.dropLast()) + (entry.isLast ? " └─ " : " ├─ ")
            let variable = entry.variable
            guard let node = variable.owner else {
                appendLine(prefix + leafLabel(variable))
                continue
            }
            let alreadyPrinted = ids[ObjectIdentifier(node)] != nil
            if !alreadyPrinted, let elemwise = node.op as? Elemwise, elemwise.scalarOp.compositeGraph != nil {
                fusedNodes.append(node)
            }
            if !alreadyPrinted, node.op.asInnerGraphOp != nil { fusedNodes.append(node) }
            appendLine(prefix + ownedLabel(variable, node: node))
            if alreadyPrinted {
                appendLine(childPrefix + Self.indentation(entry.level == 0 ? [] : marks[...]) + " └─ ···")
                continue
            }
            // Children are pushed last-first so that they pop in input order.
            let last = node.inputs.count - 1
            for (position, input) in node.inputs.enumerated().reversed() {
                stack.append(Entry(variable: input, level: entry.level + 1, isLast: position == last))
            }
        }
    }

    /// PyTensor's `Inner graphs:` section: after the outer graphs, each printed composite's
    /// scalar graph, one tree per inner output (`←`), with ids continuing the outer ones. Inner
    /// inputs (`i0`, …) and constants keep one id and never print `···`; a repeated inner node
    /// does.
    mutating func printInnerGraphs() {
        guard !fusedNodes.isEmpty else { return }
        appendLine("")
        appendLine("Inner graphs:")
        // Inner graphs of loops and branches can hold more such nodes: the list grows as we go.
        var position = 0
        while position < fusedNodes.count {
            let node = fusedNodes[position]
            position += 1
            if let op = node.op.asInnerGraphOp {
                appendLine("")
                appendLine("\(node.op)" + idText(ObjectIdentifier(node)))
                for graph in op.innerGraphs(node) where !graph.isAuxiliary {
                    for output in graph.outputs { print(output, prefix: " ← ", childPrefix: "   ") }
                }
                continue
            }
            guard let graph = (node.op as? Elemwise)?.scalarOp.compositeGraph else { continue }
            appendLine("")
            appendLine("\(node.op)" + idText(ObjectIdentifier(node)))
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
                appendLine(prefix + text + innerTypeAndShape(dtype))
                if seen {
                    appendLine(childPrefix + " └─ ···")
                    continue
                }
                let operands = graph.nodes[k].operands
                for (position, child) in operands.enumerated().reversed() {
                    let isLast = position == operands.count - 1
                    stack.append((child, childPrefix + (isLast ? " └─ " : " ├─ "), childPrefix + (isLast ? "   " : " │ ")))
                }
                continue
            }
            appendLine(prefix + text + innerTypeAndShape(dtype))
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
