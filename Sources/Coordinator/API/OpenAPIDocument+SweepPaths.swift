extension OpenAPIDocument {
  /// The sweeps' paths, their artifacts and the dashboard's.
  static let sweepPaths = """
      /v1/sweeps:
        post:
          summary: Submit a sweep spec, YAML or JSON (admin).
          requestBody: {content: {application/yaml: {schema: {type: string}}, application/json: {schema: {type: object}}}}
          responses:
            "201": {description: Created}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "413": {description: Body too large, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: Invalid spec; `errors` lists every problem as LINE:COL key.path message, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        get:
          summary: List sweeps (admin).
          responses:
            "200": {description: Sweeps}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
      /v1/sweeps/{id}:
        get:
          summary: Sweep detail with per-domain counts, best trial and money (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Status, content: {application/json: {schema: {$ref: "#/components/schemas/SweepStatus"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/spec:
        get:
          summary: The spec text the sweep was submitted with (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: The spec, content: {application/yaml: {}, application/json: {}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/cancel:
        post:
          summary: Cancel a sweep; running leases are told to stop (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Cancelled}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
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
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "The sweep was cancelled, or the extension id was used with other content", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {$ref: "#/components/responses/TooLarge"}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: "An extension the sweep cannot take (unknown domain, lower budget, a grid's trials, over max_trials)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/extensions:
        get:
          summary: "What sweep extend did to the sweep, in order (admin): SweepExtensionList {extensions: [{extension_id, trials: [{domain, trials}], add_domains, new_domain_trials, budget_usd, max_attempts, added_trials, duplicates_removed}]}"
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: The extensions}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: Not the admin token, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/resume:
        post:
          summary: Resume a sweep that paused itself because its attempts all failed the same way (admin).
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200": {description: Running again}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "The sweep is completed or cancelled, not paused", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
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
            "400": {description: "Missing sweep_id or digest", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {description: "Another worker ran this attempt", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "404": {description: "Unknown sweep or trial", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "409": {description: "result_pending (send the result first; retry) or not_the_result (a failed attempt)", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "413": {description: "Over the sweep's artifacts.max_mb", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            "415": {$ref: "#/components/responses/UnsupportedMediaType"}
            "422": {description: "digest_mismatch (damaged on the way; retry) or unsafe_archive", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/artifacts:
        get:
          summary: The stored output folders of a sweep, best first per domain (admin).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: domain, in: query, schema: {type: string}}
            - {name: best, in: query, schema: {type: integer, minimum: 1}}
          responses:
            "200": {description: The list, content: {application/json: {schema: {$ref: "#/components/schemas/ArtifactList"}}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/artifacts/{trial}:
        get:
          summary: One trial's output folder as a tar archive (admin).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: trial, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: The archive (X-Artifact-SHA256 gives its digest), content: {application/x-tar: {}}}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: "Unknown sweep, or no stored output for the trial", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
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
            "401": {$ref: "#/components/responses/Unauthorized"}
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
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/timeline:
        get:
          summary: "Money and results over time: the ledger sampled while the sweep ran, and each finished trial's objective with the best so far (admin or viewer token)."
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: "SweepTimeline: {budget_usd, ledger: [{at, spent_usd, reserved_usd}], results: [{at, domain, trial_id, objective, best_so_far}]}"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/plots/{kind}:
        get:
          summary: "One plot's data, aggregated and downsampled on the server (history, slice, parallel, importance, pareto, transfer); KIND.svg gives it drawn (admin or viewer token)."
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: kind, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: "PlotData: {kind, title, panels: [{title, x_label, y_label, x_log, categories, series, bars, axes, lines, heat}], omitted}; or image/svg+xml for KIND.svg"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep or plot kind, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
      /v1/sweeps/{id}/report:
        get:
          summary: The sweep's tables and plots as one self-contained HTML file (admin or viewer token).
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: text/html}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {description: Unknown sweep, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
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
