/// How warm the machine is, in the three steps the worker acts on.
public enum ThermalLevel: String, Sendable, Equatable {
  /// Cool: a thermal pause ends.
  case nominal
  /// Warmer than nominal but not throttling: a pause neither starts nor ends (hysteresis).
  case elevated
  /// Throttling or about to: a thermal pause starts.
  case hot
}

/// What the machine's power supply and temperature say right now.
public struct PowerReading: Sendable, Equatable {
  /// A battery is present (the machine is a laptop).
  public var hasBattery: Bool
  /// Running on the battery, not on AC.
  public var onBattery: Bool
  public var thermal: ThermalLevel

  public init(hasBattery: Bool, onBattery: Bool, thermal: ThermalLevel) {
    self.hasBattery = hasBattery
    self.onBattery = onBattery
    self.thermal = thermal
  }

  /// A machine that says nothing: no battery, cool.
  public static let unknown = PowerReading(hasBattery: false, onBattery: false, thermal: .nominal)
}

/// Reads the machine's power and temperature; injected so tests use fakes (``SysfsPowerSensor``
/// reads any folder laid out like Linux's `/sys/class`).
public protocol PowerSensor: Sendable {
  func read() -> PowerReading
}
