#if os(Linux)
  extension ProcessControl {
    static func cExit(_ code: Int32) -> Never { Glibc.exit(code) }

    static func environmentPointer() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> { environ }

    /// Seconds since boot, from /proc/uptime.
    static func systemUptime() -> Double? {
      let fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { return nil }
      defer { _ = Glibc.close(fd) }
      var buffer = [UInt8](repeating: 0, count: 128)
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      guard count > 0 else { return nil }
      return String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ").first.flatMap { Double($0) }
    }

    /// /proc/self/exe, which the kernel keeps pointing at the binary.
    static func ownExecutablePath() -> String? {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
      guard length > 0 else { return nil }
      return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
  }
#endif
