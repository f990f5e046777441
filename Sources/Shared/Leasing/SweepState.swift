/// A sweep's state. The raw value is the column text and the wire text.
public enum SweepState: String, Hashable, Sendable, Codable, CaseIterable {
  /// Trials are handed out (or will be, once held ones are released).
  case running
  /// Every trial finished.
  case completed
  /// An admin cancelled it; unfinished trials were cancelled.
  case cancelled
  /// It paused itself (``FailureGuard``): no new attempts until `sweep resume`.
  case paused
}
