/// Reading and writing file descriptors: pipes, standard error, durable files.
public enum Descriptors {
  /// One read(2); the count, 0 at end of file, -1 with `errno` set.
  public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    cRead(fd, buffer.baseAddress, buffer.count)
  }

  /// Writes every byte (retrying short writes and EINTR); false on an error.
  @discardableResult
  public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = cWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return false }
      offset += written
    }
    return true
  }

  /// Whether `fd` is a terminal (someone is watching, not a file or a pipe).
  public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  /// Writes text to standard error in one call, unbuffered.
  public static func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
  }

  /// A pipe: (read end, write end), both close-on-exec: a child started at the same time by
  /// another thread must not inherit them (an inherited write end keeps a trial's output open
  /// after the trial ends). ``Spawn`` dup2s the ends it hands its own child, which clears the flag.
  public static func makePipe() -> (read: Int32, write: Int32)? {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return (ends[0], ends[1])
  }

  public static func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
  }

  public static func close(_ fd: Int32) { _ = cClose(fd) }

  /// Flushes a file to stable storage; 0 on success. On Linux that is fsync(2); on Darwin fsync
  /// only reaches the drive's cache, and `F_FULLFSYNC` is what makes the write durable.
  public static func durableSync(_ fd: Int32) -> Int32 { fullSync(fd) }

  /// connect(2) to an IPv4 address.
  public static func connect(_ fd: Int32, to address: sockaddr_in) -> Int32 {
    var address = address
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        cConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }
}
