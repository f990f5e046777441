import Foundation

/// Runs one of the package's built executables as a real subprocess.
public struct CommandRunner {
  public struct Result: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  /// The folder holding the built products: where the test bundle is. On Linux that is the test
  /// executable itself; on macOS `xctest` (argv[0], Xcode's tool) loads a `.xctest` bundle from it.
  public static var productsDirectory: URL {
    #if os(macOS)
      if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
        return bundle.bundleURL.deletingLastPathComponent()
      }
    #endif
    return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
  }

  /// The repository root, found from this file's path.
  public static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  public static func example(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("examples").appendingPathComponent(name).path
  }

  public static func run(_ product: String, _ arguments: [String], stdin: String? = nil) throws -> Result {
    try run(
      executable: productsDirectory.appendingPathComponent(product).path, arguments, directory: repositoryRoot.path,
      stdin: stdin)
  }

  /// Runs any program to its end: `environment` is added to this process's own.
  public static func run(
    executable: String, _ arguments: [String], directory: String, environment: [String: String] = [:],
    stdin: String? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a full stderr pipe cannot block the child.
    let errBox = DataBox()
    let done = DispatchSemaphore(value: 0)
    let errHandle = err.fileHandleForReading
    DispatchQueue.global().async {
      errBox.data = errHandle.readDataToEndOfFile()
      done.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

/// Carries bytes out of a reader thread; written once before the semaphore signals.
public final class DataBox: @unchecked Sendable {
  public var data = Data()
}

extension CommandRunner {
  /// Runs blocking work (a child process to its end, a pip install) on a Dispatch thread, so an
  /// async test does not hold one of the few cooperative threads that in-process tests need.
  public static func offPool<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let box = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<UncheckedBox<T>, any Error>) in
      DispatchQueue.global().async {
        continuation.resume(with: Swift.Result(catching: { UncheckedBox(value: try work()) }))
      }
    }
    return box.value
  }
}

/// Carries a value that is not Sendable (parsed JSON) out of ``CommandRunner/offPool(_:)``: it is
/// made on one thread and only read after the hand-over.
public struct UncheckedBox<T>: @unchecked Sendable {
  public let value: T
}
