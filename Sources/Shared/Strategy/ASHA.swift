/// The early-stopping rule of asynchronous successive halving, as a value: rungs, and whether a
/// trial that reached a rung goes on. The store keeps the values seen at each rung.
public struct ASHA: Hashable, Sendable {
  public let settings: EarlyStopping

  public init(_ settings: EarlyStopping) { self.settings = settings }

  /// Rung epochs `minEpochs × reductionFactor^k` below `maxEpochs` (a trial's last epoch is its
  /// result, not a rung); up to 20 rungs when the total is unknown.
  public func rungs(maxEpochs: Int?) -> [Int] {
    var result: [Int] = []
    var epoch = settings.minEpochs
    while result.count < 20 {
      if let maxEpochs, epoch >= maxEpochs { break }
      result.append(epoch)
      let (next, overflow) = epoch.multipliedReportingOverflow(by: settings.reductionFactor)
      if overflow { break }
      epoch = next
    }
    return result
  }

  /// The highest rung at or below `epoch`, if any.
  public func rung(reachedAt epoch: Double, maxEpochs: Int?) -> Int? {
    rungs(maxEpochs: maxEpochs).last { Double($0) <= epoch }
  }

  public enum Decision: Hashable, Sendable {
    case proceed
    /// Stopped: `rank` of `of` at the rung, where only the best `kept` go on.
    case stop(rung: Int, rank: Int, of: Int, kept: Int)
  }

  /// Whether a trial with `value` at `rung` goes on, given the values other trials of the same
  /// domain and stage had there. It goes on while the rung has fewer than `minTrialsPerRung`
  /// values, or when it is among the best ⌊n / reductionFactor⌋ (at least one) of them; ties go
  /// its way.
  public func decide(value: Double, rung: Int, peers: [Double]) -> Decision {
    let n = peers.count + 1
    guard n >= settings.minTrialsPerRung else { return .proceed }
    let kept = max(1, n / settings.reductionFactor)
    let better = peers.filter { settings.goal == .maximize ? $0 > value : $0 < value }.count
    let rank = better + 1
    return rank <= kept ? .proceed : .stop(rung: rung, rank: rank, of: n, kept: kept)
  }
}
