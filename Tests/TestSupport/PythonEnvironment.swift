import Foundation
import Synchronization

/// The virtualenv with torch (CPU, pinned), transformers, peft, pytest and the `lorasweep`
/// client, made or reused by `.ci/python-env` (cached under ~/.cache/lorasweep, outside the
/// clone). A test that needs it fails when it cannot be made — never skips.
public enum PythonEnvironment {
  private static let made = Mutex<Result<String, ServeError>?>(nil)

  /// The venv's python; builds the venv on first use (about 2 minutes on a fresh machine).
  public static func python() throws -> String {
    try made.withLock { cached in
      if let cached { return try cached.get() }
      let result = Result<String, ServeError> { () throws(ServeError) -> String in
        let run: CommandRunner.Result
        do {
          run = try CommandRunner.run(
            executable: "/usr/bin/env",
            ["bash", CommandRunner.repositoryRoot.appendingPathComponent(".ci/python-env").path],
            directory: CommandRunner.repositoryRoot.path)
        } catch {
          throw ServeError("cannot run .ci/python-env: \(error)")
        }
        let path = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard run.status == 0, FileManager.default.isExecutableFile(atPath: path) else {
          throw ServeError(
            ".ci/python-env could not make the PyTorch virtualenv (status \(run.status)): \(run.stderr.suffix(2000))")
        }
        return path
      }
      cached = result
      return try result.get()
    }
  }

  /// The venv's bin folder first on PATH: `python` in a spec is the venv's.
  public static func environment() throws -> [String: String] {
    let bin = (try python() as NSString).deletingLastPathComponent
    return ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
  }
}
