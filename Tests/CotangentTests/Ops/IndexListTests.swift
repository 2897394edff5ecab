import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// A list of integers inside a subscript is numpy's index array, never one index per axis.
@Suite("Index lists")
struct IndexListTests {
    @Test func basicIndicesInAnArrayAreTensorIndexValues() throws {
        let x = Tensor.tensor3("x", shape: [2, 3, 4])
        let picked = x[basicIndices: [.index(1), .all, .stride(by: -1)]]
        #expect(picked.type.shape == [3, 4])
        #expect(x[basicIndices: [.index(0), .index(2), .index(2)]].ndim == 0)
    }

    @Test(.enabled(if: Toolchain.isAvailable, "needs the swift driver on the PATH"))
    func anIntegerListDoesNotCompile() throws {
        let header = "import Cotangent\nlet x = Tensor.tensor3(\"x\")\n"
        // The same harness accepts the spelled-out forms, so a rejection below is the list's.
        let accepted = try Toolchain.typecheck(header + "let a = x[0, 2, 2]\nlet b = x[basicIndices: [.index(0), .all]]\n")
        #expect(accepted.accepted, "\(accepted.diagnostics)")
        for list in ["x[[0, 2, 2]]", "x[indices: [0, 2, 2]]", "x[basicIndices: [0, 2, 2]]", "x[[Int]([0, 2])]"] {
            let rejected = try Toolchain.typecheck(header + "let y = \(list)\n")
            #expect(!rejected.accepted, "\(list) compiled")
        }
        let message = try Toolchain.typecheck(header + "let y = x[[0, 2, 2]]\n").diagnostics
        #expect(message.contains("an integer list is numpy's index array"), "\(message)")
    }
}
