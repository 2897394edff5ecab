import Cotangent
import Foundation

/// `cotangent tour`: the seed tutorial, run end to end.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "tour":
    print(SeedTour.text())
case "export":
    exit(ExportCommand.run(Array(arguments.dropFirst())))
case "stop-on-impossible-graph":
    // Not in the usage text: a test runs a release build of this command to check that an
    // unchecked building error stops with its message under -O.
    let a = Tensor.matrix("A", shape: [2, 3])
    let b = Tensor.matrix("B", shape: [4, 5])
    print(matmul(a, b))
default:
    print("""
        usage: cotangent tour    run PyTensor's vector-Jacobian-product tutorial in Cotangent:
                                 each example's code, its simplified graph and its values
               cotangent export NAME [-o FILE.mlir] [--inputs DIR] [--devices N]
                                 write an example graph as a StableHLO module for XLA
        """ + "\n" + ExportCommand.catalogText())
}
