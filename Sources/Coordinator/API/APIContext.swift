import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// What every handler needs: the store, the clock, auth, the dispatcher and the limits.
public struct APIEnvironment: Sendable {
  public var store: any SweepStore
  public var clock: any WallClock
  public var policy: LeasePolicy
  public var maxBodyBytes: Int
  public var authenticator: Authenticator
  public var dispatcher: LeaseDispatcher
  public var metrics: CoordinatorMetrics
  /// Uploaded output folders, next to the database.
  public var artifacts: ArtifactFiles
  /// Notices the coordinator's own absences before any request is handled (nil: off).
  public var absence: AbsenceMonitor? = nil
  /// The web dashboard and its data endpoints (nil: a store that keeps no dashboard history).
  public var dashboard: DashboardEnvironment? = nil
  /// The `sweep-worker` executables `/install.sh` installs, one per platform.
  public var workerBinaries: [WorkerBinary] = []
  /// The PEM of the CA `--tls auto` made, which the installer hands to the boxes.
  public var certificateAuthority: String? = nil
  /// Whether the coordinator serves HTTPS (the address `/install.sh` writes into itself).
  public var tls = false

  /// Reads the whole body, refusing more than the limit with 413.
  func body(_ request: Request) async throws -> ByteBuffer {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
      throw APIError(
        .contentTooLarge, "body_too_large", "the body is \(length) bytes; at most \(maxBodyBytes) are accepted")
    }
    do {
      return try await request.body.collect(upTo: maxBodyBytes)
    } catch {
      throw APIError(.contentTooLarge, "body_too_large", "the body is larger than \(maxBodyBytes) bytes")
    }
  }

  /// Decodes a JSON body, naming what is wrong and where.
  func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
      throw APIError(
        .unsupportedMediaType, "unsupported_media_type", "expected Content-Type: application/json, got '\(contentType)'"
      )
    }
    let buffer = try await body(request)
    let data = Data(buffer: buffer)
    do {
      return try WireCoding.decoder().decode(T.self, from: data)
    } catch let error as DecodingError {
      throw APIError(.badRequest, "malformed_json", Self.describe(error))
    } catch {
      throw APIError(.badRequest, "malformed_json", "the body is not valid JSON: \(error)")
    }
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
      return keys.isEmpty ? "the body" : keys.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context)): missing key '\(key.stringValue.snakeCased)'"
    case .typeMismatch(let type, let context):
      return "\(path(context)): expected \(type), \(context.debugDescription)"
    case .valueNotFound(let type, let context):
      return "\(path(context)): expected \(type), found null"
    case .dataCorrupted(let context):
      return "\(path(context)): \(context.debugDescription)"
    @unknown default:
      return "the body could not be decoded"
    }
  }
}

extension String {
  /// `sweepId` → `sweep_id`, to name keys as clients write them.
  var snakeCased: String {
    var out = ""
    for character in self {
      if character.isUppercase {
        out += "_" + character.lowercased()
      } else {
        out.append(character)
      }
    }
    return out
  }
}
