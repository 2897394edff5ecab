import Testing

@testable import Cotangent
@testable import CotangentCLI

/// The exported text without XLA: the module's signature, types and shardings, and the errors
/// for what cannot be exported.
struct StableHLOTextTests {
    @Test func signatureHasTheGivenShapesAndGraphDTypes() throws {
        let x = Tensor.matrix("x")
        let i = Tensor.vector("i", dtype: .int32)
        let text = try exportStableHLO(inputs: [x, i], outputs: [x.sum(axis: 1), i * 2], inputShapes: [[3, 4], [5]])
        #expect(text.hasPrefix("module @cotangent attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {\n"))
        #expect(text.contains("func.func public @main(%arg0: tensor<3x4xf64>, %arg1: tensor<5xi32>) -> (tensor<3xf64>, tensor<5xi32>) {"))
        #expect(text.contains("\"stablehlo.reduce\""))
        #expect(text.contains("\"func.return\"("))
        #expect(text.contains("// %arg0: x: Matrix(float64, shape=(?, ?))"))
        #expect(!text.contains("sdy."))
    }

    @Test func constantsRoundTripExactly() throws {
        let x = Tensor.vector("x")
        let text = try exportStableHLO(inputs: [x], outputs: [x + Variable(constant: NDArray([0.1, 1.0 / 3.0]))], inputShapes: [[2]])
        // 0.1 and 1/3 as their little-endian float64 bytes.
        #expect(text.contains("dense<\"0x9A9999999999B93F555555555555D53F\"> : tensor<2xf64>"))
    }

    @Test func shardedModuleHasMeshAndShardings() throws {
        let example = ExportExamples.mlpStep(devices: 4, batch: 8, features: 6, hidden: 5, classes: 3)
        let text = try example.export()
        #expect(text.contains("mhlo.num_partitions = 4 : i32"))
        #expect(text.contains("sdy.mesh @mesh = <[\"data\"=4]>"))
        #expect(text.contains("%arg0: tensor<8x6xf64> {sdy.sharding = #sdy.sharding<@mesh, [{\"data\"}, {}]>}"))
        #expect(text.contains("%arg1: tensor<8xi64> {sdy.sharding = #sdy.sharding<@mesh, [{\"data\"}]>}"))
        #expect(text.contains("%arg2: tensor<6x5xf64> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}"))
        let X = Tensor.matrix("X")
        let model = try exportStableHLO(
            inputs: [X], outputs: [X * 2], inputShapes: [[4, 6]], mesh: ["data": 2, "model": 2],
            inputShardings: [.dimensions([["data"], ["model"]])], outputShardings: [.split(axis: 1, over: "model")])
        #expect(model.contains("sdy.mesh @mesh = <[\"data\"=2, \"model\"=2]>"))
        #expect(model.contains("-> (tensor<4x6xf64> {sdy.sharding = #sdy.sharding<@mesh, [{}, {\"model\"}]>})"))
    }

    @Test func unsupportedOpsAreAllListedWithReasons() throws {
        let x = Tensor.vector("x")
        let a = Tensor.vector("a")
        let graph = owensT(a, x) + besselI0(x)
        #expect {
            _ = try exportStableHLO(inputs: [x, a], outputs: [graph], inputShapes: [[3], [3]])
        } throws: { error in
            guard let error = error as? StableHLOExportError else { return false }
            return Set(error.unsupportedOps.map(\.op)) == ["Owens_t", "I0"]
                && error.unsupportedOps.contains { $0.reason.contains("Bessel function I0") }
                && error.unsupportedOps.contains { $0.reason.contains("Owen's T") }
                && error.description.hasPrefix("exportStableHLO: 2 ops have no StableHLO lowering: ")
        }
    }

    @Test func badInputsThrowTypedErrors() throws {
        let x = Tensor.matrix("x", shape: [nil, 3])
        let y = Tensor.vector("y")
        func kind(_ body: () throws -> Void) -> CotangentError.Kind? {
            do { try body() } catch let error as CotangentError { return error.kind } catch { return nil }
            return nil
        }
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x * 2], inputShapes: [[2, 4]]) } == .inputMismatch)
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x * 2], inputShapes: [[2, 3], [1]]) } == .inputMismatch)
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x.sum() + y.sum()], inputShapes: [[2, 3]]) } == .missingInput)
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x * 2], inputShapes: [[2, 3]], inputShardings: [.split(axis: 0, over: "data")]) } == .invalidGraph)
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x * 2], inputShapes: [[2, 3]], mesh: ["data": 2], inputShardings: [.split(axis: 2, over: "data")]) } == .invalidGraph)
        #expect(kind { _ = try exportStableHLO(inputs: [x], outputs: [x * 2], inputShapes: [[2, 3]], mesh: ["data": 2], inputShardings: [.split(axis: 0, over: "batch")]) } == .invalidGraph)
        // Shapes that cannot multiply: the rebuilt graph's error, thrown, not a stop.
        let a = Tensor.matrix("a")
        #expect(kind { _ = try exportStableHLO(inputs: [a], outputs: [matmul(a, a)], inputShapes: [[2, 3]]) } == .invalidGraph)
    }

    @Test func sharedVariablesBecomeConstantsUnlessListed() throws {
        let w = Tensor.shared(NDArray([1.0, 2.0]), name: "w")
        let x = Tensor.vector("x")
        let embedded = try exportStableHLO(inputs: [x], outputs: [x * w], inputShapes: [[2]])
        #expect(embedded.contains("func.func public @main(%arg0: tensor<2xf64>)"))
        #expect(embedded.contains("dense<\"0x000000000000F03F0000000000000040\"> : tensor<2xf64>"))
        let argument = try exportStableHLO(inputs: [x, w], outputs: [x * w], inputShapes: [[2], [2]])
        #expect(argument.contains("func.func public @main(%arg0: tensor<2xf64>, %arg1: tensor<2xf64>)"))
    }

    /// The README's "Scaling out" example, as written there.
    @Test func readmeExample() throws {
        let X = Tensor.matrix("X"), W = Tensor.matrix("W"), y = Tensor.vector("y", dtype: .int64)
        let logits = matmul(X, W)
        let z = logits - disconnectedGrad(logits.max(axis: 1, keepDims: true))
        let logp = z - log(exp(z).sum(axis: 1, keepDims: true))
        let loss = -logp[arange(Tensor.constant(NDArray(scalar: Int64(256)))), y].mean()
        let gW = grad(loss, wrt: W)
        let hlo = try exportStableHLO(
            inputs: [X, y, W], outputs: [loss, W - 0.1 * gW], inputShapes: [[256, 784], [256], [784, 10]])
        #expect(hlo.contains(
            "func.func public @main(%arg0: tensor<256x784xf64>, %arg1: tensor<256xi64>, %arg2: tensor<784x10xf64>) -> (tensor<f64>, tensor<784x10xf64>)"))
        let sharded = try exportStableHLO(
            inputs: [X, y, W], outputs: [loss, W - 0.1 * gW], inputShapes: [[256, 784], [256], [784, 10]],
            mesh: ["data": 4],
            inputShardings: [.split(axis: 0, over: "data"), .split(axis: 0, over: "data"), .replicated])
        #expect(sharded.contains("mhlo.num_partitions = 4 : i32"))
        #expect(sharded.contains("%arg2: tensor<784x10xf64> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}"))
    }
}
