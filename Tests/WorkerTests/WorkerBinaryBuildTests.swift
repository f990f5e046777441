import Foundation
import TestSupport
import Testing

/// `sweep worker-binary build` around the compiler: the recipe it runs, where the product goes,
/// stripped, and `sweep serve` serving it by default. The compiler is a stand-in here that puts
/// this build's `sweep-worker` where `swift build` would (the real static build takes about 7
/// minutes on 2 cores; it was run by hand, deploy/README.md has its figures).
@Suite(.serialized) struct WorkerBinaryBuildTests {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("worker-build-\(UUID().uuidString)")

  /// A package folder and a `swift` that records its arguments and copies the worker into place.
  func prepare(failing: Bool = false) throws -> [String: String] {
    let bin = folder.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    try #"products: [.executable(name: "sweep-worker", targets: ["sweep-worker"])]"#.write(
      to: folder.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
    let worker = CommandRunner.productsDirectory.appendingPathComponent("sweep-worker").path
    let script = """
      #!/bin/sh
      echo "$@" >> "\(folder.path)/swift.args"
      \(failing ? "echo 'error: something does not compile' >&2; exit 1" : "")
      scratch=""
      prev=""
      for a in "$@"; do
        if [ "$prev" = "--scratch-path" ]; then scratch=$a; fi
        prev=$a
      done
      case " $* " in
        *" --show-bin-path "*) echo "$scratch/release" ;;
        *) mkdir -p "$scratch/release" && cp "\(worker)" "$scratch/release/sweep-worker" ;;
      esac
      """
    let path = bin.appendingPathComponent("swift").path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
  }

  func build(_ environment: [String: String], _ extra: [String] = []) throws -> CommandRunner.Result {
    try CommandRunner.run(
      executable: CommandRunner.productsDirectory.appendingPathComponent("sweep").path,
      ["worker-binary", "build", "--package-path", folder.path] + extra, directory: folder.path,
      environment: environment)
  }

  @Test func theRecipeBuildsAStrippedWorkerIntoDistAndServeServesIt() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let environment = try prepare()
    let result = try build(environment)
    #expect(result.status == 0, "\(result.stderr)")
    let args = try String(contentsOf: folder.appendingPathComponent("swift.args"), encoding: .utf8)
    #expect(
      args.contains("build -c release --package-path \(folder.path) --product sweep-worker --static-swift-stdlib"))
    #expect(args.contains("--scratch-path \(folder.path)/.build-static"))
    let built = folder.appendingPathComponent("dist/sweep-worker-linux-x86_64").path
    #expect(result.stdout.contains("built \(built): linux-x86_64"), "\(result.stdout)")
    let original = CommandRunner.productsDirectory.appendingPathComponent("sweep-worker").path
    let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
    #expect(size(built) > 0 && size(built) < size(original), "stripped: \(size(built)) of \(size(original))")
    #expect(try CommandRunner.run(executable: built, ["--help"], directory: "/").status == 0)

    // sweep serve, started in the package folder, serves it without being told.
    let serve = try ServeProcess(directory: folder)
    defer { serve.stop(signal: SIGKILL) }
    #expect(serve.log.contains("GET /install.sh serves dist/sweep-worker-linux-x86_64"), "\(serve.log)")
  }

  @Test func aFailedBuildOrAFolderThatIsNotThePackageSaysSo() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let failing = try build(try prepare(failing: true))
    #expect(failing.status == 1 && failing.stderr.contains("the build failed (exit 1)"), "\(failing.stderr)")
    #expect(failing.stderr.contains("something does not compile"))
    try FileManager.default.removeItem(at: folder.appendingPathComponent("Package.swift"))
    let elsewhere = try build([:])
    #expect(elsewhere.status == 2 && elsewhere.stderr.contains("is not the LoRASweep package"), "\(elsewhere.stderr)")
  }
}
