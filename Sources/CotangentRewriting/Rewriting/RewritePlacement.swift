import CotangentArrays
import CotangentGraph
import CotangentOps

/// Where a node rewriter runs in the standard database, declared where the rewriter is defined
/// (PyTensor's `@register_canonicalize`, `@register_specialize`, … decorators).
///
/// A placement names a phase, the rewriter's position inside it (lower runs first; positions are
/// spaced by 10 so a new rewrite can go between two others) and the tags a query selects it by.
/// One rewriter may be placed in several phases.
public struct RewritePlacement: Sendable, Hashable {
    /// The phases of ``RewriteDatabase/standard`` that run node rewriters, in the order they run.
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// Removes computations that do nothing (one walk, inputs to outputs).
        case useless
        /// Brings expressions to a canonical form (equilibrium).
        case canonicalize
        /// Replaces numerically unstable forms by stable ones (equilibrium).
        case stabilize
        /// `second(x, y)` → `alloc` (one walk, after stabilize).
        case secondToAlloc = "local_second_to_alloc"
        /// Replaces general forms by faster special cases (equilibrium).
        case specialize
        /// Removes `Blockwise` wrappers that have no batch dimensions, then the `SpecifyShape`s and
        /// `Reshape`s that the core ops or fused composites made useless (one walk, inputs first).
        case uselessUnbatchedBlockwise = "local_useless_unbatched_blockwise"
    }

    /// The phase the rewriter runs in.
    public let phase: Phase
    /// The position inside the phase (lower first).
    public let position: Double
    /// The tags a query selects the rewriter by (besides its own name and the phase's).
    public let tags: Set<String>
    /// Whether it runs once the phase's equilibrium has settled, not inside it (constant folding).
    public let isFinal: Bool

    /// A placement with explicit tags.
    public init(_ phase: Phase, position: Double, tags: Set<String>, isFinal: Bool = false) {
        self.phase = phase
        self.position = position
        self.tags = tags
        self.isFinal = isFinal
    }

    private static func tags(_ base: Set<String>, shapeUnsafe: Bool) -> Set<String> {
        shapeUnsafe ? base.union(["shape_unsafe"]) : base
    }

    /// PyTensor's `register_useless`: fast_run, fast_compile, useless. `shapeUnsafe` marks a
    /// rewrite that may remove a shape check (PyTensor's `shape_unsafe` tag).
    public static func useless(_ position: Double, shapeUnsafe: Bool = false) -> Self {
        Self(.useless, position: position, tags: tags(["fast_run", "fast_compile", "useless"], shapeUnsafe: shapeUnsafe))
    }

    /// PyTensor's `register_canonicalize`: fast_run, fast_compile, canonicalize.
    public static func canonicalize(_ position: Double, shapeUnsafe: Bool = false) -> Self {
        Self(.canonicalize, position: position,
             tags: tags(["fast_run", "fast_compile", "canonicalize"], shapeUnsafe: shapeUnsafe))
    }

    /// PyTensor's `register_stabilize`: fast_run, stabilize.
    public static func stabilize(_ position: Double) -> Self {
        Self(.stabilize, position: position, tags: ["fast_run", "stabilize"])
    }

    /// PyTensor's `register_specialize`: fast_run, specialize (and fast_compile for the
    /// specializations PyTensor also registers there).
    public static func specialize(_ position: Double, fastCompile: Bool = false, shapeUnsafe: Bool = false) -> Self {
        Self(.specialize, position: position,
             tags: tags(fastCompile ? ["fast_run", "fast_compile", "specialize"] : ["fast_run", "specialize"],
                        shapeUnsafe: shapeUnsafe))
    }

    /// The single rewrite of the `local_second_to_alloc` pass.
    public static let secondToAlloc = Self(.secondToAlloc, position: 10, tags: ["fast_run", "shape_unsafe"])

    /// The single rewrite of the `local_useless_unbatched_blockwise` pass.
    public static let uselessUnbatchedBlockwise =
        Self(.uselessUnbatchedBlockwise, position: 10, tags: ["fast_run", "fast_compile", "blockwise"])

    /// A cleanup in the unbatched-Blockwise pass, after the removal (position above 10): a core
    /// op's output type can be more specific than its Blockwise's, and a fused composite's
    /// outputs than the nodes they replaced.
    public static func afterUnbatchedBlockwise(_ position: Double) -> Self {
        Self(.uselessUnbatchedBlockwise, position: position, tags: ["fast_run", "fast_compile", "useless"])
    }

    /// Runs after a phase's equilibrium has settled (constant folding after canonicalize,
    /// stabilize and specialize).
    public static func folding(after phase: Phase) -> Self {
        Self(phase, position: 10, tags: ["fast_run", "fast_compile"], isFinal: true)
    }
}
