import AdminCLI
import CommandLineSupport
import Foundation
import Shared
import SpecReading

/// What `sweep fleet up` reads of its sweep, each plan: state, counts and money from the status,
/// the trials later stages will still add from the spec, and the durations each group's boxes
/// measured from the results. Admin calls; no retry (the next plan asks again).
struct FleetSweepView {
  let client: AdminClient
  let sweepID: String

  /// Where the sweep stands.
  struct Reading {
    var status: SweepStatus
    var spec: SweepSpec
    /// Open now plus what later stages will add.
    var remainingTrials: Int
    /// What the rest of the sweep may still spend: its own budget less its spend, and no more
    /// than the coordinator's cap leaves it (``CoordinatorBudget``), its own holds included.
    var budgetLeft: MicroDollars
    /// Succeeded attempts' mean duration per group of the fleet, by the boxes' names.
    var measured: [String: Duration]
    /// Names of the workers holding a lease now (the fleet stops idle boxes first).
    var busy: Set<String>
  }

  func read(fleet: FleetSpec) async throws(CLIError) -> Reading {
    let status = try client.decode(SweepStatus.self, try await client.send(.GET, "/v1/sweeps/\(sweepID)"))
    var spec: SweepSpec
    let specText = String(decoding: try await client.send(.GET, "/v1/sweeps/\(sweepID)/spec").body, as: UTF8.self)
    do {
      spec = try SpecDecoder.decode(specText, file: "sweep \(sweepID)")
    } catch {
      throw CLIError(.runtime, error.lines)
    }
    let extensions = try client.decode(
      SweepExtensionList.self, try await client.send(.GET, "/v1/sweeps/\(sweepID)/extensions"))
    for change in extensions.extensions {
      if let applied = try? spec.applying(change.sweepExtension) { spec = applied }
    }
    let open = status.counts.pending + status.counts.leased + status.counts.waiting
    // Later stages run each domain's top_k; transfer and refinement, which depend on results, are
    // left out of the count until they are created.
    let laterStages = spec.stages.indices.dropFirst().reduce(0) {
      $0 + (spec.stages[$1].topK ?? 0) * spec.domains.count * spec.replicates(inStage: $1)
    }
    let notYetCreated = max(0, SweepPlan(spec: spec).totalTrials + laterStages - status.counts.total)
    let rows = String(
      decoding: try await client.send(
        .GET, "/v1/sweeps/\(sweepID)/results?format=jsonl&columns=worker,status,duration_s"
      )
      .body, as: UTF8.self)
    var budgetLeft = status.budgetUsd.micros.subtracting(status.spentUsd.micros) ?? .zero
    let cap = try client.decode(CoordinatorBudget.self, try await client.send(.GET, "/v1/budget"))
    if let remaining = cap.remainingUsd?.micros {
      budgetLeft = min(budgetLeft, remaining.adding(status.reservedUsd.micros) ?? remaining)
    }
    let workers = try client.decode(WorkerList.self, try await client.send(.GET, "/v1/workers")).workers
    let busy = Set(workers.filter { $0.state == .active && !$0.currentLeases.isEmpty }.map(\.name))
    return Reading(
      status: status, spec: spec, remainingTrials: open + notYetCreated, budgetLeft: max(.zero, budgetLeft),
      measured: Self.measuredDurations(jsonl: rows, fleet: fleet), busy: busy)
  }

  /// Ends the coordinator's bill of the workers of a box that was given back (or whose worker
  /// left): deregistered as an admin, so idle time is not charged past the moment the box
  /// stopped billing, and a lease it still held is released at once. Returns their ids.
  /// Only workers heard from since the box started: an earlier fleet's box of the same name is
  /// not this one.
  func deregister(_ box: FleetBox) async throws(CLIError) -> [String] {
    let list = try client.decode(WorkerList.self, try await client.send(.GET, "/v1/workers"))
    let since = box.startedAt - .seconds(60)  // the box's clock and the coordinator's may differ a little
    var ids: [String] = []
    for worker in list.workers where worker.name == box.name && worker.state != .deregistered {
      guard let seen = Timestamp(iso8601: worker.lastSeen), since < seen else { continue }
      _ = try await client.send(.DELETE, "/v1/workers/\(worker.id)")
      ids.append(worker.id)
    }
    return ids
  }

  /// Mean duration of the succeeded attempts of each group's boxes (`FLEET-GROUP-N`).
  static func measuredDurations(jsonl: String, fleet: FleetSpec) -> [String: Duration] {
    var sums: [String: (total: Double, count: Int)] = [:]
    let prefixes = fleet.groups.filter { $0.provider != nil }.map { ($0.name, "\(fleet.name)-\($0.name)-") }
    for line in jsonl.split(separator: "\n") {
      guard let node = try? JSONDocumentReader.parse(String(line)),
        case .object(let entries) = JSONValue(document: node)
      else { continue }
      var fields: [String: JSONValue] = [:]
      for (key, value) in entries { fields[key] = value }
      guard case .string(let worker)? = fields["worker"], case .string("succeeded")? = fields["status"],
        let seconds = fields["duration_s"]?.number, seconds > 0,
        let group = prefixes.first(where: { worker.hasPrefix($0.1) })?.0
      else { continue }
      sums[group, default: (0, 0)].total += seconds
      sums[group, default: (0, 0)].count += 1
    }
    return sums.mapValues { .milliseconds(Int64(($0.total / Double($0.count) * 1000).rounded())) }
  }
}
