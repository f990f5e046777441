import ArgumentParser
import Logging
import Platform
import ServiceLifecycle
import Shared

/// The `sweep-worker` command: runs the agent (default) or the reference trainer.
public struct WorkerCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "sweep-worker",
    abstract: "Run LoRASweep trials leased from a coordinator on this machine.",
    discussion: """
      Exit codes: 0 done (drained, idle, or no work left), 1 runtime failure, 2 bad input, \
      3 the coordinator refused the token, 4 this worker was deregistered, 5 incompatible coordinator \
      (see docs/worker.md).
      """,
    subcommands: [RunWorkerCommand.self, ReferenceTrainCommand.self],
    defaultSubcommand: RunWorkerCommand.self)

  public init() {}

  /// Runs the CLI with the documented exit codes.
  public static func runMain(_ arguments: [String]? = nil) async -> Never {
    do {
      var command = try parseAsRoot(arguments)
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      ProcessControl.exit(0)
    } catch let failure as WorkerFailure {
      WorkerLog(name: "-").error(failure.message)
      ProcessControl.exit(failure.exitCode)
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        Descriptors.writeStandardError(fullMessage(for: error) + "\n")
        ProcessControl.exit(WorkerExitCode.badInput)
      }
      Self.exit(withError: error)
    }
  }

  /// How to run this very binary as a worker again (trials whose program is `sweep-worker`):
  /// `sweep-worker` itself, or `sweep worker` when the worker runs inside the `sweep` binary.
  static var selfInvocation: [String] {
    let path = ProcessControl.executablePath() ?? CommandLine.arguments[0]
    return path.hasSuffix("/sweep") || path == "sweep" ? [path, "worker"] : [path]
  }
}

extension RunWorkerCommand {
  /// `--laptop auto` is on for a free local worker on a machine with a battery.
  func laptopPolicy(provider: Provider) -> LaptopPolicy? {
    switch laptop {
    case "off": return nil
    case "auto" where provider != .local || !WorkerRuntime.systemPowerSensor().read().hasBattery: return nil
    default:
      var policy = LaptopPolicy()
      policy.onBattery = LaptopPolicy.Battery(rawValue: onBattery) ?? .pause
      policy.thermalPause = thermalPause
      policy.keepAwake = keepAwake
      return policy
    }
  }
}

/// A failure with its exit code.
struct WorkerFailure: Error {
  var exitCode: Int32
  var message: String
}

/// `sweep-worker [run] --coordinator URL --token T …`: the agent.
struct RunWorkerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Register with a coordinator and run leased trials until stopped (the default).")

  @Option(help: "Coordinator URL (SWEEP_COORDINATOR).") var coordinator: String?
  @Option(help: "Worker join token (SWEEP_WORKER_TOKEN).") var token: String?
  @Option(help: "This worker's name (default: the host name).") var name: String?
  @Option(help: "local, runpod, vast, lambda, colab or other (default local).") var provider: String = "local"
  @Option(help: "What an hour of this machine costs, in dollars (default 0: free).") var hourlyCost: String = "0"
  @Option(
    help: ArgumentHelp(
      "A flat subscription instead of an hourly rate, in dollars per --period (e.g. Colab Pro: 10).",
      discussion:
        "The fee is charged once per period, to the sweep of this worker's first lease in it; the worker is then free at the margin. Needs --hourly-cost 0."
    ))
  var subscriptionUsd: String?
  @Option(help: "The subscription's period: day, week or month (30 days).") var period: String?
  @Option(help: "GPU model, for the record.") var gpu: String?
  @Option(help: "Trials run in parallel (default 1, or one per GPU group with --gpus).") var slots: Int?
  @Option(help: "Spool folder: pending results, identity, trial folders (default ./sweep-worker-spool).")
  var spool: String = "sweep-worker-spool"
  @Option(help: "Seconds to pause between trials (lets a laptop cool).") var cooldown: Double = 0
  @Option(
    help: ArgumentHelp(
      "Exit after this long without work, e.g. 10m, counting time the coordinator does not answer (off: never).",
      discussion:
        "Default: 10m for a paid worker (--hourly-cost above 0), so a rented box never bills on because the flag was forgotten; off for a free one."
    ))
  var maxIdle: String?
  @Option(
    help: ArgumentHelp(
      "When this machine began billing: 'boot', or a UTC time like 2026-12-02T09:00:00Z.",
      discussion:
        "A rented box bills from boot to stop, install time included; the coordinator's bill of this worker starts then (at most a day back). Default: when the worker starts."
    ))
  var billingStartedAt: String?
  @Flag(help: "Exit when the coordinator has no pending trials and nothing runs here.") var exitWhenDone = false
  @Option(help: "Shell command run when exiting for --max-idle or --exit-when-done (e.g. stop the instance).")
  var onExit: String?
  @Option(
    name: .customLong("allow-command"),
    help: "Run only trials whose program is this (repeatable; a name as in the spec or an absolute path).")
  var allowCommand: [String] = []
  @Option(help: "PEM certificate of the authority that signed the coordinator's TLS certificate (self-signed setups).")
  var caCert: String?
  @Option(
    help:
      "Laptop awareness: pause on battery or heat, keep the machine awake while trials run. auto: on for --provider local on a machine with a battery."
  )
  var laptop: String = "auto"
  @Option(help: "On a laptop on battery: pause (finish the running trial, take no new work until AC) or continue.")
  var onBattery: String = "pause"
  @Flag(inversion: .prefixedNo, help: "On a laptop: take no new trial while the machine is hot; resume once cool.")
  var thermalPause = true
  @Flag(inversion: .prefixedNo, help: "On a laptop: keep the machine from sleeping while a trial runs.")
  var keepAwake = true
  @Option(help: "Log level: debug, info, warning or error (debug adds trial output and per-trial overhead).")
  var logLevel: String = "info"
  @Option(
    help:
      "Folder trials run in (default: the folder the worker was started in), so `python train_lora.py` finds the script; a spec's workdir is relative to it."
  )
  var workdir: String?
  @Option(help: "Folder for each attempt's output folder (SWEEP_OUTPUT_DIR, {output_dir}); default SPOOL/artifacts.")
  var artifacts: String?
  @Option(
    name: .customLong("pass-env"),
    help: "Trials inherit only this variable (repeatable; NAME or PREFIX*), plus PATH, HOME, LANG and the like.")
  var passEnv: [String] = []
  @Option(name: .customLong("drop-env"), help: "Trials do not inherit this variable (repeatable; NAME or PREFIX*).")
  var dropEnv: [String] = []
  @Option(
    name: .customLong("secret-env"),
    help:
      "A secret of this machine that trials never see (repeatable; NAME or PREFIX*); the worker's own tokens are always withheld."
  )
  var secretEnv: [String] = []
  @Option(
    help:
      "GPUs to share out among slots: a list such as 0,1,2,3, or all (from nvidia-smi -L). Each slot gets its own CUDA_VISIBLE_DEVICES."
  )
  var gpus: String?
  @Option(help: "GPUs each trial gets with --gpus (default 1).") var gpusPerTrial: Int = 1

  func validate() throws {
    guard ["auto", "on", "off"].contains(laptop) else {
      throw ValidationError("--laptop: expected auto, on or off, got '\(laptop)'")
    }
    guard LaptopPolicy.Battery(rawValue: onBattery) != nil else {
      throw ValidationError("--on-battery: expected pause or continue, got '\(onBattery)'")
    }
    guard Logger.Level(rawValue: logLevel) != nil, logLevel != "trace", logLevel != "notice", logLevel != "critical"
    else {
      throw ValidationError("--log-level: expected debug, info, warning or error, got '\(logLevel)'")
    }
    if let slots, !(1...256).contains(slots) { throw ValidationError("--slots: expected 1 to 256, got \(slots)") }
    guard gpusPerTrial >= 1 else { throw ValidationError("--gpus-per-trial: expected 1 or more, got \(gpusPerTrial)") }
    for (flag, patterns) in [("--pass-env", passEnv), ("--drop-env", dropEnv), ("--secret-env", secretEnv)] {
      for pattern in patterns {
        if let problem = TrialEnvironmentPolicy.invalidPattern(pattern) { throw ValidationError("\(flag): \(problem)") }
      }
    }
    guard cooldown >= 0, cooldown.isFinite else { throw ValidationError("--cooldown: expected seconds ≥ 0") }
    guard Provider(rawValue: provider) != nil else {
      throw ValidationError(
        "--provider: '\(provider)' is not one of \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if let maxIdle, maxIdle != "off", DurationText.parse(maxIdle) == nil {
      throw ValidationError("--max-idle: '\(maxIdle)' is not a duration; expected e.g. 90s, 10m, 1h, or off")
    }
    _ = try subscription()
  }

  /// `--subscription-usd` and `--period`, checked.
  func subscription() throws -> Subscription? {
    guard let subscriptionUsd else {
      if period != nil { throw ValidationError("--period: only with --subscription-usd") }
      return nil
    }
    let fee: MicroDollars
    do { fee = try MicroDollars.parse(subscriptionUsd) } catch {
      throw ValidationError("--subscription-usd: \(error.message)")
    }
    guard fee > .zero else { throw ValidationError("--subscription-usd: expected more than 0") }
    let terms = Subscription(feeUsd: DollarAmount(fee), period: period ?? "month")
    guard terms.periodLength != nil else {
      throw ValidationError("--period: '\(terms.period)' is not one of day, week, month")
    }
    guard (try? MicroDollars.parse(hourlyCost)) == .zero else {
      throw ValidationError("--subscription-usd: a subscription worker is free at the margin; leave --hourly-cost at 0")
    }
    return terms
  }

  func run() async throws {
    guard let coordinator = coordinator ?? ProcessControl.environmentValue("SWEEP_COORDINATOR"), !coordinator.isEmpty
    else {
      throw WorkerFailure(
        exitCode: WorkerExitCode.badInput,
        message: "--coordinator: missing; pass the coordinator URL or set SWEEP_COORDINATOR")
    }
    guard coordinator.hasPrefix("http://") || coordinator.hasPrefix("https://") else {
      throw WorkerFailure(
        exitCode: WorkerExitCode.badInput, message: "--coordinator: '\(coordinator)' is not an http(s) URL")
    }
    guard let token = token ?? ProcessControl.environmentValue("SWEEP_WORKER_TOKEN"), !token.isEmpty else {
      throw WorkerFailure(
        exitCode: WorkerExitCode.badInput,
        message:
          "--token: missing; pass the worker join token or set SWEEP_WORKER_TOKEN (sweep serve wrote it to DB.tokens)")
    }
    let rate: MicroDollars
    do {
      rate = try MicroDollars.parse(hourlyCost)
    } catch {
      throw WorkerFailure(exitCode: WorkerExitCode.badInput, message: "--hourly-cost: \(error.message)")
    }
    let gpuSlots = try gpuAssignment()
    let slots = self.slots ?? max(1, gpuSlots.count)
    let workingFolder = FileSystem.absolute(workdir ?? ".")
    guard FileSystem.isDirectory(workingFolder) else {
      throw WorkerFailure(
        exitCode: WorkerExitCode.badInput, message: "--workdir: \(workingFolder) is not a folder on this machine")
    }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, host.count - 1)
    let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let configuration = WorkerConfiguration(
      coordinator: coordinator, joinToken: token, name: name ?? hostName,
      provider: Provider(rawValue: provider) ?? .local,
      hourlyCost: rate, gpu: gpu, slots: slots, spool: FileSystem.absolute(spool),
      cooldown: .milliseconds(Int64(cooldown * 1000)),
      maxIdle: Self.maxIdle(maxIdle, paid: rate > .zero),
      exitWhenDone: exitWhenDone, onExit: onExit, selfInvocation: WorkerCommand.selfInvocation,
      projectDirectory: workingFolder)
    var configured = configuration
    configured.subscription = try subscription()
    // A paid box bills from boot (or the time given); at the least from this process's start.
    configured.billedBeforeStart =
      try Self.billedBefore(billingStartedAt) ?? ProcessControl.age().map { .milliseconds(Int64($0 * 1000)) }
    configured.allowedCommands = allowCommand
    configured.artifactsDirectory = artifacts.map(FileSystem.absolute)
    configured.environmentPolicy = TrialEnvironmentPolicy(pass: passEnv, drop: dropEnv, secrets: secretEnv)
    configured.gpuSlots = gpuSlots
    configured.logLevel = Logger.Level(rawValue: logLevel) ?? .info
    configured.laptop = laptopPolicy(provider: configured.provider)
    if let caCert {
      guard FileSystem.read(caCert) != nil else {
        throw WorkerFailure(exitCode: WorkerExitCode.badInput, message: "--ca-cert: \(caCert) cannot be read")
      }
      configured.caCertificate = FileSystem.absolute(caCert)
    }
    let agent = WorkerAgent(configuration: configured)
    if !gpuSlots.isEmpty {
      agent.log.info(
        "GPUs per slot: \(gpuSlots.enumerated().map { "slot \($0.offset): \($0.element.joined(separator: ","))" }.joined(separator: "; "))"
      )
    }
    if maxIdle == nil, let idle = configured.maxIdle {
      agent.log.info("a paid worker: exiting after \(idle) without work (--max-idle; off to never exit)")
    }
    if let policy = configured.laptop {
      agent.log.info(
        "laptop awareness on: on battery \(policy.onBattery.rawValue), thermal pause \(policy.thermalPause ? "on" : "off"), keep awake \(policy.keepAwake ? "on" : "off")"
      )
    }
    var logger = Logger(label: "sweep-worker")
    logger.logLevel = .warning
    let group = ServiceGroup(
      configuration: .init(
        services: [.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
      try await group.run()
    } catch SpoolError.busy(let message) {
      throw WorkerFailure(exitCode: WorkerExitCode.badInput, message: "--spool: \(message)")
    } catch {
      throw WorkerFailure(exitCode: WorkerExitCode.runtime, message: "the worker stopped: \(error)")
    }
    let stop = agent.stop ?? .drained
    if case .fatal(let error) = stop {
      throw WorkerFailure(exitCode: stop.exitCode, message: error.description)
    }
  }
}

extension RunWorkerCommand {
  /// A paid worker exits after 10 minutes without work unless told otherwise (`off`: never).
  static let paidMaxIdle = Duration.seconds(600)

  /// `--billing-started-at`: how long before now the machine began billing.
  static func billedBefore(_ text: String?, now: Timestamp = WorkerLogHandler.wallClock()) throws -> Duration? {
    guard let text else { return nil }
    let seconds: Double
    if text == "boot" {
      guard let uptime = ProcessControl.uptime() else {
        throw ValidationError("--billing-started-at: this system does not say when it booted; give a UTC time instead")
      }
      seconds = uptime
    } else {
      guard let start = Timestamp(iso8601: text) else {
        throw ValidationError(
          "--billing-started-at: '\(text)' is not 'boot' or a time like 2026-12-02T09:00:00Z (ISO 8601 with a zone)")
      }
      seconds = now.since(start).secondsDouble
    }
    guard seconds >= 0 else {
      throw ValidationError("--billing-started-at: \(text) is in the future on this machine's clock")
    }
    guard seconds <= 86_400 else {
      throw ValidationError(
        "--billing-started-at: \(text) is more than a day ago; the coordinator counts at most a day before registration"
      )
    }
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }

  /// `--max-idle` as given, or the default for a paid or a free worker.
  static func maxIdle(_ text: String?, paid: Bool) -> Duration? {
    guard let text else { return paid ? paidMaxIdle : nil }
    return text == "off" ? nil : DurationText.parse(text)
  }

  /// Each slot's devices for `--gpus`; empty without it. Bad input names the flag.
  func gpuAssignment() throws -> [[String]] {
    guard let gpus else { return [] }
    let devices: [String]
    do {
      if gpus == "all" {
        guard let smi = ProcessControl.findInPath("nvidia-smi") else {
          throw WorkerFailure(
            exitCode: WorkerExitCode.badInput,
            message: "--gpus all: nvidia-smi is not on PATH, so the GPUs cannot be listed; name them, e.g. --gpus 0,1")
        }
        devices = GPUAssignment.devices(nvidiaSMIList: ProcessControl.output(of: [smi, "-L"]) ?? "")
        guard !devices.isEmpty else {
          throw WorkerFailure(
            exitCode: WorkerExitCode.badInput, message: "--gpus all: nvidia-smi -L lists no GPUs on this machine")
        }
      } else {
        devices = try GPUAssignment.devices(list: gpus)
      }
      return try GPUAssignment.slots(
        devices: devices, perTrial: gpusPerTrial, slots: slots ?? max(1, devices.count / gpusPerTrial))
    } catch let error as GPUAssignmentError {
      throw WorkerFailure(exitCode: WorkerExitCode.badInput, message: "--gpus: \(error.message)")
    }
  }
}
