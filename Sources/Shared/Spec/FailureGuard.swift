/// `pause_on_failures`: a sweep whose first attempts all fail the same way, quickly, pauses itself
/// with the reason instead of spending every trial and attempt on a broken command. Counting
/// starts when the sweep is created and again when it is resumed; the first successful attempt
/// turns the guard off for good.
public struct FailureGuard: Hashable, Sendable {
  /// How many failed attempts in a row, with nothing succeeding, trip the guard.
  public var attempts: Int
  /// Each of them ended within this long of starting.
  public var within: Duration

  public init(attempts: Int, within: Duration) {
    self.attempts = attempts
    self.within = within
  }

  /// 5 attempts in a row, each failed within 10 s, with the same exit code.
  public static let `default` = FailureGuard(attempts: 5, within: .seconds(10))

  /// The watch a new (or resumed) sweep starts with.
  public var watch: FailureWatch {
    FailureWatch(attempts: attempts, withinMs: within.wholeMilliseconds, recent: [], disarmed: false)
  }
}

/// A sweep's ``FailureGuard`` as it runs: the latest failed attempts since it started or resumed.
/// A value: the scheduler feeds it each attempt's end and stores it with the sweep.
public struct FailureWatch: Hashable, Sendable, Codable {
  public var attempts: Int
  public var withinMs: Int64
  /// Failed attempts, newest first, at most ``attempts``.
  public var recent: [Failure]
  /// Set by the first successful attempt: a sweep that has worked once never pauses itself.
  public var disarmed: Bool

  /// One failed attempt, as the guard sees it.
  public struct Failure: Hashable, Sendable, Codable {
    public var exitCode: Int?
    public var durationMs: Int64
    /// The last line of the attempt's output or its stated error, if any.
    public var lastLine: String?
    /// The trial it belonged to: `sweep resume` gives such trials their attempts back.
    public var trialID: String?

    public init(exitCode: Int?, durationMs: Int64, lastLine: String?, trialID: String? = nil) {
      self.exitCode = exitCode
      self.durationMs = durationMs
      self.lastLine = lastLine
      self.trialID = trialID
    }
  }

  /// Notes a failed attempt; returns why the sweep must pause now, or nil.
  public mutating func recordFailure(_ failure: Failure) -> String? {
    guard !disarmed else { return nil }
    recent.insert(failure, at: 0)
    if recent.count > attempts { recent.removeLast(recent.count - attempts) }
    guard recent.count >= attempts, let first = recent.first else { return nil }
    guard recent.allSatisfy({ $0.exitCode == first.exitCode && $0.durationMs <= withinMs }) else { return nil }
    let how = first.exitCode.map { "exit \($0)" } ?? "no exit code"
    let line = recent.lazy.compactMap(\.lastLine).first.map { ", \"\($0)\"" } ?? ""
    return
      "every attempt so far failed: \(how)\(line) (\(attempts) in a row, each within \(DurationText.format(.milliseconds(withinMs))))"
  }

  /// A success: the guard is off for the rest of the sweep.
  public mutating func recordSuccess() {
    disarmed = true
    recent = []
  }

  /// `sweep resume`: counting starts again. Returns the trials whose failures tripped the guard:
  /// they failed for the command's sake, not their configuration's, and get their attempts back.
  public mutating func resume() -> [String] {
    var seen = Set<String>()
    let trials = recent.compactMap(\.trialID).filter { seen.insert($0).inserted }
    recent = []
    return trials
  }
}
