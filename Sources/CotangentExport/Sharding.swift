import CotangentGraph

/// How an exported function's argument or result is laid out over a device mesh (a Shardy
/// sharding, `#sdy.sharding<@mesh, [{"data"}, {}]>`).
public enum Sharding: Sendable, Hashable {
    /// Every device holds the whole array.
    case replicated
    /// The array is cut into equal blocks along `axis`, one per device along the mesh axis
    /// `over` (data parallelism: a batch split along dimension 0).
    case split(axis: Int, over: String)
    /// Per array dimension, the mesh axes it is split over (outermost first; empty: not split):
    /// `[["data"], ["model"]]` splits a matrix's rows over `data` and its columns over `model`.
    case dimensions([[String]])

    /// The mesh axes of each dimension of a rank-`rank` array.
    func axes(rank: Int) -> [[String]] {
        switch self {
        case .replicated: return Array(repeating: [], count: rank)
        case .split(let axis, let over):
            var axes = Array(repeating: [String](), count: rank)
            if axes.indices.contains(axis) { axes[axis] = [over] }
            return axes
        case .dimensions(let axes): return axes
        }
    }

    /// Checks the sharding against an array's rank and the mesh, naming `what` on failure.
    func validate(rank: Int, mesh: [(name: String, size: Int)], what: String) throws {
        let axes: [[String]]
        switch self {
        case .replicated: return
        case .split(let axis, _):
            guard axis >= 0 && axis < rank else {
                throw CotangentError(
                    .invalidGraph, "exportStableHLO: \(what) is split along axis \(axis), but it has rank \(rank)")
            }
            axes = self.axes(rank: rank)
        case .dimensions(let given):
            guard given.count == rank else {
                throw CotangentError(
                    .invalidGraph,
                    "exportStableHLO: \(what) has a sharding of \(given.count) dimensions, but it has rank \(rank)")
            }
            axes = given
        }
        let names = mesh.map(\.name)
        var used: Set<String> = []
        for name in axes.joined() {
            guard names.contains(name) else {
                throw CotangentError(
                    .invalidGraph,
                    "exportStableHLO: \(what) is split over mesh axis \"\(name)\", but the mesh has "
                        + (names.isEmpty ? "no axes" : "axes " + names.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
            guard used.insert(name).inserted else {
                throw CotangentError(.invalidGraph, "exportStableHLO: \(what) uses mesh axis \"\(name)\" twice")
            }
        }
    }

    /// The Shardy attribute for a rank-`rank` array on mesh `@mesh`.
    func attribute(rank: Int) -> String {
        let dims = axes(rank: rank).map { axes in "{" + axes.map { "\"\($0)\"" }.joined(separator: ", ") + "}" }
        return "#sdy.sharding<@mesh, [" + dims.joined(separator: ", ") + "]>"
    }
}
