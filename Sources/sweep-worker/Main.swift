import Worker

@main
struct Main {
  static func main() async { await WorkerCommand.runMain() }
}
