import CommandLineSupport
import Coordinator
import Foundation
import Shared
import Synchronization

/// The fleet's record: every plan, every `up` and `down` with its output, every box that left,
/// one timestamped line each, appended to `fleet.log` in its folder and echoed to standard output.
final class FleetLog: Sendable {
  /// Where the log, each box's folder and the commands' output live.
  let folder: String
  private let handle: Mutex<FileHandle?>

  init(folder: String) throws(CLIError) {
    self.folder = folder
    let path = folder + "/fleet.log"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw CLIError(.badInput, "--log-dir: cannot create \(folder): \(error.localizedDescription)")
    }
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw CLIError(.badInput, "--log-dir: cannot write \(path)")
    }
    handle.seekToEndOfFile()
    self.handle = Mutex(handle)
  }

  var path: String { folder + "/fleet.log" }

  func line(_ text: String) {
    let stamped = "\(SystemWallClock().now.iso8601) \(text)"
    handle.withLock { handle in
      handle?.write(Data((stamped + "\n").utf8))
      FileHandle.standardOutput.write(Data((stamped + "\n").utf8))
    }
  }
}
