#if os(Linux)
  extension ProcessControl {
    static func cExit(_ code: Int32) -> Never { Glibc.exit(code) }

    static func environmentPointer() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> { environ }

    /// /proc/self/exe, which the kernel keeps pointing at the binary.
    static func ownExecutablePath() -> String? {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
      guard length > 0 else { return nil }
      return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
  }
#endif
