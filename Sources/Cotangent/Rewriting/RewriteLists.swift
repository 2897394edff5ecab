// Which rewrites each pass of the standard database runs, in order. Tags follow PyTensor's
// registrations (`register_canonicalize` → fast_run + fast_compile, …).

private let canonicalTags: Set<String> = ["fast_run", "fast_compile", "canonicalize"]

let uselessRewrites: [RewriteDatabase.Member] = [
    RewriteDatabase.member(localUselessFill, tags: ["fast_run", "fast_compile", "useless", "shape_unsafe"]),
    RewriteDatabase.member(localUselessElemwise, tags: ["fast_run", "fast_compile", "useless"]),
    RewriteDatabase.member(localUselessGradientControl, tags: ["fast_run", "fast_compile", "useless"]),
]

let canonicalizeRewrites: [RewriteDatabase.Member] = [
    localShapeToShapeI, localShapeIGround, localSubtensorRemoveBroadcastableIndex, localUselessDimshuffleMakevector,
    localSubtensorMakeVector, localTensorScalarTensor, localAddCanonizer, localMulCanonizer,
    localUpcastElemwiseConstantInputs, localReduceBroadcastable, localDimshuffleLift, localUselessSwitch,
    localUselessElemwise, localAllocSinkDimshuffle, localUselessFill, localSubtensorOfBatchDims,
].map { RewriteDatabase.member($0, tags: canonicalTags) }

let stabilizeRewrites: [RewriteDatabase.Member] = [
    localDimshuffleLift, localAllocSinkDimshuffle,
].map { RewriteDatabase.member($0, tags: ["fast_run", "stabilize"]) }

let specializeRewrites: [RewriteDatabase.Member] = [
    localShapeToShapeI, localShapeIGround, localSubtensorMakeVector, localDimshuffleLift, localUselessElemwise,
    localUselessSwitch, localAllocSinkDimshuffle, localTensorScalarTensor, localReduceBroadcastable,
].map { RewriteDatabase.member($0, tags: ["fast_run", "fast_compile", "specialize"]) }
