import Foundation
import Shared
import Testing

@testable import ReferenceTraining
@testable import Worker

@Suite struct WorkerUnitTests {
  @Test func onlyJSONObjectsOfNumbersAreMetrics() {
    #expect(MetricsLine.parse("{\"accuracy\": 0.8, \"epoch\": 2}") == ["accuracy": 0.8, "epoch": 2])
    #expect(MetricsLine.parse("  {\"loss\": 1}  ") == ["loss": 1])
    #expect(MetricsLine.parse("{\"name\": \"x\"}") == nil)
    #expect(MetricsLine.parse("{}") == nil)
    #expect(MetricsLine.parse("loss=1") == nil)
    #expect(MetricsLine.parse("[1, 2]") == nil)
    #expect(MetricsLine.parse("{\"a\": {\"b\": 1}}") == nil)
  }

  @Test func theLastValueOfEachMetricIsFinalAndEpochIsProgress() {
    var state = MetricsState()
    state.record(["epoch": 1, "loss": 2])
    state.record(["epoch": 2, "loss": 1, "accuracy": 0.7])
    #expect(state.latest == ["loss": 1, "accuracy": 0.7])
    #expect(state.epoch == 2)
    #expect(state.revision == 2)
  }

  @Test func aPricedTrialReportingACostPastItsLimitIsAskedToStopOnce() {
    let control = TrialControl(allowanceDeadline: nil, costLimit: MicroDollars(1_000_000))
    let wakes = LockedValue(0)
    control.observe { wakes.set(wakes.value + 1) }
    control.record(["cost_usd": 0.4])
    control.record(["cost_usd": 1.0])
    #expect(control.stopReason == nil && wakes.value == 0)
    control.record(["cost_usd": 1.000001])
    #expect(control.stopReason == .costExceeded && wakes.value == 1)
    control.record(["cost_usd": 2])
    #expect(wakes.value == 1)
    // An earlier reason wins; an unpriced trial is never stopped for its cost.
    let cancelled = TrialControl(allowanceDeadline: nil, costLimit: MicroDollars(1))
    cancelled.requestStop(.cancelled)
    cancelled.record(["cost_usd": 5])
    #expect(cancelled.stopReason == .cancelled)
    let free = TrialControl(allowanceDeadline: nil)
    free.record(["cost_usd": 1e6])
    #expect(free.stopReason == nil)
  }

  @Test func linesAreSplitAndBoundedInLength() {
    var splitter = LineSplitter(maxLine: 8)
    #expect(splitter.feed(Array("ab\ncd\r\nefghijklmn".utf8)) == ["ab", "cd", "efghijkl"])
    #expect(splitter.finish() == "mn")
    var tail = OutputTail(maxLines: 2, maxBytes: 100)
    for line in ["1", "2", "3"] { tail.append(line) }
    #expect(tail.text == "2\n3")
  }

  @Test func backoffGrowsWithJitterUpToItsCap() {
    var backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
    let delays = (0..<8).map { _ in backoff.next() }
    #expect(delays[0] <= .milliseconds(100))
    #expect(delays.allSatisfy { $0 <= .seconds(1) && $0 > .zero })
    #expect(delays[7] >= .milliseconds(500))
    backoff.reset()
    #expect(backoff.next() <= .milliseconds(100))
  }

  static func result(_ trial: String, attempt: Int = 1) -> Spool.PendingResult {
    Spool.PendingResult(
      trialId: trial,
      report: ResultReport(
        sweepId: "s", leaseId: "l", fencingToken: 1, attempt: attempt, status: .succeeded, metrics: ["a": 1]))
  }

  static func temporarySpool() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
  }

  @Test func theSpoolKeepsResultsUntilAcknowledged() throws {
    let root = Self.temporarySpool()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var spool: Spool? = try Spool(root: root)
    try spool?.store(Self.result("t1"))
    try spool?.store(Self.result("t2"))
    try spool?.sync()
    spool?.acknowledge(Self.result("t1"))
    spool = nil  // the worker stops (or is killed)
    let reopened = try Spool(root: root)
    #expect(reopened.pending() == [Self.result("t2")])  // survives a restart, acknowledged ones do not
    reopened.acknowledge(Self.result("t2"))
    #expect(reopened.pending().isEmpty)
    let identity = Spool.Identity(coordinator: "http://x", workerId: "wk-1", credential: "secret")
    try reopened.saveIdentity(identity)
    #expect(reopened.loadIdentity() == identity)
    let attributes = try FileManager.default.attributesOfItem(atPath: root + "/identity.json")
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
  }

  @Test func aJournalLineCutShortByAKillIsDroppedWhenTheSpoolOpens() throws {
    let root = Self.temporarySpool()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var spool: Spool? = try Spool(root: root)
    try spool?.store(Self.result("t1"))
    try spool?.sync()
    spool = nil
    // What SIGKILL in the middle of an append leaves behind.
    let journal = root + "/results/journal.jsonl"
    let handle = try #require(FileHandle(forWritingAtPath: journal))
    handle.seekToEndOfFile()
    handle.write(Data(#"{"result":{"trial_id":"t2","rep"#.utf8))
    try handle.close()
    let reopened = try Spool(root: root)
    #expect(reopened.pending() == [Self.result("t1")])
    // and the next append is not glued to the torn line
    try reopened.store(Self.result("t3"))
    try reopened.sync()
    let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
  }

  @Test func resultsInTheOldOneFilePerResultLayoutAreKept() throws {
    let root = Self.temporarySpool()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/results", withIntermediateDirectories: true)
    let old = Self.result("t9", attempt: 2)
    try WireCoding.encoder().encode(old).write(to: URL(fileURLWithPath: root + "/results/t9-2.json"))
    FileManager.default.createFile(atPath: root + "/results/t8-1.json.tmp", contents: Data("{\"tri".utf8))
    let spool = try Spool(root: root)
    #expect(spool.pending() == [old])
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/results") == ["journal.jsonl"])
  }

  @Test func twoWorkersCannotShareASpool() throws {
    let root = Self.temporarySpool()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let first = try Spool(root: root)
    #expect(throws: SpoolError.self) { try Spool(root: root) }
    _ = first
  }

  @Test func aSpoolOfManyAcknowledgedResultsStaysSmall() throws {
    let root = Self.temporarySpool()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let spool = try Spool(root: root)
    try spool.store(Self.result("keep"))
    for index in 0..<20_000 {
      try spool.store(Self.result("t\(index)"))
      spool.acknowledge(Self.result("t\(index)"))
    }
    let size = try FileManager.default.attributesOfItem(atPath: root + "/results/journal.jsonl")[.size] as? Int ?? 0
    #expect(size <= Spool.compactionBytes + 4096)
    #expect(spool.pending() == [Self.result("keep")])
  }

  @Test func theReferenceTrainerIsDeterministicPerSeed() {
    let trainer = ReferenceTrainer(
      domain: "legal", rank: 4, alpha: 16, weightDecay: 1e-4, learningRate: 0.01, epochs: 2, seed: 3)
    #expect(trainer.train() == trainer.train())
    var other = trainer
    other.seed = 4
    #expect(trainer.train().epochs.map(\.loss) != other.train().epochs.map(\.loss))
  }

  @Test func aRankFarBelowTheDomainsShiftUnderfits() {
    // medical's decision function moved by a rank-10 change
    let low = ReferenceTrainer(
      domain: "medical", rank: 1, alpha: 16, weightDecay: 0, learningRate: 0.01, epochs: 4, seed: 1)
    var high = low
    high.rank = 16
    #expect(high.train().accuracy > low.train().accuracy + 0.03)
  }

  @Test func extremeWeightDecayHurts() {
    let normal = ReferenceTrainer(
      domain: "financial", rank: 8, alpha: 16, weightDecay: 1e-5, learningRate: 0.01, epochs: 4, seed: 1)
    var extreme = normal
    extreme.weightDecay = 30
    #expect(normal.train().accuracy > extreme.train().accuracy + 0.01)
  }

  @Test func fineTuningBeatsTheFrozenBase() {
    let trainer = ReferenceTrainer(
      domain: "financial", rank: 8, alpha: 16, weightDecay: 0, learningRate: 0.01, epochs: 4, seed: 1)
    let report = trainer.train()
    let base = ReferenceModel.pretrained
    let data = ReferenceTask.dataset(
      teacher: ReferenceTask.teacher(for: "financial"), count: 1000, noise: 0.05, seed: 99)
    #expect(report.accuracy > base.accuracy(data) + 0.05)
    #expect(report.adapterParameters == 8 * (ReferenceTask.inputs + ReferenceTask.hidden))
  }
}
