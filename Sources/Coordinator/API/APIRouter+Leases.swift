import Foundation
import Hummingbird
import Shared

extension APIRouter {
  static func addLeaseRoutes(_ router: Router<BasicRequestContext>, _ env: APIEnvironment) {
    router.post("/v1/leases") { request, _ in
      let worker = try await env.authenticator.requireWorker(request)
      let body = try await env.decode(LeaseRequest.self, from: request)
      let wait = body.wait ?? 0
      guard wait.isFinite, (0...60).contains(wait) else {
        throw APIError(.unprocessableContent, "invalid_wait", "wait: expected seconds from 0 to 60")
      }
      let outcome = try await env.dispatcher.request(worker: worker, wait: .milliseconds(Int64(wait * 1000)))
      switch outcome {
      case .granted(let grant):
        return try JSONResponse.make(LeaseResponse(lease: grant))
      case .noWork(let reason, let message):
        let retry = reason == .budgetExhausted ? 30.0 : 5.0
        return try JSONResponse.make(LeaseResponse(noWork: reason, message: message, retryAfterS: retry))
      }
    }
    router.post("/v1/leases/{id}/heartbeat") { request, context in
      let worker = try await env.authenticator.requireWorker(request)
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
    router.post("/v1/leases/{id}/release") { request, context in
      let worker = try await env.authenticator.requireWorker(request)
      let body = try await env.decode(ReleaseRequest.self, from: request)
      let response = try await env.store.release(
        leaseID: try parameter(context, "id"), workerID: worker.id, request: body, now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(response)
    }
    router.post("/v1/trials/{id}/results") { request, context in
      let worker = try await env.authenticator.requireWorker(request)
      let body = try await env.decode(ResultReport.self, from: request)
      try checkFinite(body.metrics, "metrics")
      if let duration = body.durationS, !(duration.isFinite && duration >= 0) {
        throw APIError(.unprocessableContent, "invalid_duration", "duration_s: expected a finite number ≥ 0")
      }
      guard body.attempt >= 1 else {
        throw APIError(.unprocessableContent, "invalid_attempt", "attempt: expected 1 or more")
      }
      do {
        let ack = try await env.store.report(
          trialID: try parameter(context, "id"), workerID: worker.id, report: body, now: env.clock.now)
        switch ack.outcome {
        case .completed: env.metrics.resultsCompleted.increment()
        case .recorded, .late: env.metrics.resultsRecorded.increment()
        }
        await env.dispatcher.wake()
        return try JSONResponse.make(ack)
      } catch let error as StoreError {
        env.metrics.resultsRejected.increment()
        throw APIError.from(error)
      }
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
