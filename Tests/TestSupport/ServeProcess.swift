import Foundation

/// A real `sweep serve` process on a free loopback port, with its own database folder.
public final class ServeProcess: @unchecked Sendable {
  public let directory: URL
  public let process: ChildProcess
  public let port: Int
  public let adminToken: String
  public let workerToken: String
  /// The dashboard's read-only token.
  public let viewerToken: String
  public var url: String { "\(scheme)://127.0.0.1:\(port)" }
  /// `https` when started with `--tls-cert` or `--tls auto`.
  public var scheme = "http"
  public var databasePath: String { directory.appendingPathComponent("sweep.db").path }
  /// The CA `--tls auto` made, for clients to trust (nil otherwise).
  public var certificateAuthority: String?
  /// `--coordinator`, `--token` and, with `--tls auto`, `--ca-cert`: what an admin command needs.
  public var adminArguments: [String] {
    ["--coordinator", url, "--token", adminToken] + (certificateAuthority.map { ["--ca-cert", $0] } ?? [])
  }

  public init(directory: URL? = nil, port requestedPort: Int = 0, extraArguments: [String] = []) throws {
    let directory =
      directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    self.directory = directory
    let portFile = directory.appendingPathComponent("port")
    try? FileManager.default.removeItem(at: portFile)
    let logPath = directory.appendingPathComponent("serve.log").path
    process = try ChildProcess(
      executable: CommandRunner.productsDirectory.appendingPathComponent("sweep").path,
      [
        "serve", "--port", String(requestedPort), "--db", directory.appendingPathComponent("sweep.db").path,
        "--port-file", portFile.path,
      ] + extraArguments, directory: directory.path, output: .appending(to: logPath))
    var found: Int? = nil
    for _ in 0..<300 {
      if let text = try? String(contentsOf: portFile, encoding: .utf8), let value = Int(text) {
        found = value
        break
      }
      usleep(20_000)
    }
    guard let found else {
      process.signal(SIGKILL)
      process.waitUntilExit()
      throw ServeError(
        "sweep serve did not start: \((try? String(contentsOf: directory.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "")"
      )
    }
    port = found
    if extraArguments.contains("--tls-cert") || extraArguments.contains("--tls") { scheme = "https" }
    if extraArguments.contains("--tls") {
      certificateAuthority = directory.appendingPathComponent("sweep.db.tls/ca.pem").path
    }
    let tokens = try String(contentsOf: directory.appendingPathComponent("sweep.db.tokens"), encoding: .utf8)
    func value(_ key: String) -> String {
      tokens.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } ?? ""
    }
    adminToken = value("SWEEP_ADMIN_TOKEN")
    workerToken = value("SWEEP_WORKER_TOKEN")
    viewerToken = value("SWEEP_VIEWER_TOKEN")
  }

  public var log: String {
    (try? String(contentsOf: directory.appendingPathComponent("serve.log"), encoding: .utf8)) ?? ""
  }

  /// Sends a signal without waiting (SIGSTOP and SIGCONT: a laptop closing and opening its lid).
  public func signal(_ signal: Int32) { process.signal(signal) }

  /// Sends a signal and waits for the process to end; returns its exit status.
  @discardableResult
  public func stop(signal: Int32 = SIGTERM) -> Int32 {
    if process.isRunning { process.signal(signal) }
    process.waitUntilExit()
    return process.terminationStatus
  }

  public func cleanUp() {
    stop(signal: SIGKILL)
    try? FileManager.default.removeItem(at: directory)
  }
}

public struct ServeError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
