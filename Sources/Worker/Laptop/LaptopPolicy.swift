import Shared

/// What a laptop worker does about battery, heat and sleep (docs/worker.md, "On a laptop").
public struct LaptopPolicy: Sendable, Equatable {
  /// `--on-battery`: pause (finish the running trial, take no new work until AC) or continue.
  public enum Battery: String, Sendable, Equatable, CaseIterable {
    case pause
    case `continue`
  }
  public var onBattery: Battery = .pause
  /// `--thermal-pause`: take no new trial while the machine is hot; resume once cool.
  public var thermalPause = true
  /// Keep the machine from sleeping while a trial runs (``KeepAwake``).
  public var keepAwake = true
  /// How often power and temperature are read.
  public var checkInterval: Duration = .seconds(30)

  public init() {}
}

/// Turns readings into a pause decision, with hysteresis for heat: a thermal pause starts at
/// `hot` and ends only at `nominal`, so a machine hovering at its trip point does not flap.
struct PauseTracker: Sendable, Equatable {
  var policy: LaptopPolicy
  private(set) var hot = false
  private(set) var reason: PauseReason?

  init(policy: LaptopPolicy) { self.policy = policy }

  /// Applies a reading; returns the new reason when it changed (`.some(nil)`: resumed).
  mutating func update(_ reading: PowerReading) -> PauseReason?? {
    switch reading.thermal {
    case .hot: hot = true
    case .nominal: hot = false
    case .elevated: break
    }
    let next: PauseReason? =
      reading.onBattery && policy.onBattery == .pause ? .onBattery : (policy.thermalPause && hot ? .thermal : nil)
    guard next != reason else { return nil }
    reason = next
    return .some(next)
  }
}
