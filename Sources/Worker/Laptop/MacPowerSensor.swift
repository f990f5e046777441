import Platform

#if canImport(Darwin)
  import Foundation
#endif

/// macOS: the power source from `pmset -g batt` ("Now drawing from 'AC Power'" or
/// "'Battery Power'", and an `InternalBattery` line on a laptop), the temperature from
/// `ProcessInfo.thermalState` (`.serious`/`.critical` hot, `.fair` elevated, `.nominal` cool).
/// The command is a parameter; the parsing is plain text, so it is tested on any OS.
public struct MacPowerSensor: PowerSensor {
  public var command: [String]

  public init(command: [String] = ["/usr/bin/pmset", "-g", "batt"]) { self.command = command }

  public func read() -> PowerReading {
    var reading = Self.parse(pmset: ProcessControl.output(of: command) ?? "")
    reading.thermal = Self.thermalLevel()
    return reading
  }

  /// Reads `pmset -g batt` output.
  public static func parse(pmset output: String) -> PowerReading {
    let hasBattery = output.contains("InternalBattery")
    let onBattery = output.contains("'Battery Power'")
    return PowerReading(hasBattery: hasBattery, onBattery: hasBattery && onBattery, thermal: .nominal)
  }

  static func thermalLevel() -> ThermalLevel {
    #if canImport(Darwin)
      switch ProcessInfo.processInfo.thermalState {
      case .serious, .critical: return .hot
      case .fair: return .elevated
      default: return .nominal
      }
    #else
      return .nominal
    #endif
  }
}
