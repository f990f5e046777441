import Foundation

/// How much chaos: `short` is two runs that fit in CI (a few minutes): the random faults, then the
/// coordinator's laptop sleeping past the paid boxes' `--max-idle`; `long` repeats runs, each with
/// the next seed (every fourth a sleep), until `minutes` have passed.
public enum ChaosProfile: Sendable, Equatable {
  case short
  case long(minutes: Double)

  /// The run configuration for the `index`-th run from `seed`.
  func configuration(seed: UInt64, index: Int) -> ChaosRunConfiguration {
    var configuration = ChaosRunConfiguration(seed: seed &+ UInt64(index))
    let sleeps: Bool
    switch self {
    case .short: sleeps = index == 1
    case .long: sleeps = index % 4 == 3
    }
    if sleeps {
      configuration.coordinatorSleeps = true
      // Enough money for both boxes' idle windows beside their leases ($0.64 each at $36/h with a
      // 4 s --max-idle): the boxes are working, not on their last lease, when the laptop sleeps.
      configuration.budgetUSD = "3"
      configuration.trialsPerDomain = 12
      configuration.paidMaxIdle = 4
    } else if case .long = self {
      configuration.faultWindow = 90
      configuration.trialsPerDomain = 60
      configuration.budgetUSD = "0.70"
    }
    return configuration
  }
}

/// Runs a profile and reports each run as it ends.
public enum ChaosHarness {
  public static func run(
    _ profile: ChaosProfile, seed: UInt64, keepFiles: Bool = false, report: (ChaosReport) -> Void = { _ in }
  ) throws -> [ChaosReport] {
    let started = Date()
    var reports: [ChaosReport] = []
    var index = 0
    repeat {
      var configuration = profile.configuration(seed: seed, index: index)
      configuration.keepFiles = keepFiles
      let outcome = try ChaosRun(configuration).execute()
      reports.append(outcome)
      report(outcome)
      index += 1
      if case .long(let minutes) = profile, Date().timeIntervalSince(started) < minutes * 60 { continue }
      if profile == .short, index < 2 { continue }
      break
    } while true
    return reports
  }
}
