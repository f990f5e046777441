import AdminCLI
import ArgumentParser
import CommandLineSupport
import Coordinator
import FleetControl
import Simulation
import Worker

/// The `sweep` executable's root: the coordinator and admin commands, the demo, and the worker
/// (so that one binary is enough to try everything).
public struct SweepRootCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "LoRASweep: budgeted LoRA hyperparameter sweeps across free and rented machines.",
    discussion: "Exit codes: 0 ok, 1 runtime failure, 2 bad input (see docs/cli.md).",
    subcommands: AdminCommands.specCommands + ServerCommands.subcommands + AdminCommands.coordinatorCommands
      + SimulationCommands.subcommands + [FleetCommand.self] + AdminCommands.analysisCommands
      + [DemoCommand.self, WorkerPassthroughCommand.self])

  public init() {}

  public static func runMain() async -> Never {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "worker" { await WorkerCommand.runMain(Array(arguments.dropFirst())) }
    await CommandRunner.runMain(Self.self, arguments)
  }
}

/// `sweep worker …` is `sweep-worker …`.
struct WorkerPassthroughCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker", abstract: "Run the worker agent (the same as sweep-worker; see sweep worker --help).")

  @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}
