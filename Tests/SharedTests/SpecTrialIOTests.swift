import Foundation
import Shared
import Testing

/// `workdir`, `pause_on_failures` and `{output_dir}`: what a spec says about where and how its
/// trials run.
@Suite struct SpecTrialIOTests {
  @Test func workdirAndTheFailureGuardDefaultAndDecode() throws {
    let plain = try SpecFixtures.decode(SpecFixtures.valid)
    #expect(plain.workdir == nil)
    #expect(plain.failureGuard == FailureGuard(attempts: 5, within: .seconds(10)))
    let tuned = try SpecFixtures.decode(
      SpecFixtures.valid + "\nworkdir: training\npause_on_failures: {attempts: 3, within: 1m}\n")
    #expect(tuned.workdir == "training")
    #expect(tuned.failureGuard == FailureGuard(attempts: 3, within: .seconds(60)))
    #expect(try SpecFixtures.decode(SpecFixtures.valid + "\npause_on_failures: off\n").failureGuard == nil)
  }

  @Test func badGuardSettingsAreNamedWithTheirPlace() {
    let problems = SpecFixtures.problems(SpecFixtures.valid + "\npause_on_failures: {attempts: 0, within: soon}\n")
    #expect(problems.map(\.path) == ["pause_on_failures.attempts", "pause_on_failures.within"])
    #expect(SpecFixtures.problems(SpecFixtures.valid + "\nworkdir: [a]\n").map(\.path) == ["workdir"])
  }

  @Test func outputDirIsAPlaceholderTheWorkerFillsIn() throws {
    let spec = try SpecFixtures.decode(
      SpecFixtures.valid.replacingOccurrences(
        of: "\"--out=runs/{domain}/{trial_id}\"", with: "\"--out={output_dir}/adapter\""))
    let trial = spec.makeTrial(domain: "legal", index: 0, values: spec.space.map { _ in .int(8) }, stage: 0)
    #expect(trial.argv.last == "--out=" + CommandTemplate.outputDirectoryMarker + "/adapter")
  }

  @Test func theFailureWatchTripsOnlyOnIdenticalQuickFailuresInARow() {
    var watch = FailureGuard(attempts: 3, within: .seconds(10)).watch
    let quick = FailureWatch.Failure(exitCode: 2, durationMs: 300, lastLine: "No module named 'peft'")
    #expect(watch.recordFailure(quick) == nil)
    #expect(watch.recordFailure(FailureWatch.Failure(exitCode: 2, durationMs: 30_000, lastLine: nil)) == nil)
    #expect(watch.recordFailure(quick) == nil)
    #expect(watch.recordFailure(quick) == nil)  // the slow one is still among the last three
    #expect(
      watch.recordFailure(quick)
        == "every attempt so far failed: exit 2, \"No module named 'peft'\" (3 in a row, each within 10s)")
    watch.resume()
    #expect(watch.recordFailure(quick) == nil)
    watch.recordSuccess()
    for _ in 0..<5 { #expect(watch.recordFailure(quick) == nil) }
  }
}
