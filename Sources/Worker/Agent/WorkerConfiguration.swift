import Logging
import Shared

/// Everything `sweep-worker` is told on its command line.
public struct WorkerConfiguration: Sendable {
  public var coordinator: String
  public var joinToken: String
  public var name: String
  public var provider: Provider
  public var hourlyCost: MicroDollars
  public var gpu: String?
  public var slots: Int
  public var spool: String
  /// Pause between trials (lets a laptop cool down).
  public var cooldown: Duration
  /// Exit after this long without work.
  public var maxIdle: Duration?
  /// `--billing-started-at`: how long the machine had billed before this worker started (boot,
  /// install); the coordinator's bill starts that much before registration.
  public var billedBeforeStart: Duration? = nil
  /// `--subscription-usd` and `--period`: paid per period, free at the margin.
  public var subscription: Subscription? = nil
  /// Exit once the coordinator has no pending trials and nothing runs here.
  public var exitWhenDone: Bool
  /// Run through `/bin/sh -c` when the worker exits because it was idle or done (e.g. stop the instance).
  public var onExit: String?
  /// How to run this binary again, for trials whose program is `sweep-worker`.
  public var selfInvocation: [String]
  /// `--workdir` (default: the folder the worker was started in): trials run here, or in the
  /// spec's `workdir` relative to it, so `python train_lora.py` finds the user's script.
  public var projectDirectory: String
  /// `--artifacts`: each attempt's output folder is made under it and kept (default `SPOOL/artifacts`).
  public var artifactsDirectory: String? = nil
  /// What trials inherit of the worker's environment.
  public var environmentPolicy = TrialEnvironmentPolicy()
  /// `CUDA_VISIBLE_DEVICES` of each slot (`--gpus`); empty: trials see whatever the worker sees.
  public var gpuSlots: [[String]] = []
  /// Where attempt output folders go.
  public var artifactsRoot: String { artifactsDirectory ?? spool + "/artifacts" }
  /// When not empty, the only programs trials may run (as written in the spec, or as resolved).
  public var allowedCommands: [String] = []
  /// PEM file of the authority that signed a self-signed coordinator's certificate (`--ca-cert`).
  public var caCertificate: String? = nil
  /// Long-poll length of a lease request: 20 s, shorter when the worker must notice idleness soon.
  public var leaseWait: Double {
    var wait = 20.0
    if exitWhenDone { wait = 1 }
    if let maxIdle { wait = min(wait, max(0.5, maxIdle.secondsDouble / 2)) }
    return wait
  }
  /// Pause on battery or heat and keep the machine awake (`--laptop`); nil on a server.
  public var laptop: LaptopPolicy? = nil
  /// `--log-level`: `debug` adds each trial's output lines and the worker's overhead per trial.
  public var logLevel: Logger.Level = .info
  /// How long a SIGTERM drain may take before the worker gives up waiting for acknowledgements.
  public var drainTimeout: Duration = .seconds(10)
  /// How long an exit waits for output folders still being uploaded (they stay in the spool
  /// after that, for the next start); on a paid box this is paid time.
  public var uploadDrainTimeout: Duration = .seconds(120)

  public init(
    coordinator: String, joinToken: String, name: String, provider: Provider, hourlyCost: MicroDollars, gpu: String?,
    slots: Int, spool: String, cooldown: Duration, maxIdle: Duration?, exitWhenDone: Bool, onExit: String?,
    selfInvocation: [String], projectDirectory: String
  ) {
    self.coordinator = coordinator
    self.joinToken = joinToken
    self.name = name
    self.provider = provider
    self.hourlyCost = hourlyCost
    self.gpu = gpu
    self.slots = slots
    self.spool = spool
    self.cooldown = cooldown
    self.maxIdle = maxIdle
    self.exitWhenDone = exitWhenDone
    self.onExit = onExit
    self.selfInvocation = selfInvocation
    self.projectDirectory = projectDirectory
  }
}
