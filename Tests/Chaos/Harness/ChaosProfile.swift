import Foundation

/// How much chaos: `short` is one run that fits in CI (a few minutes); `long` repeats runs, each
/// with the next seed, until `minutes` have passed.
public enum ChaosProfile: Sendable, Equatable {
  case short
  case long(minutes: Double)

  /// The run configuration for the `index`-th run from `seed`.
  func configuration(seed: UInt64, index: Int) -> ChaosRunConfiguration {
    var configuration = ChaosRunConfiguration(seed: seed &+ UInt64(index))
    if case .long = self {
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
      break
    } while true
    return reports
  }
}
