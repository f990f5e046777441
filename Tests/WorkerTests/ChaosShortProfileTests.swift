import ChaosHarness
import Foundation
import Testing

/// The short chaos profile, part of every test run: one seeded run of kills, pauses, partitions
/// and replays against real processes. `SWEEP_CHAOS_SEED` picks another schedule; a failure
/// prints the seed, so `swift run sweep-chaos --seed N` replays it.
@Suite(.serialized) struct ChaosShortProfileTests {
  @Test func aSweepUnderScheduledFaultsCompletesEveryTrialOnceWithinBudget() throws {
    let seed = ProcessInfo.processInfo.environment["SWEEP_CHAOS_SEED"].flatMap(UInt64.init) ?? 20_261_201
    let reports = try ChaosHarness.run(.short, seed: seed)
    for report in reports {
      print("chaos: \(report.summary)")
      #expect(report.violations.isEmpty, "\(report.violations.joined(separator: "\n")); kept \(report.directory)")
    }
  }
}
