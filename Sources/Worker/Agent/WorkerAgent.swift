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
/// spools and sends results, and drains on graceful shutdown. A Service: started by a
/// ServiceGroup that turns SIGTERM/SIGINT into a graceful shutdown.
public final class WorkerAgent: Service, Sendable {
  let configuration: WorkerConfiguration
  let log: WorkerLog
  let stopReason = LockedValue<WorkerStop?>(nil)
  private let sessions = LockedValue<[String: LeaseSession]>([:])
  private let lastWork = LockedValue(ContinuousClock.now)
  private let busySlots = LockedValue(0)
  private let draining = LockedValue(false)

  public init(configuration: WorkerConfiguration) {
    self.configuration = configuration
    self.log = WorkerLog(name: configuration.name)
  }

  /// Why `run()` returned (nil while running).
  public var stop: WorkerStop? { stopReason.value }

  public func run() async throws {
    let spool = try Spool(root: configuration.spool)
    let client = CoordinatorClient(
      baseURL: configuration.coordinator, credential: "", caCertificate: configuration.caCertificate)
    let registration: RegisterWorkerResponse
    switch await register(client: client, spool: spool) {
    case .success(let value): registration = value
    case .failure(let error):
      finish(.fatal(error))
      await client.shutdown()
      return
    }
    let sender = ResultSender(spool: spool, client: client, log: log)
    let heartbeatInterval = Duration.milliseconds(Int64(registration.heartbeatIntervalS * 1000))
    log.info(
      "registered as \(registration.workerId) at \(configuration.coordinator) (\(configuration.provider.rawValue), $\(configuration.hourlyCost.decimalString)/h, \(configuration.slots) slot(s))"
    )
    await withGracefulShutdownHandler {
      await withTaskGroup(of: Void.self) { group in
        group.addTask { await sender.run() }
        group.addTask { await self.watchSender(sender) }
        for slot in 0..<configuration.slots {
          group.addTask {
            await self.slotLoop(slot: slot, client: client, spool: spool, sender: sender, heartbeat: heartbeatInterval)
          }
        }
        // the slots end on drain, idle, done or a fatal error; then deliver what is left
        for _ in 0..<(configuration.slots + 2) {
          _ = await group.next()
          if busySlots.value == 0 && stopReason.value != nil { break }
        }
        let delivered = await sender.flush(timeout: configuration.drainTimeout)
        if !delivered {
          log.warning("some results are still in the spool at \(spool.root); they will be sent on the next start")
        }
        group.cancelAll()
      }
    } onGracefulShutdown: {
      self.beginDrain()
    }
    if let fatal = await sender.fatal, stopReason.value == nil || stopReason.value == .drained { finish(.fatal(fatal)) }
    if stopReason.value == nil { finish(.drained) }
    await wrapUp(client: client, spool: spool, workerID: registration.workerId)
    await client.shutdown()
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

  private func finish(_ reason: WorkerStop) {
    stopReason.update { current in
      if current == nil { current = reason }
    }
  }

  private var shouldStop: Bool { stopReason.value != nil }

  private func watchSender(_ sender: ResultSender) async {
    while !shouldStop {
      if let fatal = await sender.fatal {
        log.error(fatal.description)
        finish(.fatal(fatal))
        for session in sessions.value.values { session.interrupt(.interrupted) }
        return
      }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }

  /// Registers, or reuses the identity in the spool (so that a restarted worker reports under
  /// the credential holding its leases). Retry policy: retryable errors back off and retry until
  /// shutdown; unrecoverable ones end the worker.
  private func register(client: CoordinatorClient, spool: Spool) async -> Result<RegisterWorkerResponse, ClientError> {
    if let identity = spool.loadIdentity(), identity.coordinator == configuration.coordinator {
      client.setCredential(identity.credential)
      log.info("reusing the identity \(identity.workerId) from the spool")
      let interval = 20.0
      return .success(
        RegisterWorkerResponse(
          workerId: identity.workerId, credential: identity.credential, leaseTtlS: interval * 3,
          heartbeatIntervalS: interval, apiVersion: WireCoding.apiVersion))
    }
    var backoff = Backoff()
    let request = RegisterWorkerRequest(
      name: configuration.name, provider: configuration.provider, hourlyCostUsd: DollarAmount(configuration.hourlyCost),
      gpu: configuration.gpu, slots: configuration.slots)
    while !shouldStop {
      do {
        let response = try await client.register(request, joinToken: configuration.joinToken)
        client.setCredential(response.credential)
        do {
          try spool.saveIdentity(
            Spool.Identity(
              coordinator: configuration.coordinator, workerId: response.workerId, credential: response.credential))
        } catch {
          log.warning("cannot save the worker identity in the spool: \(error)")
        }
        return .success(response)
      } catch {
        switch error {
        case .retryable(let message):
          let delay = backoff.next()
          log.warning("cannot register yet (\(message)); retrying in \(delay)")
          try? await Task.sleep(for: delay)
        default:
          log.error(error.description)
          return .failure(error)
        }
      }
    }
    return .failure(.retryable("shut down before registering"))
  }

  /// One slot: lease, run, report, repeat. Retry policy for lease requests: retryable errors back
  /// off with jitter; "no work" waits `retry_after_s`.
  private func slotLoop(
    slot: Int, client: CoordinatorClient, spool: Spool, sender: ResultSender, heartbeat: Duration
  ) async {
    var backoff = Backoff()
    while !shouldStop {
      let response: LeaseResponse
      do {
        response = try await cancelWhenGracefulShutdown {
          try await client.lease(wait: self.configuration.leaseWait)
        }
        backoff.reset()
      } catch let error as ClientError {
        switch error {
        case .unrecoverable(.unauthorized, _, _) where spool.loadIdentity() != nil:
          // the coordinator lost this identity (a new database): register afresh, once
          log.warning("the coordinator no longer knows this worker; registering again")
          spool.forgetIdentity()
          if case .success = await register(client: client, spool: spool) { continue }
          finish(.fatal(error))
        case .unrecoverable:
          log.error(error.description)
          finish(.fatal(error))
        default:
          let delay = backoff.next()
          log.warning("lease request failed (\(error.description)); retrying in \(delay)")
          try? await Task.sleep(for: delay)
        }
        continue
      } catch {
        continue  // cancelled by graceful shutdown
      }
      guard let grant = response.lease else {
        if checkIdle(response, spool: spool) { return }
        let pause = response.noWork == .slotsFull ? 0.5 : min(response.retryAfterS ?? 5, 5)
        try? await Task.sleep(for: .milliseconds(Int64(pause * 1000)))
        continue
      }
      busySlots.update { $0 += 1 }
      lastWork.set(.now)
      await work(grant, client: client, spool: spool, sender: sender, heartbeat: heartbeat)
      lastWork.set(.now)
      busySlots.update { $0 -= 1 }
      // and between the last trial of a lease and the first of the next
      if configuration.cooldown > .zero && !shouldStop { try? await Task.sleep(for: configuration.cooldown) }
    }
  }

  /// Handles "no work": `--exit-when-done` and `--max-idle`. Returns whether the worker stops.
  private func checkIdle(_ response: LeaseResponse, spool: Spool) -> Bool {
    let idleFor = ContinuousClock.now - lastWork.value
    if configuration.exitWhenDone, response.noWork == .noPendingTrials || response.noWork == .sweepCancelled,
      busySlots.value == 0
    {
      log.info("no pending trials and nothing running: exiting (--exit-when-done)")
      finish(.done)
      return true
    }
    if let maxIdle = configuration.maxIdle, idleFor >= maxIdle, busySlots.value == 0 {
      log.info("no work for \(idleFor) (\(response.noWork?.rawValue ?? "no work")): exiting (--max-idle)")
      finish(.idle)
      return true
    }
    return false
  }

  /// Works through one lease: trials in order, a heartbeat alongside, results spooled then sent.
  private func work(
    _ grant: LeaseGrant, client: CoordinatorClient, spool: Spool, sender: ResultSender, heartbeat: Duration
  ) async {
    let session = LeaseSession(grant: grant)
    sessions.update { $0[grant.leaseId] = session }
    defer { _ = sessions.update { $0.removeValue(forKey: grant.leaseId) } }
    if draining.value { session.interrupt(.interrupted) }
    log.info(
      "lease \(grant.leaseId): \(grant.trials.count) trial(s) of \(grant.sweepName)\(grant.allowanceS.map { ", allowance \(Int($0)) s" } ?? "")"
    )
    var spooled: [Spool.PendingResult] = []
    await withTaskGroup(of: Void.self) { group in
      // the lease says its own TTL; heartbeats go every TTL/3
      let interval = grant.ttlS > 0 ? Duration.milliseconds(Int64(grant.ttlS * 1000 / 3)) : heartbeat
      group.addTask { await self.heartbeatLoop(session, client: client, interval: interval) }
      var ranOne = false
      for trial in grant.trials {
        if session.shouldStopStarting || shouldStop { break }
        if session.isCancelled(trial.trialId) { continue }
        // --cooldown goes between every two trials, not only between leases (a shard holds several).
        if ranOne && configuration.cooldown > .zero {
          try? await Task.sleep(for: configuration.cooldown)
          if session.shouldStopStarting || shouldStop { break }
        }
        ranOne = true
        let control = session.begin(trial)
        let runner = TrialRunner(
          trial: trial, sweepID: grant.sweepId, workerName: configuration.name,
          directory: spool.trialDirectory(trialID: trial.trialId, attempt: trial.attempt),
          projectDirectory: configuration.projectDirectory, selfInvocation: configuration.selfInvocation,
          timeout: grant.trialTimeoutS.map { .milliseconds(Int64($0 * 1000)) },
          stopGrace: .milliseconds(Int64(grant.stopGraceS * 1000)), control: control,
          allowedCommands: configuration.allowedCommands)
        let outcome = await runner.run()
        session.end()
        log.info(
          "trial \(trial.trialId) attempt \(trial.attempt): \(outcome.status.rawValue) in \(Int(outcome.durationS.rounded())) s\(outcome.exitCode.map { " (exit \($0))" } ?? "")"
        )
        let report = ResultReport(
          sweepId: grant.sweepId, leaseId: grant.leaseId, fencingToken: grant.fencingToken, attempt: trial.attempt,
          status: outcome.status, metrics: outcome.metrics, exitCode: outcome.exitCode,
          stderrTail: outcome.stderrTail.isEmpty ? nil : outcome.stderrTail, durationS: outcome.durationS)
        do {
          let pending = Spool.PendingResult(trialId: trial.trialId, report: report)
          try spool.store(pending)
          spooled.append(pending)
        } catch {
          log.error("cannot write the result to the spool (\(error)); sending it directly")
          _ = try? await client.report(trialID: trial.trialId, report)
        }
        await sender.notify()
        FileSystem.removeTree(spool.trialDirectory(trialID: trial.trialId, attempt: trial.attempt))
      }
      let unstarted = session.unstarted
      if !unstarted.isEmpty && !session.isLost {
        do throws(ClientError) {
          _ = try await client.release(
            leaseID: grant.leaseId, ReleaseRequest(fencingToken: grant.fencingToken, trialIds: unstarted))
          log.info("released \(unstarted.count) unstarted trial(s) of lease \(grant.leaseId)")
        } catch {
          log.warning("cannot release lease \(grant.leaseId) (\(error.description)); it will expire instead")
        }
      }
      group.cancelAll()
    }
    await sender.waitUntilDelivered(spooled, timeout: .seconds(5))
  }

  /// Renews the lease every interval (±10% jitter) and applies the answer. Retry policy: a failed
  /// heartbeat is retried at the next tick; the allowance keeps counting down meanwhile.
  private func heartbeatLoop(_ session: LeaseSession, client: CoordinatorClient, interval: Duration) async {
    var generator = SystemRandomNumberGenerator()
    while !Task.isCancelled {
      let jitter = Double.random(in: 0.9...1.1, using: &generator)
      try? await Task.sleep(for: interval * jitter)
      if Task.isCancelled || session.isLost { return }
      let sentAt = ContinuousClock.now
      do {
        let response = try await client.heartbeat(
          leaseID: session.grant.leaseId,
          HeartbeatRequest(fencingToken: session.grant.fencingToken, progress: session.progress))
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
  private func wrapUp(client: CoordinatorClient, spool: Spool, workerID: String) async {
    let reason = stopReason.value ?? .drained
    if reason == .idle || reason == .done, spool.pending().isEmpty {
      if (try? await client.deregister(workerID: workerID)) != nil { spool.forgetIdentity() }
    }
    if let command = configuration.onExit, reason == .idle || reason == .done {
      log.info("running --on-exit")
      // Through /bin/sh -c: it is the operator's own local configuration (e.g. a provider's
      // stop-instance command), never something a sweep sends.
      let status = ProcessControl.runShell(command)
      if status != 0 { log.warning("--on-exit exited with status \(status)") }
    }
  }
}
