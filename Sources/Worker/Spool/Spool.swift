import Platform
import Shared

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Why the spool could not be written or read.
public enum SpoolError: Error, Equatable {
  case io(String, Int32)
  case corrupt(String)
}

/// The worker's durable memory: every result is written and fsynced here before it is sent, and
/// deleted only after the coordinator acknowledged it, so a crash, a reboot or a ten-minute
/// outage loses nothing. It also keeps the worker's identity, so that a restarted worker reports
/// under the credential that holds its leases.
public struct Spool: Sendable {
  public let root: String
  var resultsDirectory: String { root + "/results" }
  var trialsDirectory: String { root + "/trials" }
  var identityPath: String { root + "/identity.json" }

  public init(root: String) throws(SpoolError) {
    self.root = FileSystem.absolute(root)
    for directory in [self.root, resultsDirectory, trialsDirectory] {
      guard FileSystem.makeDirectory(directory) else { throw .io("mkdir \(directory)", errno) }
    }
    // A worker killed while spooling leaves the temporary file of a write that never got its
    // rename: that result was never durable (nor acknowledged), so it is not one to send.
    for name in FileSystem.list(resultsDirectory) where name.hasSuffix(".tmp") {
      FileSystem.remove(resultsDirectory + "/" + name)
    }
  }

  /// A result waiting for its acknowledgement.
  public struct PendingResult: Codable, Sendable, Equatable {
    public var trialId: String
    public var report: ResultReport
  }

  /// The worker's registration, reused after a restart.
  public struct Identity: Codable, Sendable, Equatable {
    public var coordinator: String
    public var workerId: String
    public var credential: String
  }

  func fileName(trialID: String, attempt: Int) -> String { "\(resultsDirectory)/\(trialID)-\(attempt).json" }

  /// Writes the result durably; returns once it is on disk.
  public func store(_ pending: PendingResult) throws(SpoolError) {
    let data: Data
    do {
      data = try WireCoding.encoder().encode(pending)
    } catch {
      throw .corrupt("cannot encode result: \(error)")
    }
    try FileSystem.writeDurably(Array(data), to: fileName(trialID: pending.trialId, attempt: pending.report.attempt))
  }

  /// Every result still waiting, oldest file name first.
  public func pending() -> [PendingResult] {
    FileSystem.list(resultsDirectory).filter { $0.hasSuffix(".json") }.compactMap { name in
      guard let bytes = FileSystem.read(resultsDirectory + "/" + name) else { return nil }
      return try? WireCoding.decoder().decode(PendingResult.self, from: Data(bytes))
    }
  }

  /// Deletes an acknowledged result.
  public func acknowledge(_ pending: PendingResult) {
    FileSystem.remove(fileName(trialID: pending.trialId, attempt: pending.report.attempt))
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
