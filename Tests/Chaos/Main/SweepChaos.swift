import ArgumentParser
import ChaosHarness
import Foundation

/// `sweep-chaos`: real coordinator and worker processes under scheduled faults, then invariants.
@main
struct SweepChaos: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep-chaos",
    abstract: "Kill, pause, partition and replay a real sweep, then check that nothing was lost or duplicated.",
    discussion: """
      Runs `sweep serve` and four `sweep-worker`s (two paid at $36/h, two free) from the build
      folder, injects the faults of a seeded schedule, and checks every invariant from the database
      and from results.jsonl. Exits 1 if any invariant is violated; the run's folder (database,
      logs, schedule) is kept then. Replay a failure with the seed it printed.
      """)

  @Option(
    help:
      "short (two runs, for CI: random faults, then the coordinator sleeping) or long (runs until --minutes have passed)."
  ) var profile = "short"
  @Option(help: "Seed of the first run's fault schedule (default: random, printed).") var seed: UInt64?
  @Option(help: "Length of the long profile in minutes.") var minutes: Double = 30
  @Flag(help: "Keep every run's folder, not only failed ones.") var keep = false

  func run() throws {
    let chosen: ChaosProfile
    switch profile {
    case "short": chosen = .short
    case "long": chosen = .long(minutes: minutes)
    default: throw ValidationError("--profile must be short or long, not '\(profile)'")
    }
    let first = seed ?? UInt64.random(in: 1...999_999)
    say("sweep-chaos: profile \(profile), first seed \(first)")
    var failed = 0
    let reports = try ChaosHarness.run(chosen, seed: first, keepFiles: keep) { report in
      for fault in report.faults { say("  \(fault)") }
      say(report.summary)
      for violation in report.violations { say("  VIOLATION: \(violation)") }
      if !report.passed { say("  kept \(report.directory); replay with --seed \(report.seed)") }
    }
    failed = reports.filter { !$0.passed }.count
    say("sweep-chaos: \(reports.count) run(s), \(failed) failed")
    if failed > 0 { throw ExitCode(1) }
  }
}

/// Unbuffered, so that a long run shows each summary as it ends even through a pipe.
private func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
