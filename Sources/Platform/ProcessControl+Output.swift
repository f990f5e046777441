extension ProcessControl {
  /// Runs `argv` (searched in PATH) to its end and returns its standard output; nil when it could
  /// not start or failed. For short system queries (`pmset -g batt`), not for trials.
  public static func output(of argv: [String], directory: String = "/") -> String? {
    guard let child = try? Spawn(argv: argv, environment: environment(), directory: directory) else { return nil }
    Descriptors.close(child.stderr)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { Descriptors.read(child.stdout, into: $0) }
      if count > 0 {
        bytes += buffer[0..<count]
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    Descriptors.close(child.stdout)
    guard waitForExit(child.pid) == .exited(0) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The first executable file called `name` in `PATH`, or nil.
  public static func findInPath(_ name: String) -> String? {
    for folder in (environmentValue("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
      let path = folder + "/" + name
      if access(path, X_OK) == 0 { return path }
    }
    return nil
  }
}
