import Foundation
import TestSupport
import Testing

/// `sweep deploy slurm` on a real single-node Slurm cluster: the job array's two tasks install
/// their workers from a real `sweep serve`, both work, one is cancelled with `scancel` mid-sweep,
/// and the sweep still completes every trial exactly once.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct SlurmClusterTests {
  static let spec = """
    name: on-slurm
    domains: [a]
    sampler: lhs
    trials_per_domain: 10
    estimate: {minutes_per_trial: 0.05}
    artifacts: none
    space: {x: {uniform: [0, 1]}}
    command: [sh, -c, 'sleep 1; echo "{{\\"accuracy\\": $0}}"', "{x}"]
    """

  @Test func aSlurmJobArrayWorksTheSweepAndACancelledTaskLosesNothing() throws {
    let cluster = try SlurmCluster()
    defer { cluster.cleanUp() }
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(
      extraArguments: [
        "--worker-binary", CommandRunner.productsDirectory.appendingPathComponent("sweep-worker").path,
        "--lease-ttl", "6",
      ])
    defer { serve.cleanUp() }
    let id = try fixture.submit(Self.spec, to: serve)
    let recipe = try CommandRunner.run(
      "sweep",
      ["deploy", "slurm", "--coordinator", serve.url, "--token", serve.workerToken, "--workers", "2", "--gpus", "0"])
    #expect(recipe.status == 0, "\(recipe.stderr)")
    let script = fixture.directory.appendingPathComponent("sweep-worker.sbatch").path
    try recipe.stdout.write(toFile: script, atomically: true, encoding: .utf8)
    let home = fixture.directory.appendingPathComponent("cluster-home").path
    let submitted = try cluster.run(
      "/usr/bin/sbatch", ["--parsable", "--chdir", fixture.directory.path, script], extra: ["SWEEP_HOME": home])
    #expect(submitted.status == 0, "\(submitted.stderr)\(cluster.log())")
    let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

    // Both tasks' workers register and finish trials; then task 2 is cancelled mid-sweep.
    func workers() throws -> [[String: Any]] {
      let listed = try CommandRunner.run(
        "sweep", ["workers", "--json", "--coordinator", serve.url, "--token", serve.adminToken])
      let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
      return object?["workers"] as? [[String: Any]] ?? []
    }
    let bothWorked = try fixture.eventually(90) {
      try workers().filter { ($0["trials_done"] as? Int ?? 0) > 0 }.count == 2
    }
    #expect(bothWorked, "\((try? workers()) ?? [])\(cluster.log())")
    #expect(try workers().allSatisfy { ($0["name"] as? String)?.hasPrefix("slurm-\(job)-") == true })
    let before = try fixture.counts(id, serve)
    #expect((before["pending"] ?? 0) + (before["leased"] ?? 0) > 0, "the sweep ended before the cancel: \(before)")
    let cancel = try cluster.run("/usr/bin/scancel", ["\(job)_2"])
    #expect(cancel.status == 0, "\(cancel.stderr)")

    let finished = try fixture.eventually(120) { try fixture.status(id, serve)["state"] as? String == "completed" }
    #expect(finished, "\((try? fixture.counts(id, serve)) ?? [:])\(cluster.log())")
    let rows = try fixture.results(id, serve)
    #expect(rows.count == 10 && Set(rows.compactMap { $0["trial_id"] as? String }).count == 10)
    #expect(rows.allSatisfy { $0["status"] as? String == "succeeded" }, "\(rows.map { $0["status"] ?? "" })")
    // Task 1 leaves by itself (--exit-when-done) once nothing is left.
    let drained = try fixture.eventually(60) {
      !(try cluster.run("/usr/bin/squeue", ["-h", "-j", job]).stdout.contains(job))
    }
    #expect(drained, "\((try? cluster.run("/usr/bin/squeue", []).stdout) ?? "")")
  }
}
