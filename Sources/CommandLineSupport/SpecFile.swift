import Foundation
import Shared
import SpecReading

/// Reads a spec from disk (or `-` for stdin) and validates it, turning every failure into
/// a bad-input ``CLIError`` that names the file.
public enum SpecFile {
  public static func load(_ path: String) throws(CLIError) -> (spec: SweepSpec, text: String) {
    let text = try read(path)
    do {
      return (try SpecDecoder.decode(text, file: path == "-" ? "<stdin>" : path), text)
    } catch {
      throw CLIError(.badInput, error.lines)
    }
  }

  public static func read(_ path: String) throws(CLIError) -> String {
    let data: Data
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CLIError(.badInput, "\(path): no such file; expected the path of a sweep spec (YAML or JSON)")
      }
      guard !isDirectory.boolValue else {
        throw CLIError(.badInput, "\(path): is a directory; expected the path of a sweep spec (YAML or JSON)")
      }
      guard let contents = FileManager.default.contents(atPath: path) else {
        throw CLIError(.badInput, "\(path): cannot be read (check its permissions)")
      }
      data = contents
    }
    guard data.count <= DocumentLimits.maxBytes else {
      throw CLIError(.badInput, "\(path): \(data.count) bytes; specs are limited to \(DocumentLimits.maxBytes) bytes")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw CLIError(.badInput, "\(path): is not UTF-8 text; save the spec as UTF-8")
    }
    return text
  }
}
