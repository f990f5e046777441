import Shared

extension WorkerAgent {
  /// Reads power and temperature every ``LaptopPolicy/checkInterval`` and pauses or resumes.
  func watchPower(_ tracker: PauseTracker) async {
    var tracker = tracker
    while await clock.sleep(until: clock.now + tracker.policy.checkInterval, unless: stopped) {
      if let change = tracker.update(runtime.power.read()) { setPause(change) }
    }
  }

  /// Pauses (finish the running trials, release the rest of their leases, take no new work) or
  /// resumes. Logged, and told to the coordinator in heartbeats and lease requests.
  func setPause(_ reason: PauseReason?) {
    let resumed: Latch? = pause.update { current in
      switch (current, reason) {
      case (nil, let reason?):
        current = (reason, Latch())
        return nil
      case (let previous?, let reason?):
        current = (reason, previous.resumed)
        return nil
      case (let previous?, nil):
        current = nil
        return previous.resumed
      case (nil, nil):
        return nil
      }
    }
    switch reason {
    case .onBattery?:
      log.info("on battery: finishing running trials, taking no new work until on AC power (--on-battery pause)")
    case .thermal?:
      log.info("the machine is hot: finishing running trials, taking no new work until it cools (--thermal-pause)")
    case nil:
      log.info("resuming: on AC power and cool")
      lastWork.set(clock.now)
    }
    resumed?.open()
  }

  /// Waits until the pause ends or the agent stops. Slot 0 tells the coordinator why this worker
  /// takes no work (a lease request with `paused`, answered at once), again every minute so that
  /// a restarted coordinator learns it too. Retry policy: a failed report is retried at the next
  /// minute.
  func waitWhilePaused(_ paused: (reason: PauseReason, resumed: Latch), reportingFrom reporter: Bool) async {
    if reporter {
      do throws(ClientError) {
        let response = try await api.lease(wait: 0, paused: paused.reason)
        if let grant = response.lease {
          // an older coordinator that does not know pauses: give the shard straight back
          _ = try? await api.release(
            leaseID: grant.leaseId,
            ReleaseRequest(fencingToken: grant.fencingToken, trialIds: grant.trials.map(\.trialId)))
        }
      } catch {
        log.debug("cannot tell the coordinator this worker is paused (\(error.description))")
      }
    }
    let resumed = paused.resumed
    let stopped = self.stopped
    _ = await race(
      { await resumed.wait() }, deadline: clock.now + .seconds(60), clock: clock, interrupt: stopped)
  }
}
