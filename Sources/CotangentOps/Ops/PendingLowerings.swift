import CotangentArrays
import CotangentGraph

// TEMPORARY during issue 17: ops whose lowering is being written. Each entry is removed when
// its op file gets its real lowering; this file must be gone before the issue closes.

extension ARange {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension AdvancedIncSubtensor {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension AdvancedIncSubtensor1 {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension AdvancedSubtensor {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension AdvancedSubtensor1 {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Alloc {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension ArgSortOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Argmax {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Assert {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension DimShuffle {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Dot {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Eye {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension GradientControl {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension IfElse {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension IncSubtensor {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Join {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension LinearRecurrence {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension MakeVector {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension RandomGeneratorAdvance {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension RandomGeneratorSplit {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension RandomVariable {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Reduce {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Reshape {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension ScalarFromTensor {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Scan {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SearchsortedOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension ShapeI {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension ShapeOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SortOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SpecifyShape {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Subtensor {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension TensorFromScalar {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension TopKOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension UniqueOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}
