import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep cancel SWEEP`.
struct CancelCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cancel", abstract: "Cancel a sweep: no new leases; running trials are told to stop.")

  @Argument(help: "The sweep id.") var sweep: String
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let client = try admin.client()
    let status = try client.decode(SweepStatus.self, try await client.send(.POST, "/v1/sweeps/\(sweep)/cancel"))
    var out = StandardOutput()
    out.line(
      "\(status.id) \(status.state.rawValue): spent $\(status.spentUsd.micros.decimalString) of $\(status.budgetUsd.micros.decimalString)"
    )
    out.flush()
  }
}

/// `sweep resume SWEEP`: a sweep that paused itself (every attempt failed the same way) continues.
struct ResumeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume",
    abstract: "Resume a sweep that paused itself because its attempts all failed the same way (fix the command first).")

  @Argument(help: "The sweep id.") var sweep: String
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let client = try admin.client()
    let status = try client.decode(SweepStatus.self, try await client.send(.POST, "/v1/sweeps/\(sweep)/resume"))
    var out = StandardOutput()
    out.line("\(status.id) \(status.state.rawValue): workers take its trials again")
    out.flush()
  }
}
