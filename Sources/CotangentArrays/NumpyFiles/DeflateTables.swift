/// The fixed tables of the deflate format (RFC 1951, section 3.2.5).
enum DeflateTables {
    /// The smallest length of each length symbol 257...285, and its number of extra bits.
    static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ]
    static let lengthExtraBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// The smallest distance of each distance symbol 0...29, and its number of extra bits.
    static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtraBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which a dynamic block lists the code lengths of the code-length alphabet.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The code lengths of the fixed literal/length code (symbols 0...287).
    static let fixedLiteralLengths: [Int] =
        Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112) + Array(repeating: 7, count: 24)
        + Array(repeating: 8, count: 8)
    /// The code lengths of the fixed distance code (symbols 0...29; 30 and 31 never occur).
    static let fixedDistanceLengths: [Int] = Array(repeating: 5, count: 30)

    /// The length symbol (257...285) of a match length 3...258.
    static let lengthSymbol: [Int] = {
        var symbols = [Int](repeating: 0, count: 259)
        for code in lengthBase.indices {
            let upper = code + 1 < lengthBase.count ? lengthBase[code + 1] : 259
            for length in lengthBase[code]..<min(upper, 259) { symbols[length] = 257 + code }
        }
        // 258 has its own symbol (285) though 284's extra bits could also spell it.
        symbols[258] = 285
        return symbols
    }()

    /// The distance symbol (0...29) of a distance 1...32768.
    static func distanceSymbol(_ distance: Int) -> Int {
        var low = 0
        var high = distanceBase.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if distanceBase[middle] <= distance { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
