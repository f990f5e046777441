import Foundation
import Platform

/// A real single-node Slurm cluster (Debian `slurm-wlm` and `munge`, as root), with its own
/// configuration, state and logs in a temporary folder: munged (unless one already answers),
/// slurmctld and slurmd. Commands reach it through `SLURM_CONF`.
public final class SlurmCluster {
  public let directory: URL
  public var configuration: String { directory.appendingPathComponent("slurm.conf").path }
  public var environment: [String: String] { ["SLURM_CONF": configuration] }
  private var startedMunge = false

  /// Why a cluster could not start, with what the sandbox said.
  public struct Unavailable: Error, CustomStringConvertible {
    public var description: String
  }

  public init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-\(UUID().uuidString.prefix(8))")
    for sub in ["state", "spool", "log"] {
      try FileManager.default.createDirectory(
        at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
    }
    for program in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"]
    where !FileManager.default.isExecutableFile(atPath: program) {
      throw Unavailable(description: "\(program) is missing: apt-get install slurm-wlm munge (.ci/run does)")
    }
    if try run("/bin/sh", ["-c", "munge -n | unmunge >/dev/null"]).status != 0 {
      _ = try run("/bin/sh", ["-c", "mkdir -p /run/munge && chown munge:munge /run/munge"])
      let munged = try run("/usr/sbin/runuser", ["-u", "munge", "--", "/usr/sbin/munged"])
      guard munged.status == 0 else { throw Unavailable(description: "munged refused to start: \(munged.stderr)") }
      startedMunge = true
    }
    let host = try run("/bin/hostname", ["-s"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let path = directory.path
    try """
    ClusterName=lorasweep
    SlurmctldHost=\(host)
    SlurmUser=root
    SlurmdUser=root
    AuthType=auth/munge
    ProctrackType=proctrack/pgid
    TaskPlugin=task/none
    JobAcctGatherType=jobacct_gather/none
    SelectType=select/cons_tres
    SelectTypeParameters=CR_Core
    StateSaveLocation=\(path)/state
    SlurmdSpoolDir=\(path)/spool
    SlurmctldLogFile=\(path)/log/slurmctld.log
    SlurmdLogFile=\(path)/log/slurmd.log
    SlurmctldPidFile=\(path)/slurmctld.pid
    SlurmdPidFile=\(path)/slurmd.pid
    ReturnToService=2
    NodeName=\(host) CPUs=\(ProcessInfo.processInfo.activeProcessorCount) State=UNKNOWN
    PartitionName=debug Nodes=\(host) Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4

    """.write(toFile: configuration, atomically: true, encoding: .utf8)
    for daemon in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd"] {
      let started = try run(daemon, ["-f", configuration])
      guard started.status == 0 else {
        stop()
        throw Unavailable(description: "\(daemon) refused to start: \(started.stderr)\(log())")
      }
    }
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      if try run("/usr/bin/sinfo", ["-h", "-o", "%t"]).stdout.contains("idle") { return }
      Thread.sleep(forTimeInterval: 0.25)
    }
    stop()
    throw Unavailable(description: "the node never became idle\(log())")
  }

  /// Runs a Slurm command (or any program) against this cluster.
  @discardableResult
  public func run(_ program: String, _ arguments: [String], extra: [String: String] = [:]) throws
    -> CommandRunner.Result
  {
    try CommandRunner.run(
      executable: program, arguments, directory: directory.path,
      environment: environment.merging(extra) { _, new in new })
  }

  public func log() -> String {
    let read = { (name: String) in
      (try? String(contentsOf: self.directory.appendingPathComponent("log/\(name)"), encoding: .utf8)) ?? ""
    }
    return "\nslurmctld: \(read("slurmctld.log").suffix(1500))\nslurmd: \(read("slurmd.log").suffix(1500))"
  }

  /// Cancels every job, shuts the daemons down and stops the munged it started.
  public func stop() {
    _ = try? run("/usr/bin/scancel", ["--user=root"])
    _ = try? run("/usr/bin/scontrol", ["shutdown"])
    Thread.sleep(forTimeInterval: 1)
    for pidFile in ["slurmd.pid", "slurmctld.pid"] {
      if let text = try? String(contentsOf: directory.appendingPathComponent(pidFile), encoding: .utf8),
        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
      {
        ProcessControl.signal(pid, SIGKILL)
      }
    }
    if startedMunge { _ = try? run("/usr/bin/pkill", ["-x", "munged"]) }
  }

  public func cleanUp() {
    stop()
    try? FileManager.default.removeItem(at: directory)
  }
}
