import Foundation

/// The sweep a chaos run drives: a tiny trial program whose `mode` parameter picks how long it
/// runs (or that it fails), and which records when each attempt started and ended, so that the
/// harness can measure how far a paid trial ran past its allowance.
struct ChaosWorkload {
  let directory: URL
  var script: String { directory.appendingPathComponent("trial.sh").path }
  var marks: String { directory.appendingPathComponent("marks").path }

  /// Modes, drawn evenly by the sampler: mostly quick trials, some that outlive a heartbeat or an
  /// allowance chunk, and one that always fails (so some trials fail after `max_attempts`).
  static let modes = ["quick-a", "quick-b", "quick-c", "quick-d", "quick-e", "quick-f", "steady", "crawl", "broken"]

  init(directory: URL) throws {
    self.directory = directory
    try FileManager.default.createDirectory(atPath: marks, withIntermediateDirectories: true)
    // Sleeps in 0.1 s steps so that SIGTERM is handled within 0.1 s (sh runs traps between commands);
    // the trap is set before anything is recorded, so a stop right after the start still records its end.
    try """
    #!/bin/sh
    marks="$1"; mode="$2"
    key="$marks/$SWEEP_TRIAL_ID-$SWEEP_ATTEMPT"
    busy="$marks/busy-$SWEEP_WORKER"
    trap 'date +%s.%N > "$key.end"; rm -f "$busy"; exit 143' TERM
    date +%s.%N > "$key.start"
    echo "$mode" > "$busy"
    nap() { i=0; while [ $i -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; }
    echo '{"epoch": 1, "accuracy": 0.5}'
    case "$mode" in
      quick-*) nap 3 ;;
      steady) nap 20 ;;
      crawl) nap 160 ;;
      broken) echo "deliberately broken configuration" >&2; date +%s.%N > "$key.end"; rm -f "$busy"; exit 3 ;;
    esac
    echo "{\\"accuracy\\": $3}"
    date +%s.%N > "$key.end"
    rm -f "$busy"
    """.write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)
  }

  func spec(name: String, trialsPerDomain: Int, budgetUSD: String) -> String {
    """
    name: \(name)
    budget_usd: \(budgetUSD)
    domains: [alpha, beta]
    sampler: lhs
    seed: 7
    trials_per_domain: \(trialsPerDomain)
    shard_size: 1
    max_attempts: 4
    trial_timeout: 60s
    objective: {metric: accuracy, goal: maximize}
    estimate: {minutes_per_trial: 0.02}
    space:
      mode: {values: [\(Self.modes.joined(separator: ", "))]}
      x: {uniform: [0, 1]}
    command: ["\(script)", "\(marks)", "{mode}", "{x}"]
    """
  }

  /// What the worker named `worker` is running now, if anything.
  func running(on worker: String) -> String? {
    (try? String(contentsOfFile: "\(marks)/busy-\(worker)", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Forgets what a killed worker was running.
  func clearRunning(on worker: String) { try? FileManager.default.removeItem(atPath: "\(marks)/busy-\(worker)") }

  /// When the trial program says attempt `attempt` of `trial` started and ended (seconds since 1970).
  func marks(trial: String, attempt: Int) -> (start: Double?, end: Double?) {
    func read(_ suffix: String) -> Double? {
      (try? String(contentsOfFile: "\(marks)/\(trial)-\(attempt).\(suffix)", encoding: .utf8))
        .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    return (read("start"), read("end"))
  }
}
