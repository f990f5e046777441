extension OpenAPIDocument {
  /// Schemas and reusable responses.
  static let components = """
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
      responses:
        Unauthorized: {description: "No or wrong token (unauthorized)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        Forbidden: {description: "A token of another kind, e.g. a worker credential on an admin route (forbidden)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        BadRequest: {description: "A malformed body or query (malformed_json, or the parameter's own code)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        NotFound: {description: "An unknown id in the path", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        TooLarge: {description: "The body is larger than the coordinator accepts (body_too_large)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        UnsupportedMediaType: {description: "A Content-Type the operation does not take (unsupported_media_type)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        Unprocessable: {description: "A field out of range or inconsistent; the message names it", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
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
            name: {type: string, minLength: 1, maxLength: 128, pattern: "^[^\\x00-\\x1f\\x7f]*[^\\x00-\\x20\\x7f][^\\x00-\\x1f\\x7f]*$", description: "1–128 printable characters, not only spaces."}
            provider: {enum: [local, runpod, vast, lambda, colab, other]}
            hourly_cost_usd: {oneOf: [{$ref: "#/components/schemas/Money"}, {type: number, minimum: 0, maximum: 1000}], description: "0 to 1000 dollars per hour."}
            gpu: {type: string, maxLength: 128}
            slots: {type: integer, minimum: 1, maximum: 256}
            labels: {type: object, maxProperties: 64, propertyNames: {maxLength: 64}, additionalProperties: {type: string, maxLength: 256}}
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
        CreateJoinTokenRequest:
          type: object
          required: [expires_in_s]
          properties:
            expires_in_s: {type: number, minimum: 60, maximum: 2592000, description: "Seconds until it expires: 60 to 30 days."}
            label: {type: string, maxLength: 128, description: "What it is for."}
        JoinToken:
          type: object
          properties:
            id: {type: string}
            label: {type: string}
            created_at: {type: string, format: date-time}
            expires_at: {type: string, format: date-time}
            revoked_at: {type: [string, "null"], format: date-time}
            state: {enum: [active, expired, revoked]}
            token: {type: string, description: "jt-ID.SECRET; only in the answer that minted it."}
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
    """
}
