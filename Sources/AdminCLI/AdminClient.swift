import ArgumentParser
import AsyncHTTPClient
import CommandLineSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Shared
import Synchronization

/// The admin side of API v1 over HTTP, for the CLI. Retry policy: none — an admin command
/// fails fast and says why; scripts decide whether to retry.
package struct AdminClient {
  package var baseURL: String
  package var token: String

  package var http: HTTPClient

  /// One client per trust setting for the life of the process (an HTTPClient must never be
  /// deinitialised without a shutdown, and a CLI command simply exits).
  private static let clients = Mutex<[String: HTTPClient]>([:])

  static func httpClient(caCertificate: String?) -> HTTPClient {
    clients.withLock { clients in
      let key = caCertificate ?? ""
      if let existing = clients[key] { return existing }
      let client = makeHTTPClient(caCertificate: caCertificate)
      clients[key] = client
      return client
    }
  }

  /// Fails at once when nothing listens (no connection retries): the admin tells the user, who decides.
  static func makeHTTPClient(caCertificate: String?) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout.connect = .seconds(10)
    if let caCertificate {
      var tls = TLSConfiguration.makeClientConfiguration()
      tls.trustRoots = .file(caCertificate)
      configuration.tlsConfiguration = tls
    }
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  package struct Reply {
    package var status: Int
    package var body: Data
  }

  package func send(_ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String = "application/json")
    async throws(CLIError) -> Reply
  {
    var request = HTTPClientRequest(url: baseURL + path)
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let body {
      request.headers.add(name: "Content-Type", value: contentType)
      request.body = .bytes(ByteBuffer(string: body))
    }
    let reply: Reply
    do {
      let response = try await http.execute(request, timeout: .seconds(120))
      let buffer = try await response.body.collect(upTo: 1 << 30)
      reply = Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView))
    } catch {
      throw CLIError(
        .runtime,
        "cannot reach the coordinator at \(baseURL) (\(error)); is `sweep serve` running there? (--coordinator / SWEEP_COORDINATOR)"
      )
    }
    guard (200..<300).contains(reply.status) else {
      let decoded = try? WireCoding.decoder().decode(APIErrorBody.self, from: reply.body)
      var lines = [
        "\(method) \(path): \(reply.status) \(decoded?.error.message ?? String(decoding: reply.body, as: UTF8.self))"
      ]
      lines += decoded?.error.errors ?? []
      throw CLIError(reply.status >= 500 ? .runtime : .badInput, lines)
    }
    return reply
  }

  /// GETs `path` and writes the body to `handle` as it arrives (exports of a million rows stay
  /// out of memory). Returns the bytes written. No retry, like every admin call.
  func download(_ path: String, to handle: FileHandle) async throws(CLIError) -> Int {
    var request = HTTPClientRequest(url: baseURL + path)
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    let response: HTTPClientResponse
    do {
      response = try await http.execute(request, timeout: .seconds(3600))
    } catch {
      throw CLIError(
        .runtime,
        "cannot reach the coordinator at \(baseURL) (\(error)); is `sweep serve` running there? (--coordinator / SWEEP_COORDINATOR)"
      )
    }
    guard (200..<300).contains(Int(response.status.code)) else {
      let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
      let decoded = try? WireCoding.decoder().decode(APIErrorBody.self, from: body)
      let status = Int(response.status.code)
      throw CLIError(
        status >= 500 ? .runtime : .badInput,
        ["GET \(path): \(status) \(decoded?.error.message ?? String(decoding: body, as: UTF8.self))"]
          + (decoded?.error.errors ?? []))
    }
    var written = 0
    do {
      for try await buffer in response.body {
        handle.write(Data(buffer.readableBytesView))
        written += buffer.readableBytes
      }
    } catch {
      throw CLIError(.runtime, "the coordinator stopped sending the results after \(written) bytes (\(error))")
    }
    return written
  }

  package func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws(CLIError) -> T {
    do {
      return try WireCoding.decoder().decode(T.self, from: reply.body)
    } catch {
      throw CLIError(.runtime, "unexpected answer from the coordinator: \(error)")
    }
  }
}

/// `--coordinator` and `--token`, shared by the admin commands.
package struct AdminOptions: ParsableArguments {
  package init() {}

  @Option(help: "Coordinator URL (SWEEP_COORDINATOR; default http://127.0.0.1:8080).") package var coordinator: String?
  @Option(help: "Admin token (SWEEP_ADMIN_TOKEN; else read from ./sweep.db.tokens).") package var token: String?
  @Option(help: "PEM certificate of the authority that signed the coordinator's TLS certificate (SWEEP_CA_CERT).")
  package var caCert: String?

  package func client() throws(CLIError) -> AdminClient {
    var url = EnvironmentOption.string(coordinator, "SWEEP_COORDINATOR") ?? "http://127.0.0.1:8080"
    while url.hasSuffix("/") { url.removeLast() }
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
      throw CLIError(.badInput, "--coordinator: '\(url)' is not an http(s) URL")
    }
    let fromFile = TokensFile.read(TokensFile.path(forDatabase: "./sweep.db"))["SWEEP_ADMIN_TOKEN"]
    guard let token = EnvironmentOption.string(token, "SWEEP_ADMIN_TOKEN") ?? fromFile else {
      throw CLIError(
        .badInput, "no admin token: pass --token or set SWEEP_ADMIN_TOKEN (sweep serve wrote it to DB.tokens)")
    }
    return AdminClient(
      baseURL: url, token: token,
      http: AdminClient.httpClient(caCertificate: EnvironmentOption.string(caCert, "SWEEP_CA_CERT")))
  }
}
