import ArgumentParser
import CommandLineSupport

/// The admin's commands: specs checked and sampled offline, sweeps submitted and watched over
/// HTTP, results exported and analysed.
public enum AdminCommands {
  /// `validate`, `sample`: a spec on its own, no coordinator needed.
  public static let specCommands: [any ParsableCommand.Type] = [
    ValidateCommand.self, SampleCommand.self, DeployCommand.self,
  ]
  /// `submit`, `status`, `results`, `cancel`, `workers`: a running coordinator.
  public static let coordinatorCommands: [any ParsableCommand.Type] = [
    SubmitCommand.self, StatusCommand.self, ResultsCommand.self, ExtendCommand.self, CancelCommand.self,
    ResumeCommand.self,
    ArtifactsCommand.self, ReportCommand.self,
    WorkersCommand.self, BudgetCommand.self, JoinTokenCommand.self,
  ]
  /// `predict`, `analyze`: results from a coordinator or a file.
  public static let analysisCommands: [any ParsableCommand.Type] = [PredictCommand.self, AnalyzeCommand.self]
}
