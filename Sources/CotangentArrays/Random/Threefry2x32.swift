// Threefry-2x32 with 20 rounds (Salmon et al., SC11), the block function behind JAX's default
// `threefry2x32` keys: additions, rotations and xors only, with a key injection every 4 rounds.

/// The Threefry-2x32-20 block function: 2 × 32 random bits from a 64-bit key and a 64-bit counter.
package enum Threefry2x32 {
    /// Rotation distances of the 8-round cycle (Random123's `R_32x2`).
    @usableFromInline static let rotations: [UInt32] = [13, 15, 26, 6, 17, 29, 16, 24]
    /// The Skein key-schedule parity constant.
    @usableFromInline static let parity: UInt32 = 0x1BD1_1BDA

    /// Twenty rounds of Threefry on `counter` under `key` (word order as in Random123 and JAX).
    @inlinable
    package static func block(key: SIMD2<UInt32>, counter: SIMD2<UInt32>) -> SIMD2<UInt32> {
        let keys = (key.x, key.y, key.x ^ key.y ^ parity)
        func injected(_ index: Int) -> (UInt32, UInt32) {
            switch index % 3 {
            case 0: return (keys.0, keys.1)
            case 1: return (keys.1, keys.2)
            default: return (keys.2, keys.0)
            }
        }
        var x0 = counter.x &+ keys.0
        var x1 = counter.y &+ keys.1
        for group in 0..<5 {
            for step in 0..<4 {
                let rotation = rotations[(group % 2) * 4 + step]
                x0 &+= x1
                x1 = (x1 << rotation) | (x1 >> (32 - rotation))
                x1 ^= x0
            }
            // After every 4 rounds the key schedule adds the next key pair and the group number.
            let (add0, add1) = injected(group + 1)
            x0 &+= add0
            x1 &+= add1 &+ UInt32(group + 1)
        }
        return SIMD2(x0, x1)
    }
}
