import CommandLineSupport
import Coordinator
import ServiceLifecycle
import Shared
import Simulation
import Synchronization

/// `sweep fleet up`: plans every `replan_every` (and when a box leaves) with what the sweep has
/// measured, starts and stops boxes toward the plan, and gives every box back when the sweep is
/// over or on SIGTERM/SIGINT. A Service: its events — plan, an `up` or `down` that finished, a box
/// whose worker left, shutdown — arrive on one stream and are handled one at a time, so
/// ``FleetState`` needs no lock.
final class FleetController: Service, Sendable {
  enum Event: Sendable {
    case plan
    case upFinished(String, Result<String?, FleetCommandError>)
    case downFinished(String, FleetCommandError?)
    case exited(String)
    case shutdown
  }

  /// Why the controller stopped.
  enum Outcome: Sendable, Equatable {
    case sweepOver(SweepState)
    case interrupted
  }

  /// The fleet as first read; ``reload`` may change its deadline, counts and prices while it runs.
  let fleet: FleetSpec
  /// Reads the fleet file again before each plan (nil: never).
  let reload: (@Sendable () throws(CLIError) -> FleetSpec)?
  private let current: Mutex<FleetSpec>
  let view: FleetSweepView
  let log: FleetLog
  let clock: any WallClock
  let leasePolicy: LeasePolicy
  /// The launcher of each group (by group name).
  let launchers: [String: any BoxLauncher]
  /// Boxes whose worker left by themselves, from every launcher that can see them.
  let exits: [AsyncStream<String>]
  private let finished = Mutex<Outcome?>(nil)

  init(
    fleet: FleetSpec, view: FleetSweepView, log: FleetLog, clock: any WallClock, leasePolicy: LeasePolicy,
    launchers: [String: any BoxLauncher], exits: [AsyncStream<String>],
    reload: (@Sendable () throws(CLIError) -> FleetSpec)? = nil
  ) {
    self.fleet = fleet
    self.reload = reload
    current = Mutex(fleet)
    self.view = view
    self.log = log
    self.clock = clock
    self.leasePolicy = leasePolicy
    self.launchers = launchers
    self.exits = exits
  }

  /// Why ``run()`` returned (nil while it runs).
  var outcome: Outcome? { finished.withLock { $0 } }

  func run() async throws {
    let (events, emit) = AsyncStream.makeStream(of: Event.self)
    let start = clock.now
    var gaveUp = false
    if let deadline = fleet.deadline?.time(startedAt: start) {
      log.line("fleet \(fleet.name): deadline \(deadline.iso8601)")
    }
    try await withGracefulShutdownHandler {
      try await withThrowingDiscardingTaskGroup { group in
        // The clock of plans: one now, then every replan_every.
        group.addTask { [fleet] in
          while !Task.isCancelled {
            emit.yield(.plan)
            do { try await Task.sleep(for: fleet.replanEvery) } catch { return }  // cancelled: the fleet is done
          }
        }
        for stream in exits {
          group.addTask {
            for await name in stream { emit.yield(.exited(name)) }
          }
        }
        var state = FleetState(fleetName: fleet.name)
        var lastLogged: (key: String, at: Timestamp)? = nil
        var finishing = false
        var interrupted = false
        events: for await event in events {
          switch event {
          case .plan:
            // Finishing, a plan's tick retries the downs that failed (a box left running).
            guard !finishing else {
              launch(state.stopAll(), group: &group, emit: emit)
              continue
            }
            if let over = await plan(&state, lastLogged: &lastLogged, start: start, group: &group, emit: emit) {
              finished.withLock { $0 = .sweepOver(over) }
              finishing = true
              launch(state.stopAll(), group: &group, emit: emit)
            }
          case .upFinished(let name, .success(let id)):
            state.upSucceeded(name, id: id)
            log.line("\(name): up\(id.map { " (id \($0))" } ?? "")")
            if finishing { launch(state.stopAll(), group: &group, emit: emit) }
          case .upFinished(let name, .failure(let error)):
            state.upFailed(name)
            log.line("\(name): \(error.message); nothing rented")
            if let box = state.boxes.first(where: { $0.name == name }), state.brokenGroups.contains(box.group) {
              log.line("group \(box.group): up failed \(FleetState.maxFailures) times in a row; planning without it")
            }
          case .downFinished(let name, let error):
            state.stopped(name, succeeded: error == nil)
            if let error {
              log.line("\(name): \(error.message); will try again")
            } else {
              log.line("\(name): down")
              await closeBill(of: name, in: state)
            }
          case .exited(let name):
            state.stopped(name)
            await closeBill(of: name, in: state)
            if !finishing { emit.yield(.plan) }
          case .shutdown:
            guard !interrupted else {
              // Asked twice: leave now, and say what may still be billing.
              let left = state.unfinished.map { "\($0.name)\($0.id.map { " (id \($0))" } ?? "")" }
              log.line(
                "fleet \(fleet.name): leaving without stopping \(left.joined(separator: ", ")): they may still bill")
              gaveUp = true
              break events
            }
            log.line("fleet \(fleet.name): stopping every box (interrupted; again to leave at once)")
            finished.withLock { $0 = .interrupted }
            interrupted = true
            finishing = true
            launch(state.stopAll(), group: &group, emit: emit)
          }
          if finishing && state.unfinished.isEmpty { break }
        }
        group.cancelAll()
      }
    } onGracefulShutdown: {
      emit.yield(.shutdown)
    }
    if !gaveUp { log.line("fleet \(fleet.name): every box stopped") }
  }

  /// One plan: reads the sweep, and starts or stops boxes toward the policy's mix. Returns the
  /// sweep's state when it is over (completed, cancelled, nothing left to run).
  private func plan(
    _ state: inout FleetState, lastLogged: inout (key: String, at: Timestamp)?, start: Timestamp,
    group: inout ThrowingDiscardingTaskGroup<any Error>,
    emit: AsyncStream<Event>.Continuation
  ) async -> SweepState? {
    let fleet = reloaded()
    let deadline = fleet.deadline?.time(startedAt: start)
    let reading: FleetSweepView.Reading
    do {
      reading = try await view.read(fleet: fleet)
    } catch {
      log.line("cannot read the sweep (\(error.lines.joined(separator: "; "))); keeping the boxes as they are")
      return nil
    }
    let status = reading.status
    if status.state == .completed || status.state == .cancelled || reading.remainingTrials == 0 {
      log.line(
        "sweep \(status.id) is \(status.state.rawValue): \(status.counts.succeeded) succeeded, \(status.counts.failed) failed, $\(status.spentUsd.micros.decimalString) spent"
      )
      return status.state == .running ? .completed : status.state
    }
    let now = clock.now
    let budgetLeft = reading.budgetLeft
    let timeLeft = deadline.map { max(.zero, $0.since(now)) }
    var decision: FleetDecision
    if status.state == .paused {
      decision = FleetDecision(
        target: FleetMix(), chosen: nil,
        reason: "the sweep is paused (\(status.pausedReason ?? "sweep resume")): renting nothing until it resumes")
    } else {
      let planner = FleetPlanner(spec: reading.spec, fleet: fleet, policy: leasePolicy)
      do {
        decision =
          try await planner.plan(
            .init(
              remainingTrials: reading.remainingTrials, budgetLeft: budgetLeft, timeLeft: timeLeft,
              measured: reading.measured, current: state.active, excluded: state.brokenGroups)
          ).decision
      } catch {
        log.line("cannot plan: \(error); keeping the boxes as they are")
        return nil
      }
    }
    let measured = reading.measured.sorted { $0.key < $1.key }.map {
      "\($0.key) \(DurationText.approximate(seconds: $0.value.secondsDouble))"
    }
    // A line when the plan changes what runs (or why), else one a minute: the log stays readable.
    let key = "\(state.active)|\(decision.target)|\(decision.chosen == nil)"
    if let last = lastLogged, last.key == key, now.since(last.at) < .seconds(60) {
      launch(state.reconcile(target: decision.target, now: now, busy: reading.busy), group: &group, emit: emit)
      return nil
    }
    lastLogged = (key, now)
    log.line(
      "plan: \(reading.remainingTrials) trials left, $\(budgetLeft.decimalString) of budget left\(measured.isEmpty ? "" : ", measured per trial: " + measured.joined(separator: ", ")); running \(state.active); \(decision.reason)"
    )
    launch(state.reconcile(target: decision.target, now: now, busy: reading.busy), group: &group, emit: emit)
    return nil
  }

  /// The fleet file as it is now, when it still has the same groups and providers (the boxes
  /// running belong to them); else the fleet as it was, with a line in the log.
  private func reloaded() -> FleetSpec {
    let before = current.withLock { $0 }
    guard let reload else { return before }
    let after: FleetSpec
    do {
      after = try reload()
    } catch {
      log.line("the fleet file no longer reads (\(error.lines.joined(separator: "; "))); planning with it as it was")
      return before
    }
    guard after != before else { return before }
    guard
      after.groups.map({ [$0.name, $0.provider?.rawValue ?? ""] })
        == before.groups.map({ [$0.name, $0.provider?.rawValue ?? ""] })
    else {
      log.line(
        "the fleet file changed its groups or providers; restart sweep fleet up for that (planning with it as it was)")
      return before
    }
    log.line(
      "the fleet file changed: deadline \(after.deadline.map { "\($0)" } ?? "none"), counts \(after.groups.map { "\($0.name) \($0.count)" }.joined(separator: ", "))"
    )
    current.withLock { $0 = after }
    return after
  }

  /// The box is gone: its worker's bill at the coordinator ends now (``FleetSweepView/deregister(_:)``).
  private func closeBill(of box: String, in state: FleetState) async {
    guard let rented = state.boxes.first(where: { $0.name == box }) else { return }
    do {
      let ids = try await view.deregister(rented)
      if !ids.isEmpty { log.line("\(box): its worker \(ids.joined(separator: ", ")) deregistered: billed until now") }
    } catch {
      log.line(
        "\(box): cannot deregister its worker (\(error.lines.joined(separator: "; "))); the coordinator bills it until its idle window ends"
      )
    }
  }

  /// Runs each action as a child task; its outcome comes back as an event.
  private func launch(
    _ actions: [FleetAction], group: inout ThrowingDiscardingTaskGroup<any Error>,
    emit: AsyncStream<Event>.Continuation
  ) {
    for action in actions {
      switch action {
      case .up(let box):
        guard let launcher = launchers[box.group],
          let machines = current.withLock({ $0.groups.first { $0.name == box.group } })
        else { continue }
        group.addTask {
          do throws(FleetCommandError) {
            emit.yield(.upFinished(box.name, .success(try await launcher.up(box, group: machines))))
          } catch {
            emit.yield(.upFinished(box.name, .failure(error)))
          }
        }
      case .down(let box):
        guard let launcher = launchers[box.group],
          let machines = current.withLock({ $0.groups.first { $0.name == box.group } })
        else { continue }
        group.addTask {
          do throws(FleetCommandError) {
            try await launcher.down(box, group: machines)
            emit.yield(.downFinished(box.name, nil))
          } catch {
            emit.yield(.downFinished(box.name, error))
          }
        }
      }
    }
  }
}
