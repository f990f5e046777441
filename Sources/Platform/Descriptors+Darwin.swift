#if canImport(Darwin)
  extension Descriptors {
    static func cRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
      Darwin.read(fd, buffer, count)
    }
    static func cWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
    static func cClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
    static func cConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
      Darwin.connect(fd, address, length)
    }
    /// fcntl(2) `F_FULLFSYNC`; file systems that do not support it (some network mounts) fall back to fsync.
    static func fullSync(_ fd: Int32) -> Int32 { fcntl(fd, F_FULLFSYNC) == 0 ? 0 : fsync(fd) }
  }
#endif
