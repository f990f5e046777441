import ArgumentParser

/// The server's command: `sweep serve`.
public enum ServerCommands {
  public static let subcommands: [any ParsableCommand.Type] = [ServeCommand.self]
}
