extension Fuzzer {
    /// The failures whose cause is known and whose fix belongs outside the fuzzer. Each entry
    /// names the check, the reason and a reproducer; the target is an empty list.
    public static let knownFailures: [KnownFailure] = []
}
