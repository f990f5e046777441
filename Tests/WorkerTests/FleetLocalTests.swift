import Foundation
import Platform
import TestSupport
import Testing

/// `sweep fleet up` with the `local` provider, for real: a real `sweep serve`, real `sweep worker`
/// boxes started and stopped by the policy as the sweep's budget and the fleet's deadline change,
/// and every box given back (its worker deregistered) when the sweep is over.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct FleetLocalTests {
  static let spec = """
    name: fleet-local
    domains: [a]
    sampler: lhs
    trials_per_domain: 30
    budget_usd: 0.02
    estimate: {minutes_per_trial: 0.0333}
    artifacts: none
    space: {x: {uniform: [0, 1]}}
    command: [sh, -c, 'sleep 2; echo "{{\\"accuracy\\": $0}}"', "{x}"]
    """

  static func fleet(deadline: String) -> String {
    """
    name: t
    deadline: \(deadline)
    replan_every: 1s
    max_idle: 5s
    duration_spread: 0
    groups:
      - {name: cpu, provider: local, count: 3, hourly_cost_usd: 3.60}
    """
  }

  @Test func theFleetRentsWhatTheBudgetAndDeadlineNeedAndGivesEveryBoxBack() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "6"])
    defer { serve.cleanUp() }
    let id = try fixture.submit(Self.spec, to: serve)
    let fleetFile = try fixture.write(Self.fleet(deadline: "1h"), "fleet.yaml")
    let logDir = fixture.directory.appendingPathComponent("fleet").path
    let output = fixture.directory.appendingPathComponent("fleet-up.out").path
    let fleet = try ChildProcess(
      executable: CommandRunner.productsDirectory.appendingPathComponent("sweep").path,
      [
        "fleet", "up", id, "--fleet", fleetFile, "--coordinator", serve.url, "--token", serve.adminToken,
        "--log-dir", logDir,
      ], directory: fixture.directory.path, output: .appending(to: output))
    defer { if fleet.isRunning { fleet.signal(SIGKILL) } }
    func log() -> String { (try? String(contentsOfFile: logDir + "/fleet.log", encoding: .utf8)) ?? "" }
    func boxes() throws -> [[String: Any]] {
      let listed = try CommandRunner.run(
        "sweep", ["workers", "--json", "--coordinator", serve.url, "--token", serve.adminToken])
      let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
      return (object?["workers"] as? [[String: Any]] ?? []).filter {
        ($0["name"] as? String)?.hasPrefix("t-cpu-") == true
      }
    }
    func working() throws -> Int { try boxes().filter { $0["state"] as? String == "active" }.count }

    // $0.02 cannot pay for 30 two-second trials at $3.60/h ($0.06): nothing is rented.
    let refused = fixture.eventually(30) { log().contains("renting nothing: no mix") }
    #expect(refused, "\(log())")
    #expect(try boxes().isEmpty)

    // A budget that pays, and a deadline an hour away: the cheapest mix is one box.
    let raised = try CommandRunner.run(
      "sweep", ["extend", id, "--budget-usd", "1", "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(raised.status == 0, "\(raised.stderr)")
    let oneBox = try fixture.eventually(30) { (try fixture.counts(id, serve)["succeeded"] ?? 0) >= 3 }
    #expect(oneBox, "\(log())")
    #expect(try boxes().count == 1, "\(log())")

    // The deadline moves to 30 s from now: one box would need about a minute, so more are rented.
    let soon = Date().addingTimeInterval(30)
    let formatter = ISO8601DateFormatter()
    _ = try fixture.write(Self.fleet(deadline: formatter.string(from: soon)), "fleet.yaml")
    let more = try fixture.eventually(30) { try working() >= 2 }
    #expect(more, "\(log())")
    #expect(log().contains("the fleet file changed"))

    // The sweep completes; every box is given back and the fleet leaves by itself.
    let done = fixture.eventually(120) { !fleet.isRunning }
    #expect(done, "\(log())")
    #expect(fleet.terminationStatus == 0, "\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
    let status = try fixture.status(id, serve)
    #expect(status["state"] as? String == "completed", "\(status)")
    let rows = try fixture.results(id, serve)
    #expect(rows.count == 30 && Set(rows.compactMap { $0["trial_id"] as? String }).count == 30)
    #expect(rows.allSatisfy { $0["status"] as? String == "succeeded" })
    let all = try boxes()
    #expect(all.count >= 2 && all.allSatisfy { $0["state"] as? String == "deregistered" }, "\(all)")
    // Nothing is held for boxes that are gone: the bill is closed.
    #expect(status["reserved_usd"] as? String == "0.00", "\(status)")
    let text = log()
    #expect(text.contains("t-cpu-1: up") && text.contains("t-cpu-2: up") && text.contains("every box stopped"))
    #expect(text.contains("deregistered: billed until now"))
    // The boxes joined with a token of the fleet's own, revoked when it ended.
    let tokens = try CommandRunner.run("sweep", ["join-token", "list", "--json"] + serve.adminArguments)
    #expect(
      tokens.stdout.contains(#""label":"sweep fleet up \#(id)""#) && tokens.stdout.contains(#""state":"revoked""#),
      "\(tokens.stdout)")
    #expect(text.contains("boxes join with token jt-") && text.contains("revoked"))
  }

  @Test func sigtermGivesEveryBoxBackAndLosesNoTrial() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "6"])
    defer { serve.cleanUp() }
    let id = try fixture.submit(
      Self.spec.replacingOccurrences(of: "budget_usd: 0.02", with: "budget_usd: 1"), to: serve)
    let fleetFile = try fixture.write(Self.fleet(deadline: "1h"), "fleet.yaml")
    let logDir = fixture.directory.appendingPathComponent("fleet").path
    let fleet = try ChildProcess(
      executable: CommandRunner.productsDirectory.appendingPathComponent("sweep").path,
      [
        "fleet", "up", id, "--fleet", fleetFile, "--coordinator", serve.url, "--token", serve.adminToken,
        "--worker-token", serve.workerToken, "--log-dir", logDir,
      ], directory: fixture.directory.path,
      output: .appending(to: fixture.directory.appendingPathComponent("fleet-up.out").path))
    defer { if fleet.isRunning { fleet.signal(SIGKILL) } }
    func log() -> String { (try? String(contentsOfFile: logDir + "/fleet.log", encoding: .utf8)) ?? "" }
    let working = try fixture.eventually(30) { (try fixture.counts(id, serve)["succeeded"] ?? 0) >= 2 }
    #expect(working, "\(log())")

    fleet.signal(SIGTERM)
    let left = fixture.eventually(30) { !fleet.isRunning }
    #expect(left && fleet.terminationStatus == 1, "\(log())")
    #expect(log().contains("stopping every box (interrupted") && log().contains("every box stopped"), "\(log())")
    // The box's worker was given back with its bill closed; its trial went back to the queue.
    let listed = try CommandRunner.run("sweep", ["workers", "--json"] + serve.adminArguments)
    let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
    let boxes = (object?["workers"] as? [[String: Any]] ?? []).filter {
      ($0["name"] as? String)?.hasPrefix("t-cpu-") == true
    }
    #expect(!boxes.isEmpty && boxes.allSatisfy { $0["state"] as? String == "deregistered" }, "\(boxes)")
    let counts = try fixture.counts(id, serve)
    #expect(counts["leased"] == 0 && (counts["succeeded"] ?? 0) + (counts["pending"] ?? 0) == 30, "\(counts)")
  }
}
