/// Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·2ⁿ)].
public struct Backoff: Sendable {
  public var base: Duration
  public var cap: Duration
  public private(set) var attempt = 0

  public init(base: Duration = .milliseconds(250), cap: Duration = .seconds(30)) {
    self.base = base
    self.cap = cap
  }

  /// The next delay; grows until ``reset()``.
  public mutating func next() -> Duration {
    let ceiling = min(cap, base * (1 << min(attempt, 20)))
    attempt += 1
    let milliseconds = max(
      1, ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000)
    var generator = SystemRandomNumberGenerator()
    return .milliseconds(Int64.random(in: milliseconds / 2...milliseconds, using: &generator))
  }

  public mutating func reset() { attempt = 0 }
}
