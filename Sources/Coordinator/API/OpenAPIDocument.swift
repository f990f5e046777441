/// The OpenAPI 3.1 description of API v1, served at `GET /openapi.yaml`.
/// `OpenAPIDocumentTests` fails if a route is added to the router without being listed here.
public enum OpenAPIDocument {
  public static let yaml = [header, components, paths, sweepPaths].joined(separator: "\n")

  static let header = """
    openapi: 3.1.0
    info:
      title: LoRASweep coordinator API
      version: "1"
      description: |
        Leases shards of sweep trials to workers, merges their results exactly once and keeps a hard
        dollar budget. Every call needs `Authorization: Bearer TOKEN`: the admin token for /v1/sweeps,
        GET /v1/workers and /metrics; the worker join token for POST /v1/workers; a worker's own
        credential for leases and results. Errors are JSON: {"error": {"code", "message", "errors"?}}.
        Money is a decimal string of dollars ("0.40"); times are ISO 8601 UTC. A method a path does
        not take is 405 with Allow; a path that does not exist, 404.
    """
}
