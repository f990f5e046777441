import Synchronization

@testable import Worker

/// A power sensor whose reading the test sets.
final class FakePowerSensor: PowerSensor {
  private let reading: Mutex<PowerReading>
  init(_ reading: PowerReading = .unknown) { self.reading = Mutex(reading) }
  func set(_ value: PowerReading) { reading.withLock { $0 = value } }
  func read() -> PowerReading { reading.withLock { $0 } }
}
