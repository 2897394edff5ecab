import Testing
@testable import CotangentGraph

/// The working graph's object-keyed map: every inserted key found with its latest value
/// across growth, no other object found, and keys kept alive while in the table.
@Suite("Identity table")
struct IdentityTableTests {
    private final class Key {}

    @Test(arguments: [0, 1, 7, 8, 9, 100, 5000])
    func findsEveryKeyAndNoOther(count: Int) {
        var table = IdentityTable<Key, Int>()
        let keys = (0..<count).map { _ in Key() }
        for (k, key) in keys.enumerated() { table[key] = k }
        #expect(table.count == count)
        #expect(table.isEmpty == (count == 0))
        for (k, key) in keys.enumerated() { #expect(table[key] == k) }
        // Overwriting keeps the count.
        for (k, key) in keys.enumerated() where k % 3 == 0 { table[key] = -k }
        #expect(table.count == count)
        for (k, key) in keys.enumerated() { #expect(table[key] == (k % 3 == 0 ? -k : k)) }
        for _ in 0..<50 { #expect(table[Key()] == nil) }
    }

    @Test func keysStayAliveWhileInTheTable() {
        var table = IdentityTable<Key, Int>()
        weak var weakKey: Key?
        do {
            let key = Key()
            weakKey = key
            table[key] = 1
        }
        #expect(weakKey != nil)
        // Objects made after it never collide with its address.
        for _ in 0..<100 { #expect(table[Key()] == nil) }
        #expect(table[weakKey!] == 1)
    }
}
