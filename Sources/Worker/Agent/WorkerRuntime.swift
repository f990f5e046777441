import Platform

/// What the agent touches outside itself: time, the coordinator, trial programs, the machine's
/// power, and the environment trials inherit. Production uses ``system(_:)``; tests pass a manual
/// clock, a scripted coordinator and scripted programs, and run the real agent in-process.
public struct WorkerRuntime: Sendable {
  public var clock: any WorkerClock
  public var api: any CoordinatorAPI
  public var launcher: any TrialLauncher
  /// Read every ``LaptopPolicy/checkInterval`` when the configuration has a laptop policy.
  public var power: any PowerSensor
  /// The environment every trial starts from (the worker's own, filtered by ``TrialEnvironmentPolicy``).
  public var environment: [String: String]
  /// The inhibitor command that keeps the machine awake, when there is one.
  public var keepAwakeCommand: [String]?
  public var log: WorkerLog

  public init(
    clock: any WorkerClock, api: any CoordinatorAPI, launcher: any TrialLauncher, power: any PowerSensor,
    environment: [String: String], keepAwakeCommand: [String]?, log: WorkerLog
  ) {
    self.clock = clock
    self.api = api
    self.launcher = launcher
    self.power = power
    self.environment = environment
    self.keepAwakeCommand = keepAwakeCommand
    self.log = log
  }

  /// The real machine: the monotonic clock, HTTP, posix_spawn, sysfs or pmset.
  public static func system(_ configuration: WorkerConfiguration, log: WorkerLog) -> WorkerRuntime {
    // A trial is the sweep's code, not the operator's: it does not get the worker's secrets.
    let environment = configuration.environmentPolicy.apply(to: ProcessControl.environment())
    return WorkerRuntime(
      clock: SystemWorkerClock(),
      api: CoordinatorClient(
        baseURL: configuration.coordinator, credential: "", caCertificate: configuration.caCertificate),
      launcher: ProcessLauncher(), power: systemPowerSensor(), environment: environment,
      keepAwakeCommand: KeepAwake.systemCommand(pid: ProcessControl.processID), log: log)
  }

  /// This operating system's power sensor.
  public static func systemPowerSensor() -> any PowerSensor {
    #if os(macOS)
      MacPowerSensor()
    #else
      SysfsPowerSensor()
    #endif
  }
}
