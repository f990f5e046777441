#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Shared

/// Archives waiting to be uploaded, in the spool (`SPOOL/uploads/KEY.tar` and `KEY.json`), so
/// that a worker restarted after a crash or a coordinator outage still sends them. The archive
/// is written and synced before its description, so a description always names a whole archive.
public struct UploadQueue: Sendable {
  public struct Entry: Codable, Hashable, Sendable {
    public var sweepId: String
    public var trialId: String
    public var attempt: Int
    public var sha256: String
    public var bytes: Int64
    /// The output folder it was packed from (kept on the worker whatever happens to the upload).
    public var folder: String

    public var key: String { "\(trialId)-\(attempt)" }
  }

  let directory: String

  init(spoolRoot: String) {
    directory = spoolRoot + "/uploads"
    _ = FileSystem.makeDirectory(directory)
  }

  func archivePath(_ key: String) -> String { "\(directory)/\(key).tar" }

  /// Where to pack the archive of an attempt before ``add(_:)``.
  func stagingPath(trialID: String, attempt: Int) -> String { archivePath("\(trialID)-\(attempt)") }

  func add(_ entry: Entry) throws(SpoolError) {
    let data: Data
    do {
      data = try JSONEncoder().encode(entry)
    } catch {
      throw .corrupt("cannot encode the upload of \(entry.key): \(error)")
    }
    try FileSystem.writeDurably(Array(data), to: "\(directory)/\(entry.key).json")
  }

  /// Every waiting upload, oldest key first; a description without its archive is dropped.
  func pending() -> [Entry] {
    FileSystem.list(directory).filter { $0.hasSuffix(".json") }.compactMap { name in
      guard let bytes = FileSystem.read("\(directory)/\(name)"),
        let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes))
      else { return nil }
      return entry
    }
  }

  func remove(_ entry: Entry) {
    FileSystem.remove("\(directory)/\(entry.key).json")
    FileSystem.remove(archivePath(entry.key))
  }

  var isEmpty: Bool { !FileSystem.list(directory).contains { $0.hasSuffix(".json") } }
}
