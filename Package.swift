// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "LoRASweep",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "sweep", targets: ["sweep"]),
    .executable(name: "sweep-worker", targets: ["sweep-worker"]),
    .library(name: "Shared", targets: ["Shared"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
  ],
  targets: [
    // Pure domain: spec, space, samplers, shards, ledger. No I/O.
    .target(name: "Shared"),
    // The operating system, split by file per OS: spawning in a process group, signals, pipes and
    // descriptors, the environment, the executable's own path, durable sync, exit. Nothing else
    // names Glibc or Darwin (`.ci/platform-check`).
    .target(name: "Platform"),
    // Reading spec text: YAML through Yams (which imports Foundation), JSON through Shared's reader.
    // Kept apart so that the worker, which never reads specs, links no Foundation.
    .target(
      name: "SpecReading",
      dependencies: ["Shared", .product(name: "Yams", package: "Yams")]
    ),
    // The reference LoRA trainer: a small pretrained MLP adapted per synthetic domain. Pure
    // computation; the worker runs it as a trial, the strategy study as its ground truth.
    .target(name: "ReferenceTraining", dependencies: ["Shared"]),
    // What every `sweep` command shares: errors with exit codes, output, spec files, tables,
    // flags from the environment, the tokens file.
    .target(
      name: "CommandLineSupport",
      dependencies: [
        "Shared", "SpecReading", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The coordinator server: the scheduler, its stores (SQLite; memory for simulations), the HTTP
    // API, the services, and `sweep serve`.
    .target(
      name: "Coordinator",
      dependencies: [
        "Shared", "SpecReading", "CommandLineSupport", "Platform",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HummingbirdTLS", package: "hummingbird"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
      ]
    ),
    // The admin's commands: validate and sample specs; submit, watch, export, cancel over HTTP;
    // predict and analyze results.
    .target(
      name: "AdminCLI",
      dependencies: [
        "Shared", "SpecReading", "CommandLineSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // The fleet simulator, `sweep simulate`/`plan`, and the strategy study: the server's
    // scheduler on virtual time.
    .target(
      name: "Simulation",
      dependencies: [
        "Coordinator", "Shared", "SpecReading", "ReferenceTraining", "CommandLineSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Worker library: the agent that runs trials.
    .target(
      name: "Worker",
      dependencies: [
        "Shared", "ReferenceTraining", "Platform",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // `sweep fleet`: boxes rented and given back as a sweep's deadline and budget need, planned by
    // the simulator against what the coordinator reports.
    .target(
      name: "FleetControl",
      dependencies: [
        "Shared", "SpecReading", "CommandLineSupport", "Coordinator", "AdminCLI", "Simulation", "Platform",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // The `sweep` command line: coordinator commands, the demo and the worker in one binary.
    .target(
      name: "SweepCLI",
      dependencies: [
        "Coordinator", "AdminCLI", "Simulation", "FleetControl", "CommandLineSupport", "Worker", "Platform", "Shared",
        "SpecReading",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(name: "sweep", dependencies: ["SweepCLI"]),
    .executableTarget(name: "sweep-worker", dependencies: ["Worker"]),
    .testTarget(
      name: "SharedTests",
      dependencies: [
        "Shared", "SpecReading",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    // Helpers the test targets share: run the built binaries, start a real `sweep serve`.
    .target(name: "TestSupport", dependencies: ["Platform"], path: "Tests/TestSupport"),
    .testTarget(
      name: "CoordinatorTests",
      dependencies: [
        "Coordinator", "Simulation", "AdminCLI", "CommandLineSupport", "Shared", "SpecReading", "TestSupport",
        "LoadGeneration",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "Yams", package: "Yams"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "X509", package: "swift-certificates"),
      ]
    ),
    // Simulated workers for load: many lightweight HTTP clients in one process.
    .target(
      name: "LoadGeneration",
      dependencies: ["Shared", .product(name: "AsyncHTTPClient", package: "async-http-client")],
      path: "Benchmarks/LoadGeneration"
    ),
    // `sweep-bench`: the benchmarks of docs/performance.md (build with -c release).
    .executableTarget(
      name: "sweep-bench",
      dependencies: [
        "Coordinator", "Simulation", "Shared", "SpecReading", "LoadGeneration", "TestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ],
      path: "Benchmarks/SweepBench"
    ),
    // The chaos harness: real processes under seeded faults (kill, pause, partition, replay).
    .target(
      name: "ChaosHarness",
      dependencies: ["Shared", "TestSupport", "Platform", .product(name: "GRDB", package: "GRDB.swift")],
      path: "Tests/Chaos/Harness"
    ),
    .executableTarget(
      name: "sweep-chaos",
      dependencies: ["ChaosHarness", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Tests/Chaos/Main"
    ),
    .testTarget(
      name: "WorkerTests",
      dependencies: [
        "Worker", "ReferenceTraining", "Coordinator", "Simulation", "SweepCLI", "FleetControl", "Shared", "TestSupport",
        "ChaosHarness",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
