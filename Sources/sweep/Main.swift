import Coordinator

@main
struct Main {
  static func main() async { await SweepCommand.runMain() }
}
