// swift-tools-version:6.0
import Foundation
import PackageDescription

// libxsmm (Debian: libxsmm-dev) JIT-compiles kernels for the model's small per-step GEMMs; a build
// without it runs every product on OpenBLAS (docs/performance.md, "Small GEMMs").
// SPIKESAE_NO_LIBXSMM=1 builds without it even where it is installed.
let hasLibxsmm = ProcessInfo.processInfo.environment["SPIKESAE_NO_LIBXSMM"] != "1"
    && FileManager.default.fileExists(atPath: "/usr/include/libxsmm.h")
    && FileManager.default.fileExists(atPath: "/usr/lib/libxsmm.a")

let package = Package(
    name: "SpikeSAE",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spikesae", targets: ["spikesae"]),
        .library(name: "LFADS", targets: ["LFADS"]),
        .library(name: "Store", targets: ["Store"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-openmpi", providers: [.apt(["libhdf5-openmpi-dev"])]),
        // The names every module shares: metrics, selection rules, search methods, history columns.
        .target(name: "Vocabulary"),
        // SpikeSAE's own tiled GEMM kernel, and libxsmm's JIT kernels when this machine has libxsmm.
        // Optimised in debug builds too: at -O0 the kernel runs at a twentieth of its speed, and the
        // tests run debug builds of the whole model.
        .target(
            name: "CSmallGEMM",
            cSettings: [.unsafeFlags(["-O3"])] + (hasLibxsmm ? [.define("SPIKESAE_HAVE_LIBXSMM")] : []),
            linkerSettings: hasLibxsmm ? [.linkedLibrary("xsmm"), .linkedLibrary("dl"), .linkedLibrary("rt")] : []),
        // Numerics, model, loss and its gradients; no MPI or HDF5 here.
        .target(name: "LFADS", dependencies: ["CBLAS", "CSmallGEMM"]),
        // Named arrays and attributes in HDF5 files.
        .target(name: "Store", dependencies: ["CHDF5"]),
        // Adam, schedules, the epoch loop, posterior sampling and metrics; no I/O.
        .target(name: "Training", dependencies: ["Vocabulary", "LFADS", "CBLAS"]),
        // YAML run configs and --set overrides.
        .target(name: "Config", dependencies: ["Vocabulary", "LFADS", .product(name: "Yams", package: "Yams")]),
        // Random search and PBT across dataset sizes: subsets, sampling, the search state machine.
        .target(name: "Search", dependencies: ["Vocabulary", "LFADS", "Config"]),
        // Parameter files, datasets and outputs: the model's types in HDF5.
        .target(name: "ModelIO", dependencies: ["LFADS", "Store"]),
        // The training-step benchmark: step timing, SGEMM peak, FLOP count of lfads-model.md §11.
        .target(name: "Bench", dependencies: ["LFADS", "Training", "Config", "ModelIO", "CBLAS"]),
        // MPI: model groups, their Communicator, messages; the only module that imports CMPI.
        .target(name: "Cluster", dependencies: ["CMPI", "Training"]),
        // What train and eval do: run directories, checkpoints, outputs and metrics; the CLI only parses arguments.
        .target(name: "App", dependencies: ["Vocabulary", "LFADS", "Store", "ModelIO", "Training", "Config"]),
        // The search runner: the in-process search, the search worker, the session and results.h5.
        .target(name: "SearchRunner", dependencies: ["Vocabulary", "App", "LFADS", "Store", "ModelIO", "Training", "Config", "Search"]),
        // `spikesae report`: reads results.h5 files, writes CSV tables, SVG plots and an HTML page.
        .target(name: "Report", dependencies: ["Vocabulary", "Store"]),
        // The search under mpirun: coordinator and model groups over the Cluster layer.
        .target(name: "SearchMPI", dependencies: ["SearchRunner", "App", "Cluster", "Search", "Store", "Training", "LFADS"]),
        // Real recordings in: NLB-style NWB files binned and windowed as nlb_tools does.
        .target(name: "NLB", dependencies: ["Store"]),
        // Fixtures shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Vocabulary"]),
        .executableTarget(
            name: "spikesae",
            dependencies: [
                "LFADS", "ModelIO", "Training", "App", "SearchRunner", "Bench", "Cluster", "Report", "SearchMPI", "NLB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "LFADSTests", dependencies: ["LFADS", "Store", "ModelIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "LFADS"]),
        .testTarget(name: "ClusterTests", dependencies: ["TestSupport", "Cluster", "ModelIO", "Store"]),
        .testTarget(name: "AppTests", dependencies: ["TestSupport", "App", "SearchRunner", "ModelIO", "Store", "Config", "LFADS", "Training"]),
        .testTarget(name: "SearchRunnerTests", dependencies: ["TestSupport", "SearchRunner", "App", "Store", "Search", "Config", "LFADS"]),
        .testTarget(name: "ModelIOTests", dependencies: ["ModelIO", "Store", "LFADS"]),
        .testTarget(name: "ReportTests", dependencies: ["TestSupport", "Report", "Store", "App", "SearchRunner", "ModelIO", "Search", "Config"]),
        .testTarget(name: "NLBTests", dependencies: ["TestSupport", "NLB", "Store", "ModelIO", "App", "SearchRunner", "Training"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Config", "LFADS", "Training"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "LFADS"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "LFADS"]),
    ]
)
