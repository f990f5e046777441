import Foundation
import Platform

/// A TCP proxy on loopback between one worker and the coordinator, which the harness controls:
/// it can cut the worker off (a partition: open connections are dropped, new ones are accepted
/// and then hang, like a network that swallows packets) and heal it again. It also keeps a copy
/// of every result report that passes, so that the harness can deliver them again later, twice
/// and out of order.
public final class LoopbackProxy: @unchecked Sendable {
  /// The port workers connect to.
  public let port: Int
  private let upstreamPort: Int
  private let listener: Int32
  private let lock = NSLock()
  private var partitioned = false
  private var open: Set<Int32> = []
  private var held: Set<Int32> = []
  private var capturedReports: [[UInt8]] = []
  private var stopped = false

  public init(upstreamPort: Int) throws {
    self.upstreamPort = upstreamPort
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProxyError("socket: errno \(errno)") }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = Self.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 128) == 0 else { throw ProxyError("bind/listen: errno \(errno)") }
    var actual = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    listener = fd
    port = Int(UInt16(bigEndian: actual.sin_port))
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  /// Cuts the worker off: drops its open connections; new ones hang until ``heal()``.
  public func partition() {
    lock.lock()
    partitioned = true
    let doomed = open
    lock.unlock()
    for fd in doomed { shutdown(fd, Int32(SHUT_RDWR)) }
  }

  /// Ends the partition: the hanging connections are reset, so the worker's retries get through.
  public func heal() {
    lock.lock()
    partitioned = false
    let doomed = held
    held = []
    lock.unlock()
    for fd in doomed {
      shutdown(fd, Int32(SHUT_RDWR))
      close(fd)
    }
  }

  /// Copies of the result reports (whole HTTP requests, with the worker's credential) seen so far.
  public var reports: [[UInt8]] {
    lock.lock()
    defer { lock.unlock() }
    return capturedReports
  }

  public func stop() {
    lock.lock()
    stopped = true
    let doomed = open.union(held)
    lock.unlock()
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    for fd in doomed { shutdown(fd, Int32(SHUT_RDWR)) }
  }

  /// Sends one captured request straight to the coordinator; returns the HTTP status (0: no answer).
  public static func deliver(_ request: [UInt8], toPort port: Int) -> Int {
    guard let fd = connect(port: port) else { return 0 }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    guard writeAll(fd, request[...]) else { return 0 }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !answer.contains(UInt8(ascii: "\n")) {
      let count = read(fd, &buffer, buffer.count)
      if count <= 0 { break }
      answer += buffer[0..<count]
    }
    // "HTTP/1.1 200 OK"
    let words = String(decoding: answer.prefix(64), as: UTF8.self).split(separator: " ")
    return words.count > 1 ? Int(words[1]) ?? 0 : 0
  }

  private func acceptLoop() {
    while true {
      let client = accept(listener, nil, nil)
      if client < 0 {
        lock.lock()
        let done = stopped
        lock.unlock()
        if done { return }
        if errno == EINTR || errno == ECONNABORTED { continue }
        return
      }
      lock.lock()
      if partitioned || stopped {
        held.insert(client)  // accepted, never answered: the packets vanish
        lock.unlock()
        continue
      }
      lock.unlock()
      guard let upstream = Self.connect(port: upstreamPort) else {
        close(client)  // the coordinator is down: the worker sees a refused connection
        continue
      }
      lock.lock()
      open.insert(client)
      open.insert(upstream)
      lock.unlock()
      let pair = ConnectionPair(client: client, upstream: upstream)
      Thread { [self] in pump(from: client, to: upstream, pair: pair, capture: true) }.start()
      Thread { [self] in pump(from: upstream, to: client, pair: pair, capture: false) }.start()
    }
  }

  private func pump(from source: Int32, to destination: Int32, pair: ConnectionPair, capture: Bool) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var parser = RequestSplitter()
    while true {
      let count = read(source, &buffer, buffer.count)
      if count <= 0 { break }
      lock.lock()
      let cut = partitioned
      lock.unlock()
      if cut { break }
      if !Self.writeAll(destination, buffer[0..<count]) { break }
      if capture {
        for request in parser.append(buffer[0..<count]) where RequestSplitter.isResultReport(request) {
          lock.lock()
          capturedReports.append(request)
          lock.unlock()
        }
      }
    }
    if pair.finish() {
      lock.lock()
      open.remove(pair.client)
      open.remove(pair.upstream)
      lock.unlock()
      shutdown(pair.client, Int32(SHUT_RDWR))
      shutdown(pair.upstream, Int32(SHUT_RDWR))
    } else {
      // the other direction is still reading: wake it, it closes both
      shutdown(pair.client, Int32(SHUT_RDWR))
      shutdown(pair.upstream, Int32(SHUT_RDWR))
      return
    }
    close(pair.client)
    close(pair.upstream)
  }

  private static func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  private static func connect(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    let result = Descriptors.connect(fd, to: loopback(port: port))
    if result != 0 {
      close(fd)
      return nil
    }
    return fd
  }

  private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
      let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if written <= 0 {
        if written < 0 && errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

/// The two sockets of one proxied connection; whichever pump ends second closes them.
private final class ConnectionPair: @unchecked Sendable {
  let client: Int32
  let upstream: Int32
  private let lock = NSLock()
  private var ended = 0
  init(client: Int32, upstream: Int32) {
    self.client = client
    self.upstream = upstream
  }
  /// Whether this was the last of the two directions to end.
  func finish() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    ended += 1
    return ended == 2
  }
}

/// Splits a client's byte stream into whole HTTP/1.1 requests (Content-Length bodies only; a
/// chunked request ends the splitting for that connection, it is forwarded all the same).
struct RequestSplitter {
  private var buffer: [UInt8] = []
  private var gaveUp = false

  mutating func append(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
    guard !gaveUp else { return [] }
    buffer += bytes
    var requests: [[UInt8]] = []
    while let headerEnd = Self.find([13, 10, 13, 10], in: buffer) {
      let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self).lowercased()
      if head.contains("transfer-encoding: chunked") {
        gaveUp = true
        buffer = []
        return requests
      }
      let length =
        head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
      let end = headerEnd + 4 + length
      guard buffer.count >= end else { break }
      requests.append(Array(buffer[0..<end]))
      buffer.removeFirst(end)
    }
    return requests
  }

  static func isResultReport(_ request: [UInt8]) -> Bool {
    let line = String(decoding: request.prefix(200), as: UTF8.self)
    return line.hasPrefix("POST /v1/trials/") && line.split(separator: "\r\n").first?.contains("/results ") == true
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if Array(haystack[start..<(start + needle.count)]) == needle { return start }
    }
    return nil
  }
}

public struct ProxyError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
