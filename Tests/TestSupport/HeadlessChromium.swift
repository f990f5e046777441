import Foundation

/// Debian's `chromium`, headless, for the dashboard's browser test: the rendered DOM after the
/// page's scripts ran, and screenshots. `.ci/run` installs it when it is missing; without it the
/// test fails saying so — it is never skipped.
public struct HeadlessChromium {
  public let executable: String
  /// A profile of its own, so that a run shares no cookies with another.
  public let profile: String

  public init() throws {
    let candidates = [
      ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
    ]
    guard let found = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else {
      throw ServeError(
        "headless Chromium is not installed: `apt-get install chromium` (Debian; .ci/run does it), or set CHROMIUM to its path"
      )
    }
    executable = found
    profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: profile + "-cwd", withIntermediateDirectories: true)
  }

  /// Flags for a headless run as root in a container; `offline` sends every request to a dead
  /// proxy, so a page that fetched anything from the network would show it missing.
  func arguments(offline: Bool, size: (Int, Int)) -> [String] {
    var arguments = [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
      "--user-data-dir=\(profile)", "--window-size=\(size.0),\(size.1)", "--virtual-time-budget=6000",
    ]
    if offline { arguments += ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"] }
    return arguments
  }

  /// The DOM of `url` once its scripts ran.
  public func dom(_ url: String, offline: Bool = false) throws -> String {
    let result = try CommandRunner.run(
      executable: executable, arguments(offline: offline, size: (1400, 1000)) + ["--dump-dom", url],
      directory: profile + "-cwd")
    guard result.status == 0 else {
      throw ServeError("chromium --dump-dom \(url) exited \(result.status): \(result.stderr.suffix(800))")
    }
    return result.stdout
  }

  /// A PNG of `url` at `width` × `height`.
  public func screenshot(_ url: String, to path: String, width: Int = 1400, height: Int = 2400) throws {
    let result = try CommandRunner.run(
      executable: executable, arguments(offline: false, size: (width, height)) + ["--screenshot=\(path)", url],
      directory: profile + "-cwd")
    guard result.status == 0, FileManager.default.fileExists(atPath: path) else {
      throw ServeError("chromium --screenshot \(url) exited \(result.status): \(result.stderr.suffix(800))")
    }
  }

  public func cleanUp() {
    try? FileManager.default.removeItem(atPath: profile)
    try? FileManager.default.removeItem(atPath: profile + "-cwd")
  }
}
