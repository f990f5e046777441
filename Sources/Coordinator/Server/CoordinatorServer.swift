import CommandLineSupport
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import Shared

/// Everything `sweep serve` needs, and the application built from it. Tests build the same
/// application with a manual clock and a temporary database.
public struct CoordinatorServer: Sendable {
  public struct Configuration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var databasePath: String = "./sweep.db"
    public var leaseTTL: Duration = .seconds(60)
    public var maxBodyBytes: Int = 1 << 20
    public var adminToken: String? = nil
    public var workerToken: String? = nil
    /// The dashboard's read-only token (generated at first start if absent).
    public var viewerToken: String? = nil
    /// How often the dashboard's ledger history is sampled.
    public var ledgerSampleInterval: Duration = .seconds(10)
    /// How often the reaper looks for expired leases.
    public var reapInterval: Duration? = nil
    /// PEM certificate chain and private key: serve HTTPS instead of HTTP.
    public var tlsCertificatePath: String? = nil
    public var tlsKeyPath: String? = nil
    /// The PEM of the CA that signed the certificate when `--tls auto` made it: served inside
    /// `GET /install.sh` for boxes to trust.
    public var certificateAuthority: String? = nil
    /// Where uploaded output folders are kept (default: next to the database, `DB-artifacts`).
    public var artifactsPath: String? = nil
    /// `sweep-worker` executables to serve to installing machines (`--worker-binary`).
    public var workerBinaryPaths: [String] = []
    /// Notice the coordinator's own absences (asleep, stopped) and excuse the leases they let
    /// expire (``AbsenceMonitor``). Off in tests that move a manual clock by hours on purpose.
    public var detectAbsence = true

    public init() {}

    /// How often the reaper looks for expired leases.
    public var reaperInterval: Duration { reapInterval ?? min(.seconds(5), leaseTTL / 4) }

    /// A gap in the coordinator's own activity longer than this is an absence: three reaper
    /// passes missed, and at least a heartbeat interval (shorter gaps expire no lease).
    public var absenceThreshold: Duration { max(reaperInterval * 3, leaseTTL / 3) }

    /// The lease policy these settings give.
    public var policy: LeasePolicy {
      let grace: Duration = leaseTTL < .seconds(30) ? leaseTTL / 3 : .seconds(10)
      return LeasePolicy(ttl: leaseTTL, stopGrace: grace, reportMargin: min(.seconds(5), leaseTTL / 4))
    }
  }

  public let configuration: Configuration
  public let store: any SweepStore
  public let clock: any WallClock
  public let metrics: CoordinatorMetrics
  public let dispatcher: LeaseDispatcher
  public let environment: APIEnvironment
  public let tokens: TokenBootstrap.Result

  /// Opens the store and settles the tokens; starts nothing.
  public static func prepare(
    _ configuration: Configuration, store: (any SweepStore)? = nil, clock: any WallClock = SystemWallClock()
  ) async throws -> CoordinatorServer {
    let store = try store ?? SQLiteStore(path: configuration.databasePath)
    let tokens = try await TokenBootstrap.settle(
      store: store, databasePath: configuration.databasePath, adminToken: configuration.adminToken,
      workerToken: configuration.workerToken, viewerToken: configuration.viewerToken, now: clock.now)
    let metrics = CoordinatorMetrics()
    let dispatcher = LeaseDispatcher(store: store, clock: clock, policy: configuration.policy, metrics: metrics)
    let absence =
      configuration.detectAbsence
      ? AbsenceMonitor(
        store: store, clock: clock, policy: configuration.policy, threshold: configuration.absenceThreshold,
        logger: Logger(label: "sweep.coordinator")) : nil
    var environment = APIEnvironment(
      store: store, clock: clock, policy: configuration.policy, maxBodyBytes: configuration.maxBodyBytes,
      authenticator: Authenticator(
        store: store, adminHash: tokens.adminHash, joinHash: tokens.joinHash, viewerHash: tokens.viewerHash,
        clock: clock),
      dispatcher: dispatcher, metrics: metrics,
      artifacts: try ArtifactFiles(root: configuration.artifactsPath ?? configuration.databasePath + "-artifacts"),
      absence: absence)
    environment.tls = configuration.tlsCertificatePath != nil
    environment.workerBinaries = try configuration.workerBinaryPaths.map(WorkerBinary.load)
    environment.certificateAuthority = configuration.certificateAuthority
    if let dashboardStore = store as? SQLiteStore {
      environment.dashboard = DashboardEnvironment(
        store: dashboardStore, clock: clock,
        keys: DashboardSession.Keys(adminHash: tokens.adminHash, viewerHash: tokens.viewerHash),
        secure: configuration.tlsCertificatePath != nil)
    }
    return CoordinatorServer(
      configuration: configuration, store: store, clock: clock, metrics: metrics, dispatcher: dispatcher,
      environment: environment, tokens: tokens)
  }

  /// The reaper service for this server.
  public func reaper(logger: Logger) -> LeaseReaper {
    LeaseReaper(
      store: store, clock: clock, dispatcher: dispatcher, metrics: metrics, interval: configuration.reaperInterval,
      logger: logger, absence: environment.absence, policy: configuration.policy)
  }

  /// The background services: the reaper, and the dashboard's ledger sampler when it is served.
  func services(logger: Logger) -> [any Service] {
    var services: [any Service] = [reaper(logger: logger)]
    if let dashboard = environment.dashboard {
      services.append(
        LedgerSampler(
          store: dashboard.store, clock: clock, interval: configuration.ledgerSampleInterval, logger: logger))
    }
    return services
  }

  /// The dashboard's address with a login token in it (the admin token when this process knows
  /// it, else the viewer token), or without one.
  public func dashboardURL(base: String) -> String {
    guard environment.dashboard != nil else { return base + "/" }
    if let token = tokens.knownAdminToken ?? tokens.knownViewerToken { return base + "/login?token=" + token }
    return base + "/login"
  }

  /// The HTTP(S) application with its background services.
  public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
    throws -> some ApplicationProtocol
  {
    var server = HTTPServerBuilder.http1()
    if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
      server = try .tls(.http1(), tlsConfiguration: try Self.tlsConfiguration(certificate: certificate, key: key))
    }
    return Application(
      router: APIRouter.make(environment),
      server: server,
      // A fleet that starts together opens a connection per worker at once; with Hummingbird's
      // 256 the listen queue overflowed under a thousand simulated workers and connections
      // waited for SYN retransmits (a lease p99 of 15 s in the debug load test). Linux caps it at
      // net.core.somaxconn.
      configuration: .init(
        address: .hostname(configuration.host, port: configuration.port), serverName: "lorasweep", backlog: 4096),
      services: services(logger: logger),
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  /// The server side of TLS from PEM files, with errors that name the file.
  static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
    let chain: [NIOSSLCertificate]
    do {
      chain = try NIOSSLCertificate.fromPEMFile(certificate)
    } catch {
      throw CLIError(.badInput, "--tls-cert: \(certificate) is not a readable PEM certificate (\(error))")
    }
    let privateKey: NIOSSLPrivateKey
    do {
      privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
    } catch {
      throw CLIError(.badInput, "--tls-key: \(key) is not a readable PEM private key (\(error))")
    }
    return TLSConfiguration.makeServerConfiguration(
      certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
  }
}
