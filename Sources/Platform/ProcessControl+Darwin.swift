#if canImport(Darwin)
  extension ProcessControl {
    static func cExit(_ code: Int32) -> Never { Darwin.exit(code) }

    /// `environ` is not exported to programs on Darwin; `_NSGetEnviron()` is its documented accessor.
    static func environmentPointer() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
      _NSGetEnviron().pointee!
    }

    /// `_NSGetExecutablePath` (dyld(3)), then `realpath` to resolve symlinks and `..`.
    /// Seconds since boot: now minus `kern.boottime`.
    static func systemUptime() -> Double? {
      var boot = timeval()
      var size = MemoryLayout<timeval>.size
      var mib: [Int32] = [CTL_KERN, KERN_BOOTTIME]
      guard sysctl(&mib, 2, &boot, &size, nil, 0) == 0 else { return nil }
      var now = timeval()
      gettimeofday(&now, nil)
      return Double(now.tv_sec - boot.tv_sec) + Double(now.tv_usec - boot.tv_usec) / 1_000_000
    }

    /// Not read on macOS (a Mac is a free worker); the worker counts from its own start.
    static func ownAge() -> Double? { nil }

    static func ownExecutablePath() -> String? {
      var size: UInt32 = 0
      _ = _NSGetExecutablePath(nil, &size)
      var buffer = [CChar](repeating: 0, count: Int(size) + 1)
      guard _NSGetExecutablePath(&buffer, &size) == 0 else { return nil }
      guard let resolved = realpath(buffer, nil) else { return String(cString: buffer) }
      defer { free(resolved) }
      return String(cString: resolved)
    }
  }
#endif
