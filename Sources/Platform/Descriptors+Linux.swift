#if os(Linux)
  extension Descriptors {
    static func cRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
      Glibc.read(fd, buffer, count)
    }
    static func cWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
    static func cClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    static func cConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
      Glibc.connect(fd, address, length)
    }
    static func fullSync(_ fd: Int32) -> Int32 { fsync(fd) }
  }
#endif
