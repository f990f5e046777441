/// The ustar archive format of an attempt's output folder, as pure functions over 512-byte
/// blocks: the worker writes archives, the coordinator checks them, `sweep artifacts` extracts
/// them. Only regular files and folders; names are relative, without `..` (``TarFormat/problem(withName:)``).
public enum TarFormat {
  public static let blockSize = 512

  public enum EntryKind: Hashable, Sendable {
    case file
    case directory
  }

  public struct Header: Hashable, Sendable {
    public var name: String
    public var size: Int64
    public var kind: EntryKind
    public var mode: Int

    public init(name: String, size: Int64, kind: EntryKind, mode: Int = 0o644) {
      self.name = name
      self.size = size
      self.kind = kind
      self.mode = mode
    }
  }

  public enum FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case badHeader(String)
    case unsafeName(String, String)
    case unsupported(String)

    public var description: String {
      switch self {
      case .badHeader(let why): "not a tar archive: \(why)"
      case .unsafeName(let name, let why): "the archive entry '\(name)' is refused: \(why)"
      case .unsupported(let what): "the archive holds \(what); only files and folders are accepted"
      }
    }
  }

  /// Why `name` may not be extracted, or nil: absolute paths, `..`, empty or NUL-bearing names
  /// could write outside the folder they are extracted into.
  public static func problem(withName name: String) -> String? {
    if name.isEmpty { return "an empty name" }
    if name.hasPrefix("/") { return "an absolute path" }
    if name.unicodeScalars.contains("\u{0}") || name.contains("\\") { return "a NUL or backslash in the name" }
    let parts = name.split(separator: "/", omittingEmptySubsequences: true)
    if parts.contains("..") { return "it climbs out of the folder with '..'" }
    if parts.isEmpty { return "an empty name" }
    return nil
  }

  /// The header block of an entry (ustar; names up to 255 bytes through the prefix field).
  public static func encode(_ header: Header) throws(FormatError) -> [UInt8] {
    if let problem = problem(withName: header.name) { throw .unsafeName(header.name, problem) }
    var name = Array(header.name.utf8)
    if header.kind == .directory && name.last != UInt8(ascii: "/") { name.append(UInt8(ascii: "/")) }
    var prefix: [UInt8] = []
    if name.count > 100 {
      // split at a '/' so that the prefix holds ≤ 155 bytes and the name ≤ 100
      guard let cut = name.indices.last(where: { name[$0] == UInt8(ascii: "/") && $0 <= 155 && name.count - $0 - 1 <= 100 })
      else { throw .unsafeName(header.name, "longer than a tar name can be (255 bytes)") }
      prefix = Array(name[..<cut])
      name = Array(name[(cut + 1)...])
    }
    var block = [UInt8](repeating: 0, count: blockSize)
    func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
    func octal(_ value: Int64, width: Int) -> [UInt8] {
      let digits = Array(String(value, radix: 8).utf8)
      return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits + [0]
    }
    put(name, at: 0)
    put(octal(Int64(header.mode), width: 8), at: 100)
    put(octal(0, width: 8), at: 108)
    put(octal(0, width: 8), at: 116)
    put(octal(header.kind == .file ? header.size : 0, width: 12), at: 124)
    put(octal(0, width: 12), at: 136)
    put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
    block[156] = header.kind == .file ? UInt8(ascii: "0") : UInt8(ascii: "5")
    put(Array("ustar".utf8) + [0], at: 257)
    put(Array("00".utf8), at: 263)
    put(prefix, at: 345)
    let sum = block.reduce(0) { $0 + Int64($1) }
    put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
    return block
  }

  /// The entry a header block describes; nil for an all-zero block (the end of the archive).
  public static func decode(_ block: ArraySlice<UInt8>) throws(FormatError) -> Header? {
    guard block.count == blockSize else { throw .badHeader("a short block") }
    if block.allSatisfy({ $0 == 0 }) { return nil }
    let base = block.startIndex
    func field(_ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
      let slice = block[(base + offset)..<(base + offset + length)]
      return slice.prefix { $0 != 0 }
    }
    func number(_ offset: Int, _ length: Int) throws(FormatError) -> Int64 {
      let text = String(decoding: field(offset, length), as: UTF8.self).trimmingCharacters(" ")
      guard let value = Int64(text.isEmpty ? "0" : text, radix: 8), value >= 0 else {
        throw .badHeader("a malformed number '\(text)'")
      }
      return value
    }
    var sum: Int64 = 0
    for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(byte) }
    guard try number(148, 8) == sum else { throw .badHeader("a header checksum does not match") }
    var name = String(decoding: field(0, 100), as: UTF8.self)
    let prefix = String(decoding: field(345, 155), as: UTF8.self)
    if !prefix.isEmpty { name = prefix + "/" + name }
    let type = block[base + 156]
    let kind: EntryKind
    switch type {
    case UInt8(ascii: "0"), 0: kind = .file
    case UInt8(ascii: "5"): kind = .directory
    case UInt8(ascii: "1"), UInt8(ascii: "2"): throw .unsupported("a link ('\(name)')")
    default: throw .unsupported("an entry of type '\(Character(UnicodeScalar(type)))' ('\(name)')")
    }
    while name.hasSuffix("/") { name.removeLast() }
    if let problem = problem(withName: name) { throw .unsafeName(name, problem) }
    return Header(name: name, size: kind == .file ? try number(124, 12) : 0, kind: kind, mode: Int(try number(100, 8)))
  }

  /// Zero bytes that pad `size` bytes of data to a whole block.
  public static func padding(after size: Int64) -> Int {
    let rest = Int(size % Int64(blockSize))
    return rest == 0 ? 0 : blockSize - rest
  }
}

extension String {
  fileprivate func trimmingCharacters(_ character: Character) -> String {
    String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
  }
}
