import Crypto
import Platform
import Shared

/// Packs an attempt's output folder into one tar archive (``TarFormat``), streamed file by file
/// and hashed on the way, so that a 50 MB adapter is never held in memory. Regular files and
/// folders only: links and devices are left out (and logged by the caller), since the archive
/// is unpacked on another machine.
enum ArtifactArchive {
  struct Packed: Equatable {
    var sha256: String
    var bytes: Int64
    var skipped: [String]
  }

  /// The bytes the folder's regular files hold (to refuse an oversize folder before packing it).
  static func contentBytes(of folder: String) -> Int64 {
    var total: Int64 = 0
    walk(folder, relative: "") { _, path, info in
      if (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
    }
    return total
  }

  /// Writes `folder` as a tar archive to `archive`; returns its digest and size.
  static func pack(folder: String, into archive: String) throws(SpoolError) -> Packed {
    let out = open(archive, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard out >= 0 else { throw .io("cannot create \(archive)", errno) }
    defer { close(out) }
    var hasher = SHA256()
    var written: Int64 = 0
    var failure: SpoolError?
    var skipped: [String] = []
    func emit(_ bytes: [UInt8]) {
      guard failure == nil else { return }
      hasher.update(data: bytes)
      written += Int64(bytes.count)
      let ok = bytes.withUnsafeBytes { Descriptors.writeAll(out, $0) }
      if !ok { failure = .io("cannot write \(archive)", errno) }
    }
    walk(folder, relative: "") { name, path, info in
      let type = info.st_mode & S_IFMT
      do {
        if type == S_IFDIR {
          emit(try TarFormat.encode(TarFormat.Header(name: name, size: 0, kind: .directory, mode: 0o755)))
        } else if type == S_IFREG {
          let source = open(path, O_RDONLY | O_CLOEXEC)
          guard source >= 0 else {
            skipped.append(name)
            return
          }
          defer { close(source) }
          let size = Int64(info.st_size)
          emit(try TarFormat.encode(TarFormat.Header(name: name, size: size, kind: .file, mode: 0o644)))
          var left = size
          var buffer = [UInt8](repeating: 0, count: 1 << 16)
          while left > 0 {
            let count = buffer.withUnsafeMutableBytes { Descriptors.read(source, into: $0) }
            if count <= 0 { break }
            let take = min(Int64(count), left)
            emit(Array(buffer[0..<Int(take)]))
            left -= take
          }
          // a file that shrank while being packed: pad with zeros so the archive stays well-formed
          if left > 0 { emit([UInt8](repeating: 0, count: Int(left))) }
          emit([UInt8](repeating: 0, count: TarFormat.padding(after: size)))
        } else {
          skipped.append(name)
        }
      } catch {
        skipped.append(name)
      }
    }
    emit([UInt8](repeating: 0, count: TarFormat.blockSize * 2))
    if let failure { throw failure }
    guard Descriptors.durableSync(out) == 0 else { throw .io("cannot sync \(archive)", errno) }
    let digest = hasher.finalize().map { byte in
      let hex = String(byte, radix: 16)
      return hex.count == 1 ? "0" + hex : hex
    }.joined()
    return Packed(sha256: digest, bytes: written, skipped: skipped)
  }

  /// Visits every entry under `folder` (depth first, names sorted), with its path relative to it.
  private static func walk(_ folder: String, relative: String, _ visit: (String, String, stat) -> Void) {
    for name in FileSystem.list(folder) {
      let path = folder + "/" + name
      let relativeName = relative.isEmpty ? name : relative + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      visit(relativeName, path, info)
      if (info.st_mode & S_IFMT) == S_IFDIR { walk(path, relative: relativeName, visit) }
    }
  }
}
