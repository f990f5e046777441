import ArgumentParser
import Foundation

/// Runs the `sweep` command line with its documented exit codes.
public enum CommandRunner {
  /// Runs a parsed command line with the documented exit codes: argument errors exit 2 (not
  /// ArgumentParser's 64), ``CLIError`` exits with its kind.
  public static func runMain<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]? = nil) async -> Never {
    do {
      var command = try root.parseAsRoot(arguments)
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
      let code = root.exitCode(for: error)
      if code == .validationFailure {
        StandardOutput.error(root.fullMessage(for: error))
        Foundation.exit(CLIError.Kind.badInput.rawValue)
      }
      root.exit(withError: error)
    }
  }
}
