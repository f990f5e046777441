/// Turns a spec file's text into a ``SweepSpec`` or a ``SpecValidationError`` listing every problem.
///
/// Walks the positioned document tree, so each message carries line, column and key path.
/// Decoding goes on after an error wherever it sensibly can, to report everything at once.
public struct SpecDecoder {
  var diagnostics: [SpecDiagnostic] = []

  /// Keys allowed at the top level of a spec.
  public static let topLevelKeys = [
    "name", "budget_usd", "objective", "domains", "seed", "sampler", "trials_per_domain", "shard_size",
    "max_attempts", "trial_timeout", "estimate", "command", "space", "max_trials", "stages", "early_stopping",
    "transfer", "adaptive", "workdir", "pause_on_failures", "artifacts", "replicates",
  ]
  static let parameterKindKeys = ["values", "int", "uniform", "log_uniform", "value"]
  static let parameterModifierKeys = ["step", "log", "grid_points"]

  /// Validates a parsed spec document. `file` names the input in messages. Reading the text
  /// (YAML or JSON) is `SpecDecoder.decode(_:file:format:)` in SpecReading, which keeps the YAML
  /// parser — and the Foundation it pulls in — out of the worker.
  public static func decode(document root: DocumentNode, file: String) throws(SpecValidationError) -> SweepSpec {
    var decoder = SpecDecoder()
    let spec = decoder.spec(root)
    if let spec, decoder.diagnostics.isEmpty { return spec }
    throw SpecValidationError(file: file, diagnostics: decoder.diagnostics)
  }

  mutating func report(_ node: DocumentNode?, _ path: String, _ message: String) {
    diagnostics.append(SpecDiagnostic(position: node?.position, path: path, message: message))
  }

  mutating func report(at position: SourcePosition?, _ path: String, _ message: String) {
    diagnostics.append(SpecDiagnostic(position: position, path: path, message: message))
  }
}
