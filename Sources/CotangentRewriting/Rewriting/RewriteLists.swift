import CotangentArrays
import CotangentGraph
import CotangentOps

// Which rewrites each pass of the standard database runs, in order. Tags follow PyTensor's
// registrations (`register_canonicalize` → fast_run + fast_compile, …).

private let canonicalTags: Set<String> = ["fast_run", "fast_compile", "canonicalize"]

package let uselessRewrites: [RewriteDatabase.Member] = [
    RewriteDatabase.member(localUselessFill, tags: ["fast_run", "fast_compile", "useless", "shape_unsafe"]),
    RewriteDatabase.member(localUselessElemwise, tags: ["fast_run", "fast_compile", "useless"]),
    RewriteDatabase.member(localUselessGradientControl, tags: ["fast_run", "fast_compile", "useless"]),
] + [
    RewriteDatabase.member(localUselessSpecifyShape, tags: ["fast_run", "fast_compile", "useless"]),
    RewriteDatabase.member(localUselessAlloc, tags: ["fast_run", "fast_compile", "useless", "shape_unsafe"]),
    RewriteDatabase.member(localUselessReshape, tags: ["fast_run", "fast_compile", "useless", "shape_unsafe"]),
]

package let canonicalizeRewrites: [RewriteDatabase.Member] = [
    localShapeToShapeI, localShapeIGround, localSubtensorRemoveBroadcastableIndex, localUselessDimshuffleMakevector,
    localSubtensorMakeVector, localTensorScalarTensor, localAddCanonizer, localMulCanonizer,
    localUpcastElemwiseConstantInputs, localReduceBroadcastable, localDimshuffleLift, localUselessSwitch,
    localUselessElemwise, localAllocSinkDimshuffle, localUselessFill, localSubtensorOfBatchDims,
].map { RewriteDatabase.member($0, tags: canonicalTags) } + [
    // Appended after the seed's canonicalizations, so their order is unchanged.
    localExpm1, localMulZero, localDivByOne, localZeroDiv, localPowCanonicalize, localExpLog, localSqrtSqr,
    localCastCast, localUselessSlice, localSubtensorMergeSlice, localReduceChain, localSumProdAllToNone,
].map { RewriteDatabase.member($0, tags: canonicalTags) } + [
    localUselessReshape, localReshapeChain,
].map { RewriteDatabase.member($0, tags: canonicalTags.union(["shape_unsafe"])) } + [
    RewriteDatabase.member(localDotOfDiagonal, tags: canonicalTags),
    RewriteDatabase.member(localIncSubtensorSerialize, tags: canonicalTags),
    RewriteDatabase.member(localIncSubtensorMergeOnZeros, tags: canonicalTags),
]

package let stabilizeRewrites: [RewriteDatabase.Member] = [
    localDimshuffleLift, localAllocSinkDimshuffle,
    // The sigmoid forms first: `local_log1p` would otherwise take `log(1 − sigmoid(x))`.
    logsigmToSoftplus, log1msigmToSoftplus, localLog1p, localExpm1, localLogSumExp, localLogSoftmax,
].map { RewriteDatabase.member($0, tags: ["fast_run", "stabilize"]) }

package let specializeRewrites: [RewriteDatabase.Member] = [
    localShapeToShapeI, localShapeIGround, localSubtensorMakeVector, localDimshuffleLift, localUselessElemwise,
    localUselessSwitch, localAllocSinkDimshuffle, localTensorScalarTensor, localReduceBroadcastable,
].map { RewriteDatabase.member($0, tags: ["fast_run", "fast_compile", "specialize"]) } + [
    // Appended after the seed's specializations, so their order is unchanged.
    localMulSpecialize, localAddRemoveZeros, localPowSpecialize, localPowToNestedSquaring, localDivToReciprocal,
    localMulToSqr, log1msigmToSoftplus, localLog1p, localExpm1, localZeroDiv, localExpLog, localSqrtSqr,
    localCastCast, localUselessSlice, localSubtensorMergeSlice, localAddNegToSub,
    // Also here: the zero base of a serialized chain is often a sum of zeros until
    // `local_add_remove_zeros` above removes them.
    localIncSubtensorMergeOnZeros,
].map { RewriteDatabase.member($0, tags: ["fast_run", "specialize"]) } + [
    localUselessReshape, localReshapeChain,
].map { RewriteDatabase.member($0, tags: ["fast_run", "specialize", "shape_unsafe"]) }
