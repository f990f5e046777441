import Crypto
import Foundation
import Shared

/// The archives of uploaded output folders, content-addressed next to the database
/// (`DB-artifacts/sha256/ab/abcd….tar`): the same bytes twice are stored once. An upload is
/// streamed to `tmp/` while it is hashed and counted, checked (digest, size, archive names), then
/// renamed into place; a coordinator killed mid-upload leaves only a temporary file, removed on
/// the next start, and the worker sends the archive again.
public final class ArtifactFiles: Sendable {
  public let root: String

  public init(root: String) throws {
    self.root = root
    let manager = FileManager.default
    try? manager.removeItem(atPath: root + "/tmp")
    try manager.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
    try manager.createDirectory(atPath: root + "/sha256", withIntermediateDirectories: true)
  }

  /// Where the archive with this digest lives.
  public func path(sha256: String) -> String { "\(root)/sha256/\(sha256.prefix(2))/\(sha256).tar" }

  public func exists(sha256: String) -> Bool { FileManager.default.fileExists(atPath: path(sha256: sha256)) }

  public func delete(sha256: String) { try? FileManager.default.removeItem(atPath: path(sha256: sha256)) }

  /// Why an upload was refused; each is the client's fault and final.
  public enum UploadError: Error, Equatable {
    case tooLarge(Int64)
    case digestMismatch(expected: String, actual: String)
    case badArchive(String)
  }

  /// Streams `chunks` to a temporary file, hashing and counting; refuses more than `maxBytes`, a
  /// digest other than `expected`, or an archive with unsafe or unsupported entries. Returns the
  /// digest and size of an archive now stored.
  public func receive<Chunks: AsyncSequence>(_ chunks: Chunks, expected: String, maxBytes: Int64) async throws
    -> (sha256: String, bytes: Int64) where Chunks.Element == [UInt8]
  {
    let temporary = "\(root)/tmp/\(UUID().uuidString).tar"
    guard FileManager.default.createFile(atPath: temporary, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporary)
    else { throw StoreError.corrupt("cannot create \(temporary)") }
    var keepFile = false
    defer {
      try? handle.close()
      if !keepFile { try? FileManager.default.removeItem(atPath: temporary) }
    }
    var hasher = SHA256()
    var bytes: Int64 = 0
    for try await chunk in chunks {
      bytes += Int64(chunk.count)
      if bytes > maxBytes { throw UploadError.tooLarge(bytes) }
      hasher.update(data: chunk)
      try handle.write(contentsOf: chunk)
    }
    try handle.synchronize()
    let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    guard digest == expected.lowercased() else { throw UploadError.digestMismatch(expected: expected, actual: digest) }
    try Self.checkArchive(at: temporary, size: bytes)
    let target = path(sha256: digest)
    try FileManager.default.createDirectory(
      atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    if FileManager.default.fileExists(atPath: target) { return (digest, bytes) }  // the same bytes, stored once
    try FileManager.default.moveItem(atPath: temporary, toPath: target)
    keepFile = true
    return (digest, bytes)
  }

  /// Walks the archive's headers: every name must be safe and every entry a file or folder.
  static func checkArchive(at path: String, size: Int64) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw UploadError.badArchive("cannot be read") }
    defer { try? handle.close() }
    var offset: Int64 = 0
    while offset + Int64(TarFormat.blockSize) <= size {
      try handle.seek(toOffset: UInt64(offset))
      let block = [UInt8](try handle.read(upToCount: TarFormat.blockSize) ?? Data())
      let header: TarFormat.Header?
      do {
        header = try TarFormat.decode(block[...])
      } catch {
        throw UploadError.badArchive(error.description)
      }
      guard let header else { return }  // the end marker
      offset += Int64(TarFormat.blockSize) + header.size + Int64(TarFormat.padding(after: header.size))
      if offset > size { throw UploadError.badArchive("entry '\(header.name)' runs past the end of the archive") }
    }
    throw UploadError.badArchive("no end-of-archive marker")
  }
}
