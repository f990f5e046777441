import Crypto
import Foundation

/// A `sweep-worker` executable the coordinator hands to the machines that install it
/// (`GET /install.sh`, `GET /v1/worker/{platform}`), with the platform read from its own header
/// and its digest computed once at start, so a file changed afterwards is refused by the installer.
public struct WorkerBinary: Sendable, Hashable {
  /// `linux-x86_64`, `linux-aarch64`, `darwin-arm64` or `darwin-x86_64`: what `uname -s` (lowercased)
  /// and `uname -m` print on a machine that runs it.
  public var platform: String
  public var path: String
  public var sha256: String
  public var bytes: Int64

  /// Why a file cannot be served as a worker.
  public struct LoadError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Reads `path`: an ELF or Mach-O executable of a known architecture.
  public static func load(_ path: String) throws -> WorkerBinary {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw LoadError(description: "--worker-binary \(path): cannot read the file")
    }
    defer { try? handle.close() }
    let header = [UInt8]((try? handle.read(upToCount: 20)) ?? Data())
    guard let platform = Self.platform(header: header) else {
      throw LoadError(
        description:
          "--worker-binary \(path): not a Linux or macOS executable for x86_64 or arm64 (build one with the recipe in deploy/README.md)"
      )
    }
    try handle.seek(toOffset: 0)
    var hasher = SHA256()
    var bytes: Int64 = 0
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      hasher.update(data: chunk)
      bytes += Int64(chunk.count)
    }
    let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    return WorkerBinary(platform: platform, path: path, sha256: digest, bytes: bytes)
  }

  /// The platform of the executable at `path`, from its header alone; nil if it is none we serve.
  public static func platform(ofFile path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    return platform(header: [UInt8]((try? handle.read(upToCount: 20)) ?? Data()))
  }

  /// The platform of an executable from its first bytes: ELF `e_machine`, or the Mach-O CPU type.
  static func platform(header: [UInt8]) -> String? {
    guard header.count >= 20 else { return nil }
    if header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46 {  // "\x7fELF"
      let littleEndian = header[5] == 1
      let machine =
        littleEndian ? UInt16(header[18]) | UInt16(header[19]) << 8 : UInt16(header[18]) << 8 | UInt16(header[19])
      switch machine {
      case 0x3E: return "linux-x86_64"
      case 0xB7: return "linux-aarch64"
      default: return nil
      }
    }
    // 64-bit Mach-O, little-endian: magic 0xfeedfacf stored as cf fa ed fe.
    if header[0] == 0xCF, header[1] == 0xFA, header[2] == 0xED, header[3] == 0xFE {
      let cpu = UInt32(header[4]) | UInt32(header[5]) << 8 | UInt32(header[6]) << 16 | UInt32(header[7]) << 24
      switch cpu {
      case 0x0100_0007: return "darwin-x86_64"
      case 0x0100_000C: return "darwin-arm64"
      default: return nil
      }
    }
    return nil
  }
}
