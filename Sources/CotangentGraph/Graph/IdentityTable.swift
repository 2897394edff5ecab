/// A map from objects, compared by identity, to values: open addressing over a power-of-two
/// table, with a multiplicative hash of the object's address.
///
/// The working graph's variable-to-value tables, looked up for every input of every imported
/// node, go through here instead of a `Dictionary`: its `Hasher` (SipHash with a per-process
/// seed) made each lookup several times dearer than the probe itself. Entries are only added
/// or overwritten, never removed, as those maps need. Keys are held strongly, so an address
/// cannot be reused by another object while it is in the table.
package struct IdentityTable<Key: AnyObject, Value> {
    /// Each slot's key address, 0 when empty. Probes compare addresses, so a lookup retains
    /// no key (a `Variable` has a side-table reference count: retaining one is slow).
    @usableFromInline var keys: [UInt] = []
    @usableFromInline var values: [Value?] = []
    /// The keys, in insertion order: what keeps each address from being reused.
    @usableFromInline var owners: [Key] = []
    /// The number of entries.
    package private(set) var count = 0
    /// `64 - log2(capacity)`: the hash's top bits pick the slot.
    @usableFromInline var shift = 64

    package init() {}

    /// Whether the table holds no entry.
    @inlinable package var isEmpty: Bool { count == 0 }

    /// The key's address, what the table stores and compares.
    @inlinable static func address(of key: Key) -> UInt {
        UInt(bitPattern: Int(bitPattern: ObjectIdentifier(key)))
    }

    /// The first slot to probe for an address.
    @inlinable static func home(of address: UInt, shift: Int) -> Int {
        // Fibonacci hashing: objects are 16-byte aligned, and multiplying by 2^64/φ spreads
        // consecutive addresses over the top bits.
        Int(truncatingIfNeeded: (address &* 0x9E37_79B9_7F4A_7C15) >> UInt(shift))
    }

    /// The value stored for `key`; setting one adds or overwrites the entry (nil cannot be
    /// stored: entries are never removed).
    @inlinable package subscript(key: Key) -> Value? {
        get {
            guard count > 0 else { return nil }
            let mask = keys.count - 1
            let address = Self.address(of: key)
            var slot = Self.home(of: address, shift: shift)
            while keys[slot] != 0 {
                if keys[slot] == address { return values[slot] }
                slot = (slot + 1) & mask
            }
            return nil
        }
        set {
            guard let newValue else { preconditionFailure("IdentityTable: entries cannot be removed") }
            insert(newValue, for: key)
        }
    }

    @usableFromInline mutating func insert(_ value: Value, for key: Key) {
        // At most half full, so probe runs stay short.
        if 2 * (count + 1) > keys.count { grow() }
        let address = Self.address(of: key)
        let slot = place(address)
        if keys[slot] == address {
            values[slot] = value
            return
        }
        keys[slot] = address
        values[slot] = value
        owners.append(key)
        count += 1
    }

    /// The slot holding `address`, else the empty slot where it goes.
    @usableFromInline func place(_ address: UInt) -> Int {
        let mask = keys.count - 1
        var slot = Self.home(of: address, shift: shift)
        while keys[slot] != 0 && keys[slot] != address { slot = (slot + 1) & mask }
        return slot
    }

    @usableFromInline mutating func grow() {
        let capacity = Swift.max(16, keys.count * 2)
        let oldKeys = keys
        var oldValues = values
        keys = [UInt](repeating: 0, count: capacity)
        values = [Value?](repeating: nil, count: capacity)
        shift = 64 - capacity.trailingZeroBitCount
        for (old, address) in oldKeys.enumerated() where address != 0 {
            let slot = place(address)
            keys[slot] = address
            values[slot] = oldValues[old].take()
        }
    }
}

extension IdentityTable: Sendable where Key: Sendable, Value: Sendable {}
