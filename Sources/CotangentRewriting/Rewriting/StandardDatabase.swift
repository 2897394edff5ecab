import CotangentArrays
import CotangentGraph
import CotangentOps

/// The rewrite sequence every query selects from, in PyTensor's optdb order: merge → shape
/// feature → useless → canonicalize (equilibrium, merge as cleanup, constant folding as final)
/// → stabilize → `local_second_to_alloc` → specialize → fusion → unbatched Blockwise removal
/// → merge.
extension RewriteDatabase {
    public static let standard: RewriteDatabase = {
        var db = RewriteDatabase()
        let fastRun: Set<String> = ["fast_run", "fast_compile"]
        let folding = [member(constantFolding, tags: ["fast_run", "fast_compile"])]
        db.register("merge1", position: 0, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register("ShapeOpt", position: 0.1, tags: fastRun, graph: shapeFeatureRewriter)
        db.register("useless", position: 0.6, tags: fastRun, walking: uselessRewrites)
        db.register("merge1.1", position: 0.65, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register(
            "canonicalize", position: 1, tags: fastRun, equilibrium: canonicalizeRewrites,
            cleanup: [mergeRewriter], final: folding)
        db.register("merge1.2", position: 1.2, tags: fastRun.union(["merge"]), graph: mergeRewriter)
        db.register(
            "stabilize", position: 1.5, tags: ["fast_run"], equilibrium: stabilizeRewrites,
            cleanup: [mergeRewriter], final: folding)
        db.register("local_second_to_alloc", position: 1.51, tags: ["fast_run", "shape_unsafe"],
                    walking: [member(localSecondToAlloc, tags: ["fast_run", "shape_unsafe"])])
        db.register(
            "specialize", position: 2, tags: fastRun, equilibrium: specializeRewrites,
            cleanup: [mergeRewriter], final: folding)
        db.register("elemwise_fusion", position: 49, tags: ["fast_run", "fusion"], graph: elemwiseFusion)
        db.register("merge2", position: 49, tags: ["fast_run", "merge"], graph: mergeRewriter)
        db.register("local_useless_unbatched_blockwise", position: 60, tags: fastRun.union(["blockwise"]),
                    walking: [member(localUselessUnbatchedBlockwise, tags: fastRun.union(["blockwise"]))],
                    inToOut: false)
        db.register("merge3", position: 100, tags: ["fast_run", "merge"], graph: mergeRewriter)
        return db
    }()
}

/// `Shape(x)`-style rewrites need symbolic shapes: attaching the feature is a pass of its own
/// (PyTensor's `ShapeOpt`).
package let shapeFeatureRewriter = GraphRewriter("ShapeOpt") { context in
    context.hasShapeFeature = true
}
