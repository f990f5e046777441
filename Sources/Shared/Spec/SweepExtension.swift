/// One growth of a submitted sweep (`sweep extend`): more trials in some domains, new domains,
/// a higher budget or more attempts per trial. A sweep's effective spec is its submitted spec
/// with its extensions applied in order (``SweepSpec/applying(_:)``), so the same extensions of
/// the same sweep always give the same trials.
public struct SweepExtension: Hashable, Sendable, Codable {
  /// Chosen by the caller; the same id with the same content is answered as already done.
  public var id: String
  /// Trials added to existing domains, by domain.
  public var trials: [String: Int]
  /// Domains added, each sampled as if it had been in the spec (`trials_per_domain` trials,
  /// or `newDomainTrials`), and a transfer target when the sweep transfers.
  public var newDomains: [String]
  /// Trials per added domain; nil: the spec's `trials_per_domain`.
  public var newDomainTrials: Int?
  /// The new total budget; nil: unchanged.
  public var budget: MicroDollars?
  /// The new attempts per trial; nil: unchanged.
  public var maxAttempts: Int?

  public init(
    id: String, trials: [String: Int] = [:], newDomains: [String] = [], newDomainTrials: Int? = nil,
    budget: MicroDollars? = nil, maxAttempts: Int? = nil
  ) {
    self.id = id
    self.trials = trials
    self.newDomains = newDomains
    self.newDomainTrials = newDomainTrials
    self.budget = budget
    self.maxAttempts = maxAttempts
  }
}

/// Why an extension cannot apply to a sweep; each message says what to change.
public struct SweepExtensionError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The request field at fault.
  public var field: String
  public var message: String

  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  public var description: String { "\(field): \(message)" }
}

extension SweepSpec {
  /// This spec grown by `extension`, or why it cannot grow that way.
  public func applying(_ extension: SweepExtension) throws(SweepExtensionError) -> SweepSpec {
    var spec = self
    let hasChange =
      !`extension`.trials.isEmpty || !`extension`.newDomains.isEmpty || `extension`.budget != nil
      || `extension`.maxAttempts != nil
    guard hasChange else {
      throw SweepExtensionError(
        field: "extension", message: "changes nothing; give trials, new domains, a budget or max_attempts")
    }
    for (domain, count) in `extension`.trials.sorted(by: { $0.key < $1.key }) {
      guard domains.contains(domain) else {
        let hint = Identifier.suggestion(for: domain, among: domains).map { "; did you mean '\($0)'?" } ?? ""
        throw SweepExtensionError(
          field: "domains",
          message:
            "'\(domain)' is not a domain of the sweep\(hint) (\(domains.joined(separator: ", "))); add it with add_domains"
        )
      }
      guard (1...1_000_000).contains(count) else {
        throw SweepExtensionError(field: "trials", message: "\(count) trials for '\(domain)'; expected 1 to 1000000")
      }
      if sampler == .grid {
        throw SweepExtensionError(
          field: "trials",
          message: "a grid sweep already runs every point of its space; add domains, or submit an lhs sweep")
      }
    }
    var seen = Set(domains)
    for domain in `extension`.newDomains {
      guard Identifier.isDomainName(domain) else {
        throw SweepExtensionError(
          field: "add_domains",
          message:
            "\(Identifier.quoted(domain)) is not a domain name; expected 1–\(Identifier.maxLength) letters, digits, '_' or '-', starting with a letter or digit"
        )
      }
      guard seen.insert(domain).inserted else {
        throw SweepExtensionError(field: "add_domains", message: "'\(domain)' is already a domain of the sweep")
      }
    }
    if let count = `extension`.newDomainTrials {
      guard sampler != .grid else {
        throw SweepExtensionError(
          field: "new_domain_trials", message: "a grid sweep runs the whole grid in each domain; remove it")
      }
      guard (1...1_000_000).contains(count) else {
        throw SweepExtensionError(field: "new_domain_trials", message: "\(count); expected 1 to 1000000")
      }
    }
    if let budget = `extension`.budget {
      guard budget >= self.budget else {
        throw SweepExtensionError(
          field: "budget_usd",
          message:
            "\(budget) is below the sweep's budget \(self.budget); an extension only raises it (cancel the sweep to stop spending)"
        )
      }
      spec.budget = budget
    }
    if let attempts = `extension`.maxAttempts {
      guard (maxAttempts...100).contains(attempts) else {
        throw SweepExtensionError(
          field: "max_attempts", message: "\(attempts); expected \(maxAttempts) (the current value) to 100")
      }
      spec.maxAttempts = attempts
    }
    spec.domains += `extension`.newDomains
    if let transfer = spec.transfer { spec.transfer?.targets = transfer.targets + `extension`.newDomains }
    spec.extensions.append(`extension`)
    if let total = spec.plannedTrialCount, total > maxTrials {
      throw SweepExtensionError(
        field: "trials",
        message: "the sweep would have \(total) trials, more than max_trials (\(maxTrials)); extend by fewer")
    }
    return spec
  }

  /// The trials each extension added to `domain`, in order (an added domain's initial sample not included).
  public func extensionCounts(for domain: String) -> [Int] {
    extensions.compactMap { $0.trials[domain] }
  }

  /// The extension that added `domain`, if it was added.
  func addingExtension(of domain: String) -> SweepExtension? {
    extensions.first { $0.newDomains.contains(domain) }
  }

  /// How many first-stage trials `domain` aims at: `trials_per_domain` (or what its adding
  /// extension set) plus what later extensions added. The adaptive sampler proposes up to this.
  public func trialTarget(for domain: String) -> Int? {
    guard let base = addingExtension(of: domain)?.newDomainTrials ?? trialsPerDomain else { return nil }
    return base + extensionCounts(for: domain).reduce(0, +)
  }

  /// Trials the sampler draws over all domains, with extensions; nil for a grid (counted by the decoder).
  var plannedTrialCount: Int? {
    guard sampler != .grid else { return nil }
    return domains.reduce(0) { $0 + (trialTarget(for: $1) ?? 0) } * max(1, replicates)
  }
}

extension SweepSpec {
  /// The ids of the trials the extension at `index` of ``extensions`` drew: its continuation
  /// of each grown domain's design and the whole sample of each domain it added. Empty for
  /// the adaptive sampler, whose added trials are proposals no one can recompute.
  public func trialIDs(addedByExtensionAt index: Int) -> Set<String> {
    guard extensions.indices.contains(index), sampler != .adaptive else { return [] }
    let change = extensions[index]
    var ids = Set<String>()
    for domain in change.newDomains {
      for values in DomainSampler.candidates(self, domain: domain) {
        ids.formUnion(makeTrials(domain: domain, index: 0, values: values, stage: 0).map(\.id))
      }
    }
    for domain in change.trials.keys {
      let ordinal = extensions.prefix(index).filter { $0.trials[domain] != nil }.count
      for values in DomainSampler.extensionCandidates(self, domain: domain, ordinal: ordinal) {
        ids.formUnion(makeTrials(domain: domain, index: 0, values: values, stage: 0).map(\.id))
      }
    }
    return ids
  }
}
