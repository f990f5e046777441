/// The OpenAPI 3.1 description of API v1, served at `GET /openapi.yaml`.
/// `OpenAPIDocumentTests` fails if a route is added to the router without being listed here.
public enum OpenAPIDocument {
  public static let yaml = """
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
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
      schemas:
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [code, message]
              properties:
                code: {type: string}
                message: {type: string}
                errors: {type: array, items: {type: string}}
        Money: {type: string, pattern: "^[0-9]+\\\\.[0-9]{2,6}$"}
        RegisterWorkerRequest:
          type: object
          required: [name, provider, hourly_cost_usd, slots]
          properties:
            name: {type: string, maxLength: 128}
            provider: {enum: [local, runpod, vast, lambda, colab, other]}
            hourly_cost_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: number, minimum: 0}]}
            gpu: {type: string}
            slots: {type: integer, minimum: 1, maximum: 256}
            labels: {type: object, additionalProperties: {type: string}}
            max_idle_s:
              type: number
              exclusiveMinimum: 0
              maximum: 604800
              description: "The worker's promise to exit after this long without work, answered or not (--max-idle); a paid worker's idle window held in the budget. Absent: one lease TTL."
            billed_before_s:
              type: number
              minimum: 0
              maximum: 86400
              description: "How long the machine billed before this registration (boot, install); its bill starts that much earlier."
            subscription:
              type: object
              required: [fee_usd, period]
              description: "Paid by a flat subscription instead of hourly_cost_usd (which must be 0): the fee once per period, to the sweep of the first lease in it."
              properties:
                fee_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: number, exclusiveMinimum: 0, maximum: 100}]}
                period: {enum: [day, week, month]}
        CoordinatorBudget:
          type: object
          properties:
            budget_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: "null"}]}
            period: {enum: [total, month, null]}
            period_started_at: {type: [string, "null"], format: date-time}
            spent_usd: {$ref: "#/components/schemas/Money", description: "Spent by all sweeps in the period."}
            reserved_usd: {$ref: "#/components/schemas/Money"}
            remaining_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: "null"}]}
        RegisterWorkerResponse:
          type: object
          properties:
            worker_id: {type: string}
            credential: {type: string, description: "Bearer credential of this worker; shown once."}
            lease_ttl_s: {type: number}
            heartbeat_interval_s: {type: number}
            api_version: {type: string}
        LeaseRequest:
          type: object
          properties:
            wait: {type: number, minimum: 0, maximum: 60, description: "Seconds to long-poll for work."}
            paused:
              enum: [on_battery, thermal]
              description: "The worker takes no work for now, and why; answered no_work paused at once."
        LeaseResponse:
          type: object
          properties:
            lease:
              type: object
              properties:
                lease_id: {type: string}
                sweep_id: {type: string}
                sweep_name: {type: string}
                fencing_token: {type: integer}
                expires_at: {type: string, format: date-time}
                ttl_s: {type: number}
                allowance_s: {type: [number, "null"], description: "Paid seconds left; null for free workers."}
                stop_grace_s: {type: number, description: "SIGTERM to SIGKILL when the allowance runs out; shorter for a lease fitted to the last of the budget."}
                exit_after:
                  type: boolean
                  description: "A paid worker's last lease (its idle window paid for it): when it ends, ask once more without waiting, then exit unless a lease comes."
                trial_cost_limit_usd:
                  type: string
                  description: "When trials are priced per job (estimate.cost_usd_per_trial): the price the lease holds for each trial. A trial whose reported cost_usd goes past it is stopped (cost_exceeded)."
                trial_timeout_s: {type: [number, "null"]}
                objective_metric: {type: string}
                workdir: {type: [string, "null"], description: "The spec's workdir, relative to the worker's --workdir."}
                trials:
                  type: array
                  items:
                    type: object
                    properties:
                      trial_id: {type: string}
                      domain: {type: string}
                      attempt: {type: integer}
                      params: {type: object}
                      argv: {type: array, items: {type: string}}
            no_work:
              enum: [no_pending_trials, budget_exhausted, sweep_cancelled, slots_full, paused, sweep_paused, idle_not_covered]
              description: "idle_not_covered: a paid worker with nothing running whose idle time no budget can hold — exit now."
            message: {type: string}
            retry_after_s: {type: number}
        HeartbeatRequest:
          type: object
          required: [fencing_token]
          properties:
            fencing_token: {type: integer}
            paused: {enum: [on_battery, thermal], description: "The worker starts no new trial for now, and why."}
            progress:
              type: array
              items:
                type: object
                required: [trial_id, attempt, metrics]
                properties:
                  trial_id: {type: string}
                  attempt: {type: integer}
                  epoch: {type: number}
                  step: {type: number}
                  metrics: {type: object, additionalProperties: {type: number}}
        HeartbeatResponse:
          type: object
          properties:
            expires_at: {type: string, format: date-time}
            allowance_s: {type: [number, "null"]}
            actions:
              type: array
              items:
                type: object
                properties:
                  kind: {enum: [continue, cancel_trial, stop_all]}
                  trial_id: {type: string}
                  reason: {type: string}
        ReleaseRequest:
          type: object
          required: [fencing_token]
          properties:
            fencing_token: {type: integer}
            trial_ids: {type: array, items: {type: string}}
        ResultReport:
          type: object
          required: [sweep_id, lease_id, fencing_token, attempt, status, metrics]
          properties:
            sweep_id: {type: string}
            lease_id: {type: string}
            fencing_token: {type: integer}
            attempt: {type: integer, minimum: 1}
            status: {enum: [succeeded, failed, timed_out, cancelled, interrupted, allowance_exhausted, cost_exceeded]}
            metrics: {type: object, additionalProperties: {type: number}}
            exit_code: {type: integer}
            stderr_tail: {type: string}
            duration_s: {type: number, minimum: 0}
            error: {type: string, description: "Why it failed when exit code and output do not say (e.g. objective never reported)."}
        ResultAck:
          type: object
          properties:
            trial_id: {type: string}
            attempt: {type: integer}
            outcome: {enum: [completed, recorded, late]}
            trial_state: {enum: [pending, leased, succeeded, failed, cancelled, waiting, pruned]}
            cost_usd: {$ref: "#/components/schemas/Money"}
        ResultBatchRequest:
          type: object
          required: [results]
          properties:
            results:
              type: array
              minItems: 1
              maxItems: 256
              items:
                allOf:
                  - {$ref: "#/components/schemas/ResultReport"}
                  - {type: object, required: [trial_id], properties: {trial_id: {type: string}}}
        ResultBatchResponse:
          type: object
          properties:
            results:
              type: array
              items:
                type: object
                properties:
                  trial_id: {type: string}
                  attempt: {type: integer}
                  status: {type: integer, description: "200, or the status the single-result route would answer"}
                  ack: {$ref: "#/components/schemas/ResultAck"}
                  error: {type: object, properties: {code: {type: string}, message: {type: string}}}
        ArtifactUploadAck:
          type: object
          properties:
            trial_id: {type: string}
            attempt: {type: integer}
            sha256: {type: string}
            kept: {type: boolean}
        ArtifactList:
          type: object
          properties:
            artifacts:
              type: array
              items:
                type: object
                properties:
                  trial_id: {type: string}
                  domain: {type: string}
                  attempt: {type: integer}
                  sha256: {type: string}
                  bytes: {type: integer}
                  objective: {type: [number, "null"]}
                  stage: {type: integer}
        SweepStatus:
          type: object
          properties:
            id: {type: string}
            name: {type: string}
            state: {enum: [running, paused, completed, cancelled]}
            paused_reason: {type: [string, "null"], description: "Why the sweep paused itself (pause_on_failures)."}
            budget_usd: {$ref: "#/components/schemas/Money"}
            spent_usd: {$ref: "#/components/schemas/Money"}
            reserved_usd: {$ref: "#/components/schemas/Money"}
            remaining_usd: {$ref: "#/components/schemas/Money"}
            idle_spent_usd: {$ref: "#/components/schemas/Money", description: "Of spent_usd: paid workers' idle time."}
            idle_held_usd: {$ref: "#/components/schemas/Money", description: "Of reserved_usd: paid workers' idle windows."}
            fees_spent_usd: {$ref: "#/components/schemas/Money", description: "Of spent_usd: subscription fees."}
            trial_cost_spent_usd: {$ref: "#/components/schemas/Money", description: "Of spent_usd: what priced trials cost (their reported cost_usd, else their price)."}
            counts: {type: object}
            domains:
              type: array
              items:
                type: object
                properties:
                  domain: {type: string}
                  common_failure:
                    type: object
                    description: The reason most failed attempts of the domain share.
                    properties: {reason: {type: string}, attempts: {type: integer}}
    security:
      - bearer: []
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
      /metrics:
        get:
          summary: Prometheus metrics (admin).
          responses:
            "200": {description: Prometheus text format}
            "401": {description: No or wrong token}
      /v1/budget:
        get:
          summary: The coordinator's own cap across sweeps and what they committed under it (admin).
          responses:
            "200": {description: OK, content: {application/json: {schema: {$ref: "#/components/schemas/CoordinatorBudget"}}}}
            "401": {description: No or wrong token}
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
            "400": {description: Malformed JSON}
            "401": {description: No or wrong token}
            "403": {description: Not the admin token}
            "422": {description: Invalid field}
      /v1/workers:
        post:
          summary: Register a worker (worker join token); returns its own credential.
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/RegisterWorkerRequest"}}}}
          responses:
            "201": {description: Registered, content: {application/json: {schema: {$ref: "#/components/schemas/RegisterWorkerResponse"}}}}
            "400": {description: Malformed JSON}
            "401": {description: No or wrong token}
            "422": {description: Invalid field}
        get:
          summary: List workers (admin).
          responses:
            "200": {description: Workers}
      /v1/workers/{id}:
        delete:
          summary: Deregister a worker (itself, or admin); its leases are released.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Deregistered}
            "404": {description: Unknown worker}
      /v1/leases:
        post:
          summary: Ask for a shard, long-polling up to `wait` seconds (worker).
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/LeaseRequest"}}}}
          responses:
            "200": {description: A lease or no work, content: {application/json: {schema: {$ref: "#/components/schemas/LeaseResponse"}}}}
            "410": {description: Worker deregistered}
      /v1/leases/{id}/heartbeat:
        post:
          summary: Renew a lease, report progress, receive actions and the new allowance (worker).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/HeartbeatRequest"}}}}
          responses:
            "200": {description: Renewed, content: {application/json: {schema: {$ref: "#/components/schemas/HeartbeatResponse"}}}}
            "403": {description: Another worker's lease}
            "404": {description: Unknown lease}
            "409": {description: "Lease fenced, expired or closed (code lease_fenced, lease_expired, lease_closed)"}
      /v1/leases/{id}/release:
        post:
          summary: Give back trials not started (worker).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ReleaseRequest"}}}}
          responses:
            "200": {description: Released}
            "409": {description: "Lease fenced, expired or closed"}
      /v1/trials/{id}/results:
        post:
          summary: Report how one attempt ended (worker). Idempotent per attempt.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ResultReport"}}}}
          responses:
            "200": {description: Recorded, content: {application/json: {schema: {$ref: "#/components/schemas/ResultAck"}}}}
            "403": {description: Another worker's lease}
            "404": {description: Unknown trial}
            "409": {description: "trial_already_completed, lease_fenced, no_such_attempt, attempt_not_in_lease"}
            "422": {description: Non-finite metric or negative duration}
      /v1/results:
        post:
          summary: >-
            Report several attempts in one request and one transaction (worker). Each report is
            answered on its own, in order, with the ack or the error the single-result route would give.
          requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/ResultBatchRequest"}}}}
          responses:
            "200": {description: One outcome per report, content: {application/json: {schema: {$ref: "#/components/schemas/ResultBatchResponse"}}}}
            "400": {description: Malformed JSON}
            "422": {description: "invalid_batch: not 1 to 256 reports"}
      /v1/sweeps:
        post:
          summary: Submit a sweep spec, YAML or JSON (admin).
          requestBody: {content: {application/yaml: {schema: {type: string}}, application/json: {schema: {type: object}}}}
          responses:
            "201": {description: Created}
            "413": {description: Body too large}
            "422": {description: Invalid spec; `errors` lists every problem as LINE:COL key.path message}
        get:
          summary: List sweeps (admin).
          responses:
            "200": {description: Sweeps}
      /v1/sweeps/{id}:
        get:
          summary: Sweep detail with per-domain counts, best trial and money (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Status, content: {application/json: {schema: {$ref: "#/components/schemas/SweepStatus"}}}}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/spec:
        get:
          summary: The spec text the sweep was submitted with (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: The spec, content: {application/yaml: {}, application/json: {}}}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/cancel:
        post:
          summary: Cancel a sweep; running leases are told to stop (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Cancelled}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/extend:
        post:
          summary: Grow a sweep (admin); a completed sweep runs again.
          description: >-
            Adds trials to some or all domains (continuing each domain's design), adds domains, raises the
            budget or max_attempts. Sent again with the same extension_id and content it is answered from
            its record with replayed true; with other content it is 409 extension_conflict.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [extension_id]
                  properties:
                    extension_id: {type: string, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}
                    trials_per_domain: {type: integer, minimum: 1, maximum: 1000000}
                    domains: {type: array, items: {type: string}}
                    add_domains: {type: array, items: {type: string}}
                    new_domain_trials: {type: integer, minimum: 1, maximum: 1000000}
                    budget_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: number, minimum: 0}]}
                    max_attempts: {type: integer, minimum: 1, maximum: 100}
          responses:
            "200":
              description: Extended, or replayed
              content:
                application/json:
                  schema:
                    type: object
                    required: [sweep_id, extension_id, added_trials, duplicates_removed, shards, replayed]
                    properties:
                      sweep_id: {type: string}
                      extension_id: {type: string}
                      added_trials: {type: integer, minimum: 0}
                      duplicates_removed: {type: integer, minimum: 0}
                      shards: {type: integer, minimum: 0}
                      replayed: {type: boolean}
            "400": {description: Malformed JSON, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {description: No or wrong token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "The sweep was cancelled, or the extension id was used with other content", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "422": {description: "An extension the sweep cannot take (unknown domain, lower budget, a grid's trials, over max_trials)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/extensions:
        get:
          summary: "What sweep extend did to the sweep, in order (admin): SweepExtensionList {extensions: [{extension_id, trials: [{domain, trials}], add_domains, new_domain_trials, budget_usd, max_attempts, added_trials, duplicates_removed}]}"
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: The extensions}
            "401": {description: No or wrong token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/resume:
        post:
          summary: Resume a sweep that paused itself because its attempts all failed the same way (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Running again}
            "404": {description: Unknown sweep}
            "409": {description: "The sweep is completed or cancelled, not paused"}
      /v1/trials/{id}/attempts/{attempt}/artifact:
        put:
          summary: Upload an attempt's output folder as a tar archive, after its result (worker).
          description: >-
            Streamed; checked against X-Artifact-SHA256, the sweep's artifacts.max_mb and every entry
            name (relative, no '..'); stored content-addressed next to the database and kept if the
            trial is among the best top_k of its domain and stage.
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: attempt, in: path, required: true, schema: {type: integer, minimum: 1}}
            - {name: sweep_id, in: query, required: true, schema: {type: string}}
            - {name: X-Artifact-SHA256, in: header, required: true, schema: {type: string, pattern: "^[0-9a-f]{64}$"}}
          requestBody:
            required: true
            content: {application/x-tar: {schema: {type: string, format: binary}}}
          responses:
            "200": {description: Stored (kept says whether the policy keeps it), content: {application/json: {schema: {$ref: "#/components/schemas/ArtifactUploadAck"}}}}
            "400": {description: "Missing sweep_id or digest"}
            "401": {description: "No or wrong token"}
            "403": {description: "Another worker ran this attempt"}
            "404": {description: "Unknown sweep or trial"}
            "409": {description: "result_pending (send the result first; retry) or not_the_result (a failed attempt)"}
            "413": {description: "Over the sweep's artifacts.max_mb"}
            "422": {description: "digest_mismatch (damaged on the way; retry) or unsafe_archive"}
      /v1/sweeps/{id}/artifacts:
        get:
          summary: The stored output folders of a sweep, best first per domain (admin).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: domain, in: query, schema: {type: string}}
            - {name: best, in: query, schema: {type: integer, minimum: 1}}
          responses:
            "200": {description: The list, content: {application/json: {schema: {$ref: "#/components/schemas/ArtifactList"}}}}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/artifacts/{trial}:
        get:
          summary: One trial's output folder as a tar archive (admin).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: trial, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: The archive (X-Artifact-SHA256 gives its digest), content: {application/x-tar: {}}}
            "404": {description: "Unknown sweep, or no stored output for the trial"}
      /v1/sweeps/{id}/results:
        get:
          summary: Results as JSON lines or CSV, one per finished trial (admin).
          description: >-
            format=seed is JSON lines of the study's own row (domain, the parameters, the metrics, cost,
            timestamp); columns=a,b,c keeps only those columns, in that order, in either format.
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: format, in: query, schema: {enum: [jsonl, csv, seed]}}
            - {name: columns, in: query, schema: {type: string}}
            - {name: domain, in: query, schema: {type: string}}
            - {name: best, in: query, schema: {type: boolean}}
          responses:
            "200": {description: Results}
            "400": {description: "An unknown format, or columns with format=seed", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {description: No or wrong token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown sweep or domain, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "422": {description: A column the sweep's results do not have, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/progress:
        get:
          summary: "Where the sweep stands: counts per domain and stage, the running trials with their heartbeats' epoch, metrics and history, an ETA (admin or viewer token)."
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: "SweepProgress: {sweep_id, state, domains: [{domain, stage, counts}], running: [{trial_id, domain, attempt, worker, started_at, epoch, step, metrics, history, params}], eta_s}"}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/timeline:
        get:
          summary: "Money and results over time: the ledger sampled while the sweep ran, and each finished trial's objective with the best so far (admin or viewer token)."
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: "SweepTimeline: {budget_usd, ledger: [{at, spent_usd, reserved_usd}], results: [{at, domain, trial_id, objective, best_so_far}]}"}
            "404": {description: Unknown sweep}
      /v1/sweeps/{id}/plots/{kind}:
        get:
          summary: "One plot's data, aggregated and downsampled on the server (history, slice, parallel, importance, pareto, transfer); KIND.svg gives it drawn (admin or viewer token)."
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: kind, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: "PlotData: {kind, title, panels: [{title, x_label, y_label, x_log, categories, series, bars, axes, lines, heat}], omitted}; or image/svg+xml for KIND.svg"}
            "404": {description: Unknown sweep or plot kind}
      /v1/sweeps/{id}/report:
        get:
          summary: The sweep's tables and plots as one self-contained HTML file (admin or viewer token).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: text/html}
            "404": {description: Unknown sweep}
      /:
        get:
          summary: "The dashboard: the list of sweeps (session cookie from /login; else a redirect there)."
          security: []
          responses:
            "200": {description: text/html}
            "303": {description: Not logged in; to /login}
      /login:
        get:
          summary: "Logs in with ?token= (the admin or viewer token): sets an HttpOnly, SameSite=Strict session cookie and redirects to ?next=; without a token, the login page."
          security: []
          parameters:
            - {name: token, in: query, schema: {type: string}}
            - {name: next, in: query, schema: {type: string}}
          responses:
            "200": {description: The login page}
            "303": {description: Logged in; to next}
            "401": {description: "Wrong token: the login page with what to do"}
        post:
          summary: The login form (token, next).
          security: []
          responses:
            "303": {description: Logged in; to next}
            "401": {description: "Wrong token: the login page with what to do"}
      /logout:
        get:
          summary: Ends the session.
          security: []
          responses:
            "303": {description: To /login}
      /assets/dashboard.css:
        get:
          summary: The dashboard's stylesheet.
          security: []
          responses:
            "200": {description: text/css}
      /assets/dashboard.js:
        get:
          summary: The dashboard's script (live updates).
          security: []
          responses:
            "200": {description: text/javascript}
      /sweeps/{id}:
        get:
          summary: "A sweep's page: progress, running trials, money, leaderboard (?domain, sort, page), plots (session cookie)."
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: text/html}
            "303": {description: Not logged in; to /login}
            "404": {description: Unknown sweep}
      /sweeps/{id}/trials/{trial}:
        get:
          summary: "A trial's page: parameters, metric history, attempts, output tail (session cookie)."
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: trial, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: text/html}
            "303": {description: Not logged in; to /login}
            "404": {description: Unknown sweep or trial}
      /sweeps/{id}/trials/{trial}/artifact.tar:
        get:
          summary: "The trial's kept output folder as a tar archive, from its page (session cookie)."
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: trial, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: application/x-tar}
            "303": {description: Not logged in; to /login}
            "404": {description: "No output folder kept: a page that says so"}
      /sweeps/{id}/cancel:
        post:
          summary: "Cancels the sweep from its page: an admin session and the page's CSRF token (form field csrf)."
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "303": {description: Cancelled; back to the sweep's page}
            "403": {description: "A viewer session, or a missing or wrong CSRF token"}
    """
}
