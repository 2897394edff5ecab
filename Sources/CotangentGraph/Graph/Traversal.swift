import CotangentArrays

/// Graph walks. All are iterative (no recursion), so deep graphs cannot overflow the stack.
public enum GraphTraversal {
    /// The Apply nodes needed to compute `outputs`, inputs before users (deterministic: inputs
    /// are visited left to right).
    public static func toposort(_ outputs: [Variable]) -> [Apply] {
        var order: [Apply] = []
        var visited = Set<ObjectIdentifier>()
        // Stack of (node, next input position to explore).
        var stack: [(Apply, Int)] = []
        for output in outputs {
            guard let root = output.owner, visited.insert(ObjectIdentifier(root)).inserted else { continue }
            stack.append((root, 0))
            while let (node, position) = stack.last {
                if position < node.inputs.count {
                    stack[stack.count - 1].1 += 1
                    if let child = node.inputs[position].owner,
                        visited.insert(ObjectIdentifier(child)).inserted
                    {
                        stack.append((child, 0))
                    }
                } else {
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        return order
    }

    /// Every variable `outputs` depend on (including themselves), in no particular order.
    public static func ancestors(_ outputs: [Variable]) -> [Variable] {
        var seen = Set<Variable>()
        var result: [Variable] = []
        var stack = outputs
        while let variable = stack.popLast() {
            guard seen.insert(variable).inserted else { continue }
            result.append(variable)
            if let owner = variable.owner { stack.append(contentsOf: owner.inputs) }
        }
        return result
    }

    /// The graph inputs (roots that are not constants) of `outputs`, in first-visit order.
    public static func graphInputs(_ outputs: [Variable]) -> [Variable] {
        var seen = Set<Variable>()
        var result: [Variable] = []
        for output in outputs where output.isGraphInput && seen.insert(output).inserted {
            result.append(output)
        }
        for node in toposort(outputs) {
            for input in node.inputs where input.isGraphInput && seen.insert(input).inserted {
                result.append(input)
            }
        }
        return result
    }
}
