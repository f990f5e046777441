/// `artifacts:` in a spec: which trials' output folders the coordinator keeps, and how large one
/// may be. Output folders are uploaded after each successful attempt; the coordinator keeps the
/// best `top_k` per domain and stage (by the objective) and drops the rest as better ones arrive.
public struct ArtifactPolicy: Hashable, Sendable, Codable {
  public enum Keep: String, Hashable, Sendable, Codable, CaseIterable {
    /// The best `top_k` of each domain and stage.
    case best
    /// Every successful attempt's output.
    case all
    /// Nothing is uploaded; output folders stay on the workers.
    case none
  }

  public var keep: Keep
  public var topK: Int
  /// Largest archive of one attempt, in bytes.
  public var maxBytes: Int64

  public init(keep: Keep, topK: Int, maxBytes: Int64) {
    self.keep = keep
    self.topK = topK
    self.maxBytes = maxBytes
  }

  /// The best 3 of each domain and stage, at most 200 MB each.
  public static let `default` = ArtifactPolicy(keep: .best, topK: 3, maxBytes: 200 << 20)

  /// One stored artifact, as the pruning sees it.
  public struct Candidate: Hashable, Sendable {
    public var key: String
    public var domain: String
    public var stage: Int
    /// The trial's objective; nil (not succeeded, or no value) ranks last.
    public var objective: Double?

    public init(key: String, domain: String, stage: Int, objective: Double?) {
      self.key = key
      self.domain = domain
      self.stage = stage
      self.objective = objective
    }
  }

  /// The keys to keep among `candidates` (ties: the earlier key in the given order).
  public func kept(_ candidates: [Candidate], goal: Objective.Goal) -> Set<String> {
    switch keep {
    case .all: return Set(candidates.map(\.key))
    case .none: return []
    case .best:
      var kept = Set<String>()
      let groups = Dictionary(grouping: candidates.enumerated()) { "\($0.element.domain)\u{1F}\($0.element.stage)" }
      for (_, group) in groups {
        let ranked = group.filter { $0.element.objective != nil }.sorted { a, b in
          let x = a.element.objective!
          let y = b.element.objective!
          if x != y { return goal == .maximize ? x > y : x < y }
          return a.offset < b.offset
        }
        kept.formUnion(ranked.prefix(topK).map(\.element.key))
      }
      return kept
    }
  }
}
