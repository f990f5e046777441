import Shared

extension SpecDecoder {
  /// Parses and validates a spec's text. `file` names the input in messages (a path, or
  /// `<request>`); the format comes from `format`, else the file name, else the content.
  public static func decode(_ text: String, file: String, format: DocumentFormat? = nil) throws(SpecValidationError)
    -> SweepSpec
  {
    guard text.utf8.count <= DocumentLimits.maxBytes else {
      throw SpecValidationError(
        file: file,
        diagnostics: [
          SpecDiagnostic(
            position: nil, path: "spec",
            message: "the file is \(text.utf8.count) bytes; specs are limited to \(DocumentLimits.maxBytes) bytes")
        ])
    }
    let chosen = format ?? DocumentFormat.detect(fileName: file, text: text)
    let root: DocumentNode
    do {
      root = chosen == .json ? try JSONDocumentReader.parse(text) : try YAMLDocumentReader.parse(text)
    } catch {
      throw SpecValidationError(
        file: file, diagnostics: [SpecDiagnostic(position: error.position, path: "spec", message: error.message)])
    }
    return try decode(document: root, file: file)
  }
}

extension SpecDecoder {
  /// Parses and validates a fleet file's text (YAML or JSON).
  public static func decodeFleet(_ text: String, file: String) throws(FleetValidationError) -> FleetSpec {
    let root: DocumentNode
    do {
      root =
        DocumentFormat.detect(fileName: file, text: text) == .json
        ? try JSONDocumentReader.parse(text) : try YAMLDocumentReader.parse(text)
    } catch {
      throw FleetValidationError(
        file: file, diagnostics: [SpecDiagnostic(position: error.position, path: "fleet", message: error.message)])
    }
    return try decodeFleet(document: root, file: file)
  }
}
