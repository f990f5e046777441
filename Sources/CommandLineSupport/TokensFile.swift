import Foundation

/// The file `sweep serve` writes generated tokens to, next to its database (mode 0600), and
/// the admin commands and the demo read them from: `SWEEP_ADMIN_TOKEN=…` and `SWEEP_WORKER_TOKEN=…` lines.
public enum TokensFile {
  /// `<db>.tokens`, e.g. `./sweep.db.tokens`.
  public static func path(forDatabase database: String) -> String { database + ".tokens" }

  /// Reads the `NAME=value` lines of a tokens file; a missing file reads as empty.
  public static func read(_ path: String) -> [String: String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let parts = line.split(separator: "=", maxSplits: 1)
      if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
    }
    return values
  }
}
