import Foundation
import Platform

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
    var inputPath: String? = nil
    if let stdin {
      let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString)").path
      FileManager.default.createFile(atPath: path, contents: Data(stdin.utf8))
      inputPath = path
    }
    defer { if let inputPath { try? FileManager.default.removeItem(atPath: inputPath) } }
    let child = try ChildProcess(
      executable: executable, arguments, directory: directory, environment: environment, input: inputPath,
      output: .pipes)
    // Read both pipes concurrently so a full stderr pipe cannot block the child.
    let errBox = DataBox()
    let done = DispatchSemaphore(value: 0)
    let errFD = child.stderr
    DispatchQueue.global().async {
      errBox.data = readToEnd(errFD)
      done.signal()
    }
    let outData = readToEnd(child.stdout)
    done.wait()
    child.waitUntilExit()
    return Result(
      status: child.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errBox.data, as: UTF8.self))
  }

  /// Reads a descriptor to its end and closes it.
  static func readToEnd(_ fd: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
      if count > 0 {
        data.append(contentsOf: buffer[0..<count])
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    Descriptors.close(fd)
    return data
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
