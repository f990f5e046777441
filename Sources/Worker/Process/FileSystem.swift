import Platform

/// The few file-system calls the worker needs, with POSIX semantics and no Foundation.
enum FileSystem {
  /// Creates a directory and its parents (mode 0700); returns whether it exists afterwards.
  @discardableResult
  static func makeDirectory(_ path: String) -> Bool {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      current += "/" + component
      if mkdir(current, 0o700) != 0 && errno != EEXIST { return false }
    }
    return true
  }

  /// Writes a file atomically and durably: temporary file, a durable sync (``Descriptors/durableSync(_:)``:
  /// `F_FULLFSYNC` on macOS), rename, a sync of the directory.
  static func writeDurably(_ bytes: [UInt8], to path: String) throws(SpoolError) {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .io("open \(temporary)", errno) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      guard written > 0 else {
        close(fd)
        throw .io("write \(temporary)", errno)
      }
      offset += written
    }
    guard Descriptors.durableSync(fd) == 0 else {
      close(fd)
      throw .io("fsync \(temporary)", errno)
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw .io("rename \(temporary)", errno) }
    syncDirectory(of: path)
  }

  static func syncDirectory(of path: String) {
    let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
    if fd >= 0 {
      _ = Descriptors.durableSync(fd)
      close(fd)
    }
  }

  static func read(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
      if count <= 0 { break }
      result += buffer[0..<count]
    }
    return result
  }

  static func list(_ directory: String) -> [String] {
    guard let handle = opendir(directory) else { return [] }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  static func remove(_ path: String) {
    unlink(path)
    syncDirectory(of: path)
  }

  /// Removes a folder and everything in it.
  static func removeTree(_ path: String) {
    for name in list(path) {
      let child = path + "/" + name
      var info = stat()
      if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
        removeTree(child)
      } else {
        unlink(child)
      }
    }
    rmdir(path)
  }

  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self) + "/" + path
  }
}

extension FileSystem {
  /// Whether `path` is an existing directory.
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// `base/path` unless `path` is absolute.
  static func resolve(_ path: String, against base: String) -> String {
    path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
  }
}
