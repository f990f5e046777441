import Foundation
import Testing

@testable import Worker

/// The laptop's sensors read from fake trees and fake command output, and the pause decision.
@Suite struct LaptopAwarenessTests {
  /// A folder laid out like Linux's /sys/class, with the given files.
  static func tree(_ files: [String: String]) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sys-\(UUID().uuidString)").path
    for (path, text) in files {
      let full = root + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try (text + "\n").write(toFile: full, atomically: true, encoding: .utf8)
    }
    return root
  }

  @Test func sysfsTellsALaptopOnBatteryFromOneOnAC() throws {
    let onBattery = try Self.tree([
      "power_supply/BAT0/type": "Battery", "power_supply/BAT0/status": "Discharging",
      "power_supply/AC/type": "Mains", "power_supply/AC/online": "0",
    ])
    defer { try? FileManager.default.removeItem(atPath: onBattery) }
    let sensor = SysfsPowerSensor(powerSupply: onBattery + "/power_supply", thermal: onBattery + "/thermal")
    #expect(sensor.read() == PowerReading(hasBattery: true, onBattery: true, thermal: .nominal))

    let plugged = try Self.tree([
      "power_supply/BAT0/type": "Battery", "power_supply/BAT0/status": "Charging",
      "power_supply/ADP1/type": "Mains", "power_supply/ADP1/online": "1",
    ])
    defer { try? FileManager.default.removeItem(atPath: plugged) }
    #expect(
      SysfsPowerSensor(powerSupply: plugged + "/power_supply", thermal: plugged + "/thermal").read()
        == PowerReading(hasBattery: true, onBattery: false, thermal: .nominal))

    let server = try Self.tree(["power_supply/.keep": ""])
    defer { try? FileManager.default.removeItem(atPath: server) }
    #expect(SysfsPowerSensor(powerSupply: server + "/power_supply", thermal: server + "/nothing").read() == .unknown)
  }

  @Test func sysfsIsHotAtAZonesPassiveTripPointAndCoolBelowItsHysteresis() throws {
    func level(_ temperature: Int) throws -> ThermalLevel {
      let root = try Self.tree([
        "thermal/thermal_zone0/temp": "45000",
        "thermal/thermal_zone1/temp": String(temperature),
        "thermal/thermal_zone1/trip_point_0_type": "critical", "thermal/thermal_zone1/trip_point_0_temp": "105000",
        "thermal/thermal_zone1/trip_point_1_type": "passive", "thermal/thermal_zone1/trip_point_1_temp": "95000",
        "thermal/cooling_device0/type": "Processor",
      ])
      defer { try? FileManager.default.removeItem(atPath: root) }
      return SysfsPowerSensor(powerSupply: root + "/none", thermal: root + "/thermal").thermalLevel()
    }
    #expect(try level(96_000) == .hot)
    #expect(try level(95_000) == .hot)
    #expect(try level(92_000) == .elevated)
    #expect(try level(70_000) == .nominal)
  }

  @Test func pmsetOutputSaysWhetherAMacRunsOnBattery() {
    let battery = """
      Now drawing from 'Battery Power'
       -InternalBattery-0 (id=4653155)	87%; discharging; 6:12 remaining present: true
      """
    let ac = """
      Now drawing from 'AC Power'
       -InternalBattery-0 (id=4653155)	100%; charged; 0:00 remaining present: true
      """
    let desktop = "Now drawing from 'AC Power'\n"
    #expect(MacPowerSensor.parse(pmset: battery) == PowerReading(hasBattery: true, onBattery: true, thermal: .nominal))
    #expect(MacPowerSensor.parse(pmset: ac) == PowerReading(hasBattery: true, onBattery: false, thermal: .nominal))
    #expect(MacPowerSensor.parse(pmset: desktop) == .unknown)
  }

  @Test func aThermalPauseStartsWhenHotAndEndsOnlyWhenCool() {
    var tracker = PauseTracker(policy: LaptopPolicy())
    let cool = PowerReading(hasBattery: true, onBattery: false, thermal: .nominal)
    var warm = cool
    warm.thermal = .elevated
    var hot = cool
    hot.thermal = .hot
    #expect(tracker.update(cool) == nil)  // no change
    #expect(tracker.update(warm) == nil)
    #expect(tracker.update(hot) == .some(.thermal))
    #expect(tracker.update(warm) == nil)  // still paused: not cool yet
    #expect(tracker.update(cool) == .some(nil))
  }

  @Test func batteryComesBeforeHeatAndContinueMeansNoBatteryPause() {
    var tracker = PauseTracker(policy: LaptopPolicy())
    let hotOnBattery = PowerReading(hasBattery: true, onBattery: true, thermal: .hot)
    #expect(tracker.update(hotOnBattery) == .some(.onBattery))
    #expect(tracker.update(PowerReading(hasBattery: true, onBattery: false, thermal: .hot)) == .some(.thermal))

    var policy = LaptopPolicy()
    policy.onBattery = .continue
    policy.thermalPause = false
    var relaxed = PauseTracker(policy: policy)
    #expect(relaxed.update(hotOnBattery) == nil)
  }
}
