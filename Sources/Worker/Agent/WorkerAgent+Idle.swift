import Platform
import Shared

/// When a worker with nothing to do stops: `--exit-when-done`, `--max-idle` (answered or not),
/// and `--on-exit` — on a rented box, every idle minute is billed.
extension WorkerAgent {
  /// Says why there is no work, once per change of reason (not on every long-poll).
  func noteNoWork(_ response: LeaseResponse) {
    guard let reason = response.noWork, reason != .slotsFull else { return }
    let changed = lastNoWork.update { last in
      defer { last = reason }
      return last != reason
    }
    if changed { log.info("no work: \(reason.rawValue) (\(response.message ?? ""))") }
  }

  /// Handles "no work": `--exit-when-done` and `--max-idle`. Returns whether the worker stops.
  func checkIdle(_ response: LeaseResponse, spool: Spool) -> Bool {
    if response.noWork != .slotsFull, exitAfterLastLease(because: response.noWork?.rawValue ?? "no work") {
      return true
    }
    if response.noWork == .idleNotCovered, busySlots.value == 0 {
      log.info("the budget cannot hold this paid worker's idle time any more: exiting (\(response.message ?? ""))")
      finish(.idle)
      return true
    }
    if configuration.exitWhenDone, response.noWork == .noPendingTrials || response.noWork == .sweepCancelled,
      busySlots.value == 0
    {
      log.info("no pending trials and nothing running: exiting (--exit-when-done)")
      finish(.done)
      return true
    }
    return exitIfIdle(because: response.noWork?.rawValue ?? "no work")
  }

  /// After a last lease (``LeaseGrant/exitAfter``) the budget holds no idle time for this box:
  /// the first answer without a lease, or no answer, ends it. Returns whether the worker stops.
  func exitAfterLastLease(because reason: String) -> Bool {
    guard lastLease.value, busySlots.value == 0 else { return false }
    log.info("the last lease paid by the budget has ended and no other came (\(reason)): exiting")
    finish(.idle)
    return true
  }

  /// `--max-idle`: exits when nothing has run here for that long, whether the coordinator said
  /// there is no work or did not answer at all — a rented box bills either way, and a coordinator
  /// on a sleeping laptop must not keep it alive. (A request to a coordinator that accepts the
  /// connection but never answers ends at its timeout: a lease request's `wait` + 10 s.)
  /// Returns whether the worker stops.
  func exitIfIdle(because reason: String) -> Bool {
    guard let maxIdle = configuration.maxIdle, busySlots.value == 0 else { return false }
    let idleFor = clock.now - lastWork.value
    guard idleFor >= maxIdle else { return false }
    log.info("no work for \(idleFor) (\(reason)): exiting (--max-idle)")
    finish(.idle)
    return true
  }

  /// When to retry after a failed call: after `delay`, or at the idle limit if that comes first.
  func retryTime(after delay: Duration) -> Duration {
    let retry = clock.now + delay
    guard let maxIdle = configuration.maxIdle else { return retry }
    return max(clock.now, min(retry, lastWork.value + maxIdle))
  }

  /// `--on-exit`, e.g. the provider's command that stops this instance.
  func runOnExit() {
    guard let command = configuration.onExit else { return }
    log.info("running --on-exit")
    // Through /bin/sh -c: it is the operator's own local configuration (e.g. a provider's
    // stop-instance command), never something a sweep sends.
    let status = ProcessControl.runShell(command)
    if status != 0 { log.warning("--on-exit exited with status \(status)") }
  }
}
