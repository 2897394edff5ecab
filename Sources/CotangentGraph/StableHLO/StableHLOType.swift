import CotangentArrays

/// The type of a value in an exported StableHLO module: a dtype and a static shape
/// (`tensor<2x3xf64>`). Every shape is known when a graph is exported.
public struct StableHLOType: Hashable, Sendable, CustomStringConvertible {
    /// The element type.
    public let dtype: DType
    /// The length of each dimension.
    public let shape: [Int]

    /// A tensor type of this dtype and shape.
    public init(_ dtype: DType, _ shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The MLIR element type: `f64`, `i64`, `ui8`, `i1`.
    public var elementText: String { Self.elementText(dtype) }

    /// The MLIR element type of a dtype. StableHLO integers are signless except unsigned ones.
    public static func elementText(_ dtype: DType) -> String {
        switch dtype {
        case .bool: "i1"
        case .int8: "i8"
        case .int16: "i16"
        case .int32: "i32"
        case .int64: "i64"
        case .uint8: "ui8"
        case .float32: "f32"
        case .float64: "f64"
        }
    }

    /// The MLIR text: `tensor<2x3xf64>`, `tensor<f64>` for a 0-d value.
    public var description: String {
        "tensor<" + shape.map { "\($0)x" }.joined() + elementText + ">"
    }

    /// The same shape with another dtype.
    public func with(dtype: DType) -> StableHLOType { StableHLOType(dtype, shape) }

    /// The same dtype with another shape.
    public func with(shape: [Int]) -> StableHLOType { StableHLOType(dtype, shape) }
}

/// A value of the module being emitted: its SSA name (`%v3`, `%v3#1`) and type.
public struct StableHLOValue: Hashable, Sendable, CustomStringConvertible {
    /// The SSA name, with the `%` and a result number where the op has several results.
    public let name: String
    /// The value's type.
    public let type: StableHLOType

    /// A value named `name` of type `type`.
    public init(name: String, type: StableHLOType) {
        self.name = name
        self.type = type
    }

    /// The element dtype.
    public var dtype: DType { type.dtype }
    /// The static shape.
    public var shape: [Int] { type.shape }
    /// The number of dimensions.
    public var rank: Int { type.shape.count }
    /// The SSA name.
    public var description: String { name }
}
