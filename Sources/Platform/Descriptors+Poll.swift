extension Descriptors {
  /// Readiness of a few descriptors, as poll(2) reports it.
  public struct Readiness: Sendable {
    /// Per descriptor: readable, or hung up / in error (a read will then return 0 or fail).
    public var ready: [Bool]
  }

  /// Waits until one of `fds` is readable or hung up, or `timeoutMilliseconds` passes (-1: no
  /// limit). Negative descriptors are ignored. Retries on EINTR.
  public static func waitReadable(_ fds: [Int32], timeoutMilliseconds: Int32) -> Readiness {
    var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    while true {
      let result = poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
      if result < 0 && errno == EINTR { continue }
      let mask = Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL)
      return Readiness(ready: entries.map { $0.fd >= 0 && ($0.revents & mask) != 0 })
    }
  }
}
