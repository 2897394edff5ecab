import CotangentArrays
import CotangentGraph
import CotangentOps

/// The node rewriters of the standard database, gathered from the files that define them. Each
/// rewriter says where it runs (``NodeRewriter/placements``); a file adds its rewriters to this
/// catalog next to their definitions.
package enum RewriteCatalog {
    /// Every node rewriter of the standard database.
    static var all: [NodeRewriter] {
        addMulCanonizers + arithmetic + power + expLog + cast + reduce + elemwise + dimShuffle + reshape
            + subtensor + shape + alloc + dot + incSubtensor + blockwise + linalg + scan + folding + advancedSubtensor
            + randomVariable + opFromGraph
    }

    /// The rewriters placed in `phase`, in position order (ties by name), as database members
    /// tagged with their placement's tags; `final` selects those that run once the phase settles.
    static func members(of phase: RewritePlacement.Phase, final: Bool = false) -> [RewriteDatabase.Member] {
        all.flatMap { rewriter in
            rewriter.placements.filter { $0.phase == phase && $0.isFinal == final }.map { (rewriter, $0) }
        }
        .sorted { ($0.1.position, $0.0.name) < ($1.1.position, $1.0.name) }
        .map { RewriteDatabase.member($0.0, tags: $0.1.tags) }
    }
}

/// The rewrite sequence every query selects from, in PyTensor's optdb order: merge → shape
/// feature → useless → canonicalize (equilibrium, merge as cleanup, constant folding as final)
/// → stabilize → `local_second_to_alloc` → specialize → fusion (elementwise, then sums into it) → unbatched Blockwise removal
/// → merge. The node rewriters of each phase are the ones placed there where they are defined.
extension RewriteDatabase {
    /// The standard database: every rewrite of the library in its phase.
    public static let standard: RewriteDatabase = {
        var db = RewriteDatabase()
        let fastRun: Set<String> = ["fast_run", "fast_compile"]
        let members = RewriteCatalog.members
        func folding(_ phase: RewritePlacement.Phase) -> [Member] { members(phase, true) }
        db.register("merge1", position: 0, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register("ShapeOpt", position: 0.1, tags: fastRun, graph: shapeFeatureRewriter)
        db.register("useless", position: 0.6, tags: fastRun, walking: members(.useless, false))
        db.register("merge1.1", position: 0.65, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register(
            "canonicalize", position: 1, tags: fastRun, equilibrium: members(.canonicalize, false),
            cleanup: [mergeRewriter], final: folding(.canonicalize))
        db.register("merge1.2", position: 1.2, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register(
            "stabilize", position: 1.5, tags: ["fast_run"], equilibrium: members(.stabilize, false),
            cleanup: [mergeRewriter], final: folding(.stabilize))
        db.register("local_second_to_alloc", position: 1.51, tags: ["fast_run", "shape_unsafe"],
                    walking: members(.secondToAlloc, false))
        db.register(
            "specialize", position: 2, tags: fastRun, equilibrium: members(.specialize, false),
            cleanup: [mergeRewriter], final: folding(.specialize))
        db.register("scan_merge", position: 48, tags: ["fast_run", "scan"], graph: scanMerge)
        db.register("elemwise_fusion", position: 49, tags: ["fast_run", "fusion"], graph: elemwiseFusion)
        db.register("merge2", position: 49, tags: ["fast_run", "merge"], graph: mergeRewriter)
        db.register("reduction_fusion", position: 49.5, tags: ["fast_run", "fusion"], graph: reductionFusion)
        db.register("increment_fusion", position: 49.6, tags: ["fast_run", "fusion"], graph: incrementFusion)
        db.register("local_useless_unbatched_blockwise", position: 60, tags: fastRun.union(["blockwise"]),
                    walking: members(.uselessUnbatchedBlockwise, false))
        db.register("merge3", position: 100, tags: ["fast_run", "merge"], graph: mergeRewriter)
        return db
    }()
}

/// `Shape(x)`-style rewrites need symbolic shapes: attaching the feature is a pass of its own
/// (PyTensor's `ShapeOpt`).
package let shapeFeatureRewriter = GraphRewriter("ShapeOpt") { context in
    context.hasShapeFeature = true
}
