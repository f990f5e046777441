import ArgumentParser

/// The server's commands: `sweep serve`, and `sweep worker-binary build` for what it serves.
public enum ServerCommands {
  public static let subcommands: [any ParsableCommand.Type] = [ServeCommand.self, WorkerBinaryCommand.self]
}
