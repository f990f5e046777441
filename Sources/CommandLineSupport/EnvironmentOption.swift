import Foundation

/// Flags that may also come from `SWEEP_…` environment variables: the flag wins, then the
/// variable, then the default. A variable that does not parse is bad input, named as such.
public enum EnvironmentOption {
  public static func string(_ flag: String?, _ variable: String) -> String? {
    if let flag { return flag }
    if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
    return nil
  }

  public static func int(_ flag: Int?, _ variable: String, default fallback: Int, range: ClosedRange<Int>, name: String)
    throws(CLIError) -> Int
  {
    let value: Int
    if let flag {
      value = flag
    } else if let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty {
      guard let parsed = Int(text) else {
        throw CLIError(.badInput, "\(variable)=\(text): expected an integer for \(name)")
      }
      value = parsed
    } else {
      value = fallback
    }
    guard range.contains(value) else {
      throw CLIError(
        .badInput, "\(name): \(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
    }
    return value
  }
}
