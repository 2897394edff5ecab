import ArgumentParser
import Cotangent
import Foundation

extension VizLayout: ExpressibleByArgument {}

/// `cotangent`: the seed tour, pictures of graphs and StableHLO export, one subcommand each.
@main
struct CotangentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cotangent",
        abstract: "Cotangent's command line: the seed tutorial, pictures of graphs, StableHLO export.",
        subcommands: [Tour.self, Viz.self, Export.self, StopOnImpossibleGraph.self])
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

    /// `cotangent viz NAME [-o PAGE.html] [--profile] [--layout automatic|graphviz|layered]`.
    struct Viz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an HTML page showing an example graph before and after rewriting.",
            discussion: """
                The page is self-contained (no network): pan by dragging, zoom with the wheel, hover a \
                node for its op, props, types and shapes. Boxes are coloured by op family; inner graphs \
                (loop bodies, Blockwise cores, fused elementwise graphs) are framed clusters. Graphviz's \
                dot lays the graphs out when installed, else a built-in layered layout.

                """ + VizExamples.catalogText())

        @Argument(help: "The example to draw (see the list below).")
        var name: String

        @Option(name: [.customShort("o"), .customLong("out")], help: "Write the page to this file (default: stdout).")
        var output: String?

        @Flag(help: "Run the compiled graph on the example's inputs and show each node's time per call.")
        var profile = false

        @Option(help: "Calls timed with --profile.")
        var calls = 10

        @Option(help: "Who places the boxes: automatic (Graphviz's dot if installed), graphviz, layered.")
        var layout: VizLayout = .automatic

        @Option(help: ArgumentHelp(
            "Write the Graphviz DOT text of the graph before or after rewriting instead of a page.",
            valueName: "before|after"))
        var dot: Stage?

        /// Which graph `--dot` writes.
        enum Stage: String, ExpressibleByArgument { case before, after }

        func validate() throws {
            guard calls > 0 else { throw ValidationError("--calls must be at least 1, got \(calls)") }
            guard VizExamples.catalog.contains(where: { $0.name == name }) else {
                throw ValidationError("no example '\(name)'\n" + VizExamples.catalogText())
            }
        }

        func run() throws {
            guard let example = VizExamples.named(name) else { throw ValidationError("no example '\(name)'") }
            do {
                if let dot {
                    let compiled = try function(inputs: example.inputs, outputs: example.outputs, onUnusedInput: .ignore)
                    let profile = profile ? try compiled.profile(example.values, calls: calls) : nil
                    let text = dot == .before ? graphvizDOT(example.outputs) : compiled.graphvizDOT(profile: profile)
                    try write(text)
                    return
                }
                let page = try vizHTML(
                    inputs: example.inputs, outputs: example.outputs, profiling: profile ? example.values : nil,
                    calls: calls, title: "cotangent viz \(name)", layout: layout)
                try write(page)
            } catch {
                FileHandle.standardError.write(Data("cotangent viz: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }

        /// Writes `text` to the output file, or stdout.
        func write(_ text: String) throws {
            if let output {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } else {
                print(text, terminator: "")
            }
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
