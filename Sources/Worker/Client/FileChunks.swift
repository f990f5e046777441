import NIOCore
import Platform

/// A file's bytes as an async sequence of 64 KiB buffers: an upload body that is never held in
/// memory whole. Read with plain `read(2)` on the caller's task (the file is local).
struct FileChunks: AsyncSequence, Sendable {
  typealias Element = ByteBuffer
  let path: String

  struct Iterator: AsyncIteratorProtocol {
    var fd: Int32
    mutating func next() async throws -> ByteBuffer? {
      guard fd >= 0 else { return nil }
      var buffer = [UInt8](repeating: 0, count: 1 << 16)
      let count = buffer.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
      if count <= 0 {
        close(fd)
        fd = -1
        if count < 0 { throw SpoolError.io("cannot read an upload", errno) }
        return nil
      }
      return ByteBuffer(bytes: buffer[0..<count])
    }
  }

  func makeAsyncIterator() -> Iterator { Iterator(fd: open(path, O_RDONLY)) }
}
