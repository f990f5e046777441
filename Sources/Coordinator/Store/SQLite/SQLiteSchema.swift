import GRDB

/// The database schema, versioned from the first release: each migration runs once, in order,
/// and is never edited after it ships (add a new one instead).
enum SQLiteSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE tokens (
            kind TEXT PRIMARY KEY,
            hash BLOB NOT NULL,
            created_at INTEGER NOT NULL
          );
          CREATE TABLE sweeps (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            name TEXT NOT NULL,
            spec_text TEXT NOT NULL,
            state TEXT NOT NULL,
            budget INTEGER NOT NULL,
            spent INTEGER NOT NULL DEFAULT 0,
            next_reservation INTEGER NOT NULL DEFAULT 1,
            objective_metric TEXT NOT NULL,
            objective_goal TEXT NOT NULL,
            max_attempts INTEGER NOT NULL,
            trial_timeout_ms INTEGER,
            estimate_ms INTEGER NOT NULL,
            domains TEXT NOT NULL,
            param_names TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            finished_at INTEGER
          );
          CREATE TABLE shards (
            sweep_id TEXT NOT NULL REFERENCES sweeps(id),
            domain TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL,
            fencing INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (sweep_id, domain, ordinal)
          );
          CREATE INDEX shards_pending ON shards(state, sweep_id, position);
          CREATE TABLE trials (
            sweep_id TEXT NOT NULL REFERENCES sweeps(id),
            trial_id TEXT NOT NULL,
            domain TEXT NOT NULL,
            idx INTEGER NOT NULL,
            shard_ordinal INTEGER NOT NULL,
            params TEXT NOT NULL,
            argv TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            completed_attempt INTEGER,
            objective REAL,
            PRIMARY KEY (sweep_id, trial_id)
          );
          CREATE INDEX trials_by_shard ON trials(sweep_id, domain, shard_ordinal);
          CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            provider TEXT NOT NULL,
            rate INTEGER NOT NULL,
            gpu TEXT,
            slots INTEGER NOT NULL,
            labels TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            state TEXT NOT NULL,
            registered_at INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            trials_done INTEGER NOT NULL DEFAULT 0,
            spent INTEGER NOT NULL DEFAULT 0
          );
          CREATE TABLE leases (
            id TEXT PRIMARY KEY,
            sweep_id TEXT NOT NULL REFERENCES sweeps(id),
            domain TEXT NOT NULL,
            shard_ordinal INTEGER NOT NULL,
            worker_id TEXT NOT NULL REFERENCES workers(id),
            fencing INTEGER NOT NULL,
            state TEXT NOT NULL,
            end_reason TEXT,
            granted_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            paid_until INTEGER,
            slot_rate INTEGER NOT NULL,
            expected_ms INTEGER NOT NULL,
            reservation_id INTEGER,
            held INTEGER NOT NULL DEFAULT 0,
            charged INTEGER NOT NULL DEFAULT 0,
            closed_at INTEGER
          );
          CREATE INDEX leases_active ON leases(state, expires_at);
          CREATE INDEX leases_by_worker ON leases(worker_id, state);
          CREATE TABLE attempts (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            lease_id TEXT NOT NULL REFERENCES leases(id),
            worker_id TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            cost INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (sweep_id, trial_id, attempt)
          );
          CREATE INDEX attempts_by_lease ON attempts(lease_id, state);
          CREATE TABLE results (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            status TEXT NOT NULL,
            completed INTEGER NOT NULL,
            metrics TEXT NOT NULL,
            exit_code INTEGER,
            stderr_tail TEXT,
            duration_ms INTEGER,
            worker_id TEXT NOT NULL,
            reported_at INTEGER NOT NULL,
            ack TEXT NOT NULL,
            PRIMARY KEY (sweep_id, trial_id, attempt)
          );
          CREATE UNIQUE INDEX results_one_completed ON results(sweep_id, trial_id) WHERE completed = 1;
          CREATE TABLE progress (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            epoch REAL,
            step REAL,
            metrics TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (sweep_id, trial_id, attempt)
          );
          """)
    }
    // Indexes for a million trials: without them a grant, a long-poll's placement, a result and an
    // export page each scanned the sweep (a worker's recent durations are read with and without
    // the sweep, so that index starts at the worker), so a sweep got slower the further it went (measured by sweep-bench).
    migrator.registerMigration("v2-indexes") { db in
      try db.execute(
        sql: """
          CREATE INDEX trials_by_domain_order ON trials(sweep_id, domain, idx);
          CREATE INDEX trials_by_state ON trials(sweep_id, state);
          CREATE INDEX results_by_worker ON results(worker_id, reported_at) WHERE completed = 1;
          """)
    }
    // Sweep strategies (stages, ASHA, transfer, adaptive): trials carry their stage and origin,
    // a pruned trial its reason, and rungs keep the intermediate metric each trial had there.
    migrator.registerMigration("v3-strategies") { db in
      try db.execute(
        sql: """
          ALTER TABLE sweeps ADD COLUMN strategic INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE trials ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE trials ADD COLUMN origin TEXT NOT NULL DEFAULT 'sampled';
          ALTER TABLE trials ADD COLUMN prune_reason TEXT;
          ALTER TABLE trials ADD COLUMN duration_ms INTEGER;
          CREATE TABLE rungs (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            domain TEXT NOT NULL,
            stage INTEGER NOT NULL,
            rung INTEGER NOT NULL,
            epoch REAL NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (sweep_id, trial_id, rung)
          );
          CREATE INDEX rungs_by_group ON rungs(sweep_id, domain, stage, rung);
          """)
    }
    // A grant reads one shard's pending trials in order. With only trials_by_shard and
    // trials_by_domain_order to choose from, SQLite picked the ordered one and scanned the whole
    // domain for every grant (EXPLAIN QUERY PLAN on a 20,000-trial sweep; throughput halved).
    migrator.registerMigration("v4-shard-order-index") { db in
      try db.execute(
        sql: """
          CREATE INDEX trials_by_shard_order ON trials(sweep_id, domain, shard_ordinal, idx);
          DROP INDEX trials_by_shard;
          """)
    }
    // A laptop worker says why it takes no work (on battery, hot), for `sweep status`.
    migrator.registerMigration("v5-worker-pause") { db in
      try db.execute(sql: "ALTER TABLE workers ADD COLUMN paused TEXT")
    }
    // Trials run in the spec's workdir; a sweep whose attempts all fail the same way pauses itself
    // (failure_watch: FailureWatch as JSON; NULL: off) and says why (paused_reason); output folders
    // come home as content-addressed archives (artifacts), kept per artifact_policy.
    migrator.registerMigration("v6-trial-io") { db in
      try db.execute(
        sql: """
          ALTER TABLE sweeps ADD COLUMN workdir TEXT;
          ALTER TABLE sweeps ADD COLUMN failure_watch TEXT;
          ALTER TABLE sweeps ADD COLUMN paused_reason TEXT;
          ALTER TABLE sweeps ADD COLUMN artifact_policy TEXT;
          CREATE TABLE artifacts (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            uploaded_at INTEGER NOT NULL,
            PRIMARY KEY (sweep_id, trial_id, attempt)
          );
          CREATE INDEX artifacts_by_digest ON artifacts(sha256);
          """)
    }
    // The last leases of a budget are fitted to what is left, with a shorter stop grace and report
    // margin (tail_ms; NULL: the policy's); leases re-armed after the coordinator's own absence
    // are excused for a while (an expiry until excused_until counts no failure).
    migrator.registerMigration("v7-whole-bill") { db in
      try db.execute(
        sql: """
          ALTER TABLE leases ADD COLUMN tail_ms INTEGER;
          ALTER TABLE leases ADD COLUMN excused_until INTEGER;
          """)
    }
    // A paid worker's whole life is billed: idle slot-time between leases accrues (billed_from,
    // billed_until, idle_slot_ms, idle_charged) and is charged to the sweep whose ledger holds
    // its idle window (hold_sweep_id, hold_reservation, hold_held); max_idle_ms is its promise.
    migrator.registerMigration("v8-worker-bill") { db in
      try db.execute(
        sql: """
          ALTER TABLE workers ADD COLUMN max_idle_ms INTEGER;
          ALTER TABLE workers ADD COLUMN billed_from INTEGER;
          ALTER TABLE workers ADD COLUMN billed_until INTEGER;
          ALTER TABLE workers ADD COLUMN idle_slot_ms INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE workers ADD COLUMN idle_charged INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE workers ADD COLUMN unbudgeted_idle INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE workers ADD COLUMN hold_sweep_id TEXT;
          ALTER TABLE workers ADD COLUMN hold_reservation INTEGER;
          ALTER TABLE workers ADD COLUMN hold_held INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE sweeps ADD COLUMN idle_spent INTEGER NOT NULL DEFAULT 0;
          UPDATE workers SET billed_from = registered_at, billed_until = last_seen;
          CREATE INDEX leases_by_worker_closed ON leases(worker_id, closed_at);
          CREATE INDEX workers_holding ON workers(hold_sweep_id) WHERE hold_sweep_id IS NOT NULL;
          """)
    }
    // A worker paid by subscription: its fee and period, the period paid up to, what it was
    // charged; the fees each sweep paid.
    migrator.registerMigration("v9-subscriptions") { db in
      try db.execute(
        sql: """
          ALTER TABLE workers ADD COLUMN sub_fee INTEGER;
          ALTER TABLE workers ADD COLUMN sub_period_ms INTEGER;
          ALTER TABLE workers ADD COLUMN sub_paid_until INTEGER;
          ALTER TABLE workers ADD COLUMN sub_charged INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE sweeps ADD COLUMN fee_spent INTEGER NOT NULL DEFAULT 0;
          """)
    }
    // The coordinator's own budget across sweeps (one row; budget NULL: none), and what each
    // sweep had spent when its current period began.
    migrator.registerMigration("v10-outer-budget") { db in
      try db.execute(
        sql: """
          CREATE TABLE coordinator_budget (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            budget INTEGER,
            period TEXT NOT NULL,
            period_start INTEGER NOT NULL
          );
          ALTER TABLE sweeps ADD COLUMN period_base INTEGER NOT NULL DEFAULT 0;
          """)
    }
    // Trials priced per job (a fine-tuning API): the price each lease holds per trial, and
    // what the sweep's priced trials cost.
    migrator.registerMigration("v11-trial-price") { db in
      try db.execute(
        sql: """
          ALTER TABLE sweeps ADD COLUMN trial_price INTEGER;
          ALTER TABLE sweeps ADD COLUMN trial_spent INTEGER NOT NULL DEFAULT 0;
          """)
    }
    // The dashboard: every heartbeat's progress of an attempt (its live curve, its trial page),
    // and the ledger sampled over time (spend and holds against the budget).
    migrator.registerMigration("v12-dashboard") { db in
      try db.execute(
        sql: """
          CREATE TABLE progress_history (
            sweep_id TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            at INTEGER NOT NULL,
            epoch REAL,
            step REAL,
            metrics TEXT NOT NULL
          );
          CREATE INDEX progress_history_by_attempt ON progress_history(sweep_id, trial_id, attempt, at);
          CREATE TABLE ledger_samples (
            sweep_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            spent INTEGER NOT NULL,
            reserved INTEGER NOT NULL,
            PRIMARY KEY (sweep_id, at)
          );
          """)
    }
    // `sweep extend`: the records of a sweep's extensions (JSON), applied to its spec text.
    migrator.registerMigration("v13-extensions") { db in
      try db.execute(sql: "ALTER TABLE sweeps ADD COLUMN extensions TEXT NOT NULL DEFAULT '[]'")
    }
    // Join tokens with an expiry (`sweep join-token create`, `sweep deploy --expires`).
    migrator.registerMigration("v14-join-tokens") { db in
      try db.execute(
        sql: """
          CREATE TABLE join_tokens (
            id TEXT PRIMARY KEY,
            secret_hash BLOB NOT NULL,
            label TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            revoked_at INTEGER
          );
          """)
    }
    return migrator
  }
}
