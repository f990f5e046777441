import Foundation

@main
struct Main {
  static func main() {
    FileHandle.standardError.write(Data("sweep-worker: the worker agent is not built yet\n".utf8))
    exit(1)
  }
}
