import Foundation
import Hummingbird
import Shared

extension APIRouter {
  static func addLeaseRoutes(_ routes: Routes, _ env: APIEnvironment) {
    routes.worker.post("/v1/leases") { request, context in
      let worker = context.worker
      let body = try await env.decode(LeaseRequest.self, from: request)
      let wait = body.wait ?? 0
      guard wait.isFinite, (0...60).contains(wait) else {
        throw APIError(.unprocessableContent, "invalid_wait", "wait: expected seconds from 0 to 60")
      }
      if let paused = body.paused {
        try await env.store.pauseWorker(workerID: worker.id, reason: paused, now: env.clock.now)
        return try JSONResponse.make(
          LeaseResponse(
            noWork: .paused, message: "this worker said it is paused (\(paused.rawValue)); no lease granted",
            retryAfterS: 60))
      }
      let outcome = try await env.dispatcher.request(worker: worker, wait: .milliseconds(Int64(wait * 1000)))
      switch outcome {
      case .granted(let grant):
        if let until = env.absence?.excuseForGrant(at: env.clock.now) {
          try await env.store.excuseLease(id: grant.leaseId, until: until)
        }
        return try JSONResponse.make(LeaseResponse(lease: grant))
      case .noWork(let reason, let message):
        let retry = reason == .budgetExhausted ? 30.0 : 5.0
        return try JSONResponse.make(LeaseResponse(noWork: reason, message: message, retryAfterS: retry))
      }
    }
    routes.worker.post("/v1/leases/{id}/heartbeat") { request, context in
      let worker = context.worker
      let body = try await env.decode(HeartbeatRequest.self, from: request)
      for progress in body.progress {
        try checkFinite(progress.metrics, "progress[\(progress.trialId)].metrics")
        for (name, value) in [("epoch", progress.epoch), ("step", progress.step)] {
          if let value, !value.isFinite {
            throw APIError(.unprocessableContent, "non_finite_metric", "progress.\(name): expected a finite number")
          }
        }
      }
      let response = try await env.store.heartbeat(
        leaseID: try parameter(context, "id"), workerID: worker.id, request: body, now: env.clock.now,
        policy: env.policy)
      return try JSONResponse.make(response)
    }
    routes.worker.post("/v1/leases/{id}/release") { request, context in
      let worker = context.worker
      let body = try await env.decode(ReleaseRequest.self, from: request)
      let response = try await env.store.release(
        leaseID: try parameter(context, "id"), workerID: worker.id, request: body, now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(response)
    }
    routes.worker.post("/v1/trials/{id}/results") { request, context in
      let worker = context.worker
      let body = try await env.decode(ResultReport.self, from: request)
      try validate(body, "")
      do {
        let ack = try await env.store.report(
          trialID: try parameter(context, "id"), workerID: worker.id, report: body, now: env.clock.now)
        count(ack, env.metrics)
        await env.dispatcher.wake()
        return JSONResponse.text(ack.json.serialized(), contentType: "application/json")
      } catch let error as StoreError {
        env.metrics.resultsRejected.increment()
        throw APIError.from(error)
      }
    }
    routes.worker.post("/v1/results") { request, context in
      let worker = context.worker
      let body = try await env.decode(ResultBatchRequest.self, from: request)
      guard (1...ResultBatchRequest.maxResults).contains(body.results.count) else {
        throw APIError(
          .unprocessableContent, "invalid_batch",
          "results: expected 1 to \(ResultBatchRequest.maxResults) reports, got \(body.results.count)")
      }
      // A report that fails validation is answered 422 on its own; the others still count.
      var outcomes: [BatchedResultOutcome?] = Array(repeating: nil, count: body.results.count)
      var accepted: [(position: Int, result: BatchedResult)] = []
      for (position, item) in body.results.enumerated() {
        do {
          try validate(item.report, "results[\(position)].")
          accepted.append((position, item))
        } catch let error as APIError {
          env.metrics.resultsRejected.increment()
          outcomes[position] = BatchedResultOutcome(
            trialId: item.trialId, attempt: item.report.attempt, status: Int(error.status.code),
            error: .init(code: error.code, message: error.message))
        }
      }
      if !accepted.isEmpty {
        let answers = try await env.store.reportBatch(
          accepted.map(\.result), workerID: worker.id, now: env.clock.now)
        for ((position, item), answer) in zip(accepted, answers) {
          switch answer {
          case .success(let ack):
            count(ack, env.metrics)
            outcomes[position] = BatchedResultOutcome(trialId: item.trialId, attempt: item.report.attempt, ack: ack)
          case .failure(let storeError):
            env.metrics.resultsRejected.increment()
            let error = APIError.from(storeError)
            outcomes[position] = BatchedResultOutcome(
              trialId: item.trialId, attempt: item.report.attempt, status: Int(error.status.code),
              error: .init(code: error.code, message: error.message))
          }
        }
        await env.dispatcher.wake()
      }
      let response = ResultBatchResponse(results: outcomes.compactMap { $0 })
      return JSONResponse.text(response.json.serialized(), contentType: "application/json")
    }
  }

  /// The checks every report passes before the store sees it; `path` prefixes the key paths.
  static func validate(_ report: ResultReport, _ path: String) throws {
    try checkFinite(report.metrics, path + "metrics")
    if let duration = report.durationS, !(duration.isFinite && duration >= 0) {
      throw APIError(.unprocessableContent, "invalid_duration", "\(path)duration_s: expected a finite number ≥ 0")
    }
    guard report.attempt >= 1 else {
      throw APIError(.unprocessableContent, "invalid_attempt", "\(path)attempt: expected 1 or more")
    }
  }

  static func count(_ ack: ResultAck, _ metrics: CoordinatorMetrics) {
    switch ack.outcome {
    case .completed: metrics.resultsCompleted.increment()
    case .recorded, .late: metrics.resultsRecorded.increment()
    }
  }

  static func checkFinite(_ metrics: [String: Double], _ path: String) throws {
    if let bad = metrics.first(where: { !$0.value.isFinite }) {
      throw APIError(.unprocessableContent, "non_finite_metric", "\(path).\(bad.key): expected a finite number")
    }
    if metrics.count > 256 {
      throw APIError(.unprocessableContent, "too_many_metrics", "\(path): at most 256 metrics")
    }
  }
}
