import ArgumentParser
import Cotangent
import Foundation

/// `cotangent`: the seed tour, pictures of graphs and StableHLO export, one subcommand each.
@main
struct CotangentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cotangent",
        abstract: "Cotangent's command line: the seed tutorial, pictures of graphs, StableHLO export.",
        subcommands: [Tour.self, Export.self, StopOnImpossibleGraph.self])
}

extension CotangentCommand {
    /// `cotangent tour`.
    struct Tour: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run PyTensor's vector-Jacobian-product tutorial in Cotangent.",
            discussion: "Prints each example's code, its simplified graph and its values.")

        func run() {
            print(SeedTour.text())
        }
    }

    /// `cotangent export NAME [-o FILE.mlir] [--inputs DIR] [--devices N] [--time K]`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an example graph as a StableHLO module for XLA.",
            discussion: """
                Writes the module to stdout without -o. Run it on XLA with
                python3 xla/run_stablehlo.py FILE.mlir --inputs DIR [--devices N]

                """ + ExportCommand.catalogText())

        @Argument(help: "The example to export (see the list below).")
        var name: String

        @Option(name: [.customShort("o"), .customLong("out")], help: "Write the module to this file.")
        var output: String?

        @Option(help: ArgumentHelp("Also write the input values as DIR/input_K.npy.", valueName: "DIR"))
        var inputs: String?

        @Option(help: "Devices of the data-parallel example's mesh.")
        var devices = 4

        @Option(
            name: .customLong("time"),
            help: ArgumentHelp("Also export K more times and print the median export time (JSON).", valueName: "K"))
        var repetitions = 0

        func validate() throws {
            guard devices > 0 else { throw ValidationError("--devices must be at least 1, got \(devices)") }
            guard repetitions >= 0 else { throw ValidationError("--time must be a count, got \(repetitions)") }
            guard ExportExamples.catalog.contains(where: { $0.name == name }) else {
                throw ValidationError("no example '\(name)'\n" + ExportCommand.catalogText())
            }
        }

        func run() throws {
            let status = ExportCommand.run(
                name: name, output: output, inputs: inputs, devices: devices, repetitions: repetitions)
            if status != 0 { throw ExitCode(status) }
        }
    }

    /// Not in the help: a test runs a release build of this command to check that an unchecked
    /// building error stops with its message under -O.
    struct StopOnImpossibleGraph: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop-on-impossible-graph", shouldDisplay: false)

        func run() {
            let a = Tensor.matrix("A", shape: [2, 3])
            let b = Tensor.matrix("B", shape: [4, 5])
            print(matmul(a, b))
        }
    }
}
