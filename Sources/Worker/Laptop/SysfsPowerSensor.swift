import Platform

/// Linux: `/sys/class/power_supply` (a supply of type `Battery`; `Mains`/`USB` with `online` 1
/// means AC) and `/sys/class/thermal` (each `thermal_zone*/temp` against the zone's lowest
/// `passive` or `hot` trip point, in millidegrees). Both roots are parameters, so tests point
/// the sensor at a fake tree.
public struct SysfsPowerSensor: PowerSensor {
  public var powerSupply: String
  public var thermal: String
  /// When a zone has no passive/hot trip point: hot from this temperature (millidegrees C).
  public var defaultHot = 90_000
  /// Cool again this far below the hot point (millidegrees).
  public var hysteresis = 5_000

  public init(powerSupply: String = "/sys/class/power_supply", thermal: String = "/sys/class/thermal") {
    self.powerSupply = powerSupply
    self.thermal = thermal
  }

  public func read() -> PowerReading {
    var hasBattery = false
    var batteryDischarging = false
    var mainsOnline = false
    for name in FileSystem.list(powerSupply) {
      let folder = powerSupply + "/" + name
      switch text(folder + "/type") {
      case "Battery":
        hasBattery = true
        if text(folder + "/status") == "Discharging" { batteryDischarging = true }
      case "Mains", "USB", "USB_C", "USB_PD":
        if text(folder + "/online") == "1" { mainsOnline = true }
      default: break
      }
    }
    return PowerReading(
      hasBattery: hasBattery, onBattery: hasBattery && !mainsOnline && batteryDischarging, thermal: thermalLevel())
  }

  /// The hottest zone's level relative to its own trip point.
  func thermalLevel() -> ThermalLevel {
    var level = ThermalLevel.nominal
    for name in FileSystem.list(thermal) where name.hasPrefix("thermal_zone") {
      let zone = thermal + "/" + name
      guard let temperature = text(zone + "/temp").flatMap({ Int($0) }) else { continue }
      var hotPoint: Int?
      for file in FileSystem.list(zone) where file.hasPrefix("trip_point_") && file.hasSuffix("_type") {
        guard ["passive", "hot"].contains(text(zone + "/" + file) ?? "") else { continue }
        let tempFile = zone + "/" + file.dropLast("_type".count) + "_temp"
        if let point = text(tempFile).flatMap({ Int($0) }), point > 0 { hotPoint = min(hotPoint ?? point, point) }
      }
      let hot = hotPoint ?? defaultHot
      if temperature >= hot { return .hot }
      if temperature >= hot - hysteresis { level = .elevated }
    }
    return level
  }

  private func text(_ path: String) -> String? {
    FileSystem.read(path).map { bytes in
      var text = Substring(String(decoding: bytes, as: UTF8.self))
      while text.last?.isWhitespace == true { text.removeLast() }
      while text.first?.isWhitespace == true { text.removeFirst() }
      return String(text)
    }
  }
}
