import Testing

@testable import ChaosHarness

/// The harness's own parts: a schedule is a function of its seed, and the proxy recognises
/// whole result reports in a pipelined byte stream.
struct ChaosHarnessUnitTests {
  @Test func theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
    func schedule(_ seed: UInt64) -> FaultSchedule {
      FaultSchedule(seed: seed, window: 60, workers: 4, paid: [0, 1], ttl: 3, maxAllowance: 10)
    }
    #expect(schedule(42) == schedule(42))
    #expect(schedule(42).faults != schedule(43).faults)
    #expect(!schedule(42).faults.isEmpty)
  }

  @Test func aTargetNeverHasTwoFaultsAtOnceAndPartitionsOnlyHitPaidWorkers() {
    for seed in UInt64(1)...200 {
      let faults = FaultSchedule(seed: seed, window: 90, workers: 4, paid: [0, 1], ttl: 3, maxAllowance: 10).faults
      for worker in 0..<4 {
        let mine = faults.filter { $0.worker == worker }
        for (earlier, later) in zip(mine, mine.dropFirst()) { #expect(earlier.at + earlier.span <= later.at) }
      }
      for fault in faults {
        if case .partitionWorker(let worker, let seconds) = fault.kind {
          #expect(worker < 2)
          #expect(seconds > 10)  // longer than any allowance: the worker must stop its trial itself
        }
      }
    }
  }

  @Test func theSplitterFindsResultReportsAcrossChunkBoundaries() {
    let report =
      "POST /v1/trials/abc/results HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n{\"a\":"
    let heartbeat = "POST /v1/leases/l1/heartbeat HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
    let stream = Array((heartbeat + report).utf8)
    var splitter = RequestSplitter()
    var requests: [[UInt8]] = []
    for chunk in stride(from: 0, to: stream.count, by: 7) {
      requests += splitter.append(stream[chunk..<min(chunk + 7, stream.count)])
    }
    #expect(requests.count == 2)
    #expect(requests.map(RequestSplitter.isResultReport) == [false, true])
    #expect(requests.last == Array(report.utf8))
  }
}
