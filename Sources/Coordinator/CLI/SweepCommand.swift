import ArgumentParser
import Foundation

/// The `sweep` command: coordinator and admin CLI.
public struct SweepCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "LoRASweep: budgeted LoRA hyperparameter sweeps across free and rented machines.",
    discussion: "Exit codes: 0 ok, 1 runtime failure, 2 bad input (see docs/cli.md).",
    subcommands: [
      ValidateCommand.self, SampleCommand.self, ServeCommand.self, SubmitCommand.self, StatusCommand.self,
      ResultsCommand.self, CancelCommand.self, WorkersCommand.self,
    ])

  public init() {}

  /// Runs the CLI with the documented exit codes: argument errors exit 2 (not ArgumentParser's 64).
  public static func runMain(_ arguments: [String]? = nil) async -> Never {
    do {
      var command = try parseAsRoot(arguments)
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      Foundation.exit(0)
    } catch let error as CLIError {
      for line in error.lines { StandardOutput.error(line) }
      Foundation.exit(error.kind.rawValue)
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        StandardOutput.error(fullMessage(for: error))
        Foundation.exit(CLIError.Kind.badInput.rawValue)
      }
      Self.exit(withError: error)
    }
  }
}
