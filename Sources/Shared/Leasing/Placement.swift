/// Who gets work first when several workers are waiting: free workers, then paid workers by
/// the lowest expected cost of one trial (slot rate × expected duration on that worker), then
/// whoever has waited longest.
public struct PlacementCandidate: Hashable, Sendable {
  public var workerID: String
  public var slotRate: HourlyRate
  public var expectedTrial: Duration
  /// Order of arrival, for ties.
  public var arrival: UInt64

  public init(workerID: String, slotRate: HourlyRate, expectedTrial: Duration, arrival: UInt64) {
    self.workerID = workerID
    self.slotRate = slotRate
    self.expectedTrial = expectedTrial
    self.arrival = arrival
  }

  /// Expected cost of one trial on this worker.
  public var expectedCostPerTrial: MicroDollars { slotRate.cost(of: expectedTrial) }

  /// Sorts candidates in the order they should be served.
  public static func ordered(_ candidates: [PlacementCandidate]) -> [PlacementCandidate] {
    candidates.sorted { a, b in
      if a.slotRate.isFree != b.slotRate.isFree { return a.slotRate.isFree }
      if a.expectedCostPerTrial != b.expectedCostPerTrial { return a.expectedCostPerTrial < b.expectedCostPerTrial }
      return a.arrival < b.arrival
    }
  }
}
