import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One numpy reference: `np.cumsum`/`np.cumprod` of the logical input built by
/// `CumOpTests.logicalInput` (values computed once with numpy 2.4).
struct CumCase: Sendable, CustomTestStringConvertible {
    let shape: [Int]
    let axis: Int?
    let mode: CumOp.Mode
    let dtype: DType
    let outputDType: DType
    let expected: [Double]

    init(_ shape: [Int], axis: Int?, _ mode: CumOp.Mode, _ dtype: DType, _ outputDType: DType, _ expected: [Double]) {
        self.shape = shape
        self.axis = axis
        self.mode = mode
        self.dtype = dtype
        self.outputDType = outputDType
        self.expected = expected
    }

    var testDescription: String {
        "cum\(mode == .add ? "sum" : "prod") \(dtype) \(formatShape(shape)) axis \(axis.map(String.init) ?? "None")"
    }

    static let all: [CumCase] = [
        CumCase([5], axis: nil, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, 2.5]),
        CumCase([5], axis: nil, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, 2.5]),
        CumCase([5], axis: nil, .add, .int64, .int64, [1, -1, 2, 6, 5]),
        CumCase([5], axis: nil, .add, .int32, .int64, [1, -1, 2, 6, 5]),
        CumCase([5], axis: nil, .add, .bool, .int64, [0, 1, 2, 2, 3]),
        CumCase([5], axis: nil, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, 0.75]),
        CumCase([5], axis: nil, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, 0.75]),
        CumCase([5], axis: nil, .mul, .int64, .int64, [1, -2, -6, -24, 24]),
        CumCase([5], axis: nil, .mul, .int32, .int64, [1, -2, -6, -24, 24]),
        CumCase([5], axis: nil, .mul, .bool, .int64, [0, 0, 0, 0, 0]),
        CumCase([5], axis: 0, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, 2.5]),
        CumCase([5], axis: 0, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, 2.5]),
        CumCase([5], axis: 0, .add, .int64, .int64, [1, -1, 2, 6, 5]),
        CumCase([5], axis: 0, .add, .int32, .int64, [1, -1, 2, 6, 5]),
        CumCase([5], axis: 0, .add, .bool, .int64, [0, 1, 2, 2, 3]),
        CumCase([5], axis: 0, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, 0.75]),
        CumCase([5], axis: 0, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, 0.75]),
        CumCase([5], axis: 0, .mul, .int64, .int64, [1, -2, -6, -24, 24]),
        CumCase([5], axis: 0, .mul, .int32, .int64, [1, -2, -6, -24, 24]),
        CumCase([5], axis: 0, .mul, .bool, .int64, [0, 0, 0, 0, 0]),
        CumCase([3, 4], axis: nil, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, 2.5, 3.5, 5.0, 3.0, 3.5, 4.5, 3.0, 5.0]),
        CumCase([3, 4], axis: nil, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, 2.5, 3.5, 5.0, 3.0, 3.5, 4.5, 3.0, 5.0]),
        CumCase([3, 4], axis: nil, .add, .int64, .int64, [1, -1, 2, 6, 5, 7, 10, 6, 7, 9, 6, 10]),
        CumCase([3, 4], axis: nil, .add, .int32, .int64, [1, -1, 2, 6, 5, 7, 10, 6, 7, 9, 6, 10]),
        CumCase([3, 4], axis: nil, .add, .bool, .int64, [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8]),
        CumCase([3, 4], axis: nil, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, 0.75, 0.75, 1.125, -2.25, -1.125, -1.125, 1.6875, 3.375]),
        CumCase([3, 4], axis: nil, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, 0.75, 0.75, 1.125, -2.25, -1.125, -1.125, 1.6875, 3.375]),
        CumCase([3, 4], axis: nil, .mul, .int64, .int64, [1, -2, -6, -24, 24, 48, 144, -576, -576, -1152, 3456, 13824]),
        CumCase([3, 4], axis: nil, .mul, .int32, .int64, [1, -2, -6, -24, 24, 48, 144, -576, -576, -1152, 3456, 13824]),
        CumCase([3, 4], axis: nil, .mul, .bool, .int64, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        CumCase([3, 4], axis: 0, .add, .float64, .float64, [0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
        CumCase([3, 4], axis: 0, .add, .float32, .float32, [0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
        CumCase([3, 4], axis: 0, .add, .int64, .int64, [1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4]),
        CumCase([3, 4], axis: 0, .add, .int32, .int64, [1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4]),
        CumCase([3, 4], axis: 0, .add, .bool, .int64, [0, 1, 1, 0, 1, 2, 1, 1, 2, 2, 2, 2]),
        CumCase([3, 4], axis: 0, .mul, .float64, .float64, [0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0]),
        CumCase([3, 4], axis: 0, .mul, .float32, .float32, [0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0]),
        CumCase([3, 4], axis: 0, .mul, .int64, .int64, [1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64]),
        CumCase([3, 4], axis: 0, .mul, .int32, .int64, [1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64]),
        CumCase([3, 4], axis: 0, .mul, .bool, .int64, [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        CumCase([3, 4], axis: 1, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0]),
        CumCase([3, 4], axis: 1, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0]),
        CumCase([3, 4], axis: 1, .add, .int64, .int64, [1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4]),
        CumCase([3, 4], axis: 1, .add, .int32, .int64, [1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4]),
        CumCase([3, 4], axis: 1, .add, .bool, .int64, [0, 1, 2, 2, 1, 2, 2, 3, 1, 1, 2, 3]),
        CumCase([3, 4], axis: 1, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5]),
        CumCase([3, 4], axis: 1, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5]),
        CumCase([3, 4], axis: 1, .mul, .int64, .int64, [1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24]),
        CumCase([3, 4], axis: 1, .mul, .int32, .int64, [1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24]),
        CumCase([3, 4], axis: 1, .mul, .bool, .int64, [0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]),
        CumCase([2, 3, 4], axis: nil, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, 2.5, 3.5, 5.0, 3.0, 3.5, 4.5, 3.0, 5.0, 5.5, 4.5, 6.0, 8.0, 7.5, 8.5, 10.0, 8.0, 8.5, 9.5, 8.0, 10.0]),
        CumCase([2, 3, 4], axis: nil, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, 2.5, 3.5, 5.0, 3.0, 3.5, 4.5, 3.0, 5.0, 5.5, 4.5, 6.0, 8.0, 7.5, 8.5, 10.0, 8.0, 8.5, 9.5, 8.0, 10.0]),
        CumCase([2, 3, 4], axis: nil, .add, .int64, .int64, [1, -1, 2, 6, 5, 7, 10, 6, 7, 9, 6, 10, 11, 9, 12, 16, 15, 17, 20, 16, 17, 19, 16, 20]),
        CumCase([2, 3, 4], axis: nil, .add, .int32, .int64, [1, -1, 2, 6, 5, 7, 10, 6, 7, 9, 6, 10, 11, 9, 12, 16, 15, 17, 20, 16, 17, 19, 16, 20]),
        CumCase([2, 3, 4], axis: nil, .add, .bool, .int64, [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 10, 10, 11, 12, 12, 13, 14, 14, 15, 16]),
        CumCase([2, 3, 4], axis: nil, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, 0.75, 0.75, 1.125, -2.25, -1.125, -1.125, 1.6875, 3.375, 1.6875, -1.6875, -2.53125, -5.0625, 2.53125, 2.53125, 3.796875, -7.59375, -3.796875, -3.796875, 5.6953125, 11.390625]),
        CumCase([2, 3, 4], axis: nil, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, 0.75, 0.75, 1.125, -2.25, -1.125, -1.125, 1.6875, 3.375, 1.6875, -1.6875, -2.53125, -5.0625, 2.53125, 2.53125, 3.796875, -7.59375, -3.796875, -3.796875, 5.6953125, 11.390625]),
        CumCase([2, 3, 4], axis: nil, .mul, .int64, .int64, [1, -2, -6, -24, 24, 48, 144, -576, -576, -1152, 3456, 13824, 13824, -27648, -82944, -331776, 331776, 663552, 1990656, -7962624, -7962624, -15925248, 47775744, 191102976]),
        CumCase([2, 3, 4], axis: nil, .mul, .int32, .int64, [1, -2, -6, -24, 24, 48, 144, -576, -576, -1152, 3456, 13824, 13824, -27648, -82944, -331776, 331776, 663552, 1990656, -7962624, -7962624, -15925248, 47775744, 191102976]),
        CumCase([2, 3, 4], axis: nil, .mul, .bool, .int64, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        CumCase([2, 3, 4], axis: 0, .add, .float64, .float64, [0.5, -1.0, 1.5, 2.0, -0.5, 1.0, 1.5, -2.0, 0.5, 1.0, -1.5, 2.0, 1.0, -2.0, 3.0, 4.0, -1.0, 2.0, 3.0, -4.0, 1.0, 2.0, -3.0, 4.0]),
        CumCase([2, 3, 4], axis: 0, .add, .float32, .float32, [0.5, -1.0, 1.5, 2.0, -0.5, 1.0, 1.5, -2.0, 0.5, 1.0, -1.5, 2.0, 1.0, -2.0, 3.0, 4.0, -1.0, 2.0, 3.0, -4.0, 1.0, 2.0, -3.0, 4.0]),
        CumCase([2, 3, 4], axis: 0, .add, .int64, .int64, [1, -2, 3, 4, -1, 2, 3, -4, 1, 2, -3, 4, 2, -4, 6, 8, -2, 4, 6, -8, 2, 4, -6, 8]),
        CumCase([2, 3, 4], axis: 0, .add, .int32, .int64, [1, -2, 3, 4, -1, 2, 3, -4, 1, 2, -3, 4, 2, -4, 6, 8, -2, 4, 6, -8, 2, 4, -6, 8]),
        CumCase([2, 3, 4], axis: 0, .add, .bool, .int64, [0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 2, 2, 0, 2, 2, 0, 2, 2, 0, 2, 2]),
        CumCase([2, 3, 4], axis: 0, .mul, .float64, .float64, [0.5, -1.0, 1.5, 2.0, -0.5, 1.0, 1.5, -2.0, 0.5, 1.0, -1.5, 2.0, 0.25, 1.0, 2.25, 4.0, 0.25, 1.0, 2.25, 4.0, 0.25, 1.0, 2.25, 4.0]),
        CumCase([2, 3, 4], axis: 0, .mul, .float32, .float32, [0.5, -1.0, 1.5, 2.0, -0.5, 1.0, 1.5, -2.0, 0.5, 1.0, -1.5, 2.0, 0.25, 1.0, 2.25, 4.0, 0.25, 1.0, 2.25, 4.0, 0.25, 1.0, 2.25, 4.0]),
        CumCase([2, 3, 4], axis: 0, .mul, .int64, .int64, [1, -2, 3, 4, -1, 2, 3, -4, 1, 2, -3, 4, 1, 4, 9, 16, 1, 4, 9, 16, 1, 4, 9, 16]),
        CumCase([2, 3, 4], axis: 0, .mul, .int32, .int64, [1, -2, 3, 4, -1, 2, 3, -4, 1, 2, -3, 4, 1, 4, 9, 16, 1, 4, 9, 16, 1, 4, 9, 16]),
        CumCase([2, 3, 4], axis: 0, .mul, .bool, .int64, [0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1]),
        CumCase([2, 3, 4], axis: 1, .add, .float64, .float64, [0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
        CumCase([2, 3, 4], axis: 1, .add, .float32, .float32, [0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0, 0.5, -1.0, 1.5, 2.0, 0.0, 0.0, 3.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
        CumCase([2, 3, 4], axis: 1, .add, .int64, .int64, [1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4, 1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4]),
        CumCase([2, 3, 4], axis: 1, .add, .int32, .int64, [1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4, 1, -2, 3, 4, 0, 0, 6, 0, 1, 2, 3, 4]),
        CumCase([2, 3, 4], axis: 1, .add, .bool, .int64, [0, 1, 1, 0, 1, 2, 1, 1, 2, 2, 2, 2, 0, 1, 1, 0, 1, 2, 1, 1, 2, 2, 2, 2]),
        CumCase([2, 3, 4], axis: 1, .mul, .float64, .float64, [0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0, 0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0]),
        CumCase([2, 3, 4], axis: 1, .mul, .float32, .float32, [0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0, 0.5, -1.0, 1.5, 2.0, -0.25, -1.0, 2.25, -4.0, -0.125, -1.0, -3.375, -8.0]),
        CumCase([2, 3, 4], axis: 1, .mul, .int64, .int64, [1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64, 1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64]),
        CumCase([2, 3, 4], axis: 1, .mul, .int32, .int64, [1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64, 1, -2, 3, 4, -1, -4, 9, -16, -1, -8, -27, -64]),
        CumCase([2, 3, 4], axis: 1, .mul, .bool, .int64, [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        CumCase([2, 3, 4], axis: 2, .add, .float64, .float64, [0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0, 0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0]),
        CumCase([2, 3, 4], axis: 2, .add, .float32, .float32, [0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0, 0.5, -0.5, 1.0, 3.0, -0.5, 0.5, 2.0, 0.0, 0.5, 1.5, 0.0, 2.0]),
        CumCase([2, 3, 4], axis: 2, .add, .int64, .int64, [1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4, 1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4]),
        CumCase([2, 3, 4], axis: 2, .add, .int32, .int64, [1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4, 1, -1, 2, 6, -1, 1, 4, 0, 1, 3, 0, 4]),
        CumCase([2, 3, 4], axis: 2, .add, .bool, .int64, [0, 1, 2, 2, 1, 2, 2, 3, 1, 1, 2, 3, 0, 1, 2, 2, 1, 2, 2, 3, 1, 1, 2, 3]),
        CumCase([2, 3, 4], axis: 2, .mul, .float64, .float64, [0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5, 0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5]),
        CumCase([2, 3, 4], axis: 2, .mul, .float32, .float32, [0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5, 0.5, -0.5, -0.75, -1.5, -0.5, -0.5, -0.75, 1.5, 0.5, 0.5, -0.75, -1.5]),
        CumCase([2, 3, 4], axis: 2, .mul, .int64, .int64, [1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24, 1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24]),
        CumCase([2, 3, 4], axis: 2, .mul, .int32, .int64, [1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24, 1, -2, -6, -24, -1, -2, -6, 24, 1, 2, -6, -24]),
        CumCase([2, 3, 4], axis: 2, .mul, .bool, .int64, [0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]),
    ]
}

/// How the input array is laid out in memory; the logical values are the same.
enum CumLayout: Sendable, CaseIterable {
    case contiguous, transposed, reversedLastAxis
}

@Suite("CumOp")
struct CumOpTests {
    /// The logical input: `((i * 5) % 4) + 1`, negated where `i % 3 == 1`, halved for floats;
    /// `i % 3 != 0` for bool.
    static func logicalInput(shape: [Int], dtype: DType) -> NDArray {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { i -> Double in
            let magnitude = Double((i * 5) % 4 + 1)
            return i % 3 == 1 ? -magnitude : magnitude
        }
        switch dtype {
        case .bool: return NDArray(shape: shape, elements: (0..<count).map { $0 % 3 != 0 })
        case .float64, .float32: return NDArray(shape: shape, elements: values.map { $0 * 0.5 }).converted(to: dtype)
        default: return NDArray(shape: shape, elements: values).converted(to: dtype)
        }
    }

    /// The same logical array in another memory layout (a non-contiguous view).
    static func laidOut(_ array: NDArray, _ layout: CumLayout) -> NDArray {
        switch layout {
        case .contiguous:
            return array
        case .transposed:
            let reversedAxes = Array((0..<array.ndim).reversed())
            let physical = array.transposed(reversedAxes).contiguous()
            let view = physical.transposed(reversedAxes)
            #expect(array.ndim < 2 || !view.isContiguous)
            return view
        case .reversedLastAxis:
            let last = array.ndim - 1
            let n = array.shape[last]
            let physical = array.sliced(axis: last, start: n - 1, step: -1, count: n).contiguous()
            let view = physical.sliced(axis: last, start: n - 1, step: -1, count: n)
            #expect(view.strides[last] < 0)
            return view
        }
    }

    @Test(arguments: CumCase.all, CumLayout.allCases)
    func valuesMatchNumpy(_ c: CumCase, layout: CumLayout) throws {
        let x = Tensor.tensor("x", dtype: c.dtype, shape: c.shape.map { _ in nil })
        let y = c.mode == .add ? cumsum(x, axis: c.axis) : cumprod(x, axis: c.axis)
        #expect(y.dtype == c.outputDType)
        let input = Self.laidOut(Self.logicalInput(shape: c.shape, dtype: c.dtype), layout)
        let value = try y.eval(["x": input])
        #expect(value.dtype == c.outputDType)
        #expect(value.shape == (c.axis == nil ? [c.shape.reduce(1, *)] : c.shape))
        #expect(value.asArray(Double.self) == c.expected)
    }

    @Test func seedCumsum() throws {
        let x = Tensor.vector("x")
        let value = try cumsum(x).eval(["x": [1.0, 2.0, 3.0]])
        #expect(value.asArray(Double.self) == [1, 3, 6])
        #expect(value.description == "array([1., 3., 6.])")
    }

    @Test func printedNames() {
        let x = Tensor.vector("x")
        let a = Tensor.matrix("A")
        #expect("\(cumsum(x).owner!.op)" == "CumOp{None, add}")
        #expect("\(cumsum(a, axis: 1).owner!.op)" == "CumOp{1, add}")
        #expect("\(cumprod(a, axis: 0).owner!.op)" == "CumOp{0, mul}")
        #expect("\(a.cumsum(axis: -1).owner!.op)" == "CumOp{1, add}")
        #expect("\(a.cumprod().owner!.op)" == "CumOp{None, mul}")
    }

    @Test func negativeAxisIsNormalised() {
        let t = Tensor.tensor3("t")
        #expect(cumsum(t, axis: -1).owner!.op.isEqual(to: CumOp(axis: 2, mode: .add)))
        #expect(cumprod(t, axis: -3).owner!.op.isEqual(to: CumOp(axis: 0, mode: .mul)))
    }

    @Test func staticShapes() {
        let a = Tensor.matrix("A", shape: [2, nil])
        #expect(cumsum(a, axis: 0).type.shape == [2, nil])
        #expect(cumsum(a).type.shape == [nil])
        let b = Tensor.tensor3("B", dtype: .int32, shape: [2, 3, 4])
        #expect(cumsum(b).type == TensorType(dtype: .int64, shape: [24]))
        #expect(cumprod(b, axis: 1).type == TensorType(dtype: .int64, shape: [2, 3, 4]))
        let s = Tensor.scalar("s", dtype: .float32)
        #expect(cumsum(s).type == TensorType(dtype: .float32, shape: [1]))
    }

    @Test func inferShapeMatchesRuntimeShapes() throws {
        let a = Tensor.tensor3("A", shape: [nil, 3, nil])
        let input = NDArray.zeros([2, 3, 5])
        for y in [cumsum(a), cumsum(a, axis: 0), cumprod(a, axis: 2)] {
            let dims = try y.symbolicShape.map { Int(try $0.eval(["A": input]).item(Int64.self)) }
            #expect(dims == (try y.eval(["A": input]).shape))
        }
        let s = Tensor.scalar("s")
        let dims = try cumsum(s).symbolicShape.map { try $0.eval(["s": NDArray(scalar: 2.0)]).item(Int64.self) }
        #expect(dims == [1])
    }

    @Test func zeroDimensionalAndEmptyInputs() throws {
        let s = Tensor.scalar("s")
        #expect(try cumsum(s).eval(["s": NDArray(scalar: 5.0)]).asArray(Double.self) == [5])
        let a = Tensor.matrix("A")
        let empty = try cumsum(a, axis: 1).eval(["A": NDArray.zeros([2, 0])])
        #expect(empty.shape == [2, 0])
        #expect(try cumprod(a).eval(["A": NDArray.zeros([0, 3])]).shape == [0])
    }

    @Test func integerAccumulationWrapsLikeNumpy() throws {
        let x = Tensor.vector("x", dtype: .int64)
        let big = NDArray([Int64.max, 1, 1])
        #expect(try cumsum(x).eval(["x": big]).asArray(Int64.self) == [Int64.max, Int64.min, Int64.min + 1])
    }

    @Test func constructionErrors() {
        let a = Tensor.matrix("A")
        #expect {
            try checked { cumsum(a, axis: 2) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("CumOp{2, add}")
                && error.message.contains("Matrix(float64, shape=(?, ?))")
        }
        #expect {
            try checked { cumprod(a, axis: -3) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGraph && error.message.contains("CumOp{-3, mul}")
                && error.message.contains("out of range")
        }
        let s = Tensor.scalar("s")
        #expect(throws: CotangentError.self) { try checked { cumsum(s, axis: 0) } }
    }

    // MARK: - Prepared kernel

    /// The compiled kernel of a float vector scans in order, whatever the input's stride and
    /// offset: every element equals the sequential sum or product in the input's precision.
    @Test(arguments: [DType.float64, .float32], [CumOp.Mode.add, .mul])
    func preparedVectorScanIsTheSequentialScan(dtype: DType, mode: CumOp.Mode) throws {
        let x = Tensor.vector("x", dtype: dtype)
        let node = try #require((mode == .add ? cumsum(x) : cumprod(x)).owner)
        let kernel = try #require(node.op.preparedKernel(node))
        let elements: [Double] = (0..<41).map { (i: Int) -> Double in
            let wrapped = Double((i * 17) % 13)
            return wrapped * 0.37 - 2.1 + 0.001 * Double(i)
        }
        let base = NDArray(shape: [41], elements: elements).converted(to: dtype)
        let layouts: [NDArray] = [
            base, base.sliced(axis: 0, start: 40, step: -1, count: 41), base.sliced(axis: 0, start: 3, step: 2, count: 17),
            base.sliced(axis: 0, start: 5, step: 1, count: 1), base.sliced(axis: 0, start: 0, step: 1, count: 0),
        ]
        for value in layouts {
            let result = try kernel.performSingle([value], destroying: .none)
            #expect(result.dtype == dtype)
            #expect(result.shape == value.shape)
            let elements = value.asArray(Double.self)
            if dtype == .float32 {
                var running: Float = 0
                let expected = elements.enumerated().map { i, e in
                    running = i == 0 ? Float(e) : (mode == .add ? running + Float(e) : running * Float(e))
                    return running.bitPattern
                }
                #expect(result.asArray(Float.self).map(\.bitPattern) == expected)
            } else {
                var running = 0.0
                let expected = elements.enumerated().map { i, e in
                    running = i == 0 ? e : (mode == .add ? running + e : running * e)
                    return running.bitPattern
                }
                #expect(result.asArray(Double.self).map(\.bitPattern) == expected)
            }
        }
    }

    /// Only float vectors get the prepared scan; an unchecked call with another dtype runs
    /// `perform`, which converts it as the node's output dtype says.
    @Test func preparedVectorScanHandsOtherInputsToPerform() throws {
        let matrix = try #require(cumsum(Tensor.matrix("m"), axis: 1).owner)
        #expect(matrix.op.preparedKernel(matrix) == nil)
        let integers = try #require(cumsum(Tensor.vector("i", dtype: .int64)).owner)
        #expect(integers.op.preparedKernel(integers) == nil)
        let node = try #require(cumsum(Tensor.vector("x")).owner)
        let kernel = try #require(node.op.preparedKernel(node))
        let result = try kernel.performSingle([NDArray([Int64(1), 2, 3])], destroying: .none)
        #expect(result.dtype == .float64)
        #expect(result.asArray(Double.self) == [1, 3, 6])
    }
}
