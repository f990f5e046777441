import Platform
import Shared
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Why the spool could not be written or read.
public enum SpoolError: Error, Equatable, CustomStringConvertible {
  /// A system call failed: what was done, and errno.
  case io(String, Int32)
  case corrupt(String)
  /// Another `sweep-worker` holds this spool.
  case busy(String)

  public var description: String {
    switch self {
    case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
    case .corrupt(let message), .busy(let message): message
    }
  }
}

/// The worker's durable memory: every result is written here and made durable before it is sent,
/// and forgotten only after the coordinator acknowledged it, so a crash, a reboot or a
/// ten-minute outage loses nothing. It also keeps the worker's identity, so that a restarted
/// worker reports under the credential that holds its leases.
///
/// Results go to an append-only journal (`results/journal.jsonl`: one line per result, one per
/// acknowledgement). ``store(_:)`` only appends; ``sync()`` makes everything appended so far
/// durable with one flush, which the sender calls once per batch before sending it — so sixteen
/// slots finishing trials together pay one fsync, not sixteen, and a result is still never sent
/// before it is on disk. Acknowledgements need no flush: one lost in a crash only means the
/// result is sent again, and the coordinator answers a repeat as a duplicate.
public final class Spool: Sendable {
  public let root: String
  var resultsDirectory: String { root + "/results" }
  var trialsDirectory: String { root + "/trials" }
  var identityPath: String { root + "/identity.json" }
  var journalPath: String { resultsDirectory + "/journal.jsonl" }

  /// The journal is rewritten with only what is still waiting once it grows past this.
  static let compactionBytes = 8 << 20

  private struct State {
    var journal: Int32
    var lock: Int32
    var waiting: [PendingResult] = []
    var unsynced = false
    var journalBytes = 0
  }
  private let state: Mutex<State>

  /// Opens (or creates) the spool at `root`, takes its lock, and reads what is still waiting.
  public init(root: String) throws(SpoolError) {
    self.root = FileSystem.absolute(root)
    let root = self.root
    for directory in [root, root + "/results", root + "/trials"] {
      guard FileSystem.makeDirectory(directory) else { throw .io("mkdir \(directory)", errno) }
    }
    let lock = open(root + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard lock >= 0 else { throw .io("open \(root)/lock", errno) }
    guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
      close(lock)
      throw .busy("another sweep-worker is using the spool \(root); give each worker its own --spool")
    }
    let results = root + "/results"
    var waiting = Self.replay(FileSystem.read(results + "/journal.jsonl") ?? [])
    // Spools written before the journal kept one file per result; a `.tmp` is a write cut short
    // by a kill (never durable, never sent).
    var legacy: [String] = []
    for name in FileSystem.list(results) where name != "journal.jsonl" {
      if name.hasSuffix(".json"), let bytes = FileSystem.read(results + "/" + name),
        let entry = try? WireCoding.decoder().decode(PendingResult.self, from: Data(bytes)),
        !waiting.contains(where: { $0.key == entry.key })
      {
        waiting.append(entry)
      }
      legacy.append(results + "/" + name)
    }
    // Rewrite the journal with only what waits: it drops acknowledged entries and any line torn
    // by a crash (which would otherwise run into the next append).
    let bytes = try Self.encode(waiting)
    do {
      try FileSystem.writeDurably(bytes, to: results + "/journal.jsonl")
    } catch {
      close(lock)
      throw error
    }
    for path in legacy { unlink(path) }
    let journal = open(results + "/journal.jsonl", O_WRONLY | O_APPEND | O_CLOEXEC)
    guard journal >= 0 else {
      close(lock)
      throw .io("open \(results)/journal.jsonl", errno)
    }
    state = Mutex(State(journal: journal, lock: lock, waiting: waiting, journalBytes: bytes.count))
  }

  deinit {
    state.withLock { state in
      close(state.journal)
      close(state.lock)
    }
  }

  /// A result waiting for its acknowledgement.
  public struct PendingResult: Codable, Sendable, Equatable {
    public var trialId: String
    public var report: ResultReport
    /// "trial#attempt": what the coordinator acknowledges.
    public var key: String { "\(trialId)#\(report.attempt)" }
  }

  /// The worker's registration, reused after a restart.
  public struct Identity: Codable, Sendable, Equatable {
    public var coordinator: String
    public var workerId: String
    public var credential: String
  }

  /// One journal line: a result, or the acknowledgement of one.
  private struct Line: Codable {
    var result: PendingResult?
    var ack: String?
  }

  private static func encode(_ entries: [PendingResult]) throws(SpoolError) -> [UInt8] {
    var bytes: [UInt8] = []
    for entry in entries { bytes += try line(Line(result: entry)) }
    return bytes
  }

  private static func line(_ line: Line) throws(SpoolError) -> [UInt8] {
    do {
      return Array(try WireCoding.encoder().encode(line)) + [UInt8(ascii: "\n")]
    } catch {
      throw .corrupt("cannot encode a spool entry: \(error)")
    }
  }

  /// What a journal says is still waiting, in the order it was stored; unreadable lines are skipped.
  private static func replay(_ bytes: [UInt8]) -> [PendingResult] {
    var waiting: [PendingResult] = []
    var index: [String: Int] = [:]
    for text in bytes.split(separator: UInt8(ascii: "\n")) {
      guard let line = try? WireCoding.decoder().decode(Line.self, from: Data(text)) else { continue }
      if let result = line.result, index[result.key] == nil {
        index[result.key] = waiting.count
        waiting.append(result)
      }
      if let ack = line.ack, let position = index.removeValue(forKey: ack) {
        waiting[position].trialId = ""
      }
    }
    return waiting.filter { !$0.trialId.isEmpty }
  }

  /// Appends the result to the journal; durable after the next ``sync()``.
  public func store(_ pending: PendingResult) throws(SpoolError) {
    let bytes = try Self.line(Line(result: pending))
    try state.withLock { (state) throws(SpoolError) in
      let written = bytes.withUnsafeBytes { Descriptors.writeAll(state.journal, $0) }
      guard written else { throw .io("write \(journalPath)", errno) }
      state.waiting.append(pending)
      state.unsynced = true
      state.journalBytes += bytes.count
    }
  }

  /// Makes every stored result durable (one `fsync`, `F_FULLFSYNC` on macOS).
  public func sync() throws(SpoolError) {
    try state.withLock { (state) throws(SpoolError) in
      guard state.unsynced else { return }
      guard Descriptors.durableSync(state.journal) == 0 else { throw .io("fsync \(journalPath)", errno) }
      state.unsynced = false
    }
  }

  /// Every result still waiting, in the order stored.
  public func pending() -> [PendingResult] { state.withLock { $0.waiting } }

  public var isEmpty: Bool { state.withLock { $0.waiting.isEmpty } }

  /// Whether any of these results (by ``PendingResult/key``) is still waiting.
  public func isWaiting(any keys: Set<String>) -> Bool {
    state.withLock { state in state.waiting.contains { keys.contains($0.key) } }
  }

  /// Forgets acknowledged results.
  public func acknowledge(_ acknowledged: [PendingResult]) {
    guard !acknowledged.isEmpty else { return }
    let keys = Set(acknowledged.map(\.key))
    var bytes: [UInt8] = []
    for key in keys { bytes += (try? Self.line(Line(ack: key))) ?? [] }
    state.withLock { state in
      state.waiting.removeAll { keys.contains($0.key) }
      if state.waiting.isEmpty && !state.unsynced {
        // Nothing waits: start the journal afresh (a crash right after only means resending).
        if ftruncate(state.journal, 0) == 0 {
          state.journalBytes = 0
          return
        }
      }
      _ = bytes.withUnsafeBytes { Descriptors.writeAll(state.journal, $0) }
      state.journalBytes += bytes.count
      if state.journalBytes > Self.compactionBytes { compact(&state) }
    }
  }

  public func acknowledge(_ pending: PendingResult) { acknowledge([pending]) }

  /// Rewrites the journal with only the waiting results (durably, then swapped in by rename).
  private func compact(_ state: inout State) {
    guard let bytes = try? Self.encode(state.waiting),
      (try? FileSystem.writeDurably(bytes, to: journalPath)) != nil
    else { return }
    let journal = open(journalPath, O_WRONLY | O_APPEND | O_CLOEXEC)
    guard journal >= 0 else { return }
    close(state.journal)
    state.journal = journal
    state.journalBytes = bytes.count
    state.unsynced = false
  }

  /// The folder a trial attempt runs in.
  public func trialDirectory(trialID: String, attempt: Int) -> String { "\(trialsDirectory)/\(trialID)-\(attempt)" }

  public func loadIdentity() -> Identity? {
    FileSystem.read(identityPath).flatMap { try? WireCoding.decoder().decode(Identity.self, from: Data($0)) }
  }

  public func saveIdentity(_ identity: Identity) throws(SpoolError) {
    do {
      try FileSystem.writeDurably(Array(try WireCoding.encoder().encode(identity)), to: identityPath)
    } catch let error as SpoolError {
      throw error
    } catch {
      throw .corrupt("cannot encode identity")
    }
  }

  public func forgetIdentity() { FileSystem.remove(identityPath) }
}
