import CotangentArrays
import CotangentGraph

// TEMPORARY during issue 17: ops whose lowering is being written. Each entry is removed when
// its op file gets its real lowering; this file must be gone before the issue closes.

extension Blockwise {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Cholesky {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension CholeskySolve {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Convolve1d {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension CumLogSumExp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension CumOp {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Det {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Eigh {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Expm {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension MatrixInverse {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension MatrixPinv {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension QR {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SLogDet {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SVD {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension Solve {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

extension SolveTriangular {
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("lowering pending") }
}

