// swift-tools-version:6.0
// Strata: layer-aware parameter-efficient tuning of Llama-family models (see README.md).
import PackageDescription

// Plugins are compiled by the host without linking Compute/PluginAPI; their symbols resolve
// against the host at dlopen time, so every executable that links PluginAPI exports its symbols.
let exportDynamic: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "--export-dynamic"])]

// Numerical code is written for the optimiser; Swift 5 language mode keeps the tensor classes
// (shared mutable buffers handed to OpenBLAS and parallel loops) free of Sendable ceremony.
let languageModes: [SwiftLanguageMode] = [.v5]

let package = Package(
    name: "Strata",
    products: [
        .executable(name: "strata", targets: ["Host"]),
        .executable(name: "strata-bench", targets: ["StrataBench"]),
        .library(name: "Compute", targets: ["Compute"]),
        .library(name: "PluginAPI", targets: ["PluginAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEdit", path: "Sources/CEdit",
                       pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CFFI", path: "Sources/CFFI",
                       pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
        // AVX2/FMA block kernels in C, chosen at run time (Swift has no per-function CPU targets).
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Compute", dependencies: ["COpenBLAS", "CKernels"],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"])]),
        .target(name: "PluginAPI", dependencies: ["Compute"], linkerSettings: exportDynamic),
        .executableTarget(name: "Host", dependencies: [
            "Compute", "PluginAPI", "CEdit", "CFFI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "StrataBench", dependencies: [
            "Compute", "COpenBLAS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "bench/StrataBench"),
        .testTarget(name: "ComputeTests", dependencies: ["Compute"]),
        .testTarget(name: "PluginAPITests", dependencies: ["PluginAPI", "Compute"]),
        .testTarget(name: "HostTests", dependencies: ["Host", "PluginAPI", "Compute"]),
    ],
    swiftLanguageModes: languageModes
)
