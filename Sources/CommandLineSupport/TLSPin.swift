import Foundation

/// Where `sweep serve --tls auto` keeps what boxes need to trust it (`DB.tls/`), for the commands
/// that print install lines for boxes (`sweep deploy`, `sweep fleet up`).
public enum TLSPin {
  /// `DB.tls`: the CA, the server certificate and key, and the pin.
  public static func folder(forDatabase path: String) -> String { path + ".tls" }

  /// The file holding the server key's pin, `sha256//BASE64`.
  public static func path(forDatabase path: String) -> String { folder(forDatabase: path) + "/pin" }

  /// The pin an earlier `--tls auto` start kept next to the database, if any.
  public static func read(forDatabase path: String) -> String? {
    guard let text = try? String(contentsOfFile: self.path(forDatabase: path), encoding: .utf8) else { return nil }
    let pin = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return isValid(pin) ? pin : nil
  }

  /// `sha256//` and base64: nothing a shell would read as anything but one word.
  public static func isValid(_ pin: String) -> Bool {
    pin.hasPrefix("sha256//") && pin.count > 8
      && pin.dropFirst(8).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
  }

  /// The curl options that fetch the installer from a coordinator whose key is `pin` (its CA is
  /// its own, so the chain is not checked; the key is).
  public static func curlOptions(_ pin: String?) -> String {
    pin.map { " --insecure --pinnedpubkey \($0)" } ?? ""
  }
}
