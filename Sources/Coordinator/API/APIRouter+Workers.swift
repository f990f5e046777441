import Foundation
import Hummingbird
import Shared

extension APIRouter {
  static func addWorkerRoutes(_ routes: Routes, _ env: APIEnvironment) {
    routes.joiner.post("/v1/workers") { request, _ in
      let body = try await env.decode(RegisterWorkerRequest.self, from: request)
      try validate(body)
      let id = RandomID.make("wk-", bytes: 6)
      let secret = Tokens.generate(prefix: "")
      try await env.store.registerWorker(body, id: id, secretHash: Tokens.hash(secret), now: env.clock.now)
      let response = RegisterWorkerResponse(
        workerId: id, credential: "\(id).\(secret)", leaseTtlS: env.policy.ttl.secondsDouble,
        heartbeatIntervalS: env.policy.heartbeatInterval.secondsDouble, apiVersion: WireCoding.apiVersion)
      return try JSONResponse.make(response, status: .created)
    }
    routes.caller.delete("/v1/workers/{id}") { _, context in
      let id = try parameter(context, "id")
      switch context.principal {
      case .admin: break
      case .worker(let worker) where worker.id == id: break
      default: throw APIError(.forbidden, "forbidden", "a worker may deregister only itself; admins any worker")
      }
      try await env.store.deregisterWorker(id: id, now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(["deregistered": id])
    }
    routes.admin.get("/v1/workers") { _, _ in
      return try JSONResponse.make(WorkerList(workers: try await env.store.listWorkers()))
    }
  }

  static func validate(_ body: RegisterWorkerRequest) throws {
    let name = body.name.trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, name.count <= 128,
      !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    else {
      throw APIError(.unprocessableContent, "invalid_worker", "name: expected 1–128 printable characters")
    }
    guard (1...256).contains(body.slots) else {
      throw APIError(.unprocessableContent, "invalid_worker", "slots: \(body.slots) is out of range; expected 1 to 256")
    }
    guard body.hourlyCostUsd.micros >= .zero else {
      throw APIError(
        .unprocessableContent, "invalid_worker", "hourly_cost_usd: a rate cannot be negative; use 0 for a free machine")
    }
    guard body.hourlyCostUsd.micros <= MicroDollars(1_000_000_000) else {
      throw APIError(.unprocessableContent, "invalid_worker", "hourly_cost_usd: expected at most 1000 dollars per hour")
    }
    if let idle = body.maxIdleS, !(idle.isFinite && idle > 0 && idle <= 7 * 86_400) {
      throw APIError(
        .unprocessableContent, "invalid_worker", "max_idle_s: expected more than 0 and at most 604800 seconds (7 days)")
    }
    if let before = body.billedBeforeS, !(before.isFinite && before >= 0 && before <= 86_400) {
      throw APIError(
        .unprocessableContent, "invalid_worker", "billed_before_s: expected 0 to 86400 seconds (one day)")
    }
    if let subscription = body.subscription {
      guard subscription.periodLength != nil else {
        throw APIError(
          .unprocessableContent, "invalid_worker",
          "subscription.period: '\(subscription.period)' is not one of day, week, month")
      }
      guard subscription.feeUsd.micros > .zero, subscription.feeUsd.micros <= MicroDollars(100_000_000) else {
        throw APIError(
          .unprocessableContent, "invalid_worker", "subscription.fee_usd: expected more than 0 and at most 100 dollars")
      }
      guard body.hourlyCostUsd.micros == .zero else {
        throw APIError(
          .unprocessableContent, "invalid_worker",
          "subscription: a subscription worker is free at the margin; give hourly_cost_usd 0")
      }
    }
    if let gpu = body.gpu, gpu.count > 128 {
      throw APIError(.unprocessableContent, "invalid_worker", "gpu: expected at most 128 characters")
    }
    if let labels = body.labels,
      labels.count > 64 || labels.contains(where: { $0.key.count > 64 || $0.value.count > 256 })
    {
      throw APIError(
        .unprocessableContent, "invalid_worker", "labels: at most 64, keys ≤ 64 and values ≤ 256 characters")
    }
  }
}
