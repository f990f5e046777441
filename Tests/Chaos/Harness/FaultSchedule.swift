import Shared

/// One fault the harness injects, at `at` seconds after the sweep was submitted.
public struct Fault: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// SIGKILL the worker and its trials (the box vanished); start it again on the same spool after `down` s.
    case killWorker(Int, down: Double)
    /// SIGKILL the coordinator; start it again on the same database and port after `down` s.
    case killCoordinator(down: Double)
    /// SIGSTOP the worker (not its trial) for `seconds`, longer than the lease TTL, then SIGCONT.
    case pauseWorker(Int, seconds: Double)
    /// Cut the worker off from the coordinator for `seconds`.
    case partitionWorker(Int, seconds: Double)
    /// Deliver one result report seen earlier again: the `pick`-th of those captured, modulo their count.
    case replayReport(pick: Int)
    /// SIGSTOP the coordinator (its laptop sleeps) until every paid worker has stopped itself on
    /// `--max-idle`, at most `bound` s; then SIGCONT, and start the stopped boxes again on their spools.
    case pauseCoordinator(bound: Double)
  }

  public var at: Double
  public var kind: Kind

  public var description: String {
    let time = "t=\(Self.format(at))s"
    switch kind {
    case .killWorker(let worker, let down):
      return "\(time) kill -9 worker \(worker) (back after \(Self.format(down)) s)"
    case .killCoordinator(let down): return "\(time) kill -9 coordinator (back after \(Self.format(down)) s)"
    case .pauseWorker(let worker, let seconds): return "\(time) SIGSTOP worker \(worker) for \(Self.format(seconds)) s"
    case .partitionWorker(let worker, let seconds):
      return "\(time) partition worker \(worker) for \(Self.format(seconds)) s"
    case .replayReport(let pick): return "\(time) replay captured result report #\(pick)"
    case .pauseCoordinator(let bound):
      return "\(time) SIGSTOP coordinator until the paid workers stop themselves (at most \(Self.format(bound)) s)"
    }
  }

  /// How long the fault keeps its target busy.
  var span: Double {
    switch kind {
    case .killWorker(_, let down), .killCoordinator(let down): return down + 1
    case .pauseWorker(_, let seconds), .partitionWorker(_, let seconds): return seconds + 1
    case .replayReport: return 0
    case .pauseCoordinator(let bound): return bound + 1
    }
  }

  var worker: Int? {
    switch kind {
    case .killWorker(let worker, _), .pauseWorker(let worker, _), .partitionWorker(let worker, _): return worker
    case .killCoordinator, .replayReport, .pauseCoordinator: return nil
    }
  }

  static func format(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

/// The faults of one run, drawn from a seed: the same seed gives the same schedule, so a failing
/// run can be replayed with `sweep-chaos --seed N`.
public struct FaultSchedule: Sendable, Equatable {
  public var seed: UInt64
  public var faults: [Fault]

  /// Draws faults over `window` seconds for `workers` workers (of which `paid` are paid), at
  /// most one fault per target at a time. Partitions go to paid workers (so that a worker must
  /// stop its paid trial itself) and last longer than the largest allowance `maxAllowance`.
  public init(seed: UInt64, window: Double, workers: Int, paid: Set<Int>, ttl: Double, maxAllowance: Double) {
    self.seed = seed
    var random = Xoshiro256StarStar(seed: seed)
    func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.nextOpenUnit() }
    var busyUntil = [Double](repeating: 0, count: workers)
    var coordinatorBusyUntil = 0.0
    var faults: [Fault] = []
    var time = uniform(2, 4)
    while time < window {
      let roll = random.nextIndex(below: 12)
      let idle = (0..<workers).filter { busyUntil[$0] <= time }
      var fault: Fault
      switch roll {
      case 0..<3 where !idle.isEmpty:
        fault = Fault(at: time, kind: .killWorker(idle[random.nextIndex(below: idle.count)], down: uniform(0.5, 2)))
      case 3..<5 where coordinatorBusyUntil <= time:
        fault = Fault(at: time, kind: .killCoordinator(down: uniform(0.3, 1.5)))
      case 5..<7 where !idle.isEmpty:
        fault = Fault(
          at: time, kind: .pauseWorker(idle[random.nextIndex(below: idle.count)], seconds: uniform(ttl + 1, ttl + 4)))
      case 7..<9 where !idle.filter(paid.contains).isEmpty:
        let candidates = idle.filter(paid.contains)
        fault = Fault(
          at: time,
          kind: .partitionWorker(
            candidates[random.nextIndex(below: candidates.count)], seconds: uniform(maxAllowance + 2, maxAllowance + 6))
        )
      default:
        fault = Fault(at: time, kind: .replayReport(pick: random.nextIndex(below: 1_000_000)))
      }
      if let worker = fault.worker { busyUntil[worker] = time + fault.span }
      if case .killCoordinator = fault.kind { coordinatorBusyUntil = time + fault.span + 2 }
      faults.append(fault)
      time += uniform(1.5, 4.5)
    }
    self.faults = faults
  }

  /// The coordinator's laptop sleeps once, a few seconds in, while the paid boxes work: the only
  /// fault of the run, so that every lapsed lease and every bill is the sleep's.
  public init(coordinatorSleepWithSeed seed: UInt64, bound: Double) {
    self.seed = seed
    faults = [Fault(at: 4, kind: .pauseCoordinator(bound: bound))]
  }
}
