import CVectorMath
import Testing

@testable import CotangentArrays

/// Known answers of the block functions (Random123's kat_vectors) and the state's contracts.
struct PhiloxTests {
    @Test func philoxMatchesRandom123KnownAnswers() {
        #expect(Philox4x32.block(key: SIMD2(0, 0), counter: SIMD4(0, 0, 0, 0))
            == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(Philox4x32.block(key: SIMD2(.max, .max), counter: SIMD4(.max, .max, .max, .max))
            == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(Philox4x32.block(
            key: SIMD2(0xA409_3822, 0x299F_31D0), counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344))
            == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    @Test(arguments: [1, 3, 8, 13, 256, 1001])
    func vectorKernelMatchesTheBlockFunction(count: Int) {
        // The AVX-512/AVX2 kernel (whichever this CPU runs), the portable C loop and the Swift
        // block function give the same words, including counters that carry across 2^32.
        let (key, low, first) = (SIMD2<UInt32>(0xA409_3822, 0x299F_31D0), UInt64(0x85A3_08D3_243F_6A88), UInt64(0xFFFF_FFFF) - 5)
        var vector = [UInt32](repeating: 0, count: 4 * count)
        var portable = vector
        cotangent_philox_first_blocks(key.x, key.y, low, first, count, &vector, 0)
        cotangent_philox_first_blocks(key.x, key.y, low, first, count, &portable, 1)
        #expect(vector == portable)
        for e in 0..<count {
            let element = first &+ UInt64(e)
            let expected = Philox4x32.block(key: key, counter: (UInt128(element) << 64) | UInt128(low))
            #expect(SIMD4(vector[e], vector[count + e], vector[2 * count + e], vector[3 * count + e]) == expected, "element \(e)")
        }
    }

    @Test func philoxCounterAsNumberIsLittleEndianWords() {
        let counter: UInt128 = 0x0370_7344_1319_8A2E_85A3_08D3_243F_6A88
        #expect(Philox4x32.block(key: SIMD2(0xA409_3822, 0x299F_31D0), counter: counter)
            == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    @Test func threefryMatchesRandom123KnownAnswers() {
        #expect(Threefry2x32.block(key: SIMD2(0, 0), counter: SIMD2(0, 0)) == SIMD2(0x6B20_0159, 0x99BA_4EFE))
        #expect(Threefry2x32.block(key: SIMD2(.max, .max), counter: SIMD2(.max, .max)) == SIMD2(0x1CB9_96FC, 0xBB00_2BE7))
        #expect(Threefry2x32.block(key: SIMD2(0x1319_8A2E, 0x0370_7344), counter: SIMD2(0x243F_6A88, 0x85A3_08D3))
            == SIMD2(0xC492_3A9C, 0x483D_F7A0))
    }
}
