import Testing

@testable import Worker

@Suite struct WorkerPlaceholderTests {}
