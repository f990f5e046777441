import ArgumentParser
import CommandLineSupport
import Foundation
import Platform

/// `sweep worker-binary build`: the `sweep-worker` that rented boxes install, built with the
/// documented recipe (deploy/README.md) into `dist/sweep-worker-PLATFORM`, where `sweep serve`
/// finds it.
public struct WorkerBinaryCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "worker-binary",
    abstract: "Build the sweep-worker that rented boxes install (sweep serve serves it).",
    subcommands: [WorkerBinaryBuildCommand.self])

  public init() {}
}

struct WorkerBinaryBuildCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "build",
    abstract: "Build a sweep-worker for rented boxes into dist/sweep-worker-PLATFORM.",
    discussion: """
      On Linux: a release build with the Swift runtime linked in (--static-swift-stdlib), stripped: \
      it runs on glibc 2.35 and later (Ubuntu 22.04+) with nothing else installed. About 7 minutes \
      on 2 cores the first time, in its own scratch folder (.build-static) so the ordinary build is \
      kept. On a Mac: a release build for the Mac itself. --swift-sdk builds for another platform \
      with an installed Swift SDK (e.g. the Static Linux SDK, x86_64-swift-linux-musl, from a Mac). \
      sweep serve then serves every dist/sweep-worker-* by default.
      """)

  @Option(help: "The LoRASweep package to build (default: the current folder).") var packagePath: String = "."
  @Option(help: "Where the worker goes (default: dist/sweep-worker-PLATFORM in the package).") var output: String?
  @Option(help: "Build with this installed Swift SDK (swift sdk list), e.g. x86_64-swift-linux-musl.")
  var swiftSdk: String?
  @Flag(help: "Print the commands instead of running them.") var dryRun = false

  func run() async throws {
    let package = URL(fileURLWithPath: packagePath).standardizedFileURL.path
    let manifest = (try? String(contentsOfFile: package + "/Package.swift", encoding: .utf8)) ?? ""
    guard manifest.contains("\"sweep-worker\"") else {
      throw CLIError(
        .badInput,
        "--package-path: \(package) is not the LoRASweep package (no Package.swift with the sweep-worker product); run this in a clone of it"
      )
    }
    let plan = WorkerBuildPlan(package: package, swiftSDK: swiftSdk, linuxHost: WorkerBuildPlan.isLinuxHost)
    var out = StandardOutput()
    if dryRun {
      out.line(plan.build.shellQuoted)
      out.line("\(plan.binPath.shellQuoted)   # where the product is")
      out.line(plan.strip ? "strip -o OUTPUT PRODUCT" : "cp PRODUCT OUTPUT")
      out.flush()
      return
    }
    StandardOutput.error("building: \(plan.build.shellQuoted)")
    let status = ProcessControl.runShell(plan.build.shellQuoted)
    guard status == 0 else {
      throw CLIError(.runtime, "the build failed (exit \(status)); the compiler's messages are above")
    }
    guard let bin = ProcessControl.output(of: plan.binPath)?.trimmingCharacters(in: .whitespacesAndNewlines),
      !bin.isEmpty
    else {
      throw CLIError(.runtime, "cannot ask swift build where it put the product (\(plan.binPath.shellQuoted))")
    }
    let product = bin + "/sweep-worker"
    guard let platform = WorkerBinary.platform(ofFile: product) else {
      throw CLIError(.runtime, "\(product): not a Linux or macOS executable for x86_64 or arm64")
    }
    let destination = output ?? package + "/dist/sweep-worker-\(platform)"
    try? FileManager.default.createDirectory(
      atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path, withIntermediateDirectories: true)
    try? FileManager.default.removeItem(atPath: destination)
    let copied =
      plan.strip && ProcessControl.findInPath("strip") != nil
      ? ProcessControl.runShell(["strip", "-o", destination, product].shellQuoted) == 0
      : (try? FileManager.default.copyItem(atPath: product, toPath: destination)) != nil
    guard copied else { throw CLIError(.runtime, "cannot write \(destination)") }
    let binary: WorkerBinary
    do {
      binary = try WorkerBinary.load(destination)
    } catch {
      throw CLIError(.runtime, "\(destination): \(error)")
    }
    out.line(
      "built \(destination): \(binary.platform), \(String(format: "%.1f", Double(binary.bytes) / 1_000_000)) MB, sha256 \(binary.sha256)"
    )
    out.line("serve it: sweep serve --worker-binary \(destination)   (or from the package folder: sweep serve)")
    out.flush()
  }
}

/// The commands of a worker build, as values (tested without running a compiler).
struct WorkerBuildPlan: Equatable {
  var build: [String]
  /// `swift build … --show-bin-path`: where the product lands.
  var binPath: [String]
  /// Strip the product (Linux: a third of the size; a Mac's signed binary is left as it is).
  var strip: Bool

  init(package: String, swiftSDK: String?, linuxHost: Bool) {
    var arguments = ["swift", "build", "-c", "release", "--package-path", package, "--product", "sweep-worker"]
    if let swiftSDK {
      // An SDK build in a scratch folder of its own: switching targets in one folder rebuilds all.
      arguments += ["--swift-sdk", swiftSDK, "--scratch-path", package + "/.build-\(swiftSDK)"]
      strip = false
    } else if linuxHost {
      arguments += ["--static-swift-stdlib", "--scratch-path", package + "/.build-static"]
      strip = true
    } else {
      arguments += ["--scratch-path", package + "/.build-release"]
      strip = false
    }
    build = arguments
    binPath = arguments + ["--show-bin-path"]
  }

  static var isLinuxHost: Bool {
    #if os(Linux)
      true
    #else
      false
    #endif
  }
}

extension [String] {
  /// Words joined for `/bin/sh -c`, each quoted where the shell would read it otherwise.
  var shellQuoted: String {
    map { word in
      word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:+@".contains($0) }
        ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
  }
}
