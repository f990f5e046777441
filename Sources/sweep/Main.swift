import SweepCLI

@main
struct Main {
  static func main() async { await SweepRootCommand.runMain() }
}
