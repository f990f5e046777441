import Foundation
import TestSupport

/// A folder with a tiny trial program and helpers to run real `sweep-worker` processes against a
/// real `sweep serve`.
struct WorkerFixture {
  let directory: URL
  var script: String { directory.appendingPathComponent("trial.sh").path }
  var out: String { directory.appendingPathComponent("out").path }

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      atPath: directory.appendingPathComponent("out").path, withIntermediateDirectories: true)
    // The trial: `mode` says what it does. It records its environment and how it ended in $OUT.
    // The TERM trap comes before the .env file, so a test that stops the trial as soon as it sees
    // the file (the worker reacts within a millisecond) always finds the trap in place.
    try """
    #!/bin/sh
    out="$1"; mode="$2"
    trap 'echo "$(date +%s.%N)" > "$out/$SWEEP_TRIAL_ID-$SWEEP_ATTEMPT.term"; exit 143' TERM
    env | grep '^SWEEP_' | sort > "$out/$SWEEP_TRIAL_ID-$SWEEP_ATTEMPT.env"
    echo '{"epoch": 1, "loss": 0.9}'
    echo "plain log line"
    case "$mode" in
      ok)   echo '{"f1": 0.5}' >> "$SWEEP_METRICS_FILE"; echo '{"epoch": 2, "accuracy": 0.9}' ;;
      slow) sleep 0.4; echo '{"accuracy": 0.8}' ;;
      long) sleep 3; echo '{"accuracy": 0.7}' ;;
      fail) echo "something broke" >&2; exit 3 ;;
      hang) i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done ;;
      curve) for e in 1 2 3 4 5 6; do sleep 0.8
               printf '{"epoch": %s, "accuracy": %s}\\n' "$e" "$(awk -v x="$3" -v e="$e" 'BEGIN{printf "%.4f", 0.4 + 0.08*e*x}')"
             done ;;
      api)  echo '{"cost_usd": 0.1}'; echo '{"cost_usd": 0.3, "accuracy": 0.85}' ;;
      pricey) echo '{"cost_usd": 0.5}'; sleep 0.2; echo '{"cost_usd": 1.5}'
              i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done ;;
    esac
    echo '{"latency": 1.5}'
    """.write(toFile: directory.appendingPathComponent("trial.sh").path, atomically: true, encoding: .utf8)
    chmod(directory.appendingPathComponent("trial.sh").path, 0o755)
  }

  /// A spec whose trials all run `mode`.
  func spec(
    name: String = "w", modes: [String] = ["ok"], trials: Int = 2, shardSize: Int = 1, maxAttempts: Int = 1,
    timeout: String = "10m", budget: String = "10", minutes: Double = 0.05
  ) -> String {
    """
    name: \(name)
    budget_usd: \(budget)
    domains: [a]
    sampler: lhs
    trials_per_domain: \(trials)
    shard_size: \(shardSize)
    max_attempts: \(maxAttempts)
    trial_timeout: \(timeout)
    estimate: {minutes_per_trial: \(minutes)}
    space:
      mode: {values: [\(modes.joined(separator: ", "))]}
      x: {uniform: [0, 1]}
    command: ["\(script)", "\(out)", "{mode}", "{x}"]
    """
  }

  func write(_ text: String, _ name: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func files(_ suffix: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
  }

  func cleanUp() { try? FileManager.default.removeItem(at: directory) }

  /// Starts a worker process.
  func worker(
    _ serve: ServeProcess, name: String, rate: String = "0", spool: String? = nil, extra: [String] = []
  ) throws -> WorkerProcess {
    try WorkerProcess(
      arguments: [
        "--coordinator", serve.url, "--token", serve.workerToken, "--name", name, "--hourly-cost", rate,
        "--provider", rate == "0" ? "local" : "runpod", "--spool",
        spool ?? directory.appendingPathComponent("spool-\(name)").path,
      ] + extra, log: directory.appendingPathComponent("\(name).log").path)
  }

  /// Submits a spec with the real CLI; returns the sweep id.
  func submit(_ spec: String, to serve: ServeProcess) throws -> String {
    let path = try write(spec, "spec-\(UUID().uuidString.prefix(6)).yaml")
    let result = try CommandRunner.run(
      "sweep", ["submit", path] + serve.adminArguments)
    guard result.status == 0 else { throw ServeError("submit failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The sweep's status as JSON.
  func status(_ id: String, _ serve: ServeProcess) throws -> [String: Any] {
    let result = try CommandRunner.run(
      "sweep", ["status", id, "--json"] + serve.adminArguments)
    guard result.status == 0 else { throw ServeError("status failed: \(result.stderr)") }
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
  }

  func counts(_ id: String, _ serve: ServeProcess) throws -> [String: Int] {
    try status(id, serve)["counts"] as? [String: Int] ?? [:]
  }

  func results(_ id: String, _ serve: ServeProcess) throws -> [[String: Any]] {
    let result = try CommandRunner.run(
      "sweep", ["results", id] + serve.adminArguments)
    return result.stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
  }

  /// Polls `condition` every 100 ms for up to `seconds`.
  func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(100_000)
    }
    return try condition()
  }
}
