import Foundation
import TestSupport
import Testing

/// `sweep serve` and the admin commands as real processes over loopback HTTP.
@Suite struct AdminCLITests {
  @Test func submitStatusResultsCancelAndWorkersThroughTheRealBinaries() throws {
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    let tokensFile = serve.directory.appendingPathComponent("sweep.db.tokens").path
    let attributes = try FileManager.default.attributesOfItem(atPath: tokensFile)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    #expect(serve.log.contains("generated tokens written to"))
    #expect(!serve.log.contains(serve.adminToken))

    let submit = try CommandRunner.run("sweep", ["submit", CommandRunner.example("financial-legal.yaml")] + admin)
    #expect(submit.status == 0, "\(submit.stderr)")
    let id = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(id.hasPrefix("sw-") && !id.contains("\n"))

    let status = try CommandRunner.run("sweep", ["status", id, "--json"] + admin)
    #expect(status.status == 0, "\(status.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
    #expect(object["id"] as? String == id)
    #expect(object["state"] as? String == "running")
    #expect(object["budget_usd"] as? String == "10.00")
    #expect((object["counts"] as? [String: Int])?["pending"] == 30)
    #expect((object["domains"] as? [[String: Any]])?.count == 2)

    let human = try CommandRunner.run("sweep", ["status"] + admin)
    #expect(human.stdout.contains("sweep financial-legal (\(id)) — running"))
    #expect(human.stdout.contains("financial  [------------------------] 0/15"))

    let empty = try CommandRunner.run("sweep", ["results", id, "--format", "csv"] + admin)
    #expect(empty.status == 0)
    #expect(empty.stdout.hasPrefix("domain,rank,weight_decay,alpha,epochs,"))
    let file = serve.directory.appendingPathComponent("results.csv").path
    let toFile = try CommandRunner.run("sweep", ["results", id, "--format", "csv", "-o", file] + admin)
    #expect(toFile.status == 0 && toFile.stdout.isEmpty)
    #expect(try String(contentsOfFile: file, encoding: .utf8) == empty.stdout)
    #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
    let missingDomain = try CommandRunner.run("sweep", ["results", id, "--domain", "nope", "-o", file] + admin)
    #expect(missingDomain.status == 2)
    #expect(missingDomain.stderr.contains("no domain 'nope'"))
    #expect(try String(contentsOfFile: file, encoding: .utf8) == empty.stdout)  // untouched by the failed export
    // The study's row format and a chosen list of columns (the objective is a column before any result).
    let chosen = try CommandRunner.run(
      "sweep",
      ["results", id, "--format", "csv", "--columns", "domain,rank,weight_decay,accuracy,cost,timestamp"] + admin)
    #expect(
      chosen.status == 0 && chosen.stdout == "domain,rank,weight_decay,accuracy,cost,timestamp\n", "\(chosen.stderr)")
    let typo = try CommandRunner.run("sweep", ["results", id, "--columns", "domain,rnak"] + admin)
    #expect(typo.status == 2 && typo.stderr.contains("did you mean 'rank'?"), "\(typo.stderr)")
    let seed = try CommandRunner.run("sweep", ["results", id, "--format", "seed"] + admin)
    #expect(seed.status == 0 && seed.stdout.isEmpty, "\(seed.stderr)")
    let both = try CommandRunner.run("sweep", ["results", id, "--format", "seed", "--columns", "domain"] + admin)
    #expect(both.status == 2 && both.stderr.contains("--format seed is a fixed list"), "\(both.stderr)")

    let workers = try CommandRunner.run("sweep", ["workers"] + admin)
    #expect(workers.stdout.contains("no workers registered"))

    let cancel = try CommandRunner.run("sweep", ["cancel", id] + admin)
    #expect(cancel.status == 0)
    #expect(cancel.stdout.contains("\(id) cancelled"))

    let wrongToken = try CommandRunner.run("sweep", ["status", id, "--coordinator", serve.url, "--token", "nope"])
    #expect(wrongToken.status == 2)
    #expect(wrongToken.stderr.contains("401"))
    let unknown = try CommandRunner.run("sweep", ["status", "sw-missing"] + admin)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("no sweep 'sw-missing'"))
    let invalid = try CommandRunner.run("sweep", ["submit", "-"] + admin, stdin: "name: x\n")
    #expect(invalid.status == 2)
    #expect(invalid.stderr.contains("<stdin>:1:1: domains: missing"))

    #expect(serve.stop(signal: SIGTERM) == 0)
  }

  @Test func anUnreachableCoordinatorIsARuntimeFailure() throws {
    let result = try CommandRunner.run("sweep", ["status", "--coordinator", "http://127.0.0.1:9", "--token", "x"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot reach the coordinator at http://127.0.0.1:9"))
  }

  @Test func servingKeepsStateAcrossARestartOfTheProcess() throws {
    let first = try ServeProcess()
    let admin = { (serve: ServeProcess) in ["--coordinator", serve.url, "--token", serve.adminToken] }
    let id = try CommandRunner.run(
      "sweep", ["submit", CommandRunner.example("twelve-domains-grid.yaml")] + admin(first)
    )
    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    first.stop(signal: SIGKILL)  // no graceful shutdown: the database must be fine anyway
    let second = try ServeProcess(directory: first.directory)
    defer { second.cleanUp() }
    #expect(second.adminToken == first.adminToken)  // the tokens file is written once, the hashes kept
    let status = try CommandRunner.run("sweep", ["status", id, "--json"] + admin(second))
    #expect(status.status == 0, "\(status.stderr) \(second.log)")
    #expect(status.stdout.contains("\"pending\":1800"))
  }

  /// `sweep serve --budget-usd … --budget-period month` and `sweep budget`: the cap is kept in
  /// the database; neither a restart with the same flags nor a new amount restarts the month.
  @Test func theCoordinatorsMonthlyBudgetSurvivesARestartAndANewAmount() throws {
    let flags = ["--budget-usd", "5", "--budget-period", "month"]
    let first = try ServeProcess(extraArguments: flags)
    let admin = { (serve: ServeProcess) in ["--coordinator", serve.url, "--token", serve.adminToken] }
    func budget(_ serve: ServeProcess, _ extra: [String] = []) throws -> [String: Any] {
      let run = try CommandRunner.run("sweep", ["budget", "--json"] + extra + admin(serve))
      #expect(run.status == 0, "\(run.stderr)")
      return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
    }
    let before = try budget(first)
    #expect(before["budget_usd"] as? String == "5.00" && before["period"] as? String == "month", "\(before)")
    let month = try #require(before["period_started_at"] as? String)
    first.stop()
    let second = try ServeProcess(directory: first.directory, extraArguments: flags)
    defer { second.cleanUp() }
    #expect(try budget(second)["period_started_at"] as? String == month)
    let raised = try budget(second, ["--set", "7.5"])
    #expect(raised["budget_usd"] as? String == "7.50" && raised["period"] as? String == "month", "\(raised)")
    #expect(raised["period_started_at"] as? String == month)
    let line = try CommandRunner.run("sweep", ["budget"] + admin(second)).stdout
    #expect(line.contains("coordinator budget: $7.50 this month (since \(month))"), "\(line)")
    let cleared = try budget(second, ["--clear"])
    #expect(cleared["budget_usd"] == nil || cleared["budget_usd"] is NSNull, "\(cleared)")
  }
}
