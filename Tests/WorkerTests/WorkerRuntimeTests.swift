import Foundation
import Platform
import Shared
import Testing

@testable import Worker

/// The real worker agent driven in-process: a manual clock, a scripted coordinator and scripted
/// programs, a real spool. Each test awaits events (a call, a launch, the agent asleep), never
/// wall-clock time.
// 5 minutes, not 1: the synchronous real-process suites (the chaos profile) can hold the
// cooperative threads for about two minutes on 2 cores before this suite gets one.
@Suite(.timeLimit(.minutes(5))) struct WorkerRuntimeTests {
  @Test func aLeaseRunsSpoolsSendsAndIsAcknowledgedInThatOrder() async throws {
    let harness = AgentHarness(leases: [.grant("l1", trials: 2)])
    defer { harness.cleanUp() }
    let agent = harness.agent { $0.exitWhenDone = true }
    try await agent.run()
    #expect(agent.stop == .done)
    #expect(
      harness.callsWithoutHeartbeats == [
        "register", "lease", "report(t1: succeeded)", "report(t2: succeeded)", "lease", "deregister",
      ], "\(harness.log)")
    #expect(harness.launcher.launched == [["train", "t1"], ["train", "t2"]])
    // each result was in the spool (made durable) before it was sent, and gone afterwards
    let journals = harness.api.spooledAtReport
    #expect(journals.count == 2)
    #expect(journals.first?.contains(#""trial_id":"t1""#) == true)
    #expect(journals.last?.contains(#""trial_id":"t2""#) == true)
    let journal = try String(contentsOfFile: harness.root + "/spool/results/journal.jsonl", encoding: .utf8)
    #expect(!journal.contains(#""result""#), "\(journal)")
    #expect(FileSystem.list(harness.root + "/spool/trials").isEmpty)
    // the metrics line reached the report
    #expect(harness.log.contains("t1 attempt 1: succeeded"))
  }

  @Test func aPaidTrialStopsWhenItsAllowanceRunsOutWhileTheCoordinatorIsUnreachable() async throws {
    let launcher = FakeLauncher([.runsUntilSignalled(onTerm: .signalled(SIGTERM))])
    let harness = AgentHarness(leases: [.grant("l1", trials: 1, ttl: 30, allowance: 60)], launcher: launcher)
    defer { harness.cleanUp() }
    let agent = harness.agent { $0.exitWhenDone = true }
    let running = Task { try await agent.run() }
    await launcher.launches(atLeast: 1)
    harness.api.setOnline(false)
    // the heartbeat (every 10 s) and the allowance deadline (60 s) sleep on the clock
    await harness.clock.sleepers(atLeast: 2)
    harness.clock.advance(by: .seconds(59))
    await harness.clock.sleepers(atLeast: 2)
    #expect(launcher.signals.isEmpty, "stopped before its allowance ran out: \(harness.log)")
    harness.clock.advance(by: .seconds(2))
    await harness.api.until { $0.contains(.report(trial: "t1", status: .allowanceExhausted)) }
    // SIGTERM at the deadline; once it exited, SIGKILL for anything it left in its group
    #expect(launcher.signals.map(\.signal) == [SIGTERM, SIGKILL])
    // the report failed (unreachable) and waits in the spool; the sender backs off on the clock
    // and the slot waits for its delivery; back online, the retry delivers it
    await harness.clock.sleepers(atLeast: 2)
    harness.api.setOnline(true)
    harness.clock.advance(by: .seconds(1))
    try await running.value
    #expect(agent.stop == .done)
    #expect(
      harness.callsWithoutHeartbeats == [
        "register", "lease", "report(t1: allowance_exhausted)", "report(t1: allowance_exhausted)", "lease",
        "deregister",
      ], "\(harness.log)")
    // heartbeats kept going while unreachable, every third of the TTL (±10%) from the grant
    let heartbeats = harness.api.calls.filter { $0 == .heartbeat(lease: "l1", paused: nil) }.count
    #expect((5...7).contains(heartbeats), "\(heartbeats) heartbeats")
  }

  @Test func drainingInterruptsTheRunningTrialReleasesTheRestAndDeliversTheResult() async throws {
    let launcher = FakeLauncher([.runsUntilSignalled(onTerm: .signalled(SIGTERM))])
    let harness = AgentHarness(leases: [.grant("l1", trials: 3)], launcher: launcher)
    defer { harness.cleanUp() }
    let agent = harness.agent()
    let running = Task { try await agent.run() }
    await launcher.launches(atLeast: 1)
    agent.beginDrain()  // what the ServiceGroup does on SIGTERM
    try await running.value
    #expect(agent.stop == .drained)
    let calls = harness.callsWithoutHeartbeats
    #expect(Array(calls.prefix(2)) == ["register", "lease"])
    // the report and the release go concurrently; both happen, nothing else does
    #expect(Set(calls.dropFirst(2)) == ["report(t1: interrupted)", "release(l1: t2,t3)"], "\(calls)")
    #expect(calls.count == 4)
    #expect(launcher.launched == [["train", "t1"]])
    #expect(launcher.signals.map(\.signal).first == SIGTERM)
  }

  @Test func anIdleWorkerStopsAfterMaxIdleAndDeregisters() async throws {
    let harness = AgentHarness(leases: [])
    defer { harness.cleanUp() }
    let agent = harness.agent { $0.maxIdle = .seconds(60) }
    let running = Task { try await agent.run() }
    // "no work" answers say retry after 5 s; the slot sleeps that long on the clock each time
    for _ in 0..<12 {
      await harness.clock.sleepers(atLeast: 1)
      harness.clock.advance(by: .seconds(5))
    }
    try await running.value
    #expect(agent.stop == .idle)
    #expect(harness.callsWithoutHeartbeats == ["register"] + Array(repeating: "lease", count: 13) + ["deregister"])
  }

  @Test func aWorkerThatCannotReachTheCoordinatorStillStopsAfterMaxIdleAndRunsOnExit() async throws {
    let harness = AgentHarness(leases: [])
    defer { harness.cleanUp() }
    let marker = harness.root + "/instance-stopped"
    let agent = harness.agent {
      $0.maxIdle = .seconds(60)
      $0.onExit = "touch '\(marker)'"
    }
    harness.api.setOnline(false)  // the coordinator's laptop is asleep from the start
    let running = Task { try await agent.run() }
    // Retries back off on the clock, never past the idle limit; no answer ever comes.
    let released = Task {
      await agent.stopped.wait()
      harness.clock.releaseObservers()  // the agent sleeps no more once it stops
    }
    while !agent.stopped.isOpen {
      await harness.clock.sleepers(atLeast: 1)
      harness.clock.advance(by: .seconds(5))
    }
    await released.value
    try await running.value
    #expect(agent.stop == .idle)
    #expect(harness.log.contains("the coordinator cannot be reached"), "\(harness.log)")
    #expect(FileManager.default.fileExists(atPath: marker), "\(harness.log)")
    // the retries were clamped to the limit: it exits on it, not a backoff later
    #expect(harness.log.contains("no work for 60.0 seconds"), "\(harness.log)")
  }

  @Test func aLaptopOnBatteryTakesNoWorkSaysWhyAndResumesOnAC() async throws {
    let battery = PowerReading(hasBattery: true, onBattery: true, thermal: .nominal)
    let harness = AgentHarness(leases: [.grant("l1", trials: 1)], power: battery)
    defer { harness.cleanUp() }
    let agent = harness.agent {
      $0.exitWhenDone = true
      $0.laptop = LaptopPolicy()
    }
    let running = Task { try await agent.run() }
    await harness.api.until { $0.contains(.lease(paused: .onBattery)) }
    #expect(agent.pausedFor == .onBattery)
    #expect(harness.launcher.launched.isEmpty)
    // the power check (every 30 s) and the paused slot sleep on the clock; then AC comes back
    await harness.clock.sleepers(atLeast: 2)
    harness.power.set(PowerReading(hasBattery: true, onBattery: false, thermal: .nominal))
    harness.clock.advance(by: .seconds(30))
    try await running.value
    #expect(agent.pausedFor == nil)
    #expect(
      harness.callsWithoutHeartbeats == [
        "register", "lease(paused: on_battery)", "lease", "report(t1: succeeded)", "lease", "deregister",
      ], "\(harness.log)")
    // the machine was kept awake exactly while the trial ran
    #expect(harness.launcher.launched == [["inhibit"], ["train", "t1"]])
    #expect(harness.launcher.signals.map(\.argv) == [["inhibit"]])
    #expect(harness.log.contains("on battery"))
    #expect(harness.log.contains("resuming"))
  }

  @Test func aHotLaptopFinishesItsTrialReleasesTheRestAndSaysWhyInTheHeartbeat() async throws {
    let launcher = FakeLauncher([.runsUntilSignalled(onTerm: nil)])
    let harness = AgentHarness(leases: [.grant("l1", trials: 2, ttl: 30)], launcher: launcher)
    defer { harness.cleanUp() }
    let agent = harness.agent { $0.laptop = LaptopPolicy() }
    let running = Task { try await agent.run() }
    await launcher.launches(atLeast: 2)  // the inhibitor, then t1
    await harness.clock.sleepers(atLeast: 2)  // power check, heartbeat
    harness.power.set(PowerReading(hasBattery: true, onBattery: false, thermal: .hot))
    harness.clock.advance(by: .seconds(30))
    await harness.clock.sleepers(atLeast: 2)
    #expect(agent.pausedFor == .thermal)
    // the next heartbeat says why; the running trial is not stopped
    harness.clock.advance(by: .seconds(12))
    await harness.api.until { $0.contains(.heartbeat(lease: "l1", paused: .thermal)) }
    #expect(launcher.signals.allSatisfy { $0.argv == ["inhibit"] })
    launcher.process(1).end(.exited(0))
    await harness.api.until { $0.contains(.lease(paused: .thermal)) }
    agent.beginDrain()
    try await running.value
    let calls = harness.callsWithoutHeartbeats
    #expect(Array(calls.prefix(2)) == ["register", "lease"])
    // t1 exited 0 without ever reporting the objective: an honest failure (not a pause's doing)
    #expect(
      Set(calls.dropFirst(2)) == ["report(t1: failed)", "release(l1: t2)", "lease(paused: thermal)"], "\(calls)")
    #expect(launcher.launched == [["inhibit"], ["train", "t1"]])
  }

  @Test func cooldownSeparatesTheTrialsOfOneLeaseOnTheClock() async throws {
    let harness = AgentHarness(leases: [.grant("l1", trials: 2)])
    defer { harness.cleanUp() }
    let agent = harness.agent {
      $0.exitWhenDone = true
      $0.cooldown = .seconds(90)
    }
    let running = Task { try await agent.run() }
    await harness.launcher.launches(atLeast: 1)
    // t1 is done at once; the cooldown and the heartbeat sleep; t2 waits
    await harness.clock.sleepers(atLeast: 2)
    #expect(harness.launcher.launched.count == 1)
    harness.clock.advance(by: .seconds(89))
    await harness.clock.sleepers(atLeast: 1)
    #expect(harness.launcher.launched.count == 1)
    harness.clock.advance(by: .seconds(1))
    await harness.launcher.launches(atLeast: 2)
    agent.beginDrain()
    try await running.value
    #expect(harness.launcher.launched == [["train", "t1"], ["train", "t2"]])
  }
}
