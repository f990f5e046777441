extension OpenAPIDocument {
  /// Every operation, with every status it can answer: here the service's own paths (health, the
  /// contract, installing, budget, workers, join tokens, leases, results); the sweeps' in `sweepPaths`.
  static let paths = """
    paths:
      /healthz:
        get:
          summary: Liveness check (no token needed).
          security: []
          responses:
            "200": {description: OK}
      /openapi.yaml:
        get:
          summary: This document (no token needed).
          security: []
          responses:
            "200": {description: OK}
      /install.sh:
        get:
          summary: "The one-line installer of a worker: curl -fsSL URL/install.sh | sh -s -- --token TOKEN [sweep-worker options] (no token needed to fetch it; it holds none)."
          description: >-
            A POSIX sh script with this coordinator's address (from the Host header) and the sha256 of each
            sweep-worker it serves: it downloads the one for the box's platform with the join token, checks the
            digest, installs it under SWEEP_HOME (~/.lorasweep) and runs it.
          security: []
          responses:
            "200": {description: The script, content: {text/x-shellscript: {}}}
            "400": {description: "A Host header that is not a host name or address (invalid_host)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/worker/{platform}:
        get:
          summary: "The sweep-worker executable for a platform: linux-x86_64, linux-aarch64, darwin-arm64 or darwin-x86_64 (worker join token); X-Worker-SHA256 gives its digest."
          parameters: [{name: platform, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: The executable, content: {application/octet-stream: {}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: "No sweep-worker for that platform here; the message lists those served", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /metrics:
        get:
          summary: Prometheus metrics (admin).
          responses:
            "200": {description: Prometheus text format}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
      /v1/budget:
        get:
          summary: The coordinator's own cap across sweeps and what they committed under it (admin).
          responses:
            "200": {description: OK, content: {application/json: {schema: {$ref: "#/components/schemas/CoordinatorBudget"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
        put:
          summary: Set (budget_usd) or remove (budget_usd null) the cap across sweeps (admin).
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [budget_usd]
                  properties:
                    budget_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: number, minimum: 0}, {type: "null"}]}
                    period: {enum: [total, month]}
          responses:
            "200": {description: OK, content: {application/json: {schema: {$ref: "#/components/schemas/CoordinatorBudget"}}}}
            "400": {description: Malformed JSON, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: Invalid field, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/workers:
        post:
          summary: Register a worker (worker join token); returns its own credential.
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/RegisterWorkerRequest"}}}}
          responses:
            "201": {description: Registered, content: {application/json: {schema: {$ref: "#/components/schemas/RegisterWorkerResponse"}}}}
            "400": {description: Malformed JSON, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: Invalid field, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        get:
          summary: List workers (admin).
          responses:
            "200": {description: Workers}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
      /v1/workers/{id}:
        delete:
          summary: Deregister a worker (itself, or admin); its leases are released.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Deregistered}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown worker, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/join-tokens:
        post:
          summary: Mint a join token that expires (admin); the token is in this answer only.
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/CreateJoinTokenRequest"}}}}
          responses:
            "201": {description: Minted, content: {application/json: {schema: {$ref: "#/components/schemas/JoinToken"}}}}
            "400": {description: Malformed JSON, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: Invalid field, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        get:
          summary: The minted join tokens, active, expired or revoked (admin); never the tokens themselves.
          responses:
            "200":
              description: OK
              content:
                application/json:
                  schema: {type: object, properties: {tokens: {type: array, items: {$ref: "#/components/schemas/JoinToken"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
      /v1/join-tokens/{id}:
        delete:
          summary: Revoke a minted join token (admin); workers that joined with it keep working.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Revoked, content: {application/json: {schema: {$ref: "#/components/schemas/JoinToken"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown join token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/leases:
        post:
          summary: Ask for a shard, long-polling up to `wait` seconds (worker).
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/LeaseRequest"}}}}
          responses:
            "200": {description: A lease or no work, content: {application/json: {schema: {$ref: "#/components/schemas/LeaseResponse"}}}}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "410": {description: Worker deregistered, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {$ref: "#/components/responses/Unprocessable"}
      /v1/leases/{id}/heartbeat:
        post:
          summary: Renew a lease, report progress, receive actions and the new allowance (worker).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/HeartbeatRequest"}}}}
          responses:
            "200": {description: Renewed, content: {application/json: {schema: {$ref: "#/components/schemas/HeartbeatResponse"}}}}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: Another worker's lease, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown lease, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "Lease fenced, expired or closed (code lease_fenced, lease_expired, lease_closed)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {$ref: "#/components/responses/Unprocessable"}
      /v1/leases/{id}/release:
        post:
          summary: Give back trials not started (worker).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ReleaseRequest"}}}}
          responses:
            "200": {description: Released}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "409": {description: "Lease fenced, expired or closed", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {$ref: "#/components/responses/Unprocessable"}
      /v1/trials/{id}/results:
        post:
          summary: Report how one attempt ended (worker). Idempotent per attempt.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ResultReport"}}}}
          responses:
            "200": {description: Recorded, content: {application/json: {schema: {$ref: "#/components/schemas/ResultAck"}}}}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: Another worker's lease, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown trial, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "trial_already_completed, lease_fenced, no_such_attempt, attempt_not_in_lease", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: Non-finite metric or negative duration, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/results:
        post:
          summary: >-
            Report several attempts in one request and one transaction (worker). Each report is
            answered on its own, in order, with the ack or the error the single-result route would give.
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ResultBatchRequest"}}}}
          responses:
            "200": {description: One outcome per report, content: {application/json: {schema: {$ref: "#/components/schemas/ResultBatchResponse"}}}}
            "400": {description: Malformed JSON, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: "invalid_batch: not 1 to 256 reports", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    """
}
