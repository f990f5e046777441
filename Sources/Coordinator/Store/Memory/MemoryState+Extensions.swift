import Shared

extension MemoryState {
  func effectiveSpec(_ sweep: Int) -> SweepSpec { sweeps[sweep].spec }

  func extensionRecords(_ sweep: Int) -> [ExtensionRecord] { sweeps[sweep].extensionRecords }

  mutating func setExtensionRecords(_ sweep: Int, _ records: [ExtensionRecord]) {
    sweeps[sweep].extensionRecords = records
  }

  /// Takes the grown spec; an added domain gets its counters.
  mutating func storeGrownSpec(_ sweep: Int, _ spec: SweepSpec) {
    let added = spec.domains.count - sweeps[sweep].spec.domains.count
    sweeps[sweep].spec = spec
    sweeps[sweep].ledger.raiseBudget(to: spec.budget)
    guard added > 0 else { return }
    sweeps[sweep].counts += Array(repeating: TrialCounts(), count: added)
    sweeps[sweep].spentByDomain += Array(repeating: .zero, count: added)
    sweeps[sweep].nextIndex += Array(repeating: 0, count: added)
    sweeps[sweep].nextOrdinal += Array(repeating: 0, count: added)
  }

  func highestShardPosition(_ sweep: Int) -> Int64 { sweeps[sweep].shards.map(\.position).max() ?? 0 }

  mutating func reopenSweep(_ sweep: Int) {
    sweeps[sweep].state = .running
    sweeps[sweep].finishedAt = nil
  }
}
