import Synchronization

extension Mutex where Value: ~Copyable {
    /// `withLock`, kept out of line. Every lock in Cotangent goes through it so that
    /// ThreadSanitizer's reports name this frame: it does not model the futex `Mutex` locks
    /// with, reports the ordered accesses inside as races, and `withLock` itself is always
    /// inlined into its caller, leaving no frame a suppression could name
    /// (`.ci/tsan-suppressions.txt` suppresses this one). It is inlinable (but never inlined) so
    /// each caller's target specialises it: called unspecialised across targets, every lock
    /// went through value witnesses for its result (W1c's calls spent a third of their time
    /// there).
    @inlinable @inline(never)
    package borrowing func locked<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try withLock(body)
    }
}
