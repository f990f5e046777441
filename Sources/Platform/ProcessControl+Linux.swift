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

    /// Seconds since this process started: uptime less its start (field 22 of /proc/self/stat,
    /// in clock ticks after boot).
    static func ownAge() -> Double? {
      guard let uptime = systemUptime() else { return nil }
      let fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { return nil }
      defer { _ = Glibc.close(fd) }
      var buffer = [UInt8](repeating: 0, count: 1024)
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      guard count > 0, let close = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
      // After "pid (name)": state is field 3, so field 22 is the 20th word.
      let fields = buffer[(close + 1)..<count].split(separator: UInt8(ascii: " "))
      let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
      guard fields.count > 19, ticks > 0, let start = Double(String(decoding: fields[19], as: UTF8.self)) else {
        return nil
      }
      return max(0, uptime - start / ticks)
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
