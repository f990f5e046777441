import Shared
import SpecReading
import Testing

/// Fleet files: defaults, and every problem reported with its place.
struct FleetDecoderTests {
  @Test func aFleetFileGivesItsGroupsWithDefaults() throws {
    let fleet = try SpecDecoder.decodeFleet(
      """
      name: study
      groups:
        - {name: laptop, count: 2, hourly_cost_usd: 0}
        - {name: a100, count: 3, hourly_cost_usd: 0.75, speed: 6, preemption_per_hour: 0.02}
      """, file: "fleet.yaml")
    #expect(fleet.workerCount == 5)
    #expect(fleet.groups[1].hourlyRate == HourlyRate(microDollarsPerHour: 750_000))
    #expect(fleet.groups[1].meanTrialDuration(estimate: .seconds(60)) == .seconds(10))
    #expect(fleet.groups[0].speed == 1 && fleet.groups[0].failureRate == 0)
    #expect(fleet.replacementDelay == .seconds(300) && fleet.maxIdle == .seconds(600))
  }

  @Test func everyMistakeIsReportedWithLineAndKeyPath() {
    #expect {
      _ = try SpecDecoder.decodeFleet(
        """
        groups:
          - {name: gpu, count: 0, hourly_cost_usd: -1, speed: 0}
          - {name: gpu, cuont: 2, hourly_cost_usd: 0.3}
          - {count: 1, hourly_cost_usd: 0}
        """, file: "fleet.yaml")
    } throws: { error in
      let text = (error as? FleetValidationError)?.description ?? ""
      return text.contains("fleet.yaml:2:")
        && text.contains("groups[0].count")
        && text.contains("groups[0].hourly_cost_usd")
        && text.contains("groups[0].speed")
        && text.contains("did you mean 'count'?")
        && text.contains("groups[2].name: missing")
        && text.contains("used twice")
    }
  }

  @Test func aFileWithoutGroupsSaysWhatToWrite() {
    #expect(throws: FleetValidationError.self) { try SpecDecoder.decodeFleet("name: x\n", file: "f.yaml") }
  }
}
