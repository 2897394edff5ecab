/// Calls `body` once per 1-d lane along `axis` of `shape`, with each operand's element offset
/// of the lane's first element (operands: strides of the full shape and a starting offset).
///
/// Lanes come in row-major order of the other dimensions. A shape with a zero-length dimension
/// has no elements and calls nothing.
func forEachLane(
    shape: [Int], axis: Int, operands: [(strides: [Int], offset: Int)], _ body: ([Int]) -> Void
) {
    if shape.contains(0) { return }
    var outerShape = shape
    outerShape.remove(at: axis)
    let outerOperands = operands.map { operand -> (strides: [Int], offset: Int) in
        var strides = operand.strides
        strides.remove(at: axis)
        return (strides, operand.offset)
    }
    let loop = StridedLoop(shape: outerShape, operands: outerOperands)
    let steps = loop.rowStrides
    let length = loop.rowLength
    var current = [Int](repeating: 0, count: operands.count)
    loop.forEachRow { starts in
        for k in current.indices { current[k] = starts[k] }
        for _ in 0..<length {
            body(current)
            for k in current.indices { current[k] += steps[k] }
        }
    }
}
