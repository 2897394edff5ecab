import Synchronization

/// The bytes of array storage allocated and freed while a measurement runs: the memory a call
/// of a compiled function holds at its peak (the benchmark's memory figures).
///
/// Counting is off unless ``peakBytes(during:)`` runs, so arrays cost one relaxed atomic load
/// each otherwise. Counts are process-wide: measure with nothing else running.
public enum ArrayMemory {
    private static let measurements = Atomic<Int>(0)
    private static let live = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    /// Counts the buffers one task allocates while ``allocationCount(during:)`` runs.
    private final class Counter: Sendable {
        let count = Atomic<Int>(0)
    }

    /// The counter of the task measuring, if any.
    @TaskLocal private static var counter: Counter?

    /// How many array buffers the current task allocates while `body` runs (other tasks', and
    /// other threads' kernels, are not counted): for tests of code paths that must not allocate.
    package static func allocationCount(during body: () throws -> Void) rethrows -> Int {
        let counter = Counter()
        measurements.add(1, ordering: .sequentiallyConsistent)
        defer { measurements.subtract(1, ordering: .sequentiallyConsistent) }
        try $counter.withValue(counter) { try body() }
        return counter.count.load(ordering: .relaxed)
    }

    /// Records a new buffer of `bytes`.
    @inline(__always)
    static func allocated(_ bytes: Int) {
        guard measurements.load(ordering: .relaxed) > 0 else { return }
        counter?.count.add(1, ordering: .relaxed)
        let now = live.wrappingAdd(bytes, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    /// Records a buffer of `bytes` freed.
    @inline(__always)
    static func released(_ bytes: Int) {
        guard measurements.load(ordering: .relaxed) > 0 else { return }
        live.wrappingSubtract(bytes, ordering: .relaxed)
    }

    /// The most bytes of array storage held at once while `body` ran, above what was held when
    /// it started (buffers that existed before and are freed during the run count negatively).
    public static func peakBytes(during body: () throws -> Void) rethrows -> Int {
        live.store(0, ordering: .relaxed)
        peak.store(0, ordering: .relaxed)
        measurements.add(1, ordering: .sequentiallyConsistent)
        defer { measurements.subtract(1, ordering: .sequentiallyConsistent) }
        try body()
        return peak.load(ordering: .relaxed)
    }
}
