extension NDArray: Codable {
    private enum CodingKeys: String, CodingKey {
        case dtype, shape, values
    }

    /// Encodes the dtype name, the shape and the row-major elements. Floats are written as
    /// numbers that read back to the same bits, and NaN and the infinities as the strings
    /// `"nan"`, `"inf"`, `"-inf"` (JSON has no numbers for them).
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(NDArray([1.5, .nan]))
    /// // {"dtype":"float64","shape":[2],"values":[1.5,"nan"]}
    /// ```
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dtype.rawValue, forKey: .dtype)
        try container.encode(shape, forKey: .shape)
        var values = container.nestedUnkeyedContainer(forKey: .values)
        switch dtype {
        case .bool: try values.encode(contentsOf: asArray(Bool.self))
        case .float32: for value in asArray(Float.self) { try NDArray.encode(value, into: &values) }
        case .float64: for value in asArray(Double.self) { try NDArray.encode(value, into: &values) }
        default: try values.encode(contentsOf: asArray(Int64.self))
        }
    }

    private static func encode<F: BinaryFloatingPoint & Encodable>(_ value: F, into values: inout UnkeyedEncodingContainer) throws {
        if value.isFinite {
            try values.encode(value)
        } else {
            try values.encode(value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
        }
    }

    /// Decodes what ``encode(to:)`` writes. Integers outside their dtype's range, a value
    /// count that does not fill the shape, and unknown dtypes are `DecodingError`s.
    ///
    /// ```swift
    /// let json = #"{"dtype":"int8","shape":[2,2],"values":[1,2,3,4]}"#
    /// let a = try JSONDecoder().decode(NDArray.self, from: Data(json.utf8))
    /// ```
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .dtype)
        guard let dtype = DType(rawValue: name) else {
            throw DecodingError.dataCorruptedError(forKey: .dtype, in: container, debugDescription: "unknown dtype '\(name)'")
        }
        let shape = try container.decode([Int].self, forKey: .shape)
        var count = 1
        for length in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: length)
            guard length >= 0, !overflow else {
                throw DecodingError.dataCorruptedError(
                    forKey: .shape, in: container, debugDescription: "invalid shape \(formatShape(shape))")
            }
            count = product
        }
        var values = try container.nestedUnkeyedContainer(forKey: .values)
        if let given = values.count, given != count {
            throw DecodingError.dataCorruptedError(
                forKey: .values, in: container,
                debugDescription: "\(given) values do not fill shape \(formatShape(shape))")
        }
        switch dtype {
        case .bool: self.init(shape: shape, elements: try NDArray.decode(Bool.self, count: count, from: &values))
        case .float32:
            self.init(shape: shape, elements: try NDArray.decodeFloats(Float.self, count: count, from: &values))
        case .float64:
            self.init(shape: shape, elements: try NDArray.decodeFloats(Double.self, count: count, from: &values))
        default:
            let integers = try NDArray.decode(Int64.self, count: count, from: &values)
            if let range = dtype.integerRange, let bad = integers.first(where: { !range.contains($0) }) {
                throw DecodingError.dataCorruptedError(
                    in: values, debugDescription: "\(bad) is out of range for \(dtype)")
            }
            self = NDArray(shape: shape, elements: integers).converted(to: dtype)
        }
    }

    private static func decode<T: Decodable>(_: T.Type, count: Int, from values: inout UnkeyedDecodingContainer) throws -> [T] {
        var result: [T] = []
        for _ in 0..<count { result.append(try values.decode(T.self)) }
        return result
    }

    private static func decodeFloats<F: BinaryFloatingPoint & Decodable>(
        _: F.Type, count: Int, from values: inout UnkeyedDecodingContainer
    ) throws -> [F] {
        var result: [F] = []
        for _ in 0..<count {
            if let value = try? values.decode(F.self) {
                result.append(value)
                continue
            }
            switch try values.decode(String.self) {
            case "nan": result.append(.nan)
            case "inf": result.append(.infinity)
            case "-inf": result.append(-.infinity)
            case let other:
                throw DecodingError.dataCorruptedError(in: values, debugDescription: "'\(other)' is not a number")
            }
        }
        return result
    }
}
