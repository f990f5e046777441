import Foundation
import GRDB
import Shared

extension SQLiteStore {
  public func grantLease(workerID: String, now: Timestamp, policy: LeasePolicy) async throws -> GrantOutcome {
    try await committer.write { db in
      guard let worker = try Self.workerRecord(db, id: workerID) else {
        throw StoreError.notFound(code: "worker_not_found", message: "no worker '\(workerID)'; register again")
      }
      guard worker.state != "deregistered" else {
        throw StoreError.gone(
          code: "worker_deregistered", message: "worker '\(workerID)' was deregistered; register again")
      }
      try db.cachedStatement(sql: "UPDATE workers SET last_seen = ?, state = 'active' WHERE id = ?").execute(
        arguments: [now.milliseconds, workerID])
      let active =
        try Int.fetchOne(
          db.cachedStatement(sql: "SELECT COUNT(*) FROM leases WHERE worker_id = ? AND state = 'active'"),
          arguments: [workerID]) ?? 0
      guard active < worker.slots else {
        return .noWork(.slotsFull, "the worker already holds \(active) lease(s) for its \(worker.slots) slot(s)")
      }
      let slotRate = LeaseMeter.slotRate(hourly: worker.hourlyRate, slots: worker.slots)
      var sawBudgetRefusal = false
      let sweeps = try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT id, name, estimate_ms, trial_timeout_ms, objective_metric, max_attempts FROM sweeps
            WHERE state = 'running' AND EXISTS (SELECT 1 FROM shards s WHERE s.sweep_id = sweeps.id AND s.state = 'pending')
            ORDER BY seq
            """))
      for sweep in sweeps {
        let sweepID: String = sweep["id"]
        while let shard = try Row.fetchOne(
          db.cachedStatement(
            sql:
              "SELECT domain, ordinal, fencing FROM shards WHERE sweep_id = ? AND state = 'pending' ORDER BY position LIMIT 1"
          ),
          arguments: [sweepID])
        {
          let domain: String = shard["domain"]
          let ordinal: Int = shard["ordinal"]
          let trials = try Row.fetchAll(
            db.cachedStatement(
              sql: """
                SELECT trial_id, idx, params, argv, attempts, failures FROM trials
                WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state = 'pending' ORDER BY idx
                """), arguments: [sweepID, domain, ordinal])
          guard !trials.isEmpty else {
            try db.cachedStatement(
              sql: "UPDATE shards SET state = 'done' WHERE sweep_id = ? AND domain = ? AND ordinal = ?"
            ).execute(arguments: [sweepID, domain, ordinal])
            continue
          }
          let expected = try Self.expectedTrialDuration(
            db, sweepID: sweepID, workerID: workerID, estimate: .milliseconds(sweep["estimate_ms"] as Int64))
          var paidUntil: Timestamp? = nil
          var reservation: Reservation? = nil
          var allowance: Duration? = nil
          if !slotRate.isFree {
            let terms = policy.paidGrant(trials: trials.count, expectedTrial: expected, slotRate: slotRate)
            var stored = try StoredLedger.load(db, sweepID: sweepID)
            guard let hold = try stored.ledger.reserve(terms.cost) else {
              sawBudgetRefusal = true
              break
            }
            try stored.save(db)
            reservation = hold
            paidUntil = now + terms.reservedTime
            allowance = terms.allowance
          }
          let fencing = (shard["fencing"] as Int64) + 1
          let leaseID = RandomID.make("ls-")
          let expiresAt = policy.expiry(now: now, paidUntil: paidUntil)
          try db.cachedStatement(
            sql: """
              INSERT INTO leases(id, sweep_id, domain, shard_ordinal, worker_id, fencing, state, granted_at, expires_at,
                paid_until, slot_rate, expected_ms, reservation_id, held)
              VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)
              """
          ).execute(arguments: [
            leaseID, sweepID, domain, ordinal, workerID, fencing, now.milliseconds, expiresAt.milliseconds,
            paidUntil?.milliseconds, slotRate.microDollarsPerHour, expected.wholeMilliseconds,
            reservation.map { Int64($0.id) }, reservation?.amount.value ?? 0,
          ])
          try db.cachedStatement(
            sql: "UPDATE shards SET state = 'leased', fencing = ? WHERE sweep_id = ? AND domain = ? AND ordinal = ?"
          ).execute(arguments: [fencing, sweepID, domain, ordinal])
          var leased: [LeasedTrial] = []
          for trial in trials {
            var lifecycle = TrialLifecycle(
              state: .pending, attempts: trial["attempts"], failures: trial["failures"],
              maxAttempts: sweep["max_attempts"])
            guard case .startAttempt(let attempt) = lifecycle.lease() else { continue }
            let trialID: String = trial["trial_id"]
            try db.cachedStatement(
              sql: "UPDATE trials SET state = 'leased', attempts = ? WHERE sweep_id = ? AND trial_id = ?"
            ).execute(arguments: [attempt, sweepID, trialID])
            try db.cachedStatement(
              sql: """
                INSERT INTO attempts(sweep_id, trial_id, attempt, lease_id, worker_id, state, started_at)
                VALUES (?, ?, ?, ?, ?, 'running', ?)
                """
            ).execute(arguments: [sweepID, trialID, attempt, leaseID, workerID, now.milliseconds])
            let params = try StoredJSON.decodeParams(trial["params"])
            leased.append(
              LeasedTrial(
                trialId: trialID, domain: domain, attempt: attempt,
                params: Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                argv: try StoredJSON.decodeStrings(trial["argv"])))
          }
          let grant = LeaseGrant(
            leaseId: leaseID, sweepId: sweepID, sweepName: sweep["name"], fencingToken: fencing,
            expiresAt: expiresAt.iso8601, ttlS: policy.ttl.secondsDouble, allowanceS: allowance?.secondsDouble,
            stopGraceS: policy.stopGrace.secondsDouble,
            trialTimeoutS: (sweep["trial_timeout_ms"] as Int64?).map { Double($0) / 1000 },
            objectiveMetric: sweep["objective_metric"], trials: leased)
          return .granted(grant)
        }
      }
      if sawBudgetRefusal {
        return .noWork(
          .budgetExhausted,
          "trials are waiting, but the remaining budget cannot pay for them at this worker's rate; free workers carry on"
        )
      }
      let latest = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM sweeps ORDER BY seq DESC LIMIT 1"))
      if latest == "cancelled" {
        return .noWork(.sweepCancelled, "the latest sweep was cancelled and no other sweep has pending trials")
      }
      return .noWork(.noPendingTrials, "every trial is finished or leased")
    }
  }
}
