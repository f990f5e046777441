import Platform
import ServiceLifecycle
import Shared
import Synchronization

/// Why the agent stopped.
public enum WorkerStop: Equatable, Sendable {
  /// SIGTERM/SIGINT: drained and exited.
  case drained
  /// `--max-idle` passed without work.
  case idle
  /// `--exit-when-done`: no pending trials and nothing running.
  case done
  /// Retrying cannot help.
  case fatal(ClientError)

  public var exitCode: Int32 {
    if case .fatal(.unrecoverable(let reason, _, _)) = self { return reason.exitCode }
    if case .fatal = self { return WorkerExitCode.runtime }
    return WorkerExitCode.ok
  }
}

/// The worker: registers, long-polls for leases on `slots` loops, runs each trial, heartbeats,
/// spools and sends results, pauses on battery or heat on a laptop, and drains on graceful
/// shutdown. A Service: started by a ServiceGroup that turns SIGTERM/SIGINT into a graceful
/// shutdown. Everything it touches outside itself comes from its ``WorkerRuntime``, so tests run
/// it in-process on a manual clock.
public final class WorkerAgent: Service, Sendable {
  let configuration: WorkerConfiguration
  let runtime: WorkerRuntime
  var log: WorkerLog { runtime.log }
  var clock: any WorkerClock { runtime.clock }
  var api: any CoordinatorAPI { runtime.api }
  let stopReason = LockedValue<WorkerStop?>(nil)
  /// Opens when the agent stops for any reason: every wait races it.
  let stopped = Latch()
  private let sessions = LockedValue<[String: LeaseSession]>([:])
  let lastWork: LockedValue<Duration>
  /// When the agent was made: a paid box bills from then at the latest, registered or not.
  let startedAt: Duration
  /// The last "no work" reason logged, so that each change is said once.
  let lastNoWork = LockedValue<NoWorkReason?>(nil)
  let busySlots = LockedValue(0)
  /// The latest lease was this paid worker's last (``LeaseGrant/exitAfter``): when it ends, one
  /// more request without waiting, then exit unless it brings a lease.
  let lastLease = LockedValue(false)
  private let draining = LockedValue(false)
  /// Why the worker takes no new work now, and the latch that opens when it resumes.
  let pause = LockedValue<(reason: PauseReason, resumed: Latch)?>(nil)
  private let keepAwake: KeepAwake?
  /// Set once `run()` has made it.
  private let uploader = LockedValue<ArtifactUploader?>(nil)

  public convenience init(configuration: WorkerConfiguration) {
    let log = WorkerLog(name: configuration.name, level: configuration.logLevel)
    self.init(configuration: configuration, runtime: .system(configuration, log: log))
  }

  public init(configuration: WorkerConfiguration, runtime: WorkerRuntime) {
    self.configuration = configuration
    self.runtime = runtime
    lastWork = LockedValue(runtime.clock.now)
    startedAt = runtime.clock.now
    keepAwake =
      configuration.laptop?.keepAwake == true
      ? runtime.keepAwakeCommand.map { KeepAwake(command: $0, launcher: runtime.launcher, log: runtime.log) } : nil
  }

  /// Why `run()` returned (nil while running).
  public var stop: WorkerStop? { stopReason.value }

  /// Why the worker is paused now, if it is.
  public var pausedFor: PauseReason? { pause.value?.reason }

  public func run() async throws {
    let spool: Spool
    do {
      spool = try Spool(root: configuration.spool)
    } catch {
      await api.shutdown()
      throw error
    }
    let workerID: String
    switch await register(spool: spool) {
    case .success(let value): workerID = value
    case .failure(let error):
      finish(.fatal(error))
      // never registered because the coordinator never answered: still stop the box
      if stopReason.value == .idle { runOnExit() }
      await api.shutdown()
      return
    }
    let sender = ResultSender(spool: spool, api: api, clock: clock, log: log) { [self] fatal in
      log.error(fatal.description)
      finish(.fatal(fatal))
      for session in sessions.value.values { session.interrupt(.interrupted) }
    }
    let uploader = ArtifactUploader(queue: UploadQueue(spoolRoot: spool.root), api: api, clock: clock, log: log) {
      trialID, attempt in spool.isWaiting(any: ["\(trialID)#\(attempt)"])
    }
    self.uploader.set(uploader)
    await withGracefulShutdownHandler {
      await withTaskGroup(of: Void.self) { group in
        group.addTask { await sender.run() }
        group.addTask { await uploader.run() }
        if let policy = configuration.laptop {
          // the first reading decides before any work is taken
          var tracker = PauseTracker(policy: policy)
          if let change = tracker.update(runtime.power.read()) { setPause(change) }
          group.addTask { await self.watchPower(tracker) }
        }
        await withTaskGroup(of: Void.self) { slots in
          for slot in 0..<configuration.slots {
            slots.addTask { await self.slotLoop(slot: slot, spool: spool, sender: sender) }
          }
        }
        // the slots ended on drain, idle, done or a fatal error; deliver what is left
        let delivered = await sender.flush(until: clock.now + configuration.drainTimeout)
        if !delivered {
          log.warning("some results are still in the spool at \(spool.root); they will be sent on the next start")
        }
        // output folders too, within a bound: on a paid box this is paid time (docs/worker.md)
        if !(await uploader.flush(until: clock.now + configuration.uploadDrainTimeout)) {
          log.warning(
            "some output folders are still waiting in \(spool.root)/uploads; they will be uploaded on the next start")
        }
        group.cancelAll()
      }
    } onGracefulShutdown: {
      self.beginDrain()
    }
    if stopReason.value == nil { finish(.drained) }
    await wrapUp(spool: spool, workerID: workerID)
    await api.shutdown()
  }

  /// Stops taking work and interrupts running trials; their results are still spooled and sent.
  public func beginDrain() {
    guard
      !draining.update({ value in
        defer { value = true }
        return value
      })
    else { return }
    log.info("shutting down: interrupting running trials, releasing unstarted ones")
    finish(.drained)
    for session in sessions.value.values { session.interrupt(.interrupted) }
  }

  func finish(_ reason: WorkerStop) {
    stopReason.update { current in
      if current == nil { current = reason }
    }
    stopped.open()
  }

  private var shouldStop: Bool { stopReason.value != nil }

  /// Registers, or reuses the identity in the spool (so that a restarted worker reports under
  /// the credential holding its leases); returns the worker id. Retry policy: retryable errors
  /// back off and retry until shutdown; unrecoverable ones end the worker.
  private func register(spool: Spool) async -> Result<String, ClientError> {
    if let identity = spool.loadIdentity(), identity.coordinator == configuration.coordinator {
      api.setCredential(identity.credential)
      log.info("reusing the identity \(identity.workerId) from the spool")
      return .success(identity.workerId)
    }
    var backoff = Backoff()
    var request = RegisterWorkerRequest(
      name: configuration.name, provider: configuration.provider, hourlyCostUsd: DollarAmount(configuration.hourlyCost),
      gpu: configuration.gpu, slots: configuration.slots, maxIdleS: configuration.maxIdle?.secondsDouble)
    request.subscription = configuration.subscription
    while !shouldStop {
      // A paid box's bill starts before registration: at its declared start, or this process's.
      if configuration.hourlyCost > .zero {
        let before = (configuration.billedBeforeStart ?? .zero) + (clock.now - startedAt)
        request.billedBeforeS = min(86_400, max(0, before.secondsDouble))
      }
      let request = request
      let answer = await race(
        { [api, configuration] () -> Result<RegisterWorkerResponse, ClientError> in
          do throws(ClientError) {
            return .success(try await api.register(request, joinToken: configuration.joinToken))
          } catch { return .failure(error) }
        }, clock: clock, interrupt: stopped)
      switch answer {
      case nil: break
      case .success(let response):
        api.setCredential(response.credential)
        do {
          try spool.saveIdentity(
            Spool.Identity(
              coordinator: configuration.coordinator, workerId: response.workerId, credential: response.credential))
        } catch {
          log.warning("cannot save the worker identity in the spool: \(error)")
        }
        log.info(
          "registered as \(response.workerId) at \(configuration.coordinator) (\(configuration.provider.rawValue), $\(configuration.hourlyCost.decimalString)/h, \(configuration.slots) slot(s))"
        )
        return .success(response.workerId)
      case .failure(.retryable(let message)):
        if exitIfIdle(because: "the coordinator cannot be reached: \(message)") { break }
        let delay = backoff.next()
        log.warning("cannot register yet (\(message)); retrying in \(delay)")
        await clock.sleep(until: retryTime(after: delay), unless: stopped)
      case .failure(let error):
        log.error(error.description)
        return .failure(error)
      }
    }
    return .failure(.retryable("shut down before registering"))
  }

  /// One slot: lease, run, report, repeat. Retry policy for lease requests: retryable errors back
  /// off (``Backoff``); "no work" waits `retry_after_s` (at most 5 s; 0.5 s for "slots full").
  /// Every wait ends at once when the agent stops.
  private func slotLoop(slot: Int, spool: Spool, sender: ResultSender) async {
    var backoff = Backoff()
    while !shouldStop {
      if let paused = pause.value {
        await waitWhilePaused(paused, reportingFrom: slot == 0)
        continue
      }
      let wait = lastLease.value ? 0 : configuration.leaseWait
      let answer = await race(
        { [api] () -> Result<LeaseResponse, ClientError> in
          do throws(ClientError) {
            return .success(try await api.lease(wait: wait, paused: nil))
          } catch { return .failure(error) }
        }, clock: clock, interrupt: stopped)
      let response: LeaseResponse
      switch answer {
      case nil: continue  // stopped
      case .success(let value):
        response = value
        backoff.reset()
      case .failure(let error):
        switch error {
        case .unrecoverable(.unauthorized, _, _) where spool.loadIdentity() != nil:
          // the coordinator lost this identity (a new database): register afresh, once
          log.warning("the coordinator no longer knows this worker; registering again")
          spool.forgetIdentity()
          if case .success = await register(spool: spool) { continue }
          finish(.fatal(error))
        case .unrecoverable:
          log.error(error.description)
          finish(.fatal(error))
        default:
          if exitAfterLastLease(because: "the coordinator cannot be reached: \(error.description)") { return }
          if exitIfIdle(because: "the coordinator cannot be reached: \(error.description)") { return }
          let delay = backoff.next()
          log.warning("lease request failed (\(error.description)); retrying in \(delay)")
          await clock.sleep(until: retryTime(after: delay), unless: stopped)
        }
        continue
      }
      guard let grant = response.lease else {
        noteNoWork(response)
        if checkIdle(response, spool: spool) { return }
        let pause = response.noWork == .slotsFull ? 0.5 : min(response.retryAfterS ?? 5, 5)
        // Never past the idle limit: the coordinator holds only that (and a margin) of idle time.
        await clock.sleep(until: retryTime(after: .milliseconds(Int64(pause * 1000))), unless: stopped)
        continue
      }
      lastNoWork.set(nil)
      let wasLast = lastLease.update { last in
        defer { last = grant.exitAfter == true }
        return last
      }
      if grant.exitAfter == true && !wasLast {
        log.info(
          "lease \(grant.leaseId) is paid with the idle time the budget held for this worker: it exits when no more such leases come"
        )
      }
      busySlots.update { $0 += 1 }
      lastWork.set(clock.now)
      await work(grant, slot: slot, spool: spool, sender: sender)
      lastWork.set(clock.now)
      busySlots.update { $0 -= 1 }
      // and between the last trial of a lease and the first of the next
      if configuration.cooldown > .zero {
        await clock.sleep(until: clock.now + configuration.cooldown, unless: stopped)
      }
    }
  }

  /// Works through one lease: trials in order, a heartbeat alongside, results spooled then sent.
  private func work(_ grant: LeaseGrant, slot: Int, spool: Spool, sender: ResultSender) async {
    let session = LeaseSession(grant: grant, receivedAt: clock.now)
    sessions.update { $0[grant.leaseId] = session }
    defer { _ = sessions.update { $0.removeValue(forKey: grant.leaseId) } }
    if draining.value { session.interrupt(.interrupted) }
    log.info(
      "lease \(grant.leaseId): \(grant.trials.count) trial(s) of \(grant.sweepName)\(grant.allowanceS.map { ", allowance \(Self.seconds($0)) s" } ?? "")"
    )
    var spooled: [(key: String, readyAt: Duration, outcome: TrialOutcome)] = []
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await self.heartbeatLoop(session) }
      var readyAt = session.receivedAt
      for trial in grant.trials {
        if session.shouldStopStarting(at: clock.now) || shouldStop { break }
        if let paused = pause.value {
          log.info("paused (\(paused.reason.rawValue)): releasing the rest of lease \(grant.leaseId)")
          break
        }
        if session.isCancelled(trial.trialId) { continue }
        // --cooldown goes between every two trials, not only between leases (a shard holds several).
        if !spooled.isEmpty && configuration.cooldown > .zero {
          await clock.sleep(until: clock.now + configuration.cooldown, unless: stopped)
          if session.shouldStopStarting(at: clock.now) || shouldStop { break }
          readyAt = clock.now
        }
        let outcome = await run(trial, of: grant, slot: slot, session: session, spool: spool)
        let report = ResultReport(
          sweepId: grant.sweepId, leaseId: grant.leaseId, fencingToken: grant.fencingToken, attempt: trial.attempt,
          status: outcome.status, metrics: outcome.metrics, exitCode: outcome.exitCode,
          stderrTail: outcome.stderrTail.isEmpty ? nil : outcome.stderrTail, durationS: outcome.durationS,
          error: outcome.error)
        let pending = Spool.PendingResult(trialId: trial.trialId, report: report)
        do {
          try spool.store(pending)
        } catch {
          // the sender only knows what the spool holds: without it, one direct attempt
          log.error("cannot write the result to the spool (\(error)); sending it directly")
          _ = try? await api.report(trialID: trial.trialId, report)
        }
        spooled.append((pending.key, readyAt, outcome))
        await sender.notify()
        FileSystem.removeTree(spool.trialDirectory(trialID: trial.trialId, attempt: trial.attempt))
        // after the result is on its way: packing a large output folder never delays it
        if outcome.status == .succeeded, let policy = grant.artifacts, policy.keep != .none {
          await queueUpload(of: trial, grant: grant, policy: policy, spool: spool)
        }
        readyAt = clock.now
      }
      let unstarted = session.unstarted
      if !unstarted.isEmpty && !session.isLost {
        do throws(ClientError) {
          _ = try await api.release(
            leaseID: grant.leaseId, ReleaseRequest(fencingToken: grant.fencingToken, trialIds: unstarted))
          log.info("released \(unstarted.count) unstarted trial(s) of lease \(grant.leaseId)")
        } catch {
          log.warning("cannot release lease \(grant.leaseId) (\(error.description)); it will expire instead")
        }
      }
      group.cancelAll()
    }
    await sender.waitUntilDelivered(Set(spooled.map(\.key)), until: clock.now + .seconds(5))
    for entry in spooled {
      guard let started = entry.outcome.startedAt, let ended = entry.outcome.endedAt,
        let delivery = await sender.takeDeliveryTimes(entry.key)
      else { continue }
      // start: ready to run → running; finish: exited → acknowledged (of which exited → sent is
      // the worker's own share, the rest the request and the coordinator's commit)
      log.debug(
        "trial \(entry.key) overhead: start \(Self.milliseconds(started - entry.readyAt)) ms, finish \(Self.milliseconds(delivery.answered - ended)) ms, sent after \(Self.milliseconds(delivery.sent - ended)) ms"
      )
    }
  }

  /// Packs an attempt's output folder into the upload queue, unless it is empty or over the
  /// sweep's `artifacts.max_mb` (said in the log, naming the trial, the size and the limit).
  private func queueUpload(of trial: LeasedTrial, grant: LeaseGrant, policy: ArtifactPolicy, spool: Spool) async {
    let folder = Self.outputDirectory(root: configuration.artifactsRoot, grant: grant, trial: trial)
    let size = ArtifactArchive.contentBytes(of: folder)
    guard !FileSystem.list(folder).isEmpty else { return }
    guard size <= policy.maxBytes else {
      log.error(
        "the output of trial \(trial.trialId) is \(size >> 20) MB (\(size) bytes), over the sweep's artifacts.max_mb of \(policy.maxBytes >> 20) MB: not uploaded; it stays in \(folder)"
      )
      return
    }
    let queue = UploadQueue(spoolRoot: spool.root)
    let archive = queue.stagingPath(trialID: trial.trialId, attempt: trial.attempt)
    do {
      let packed = try ArtifactArchive.pack(folder: folder, into: archive)
      if !packed.skipped.isEmpty {
        log.warning(
          "left out of the output of \(trial.trialId) (links or unreadable): \(packed.skipped.prefix(5).joined(separator: ", "))"
        )
      }
      try queue.add(
        UploadQueue.Entry(
          sweepId: grant.sweepId, trialId: trial.trialId, attempt: trial.attempt, sha256: packed.sha256,
          bytes: packed.bytes, folder: folder))
      await uploader.value?.notify()
    } catch {
      FileSystem.remove(archive)
      log.error("cannot pack the output of \(trial.trialId) for upload (\(error)); it stays in \(folder)")
    }
  }

  /// `ARTIFACTS/<sweep id>/<trial id>-<attempt>`: one per attempt, so parallel slots and retries
  /// never share one.
  static func outputDirectory(root: String, grant: LeaseGrant, trial: LeasedTrial) -> String {
    "\(root)/\(grant.sweepId)/\(trial.trialId)-\(trial.attempt)"
  }

  static func milliseconds(_ duration: Duration) -> String {
    let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    return "\(micros / 1000).\(String(1000 + micros % 1000).dropFirst())"
  }

  /// Runs one trial of the lease, keeping the machine awake meanwhile on a laptop.
  private func run(_ trial: LeasedTrial, of grant: LeaseGrant, slot: Int, session: LeaseSession, spool: Spool) async
    -> TrialOutcome
  {
    let control = session.begin(trial)
    keepAwake?.begin()
    var slotEnvironment: [String: String] = [:]
    if configuration.gpuSlots.indices.contains(slot) {
      slotEnvironment["CUDA_VISIBLE_DEVICES"] = configuration.gpuSlots[slot].joined(separator: ",")
    }
    slotEnvironment["SWEEP_SLOT"] = String(slot)
    let runner = TrialRunner(
      trial: trial, sweepID: grant.sweepId, workerName: configuration.name,
      directory: spool.trialDirectory(trialID: trial.trialId, attempt: trial.attempt),
      projectDirectory: configuration.projectDirectory,
      workingDirectory: grant.workdir.map { FileSystem.resolve($0, against: configuration.projectDirectory) }
        ?? configuration.projectDirectory,
      outputDirectory: Self.outputDirectory(root: configuration.artifactsRoot, grant: grant, trial: trial),
      objectiveMetric: grant.objectiveMetric, slotEnvironment: slotEnvironment,
      selfInvocation: configuration.selfInvocation,
      timeout: grant.trialTimeoutS.map { .milliseconds(Int64($0 * 1000)) },
      stopGrace: .milliseconds(Int64(grant.stopGraceS * 1000)), control: control, clock: clock,
      launcher: runtime.launcher, baseEnvironment: runtime.environment, allowedCommands: configuration.allowedCommands,
      onLog: { [log] line in log.debug("trial \(trial.trialId): \(line)") })
    let outcome = await runner.run()
    keepAwake?.end()
    session.end()
    log.info(
      "trial \(trial.trialId) attempt \(trial.attempt): \(outcome.status.rawValue) in \(Int(outcome.durationS.rounded())) s\(outcome.exitCode.map { " (exit \($0))" } ?? "")"
    )
    return outcome
  }

  /// Renews the lease every third of its TTL (±10% jitter), counted from the grant, and applies
  /// the answer. Retry policy: a failed heartbeat is retried at the next tick; the allowance keeps
  /// counting down meanwhile.
  private func heartbeatLoop(_ session: LeaseSession) async {
    var generator = SystemRandomNumberGenerator()
    var next = session.receivedAt
    while !Task.isCancelled {
      next += session.heartbeatInterval * Double.random(in: 0.9...1.1, using: &generator)
      do {
        try await clock.sleep(until: next)
      } catch { return }
      if Task.isCancelled || session.isLost { return }
      let sentAt = clock.now
      do {
        let response = try await api.heartbeat(
          leaseID: session.grant.leaseId,
          HeartbeatRequest(
            fencingToken: session.grant.fencingToken, progress: session.progress, paused: pause.value?.reason))
        session.apply(response, sentAt: sentAt)
      } catch {
        switch error {
        case .rejected(409, let code, _), .rejected(404, let code, _):
          log.warning(
            "lease \(session.grant.leaseId) is gone (\(code))\(session.isPaid ? "; stopping its paid trial" : "")")
          session.markLost()
          return
        case .unrecoverable:
          finish(.fatal(error))
          session.interrupt(.interrupted)
          return
        default:
          log.warning("heartbeat failed (\(error.description)); the allowance keeps counting down")
        }
      }
    }
  }

  /// On a clean exit: deregister if nothing is left to send, and run `--on-exit`.
  private func wrapUp(spool: Spool, workerID: String) async {
    let reason = stopReason.value ?? .drained
    if reason == .idle || reason == .done, spool.isEmpty {
      // bounded: a coordinator that stopped answering must not keep a rented box alive
      let deregistered = await race(
        { [api] in (try? await api.deregister(workerID: workerID)) != nil }, deadline: clock.now + .seconds(10),
        clock: clock)
      if deregistered == true { spool.forgetIdentity() }
    }
    if reason == .idle || reason == .done { runOnExit() }
  }

  /// Seconds as a log says them: whole from 10 on, else to the tenth (a fitted lease's 0.4 s).
  static func seconds(_ value: Double) -> String {
    value >= 10 ? String(Int(value)) : String(Double(Int((value * 10).rounded())) / 10)
  }
}
