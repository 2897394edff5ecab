import ArgumentParser
import Foundation
import Testing
@testable import Cotangent
@testable import CotangentCLI

/// `cotangent`'s parsing: subcommands, help, bad usage; and the built program's exit codes.
@Suite("Command line")
struct CommandLineTests {
    @Test func helpListsEverySubcommandButTheHiddenOne() {
        let help = CotangentCommand.helpMessage()
        for name in ["tour", "viz", "export"] {
            #expect(help.contains("  \(name) "), "help lacks \(name):\n\(help)")
        }
        #expect(!help.contains("stop-on-impossible-graph"), "\(help)")
    }

    @Test func subcommandHelpDescribesItsOptions() {
        let export = CotangentCommand.helpMessage(for: CotangentCommand.Export.self)
        for option in ["-o, --out", "--inputs", "--devices", "--time", "mlp-step", "hessian"] {
            #expect(export.contains(option), "export help lacks \(option):\n\(export)")
        }
        let viz = CotangentCommand.helpMessage(for: CotangentCommand.Viz.self)
        for option in ["-o, --out", "--profile", "--layout", "jacobian_log", "mlp"] {
            #expect(viz.contains(option), "viz help lacks \(option):\n\(viz)")
        }
    }

    @Test func exportParsesItsOptions() throws {
        let parsed = try CotangentCommand.parseAsRoot(
            ["export", "mlp-step", "-o", "step.mlir", "--inputs", "dir", "--devices", "2", "--time", "3"])
        let export = try #require(parsed as? CotangentCommand.Export)
        #expect(export.name == "mlp-step")
        #expect(export.output == "step.mlir")
        #expect(export.inputs == "dir")
        #expect(export.devices == 2)
        #expect(export.repetitions == 3)
        let defaults = try #require(try CotangentCommand.parseAsRoot(["export", "hessian"]) as? CotangentCommand.Export)
        #expect(defaults.devices == 4 && defaults.output == nil && defaults.repetitions == 0)
    }

    @Test(arguments: [
        (["export"], "Missing expected argument '<name>'"),
        (["export", "nothing"], "no example 'nothing'"),
        (["export", "mlp", "--devices", "0"], "--devices must be at least 1"),
        (["export", "mlp", "--bogus"], "Unknown option '--bogus'"),
        (["viz", "nothing"], "no example 'nothing'"),
        (["viz", "mlp", "--layout", "circles"], "circles"),
        (["frobnicate"], "frobnicate"),
    ])
    func badUsageIsAnErrorWithAMessage(arguments: [String], message: String) {
        do {
            _ = try CotangentCommand.parseAsRoot(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect(CotangentCommand.exitCode(for: error) != .success, "\(arguments)")
            let text = CotangentCommand.fullMessage(for: error)
            #expect(text.contains(message), "\(arguments): \(text)")
        }
    }

    /// The program `name` built next to the test bundle, if it is there.
    static func builtProgram(_ name: String) -> URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [folder, folder.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static let program = builtProgram("cotangent")

    @Test(.enabled(if: program != nil, "the cotangent program is not built next to the tests (swift build builds it)"))
    func theProgramExitsWithStatusAndMessage() throws {
        let program = try #require(Self.program).path
        let help = try Toolchain.run([program, "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("tour") && help.standardOutput.contains("viz"), "\(help.standardOutput)")
        let bad = try Toolchain.run([program, "export", "nothing"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("no example 'nothing'"), "\(bad.standardError)")
        let unknown = try Toolchain.run([program, "tour", "--verbose"])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("--verbose"), "\(unknown.standardError)")
        let tour = try Toolchain.run([program, "tour"])
        #expect(tour.status == 0)
        #expect(tour.standardOutput == SeedTour.text() + "\n")
        // The DOT text is the same in another process (stable ids).
        let dot = try Toolchain.run([program, "viz", "jacobian_cumsum", "--dot", "before"])
        #expect(dot.status == 0)
        #expect(dot.standardOutput == graphvizDOT(try #require(VizExamples.named("jacobian_cumsum")).outputs))
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("cotangent-viz-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: page) }
        let viz = try Toolchain.run([program, "viz", "pullback_log", "--profile", "--calls", "2", "-o", page.path])
        #expect(viz.status == 0, "\(viz.standardError)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("profiled over 2 calls"))
    }

    @Test func vizParsesItsOptions() throws {
        let parsed = try CotangentCommand.parseAsRoot(
            ["viz", "hessian", "--profile", "--calls", "3", "--layout", "layered", "-o", "h.html", "--dot", "after"])
        let viz = try #require(parsed as? CotangentCommand.Viz)
        #expect(viz.name == "hessian" && viz.profile && viz.calls == 3 && viz.layout == .layered)
        #expect(viz.output == "h.html" && viz.dot == .after)
        let defaults = try #require(try CotangentCommand.parseAsRoot(["viz", "mlp"]) as? CotangentCommand.Viz)
        #expect(!defaults.profile && defaults.calls == 10 && defaults.layout == .automatic && defaults.dot == nil)
    }
}

/// `cotangent-bench --help` lists every option its parser takes.
@Suite("Benchmark command line")
struct BenchCommandLineTests {
    static let program = CommandLineTests.builtProgram("cotangent-bench")

    /// The options `Options.parse` matches (`case "--quick":`, `case "-h", "--help":`), read
    /// from its source.
    static func parsedOptions() throws -> [String] {
        let source = try String(
            contentsOf: Toolchain.packageRoot.appendingPathComponent("Sources/CotangentBench/Options.swift"), encoding: .utf8)
        var options: [String] = []
        for line in source.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("case \"-") {
            for piece in line.split(separator: "\"") where piece.hasPrefix("-") { options.append(String(piece)) }
        }
        return options
    }

    @Test(.enabled(if: program != nil, "cotangent-bench is not built next to the tests (swift build builds it)"))
    func helpListsEveryOption() throws {
        let options = try Self.parsedOptions()
        #expect(options.count >= 12, "\(options)")
        let help = try Toolchain.run([try #require(Self.program).path, "--help"])
        #expect(help.status == 0)
        let text = help.standardError + help.standardOutput
        for option in options {
            #expect(text.contains(" \(option) ") || text.contains(" \(option),") || text.contains("[\(option)")
                || text.contains("| \(option)]"), "help lacks \(option):\n\(text)")
        }
        let bad = try Toolchain.run([try #require(Self.program).path, "--frobnicate"])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("unknown argument --frobnicate"))
    }
}
