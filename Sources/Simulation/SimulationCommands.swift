import ArgumentParser
import CommandLineSupport
import Coordinator

/// `sweep simulate` and `sweep plan`: a sweep on a simulated fleet, before renting anything.
public enum SimulationCommands {
  public static let subcommands: [any ParsableCommand.Type] = [SimulateCommand.self, PlanCommand.self]
}
