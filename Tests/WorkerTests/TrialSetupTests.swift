import Foundation
import Platform
import Shared
import Testing

@testable import Worker

/// Where a trial runs, what it may write, what it sees of the worker's environment, and what an
/// honest result is: through the real agent, in-process (scripted programs, manual clock).
// 5 minutes, not 1: the synchronous real-process suites (the chaos profile) can hold the
// cooperative threads for about two minutes on 2 cores before this suite gets one.
@Suite(.timeLimit(.minutes(5)))
struct TrialSetupTests {
  static func grant(
    _ id: String, trials: Int,
    argv: [String] = ["python", "train_lora.py", "--out", CommandTemplate.outputDirectoryMarker],
    workdir: String? = nil, params: [String: ParameterValue] = [:]
  ) -> LeaseResponse {
    var response = LeaseResponse.grant(id, trials: trials)
    response.lease?.workdir = workdir
    response.lease?.trials = (1...trials).map {
      LeasedTrial(trialId: "\(id)-t\($0)", domain: "a", attempt: 1, params: params, argv: argv)
    }
    return response
  }

  @Test func trialsRunInTheWorkdirWithTheirOwnKeptOutputFolderAndTheirSlotsGPUs() async throws {
    // two slots, two leases at once: each slot's trials get their own output folder and GPUs
    let launcher = FakeLauncher(default: .exits(0, stdout: [#"{"accuracy": 0.5}"#]))
    let harness = AgentHarness(leases: [Self.grant("l1", trials: 2), Self.grant("l2", trials: 2)], launcher: launcher)
    defer { harness.cleanUp() }
    try FileManager.default.createDirectory(atPath: harness.root + "/project", withIntermediateDirectories: true)
    let agent = harness.agent {
      $0.exitWhenDone = true
      $0.slots = 2
      $0.projectDirectory = harness.root + "/project"
      $0.gpuSlots = [["0", "1"], ["2", "3"]]
    }
    try await agent.run()
    let requests = launcher.requests
    #expect(requests.count == 4, "\(harness.log)")
    #expect(requests.allSatisfy { $0.directory == harness.root + "/project" })
    let outputs = requests.map { $0.environment["SWEEP_OUTPUT_DIR"] ?? "" }
    #expect(Set(outputs).count == 4, "an output folder was shared: \(outputs)")
    for request in requests {
      let output = request.environment["SWEEP_OUTPUT_DIR"] ?? ""
      #expect(output.hasPrefix(harness.root + "/spool/artifacts/sw-1/"))
      #expect(request.argv == ["python", "train_lora.py", "--out", output])
      #expect(FileSystem.isDirectory(output), "the output folder was not kept: \(output)")
      let slot = request.environment["SWEEP_SLOT"]
      #expect(request.environment["CUDA_VISIBLE_DEVICES"] == (slot == "0" ? "0,1" : "2,3"))
      #expect(request.environment["SWEEP_OBJECTIVE"] == "accuracy")
    }
    #expect(Set(requests.compactMap { $0.environment["SWEEP_SLOT"] }) == ["0", "1"])
    // the scratch folders (metrics and control files) are gone
    #expect(FileSystem.list(harness.root + "/spool/trials").isEmpty)
  }

  @Test func theSpecsWorkdirIsTakenRelativeToTheWorkersAndAMissingOneFailsTheAttemptSayingWhere() async throws {
    let harness = AgentHarness(leases: [
      Self.grant("l1", trials: 1, workdir: "training"), Self.grant("l2", trials: 1, workdir: "missing"),
    ])
    defer { harness.cleanUp() }
    try FileManager.default.createDirectory(atPath: harness.root + "/training", withIntermediateDirectories: true)
    let agent = harness.agent { $0.exitWhenDone = true }
    try await agent.run()
    #expect(harness.launcher.requests.map(\.directory) == [harness.root + "/training"])
    let reports = harness.api.reports
    #expect(reports.map(\.status) == [.succeeded, .failed])
    #expect(reports.last?.error?.contains("the working folder \(harness.root)/missing does not exist") == true)
  }

  @Test func aRunThatExitsZeroWithoutTheObjectiveFailsAndCollidingMetricsAreRenamed() async throws {
    let launcher = FakeLauncher([
      .exits(0, stdout: [#"{"loss": 0.3, "rank": 16, "cost": 2}"#])
    ])
    let harness = AgentHarness(
      leases: [Self.grant("l1", trials: 1, params: ["rank": .int(16)])], launcher: launcher)
    defer { harness.cleanUp() }
    try await harness.agent { $0.exitWhenDone = true }.run()
    let report = try #require(harness.api.reports.first)
    #expect(report.status == .failed && report.exitCode == 0)
    #expect(
      report.error == "objective 'accuracy' never reported (last metrics: loss=0.3, metric.cost=2, metric.rank=16)")
    #expect(report.metrics == ["loss": 0.3, "metric.rank": 16, "metric.cost": 2])
    let tail = report.stderrTail ?? ""
    #expect(tail.contains("metric(s) cost, rank were stored as metric.cost, metric.rank"), "\(tail)")
  }

  @Test func aStopIsWrittenToTheControlFileBeforeSIGTERM() async throws {
    let launcher = FakeLauncher([.runsUntilSignalled(onTerm: .exited(0))])
    let harness = AgentHarness(leases: [Self.grant("l1", trials: 1)], launcher: launcher)
    defer { harness.cleanUp() }
    let agent = harness.agent()
    let running = Task { try await agent.run() }
    await launcher.launches(atLeast: 1)
    let control = try #require(launcher.requests.first?.environment["SWEEP_CONTROL_FILE"])
    #expect(FileSystem.read(control) == nil)
    agent.beginDrain()
    try await running.value
    #expect(launcher.signals.first?.signal == SIGTERM)
    // the reason was in the control file when SIGTERM arrived
    #expect(launcher.controlAtSignal.first == #"{"stop":"interrupted"}"# + "\n")
    #expect(harness.api.reports.first?.status == .interrupted)
  }
}

@Suite struct TrialEnvironmentPolicyTests {
  let worker = [
    "PATH": "/usr/bin", "HOME": "/root", "LANG": "C.UTF-8", "LC_ALL": "C", "SWEEP_WORKER_TOKEN": "w",
    "SWEEP_ADMIN_TOKEN": "a", "AWS_SECRET_ACCESS_KEY": "k", "AWS_REGION": "eu", "HF_TOKEN": "h", "WANDB_API_KEY": "x",
  ]

  @Test func theWorkersOwnTokensAreNeverInherited() {
    let env = TrialEnvironmentPolicy().apply(to: worker)
    #expect(env["SWEEP_WORKER_TOKEN"] == nil && env["SWEEP_ADMIN_TOKEN"] == nil)
    #expect(env["HF_TOKEN"] == "h" && env["PATH"] == "/usr/bin")
    // even when asked for by name
    #expect(TrialEnvironmentPolicy(pass: ["SWEEP_*"]).apply(to: worker)["SWEEP_WORKER_TOKEN"] == nil)
  }

  @Test func secretAndDropTakeNamesAndPrefixes() {
    let env = TrialEnvironmentPolicy(drop: ["WANDB_API_KEY"], secrets: ["AWS_*"]).apply(to: worker)
    #expect(env.keys.sorted() == ["HF_TOKEN", "HOME", "LANG", "LC_ALL", "PATH"])
  }

  @Test func passNarrowsToTheNamedVariablesAndTheEssentials() {
    let env = TrialEnvironmentPolicy(pass: ["HF_TOKEN"]).apply(to: worker)
    #expect(env.keys.sorted() == ["HF_TOKEN", "HOME", "LANG", "LC_ALL", "PATH"])
  }

  @Test func badPatternsAreNamed() {
    #expect(TrialEnvironmentPolicy.invalidPattern("") == "an empty name")
    #expect(TrialEnvironmentPolicy.invalidPattern("A*B") != nil)
    #expect(TrialEnvironmentPolicy.invalidPattern("A=1") != nil)
    #expect(TrialEnvironmentPolicy.invalidPattern("AWS_*") == nil)
  }
}

@Suite struct GPUAssignmentTests {
  @Test func nvidiaSMIListingsGiveDeviceIndices() {
    let listing = """
      GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-6b1f…)
      GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-9c2e…)
      GPU 2: NVIDIA A100-SXM4-80GB (UUID: GPU-1d3a…)
      GPU 3: NVIDIA A100-SXM4-80GB (UUID: GPU-0e4b…)
      """
    #expect(GPUAssignment.devices(nvidiaSMIList: listing) == ["0", "1", "2", "3"])
    #expect(GPUAssignment.devices(nvidiaSMIList: "No devices were found") == [])
  }

  @Test func eachSlotGetsItsOwnGroup() throws {
    #expect(
      try GPUAssignment.slots(devices: ["0", "1", "2", "3"], perTrial: 1, slots: 4) == [["0"], ["1"], ["2"], ["3"]])
    #expect(
      try GPUAssignment.slots(devices: ["0", "1", "2", "3"], perTrial: 2, slots: 2) == [["0", "1"], ["2", "3"]])
    #expect(try GPUAssignment.devices(list: "0, 1,1,3") == ["0", "1", "3"])
  }

  @Test func tooFewGPUsOrABadListIsRefusedWithTheNumbers() {
    #expect(throws: GPUAssignmentError.self) { try GPUAssignment.devices(list: "0,,1") }
    do {
      _ = try GPUAssignment.slots(devices: ["0", "1"], perTrial: 2, slots: 2)
      Issue.record("accepted 2 slots × 2 GPUs on 2 GPUs")
    } catch {
      #expect(error.message.contains("need 4 GPUs, but --gpus has 2 (0,1)"))
    }
  }
}
