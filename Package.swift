// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Cotangent",
    // Linux needs no declaration. On Apple platforms the library needs the `Synchronization`
    // module (`Mutex`, `Atomic`), first in macOS 15 / iOS 18.
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "Cotangent", targets: ["Cotangent"]),
        .executable(name: "cotangent", targets: ["CotangentCLI"]),
        .executable(name: "cotangent-bench", targets: ["CotangentBench"]),
        .executable(name: "cotangent-fuzz", targets: ["CotangentFuzz"]),
    ],
    traits: [
        .trait(
            name: "OpenBLAS",
            description: "Compute float32/float64 matrix products with the system OpenBLAS (cblas_sgemm/dgemm, "
                + "gemv) instead of the built-in Swift kernel. Needs libopenblas-dev (pkg-config openblas)."),
        // The default build has no system dependency.
        .default(enabledTraits: []),
    ],
    dependencies: [
        // Real-number elementary and special functions (erf, logGamma, …) for every float dtype.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // `swift package generate-documentation`: the DocC catalog in Sources/Cotangent/Cotangent.docc
        // (a command plugin; nothing of it is linked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The `cotangent` command line: subcommands, options, help text and exit codes.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Built and linked only when the OpenBLAS trait is enabled.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        // Vector math (libmvec, found at run time) for the elementwise kernels' transcendentals.
        .target(name: "CVectorMath"),
        // The layers, bottom to top. Each target may import only the ones above it in this list,
        // so the compiler enforces the direction data takes (see ARCHITECTURE.md).
        // 1. Arrays: dtypes, static types, NDArray and the array kernels. No graph types.
        .target(
            name: "CotangentArrays",
            dependencies: [
                "CVectorMath",
                .product(name: "RealModule", package: "swift-numerics"),
                .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
            ]
        ),
        // 2. Graph core: Variable, Apply, the Op protocol with its derivative-rule types,
        //    FunctionGraph and traversals, errors.
        .target(name: "CotangentGraph", dependencies: ["CotangentArrays"]),
        // 3. Ops with their kernels, shapes, derivative and batching rules; the differentiation
        //    drivers (grad, pullback, pushforward, jacobian) that those rules call back into.
        .target(
            name: "CotangentOps",
            dependencies: ["CotangentGraph", .product(name: "RealModule", package: "swift-numerics")]),
        // 4. Rewriting: the tagged database, drivers, ShapeFeature, merge, fusion and the rewrites.
        .target(name: "CotangentRewriting", dependencies: ["CotangentOps"]),
        // 5. Engine: compile (rewrite + schedule), run, eval, shared variables' updates.
        .target(name: "CotangentEngine", dependencies: ["CotangentRewriting"]),
        // 6. Export: graphs as StableHLO modules for XLA (rewritten, then lowered op by op with
        //    each op's own rule), with Shardy shardings over a device mesh.
        .target(name: "CotangentExport", dependencies: ["CotangentRewriting"]),
        // 7. The umbrella users import: re-exports the layers, adds printing and verifyGrad.
        .target(name: "Cotangent", dependencies: ["CotangentEngine", "CotangentExport"]),
        .executableTarget(
            name: "CotangentCLI",
            dependencies: ["Cotangent", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "CotangentBench", dependencies: ["Cotangent"]),
        // The differential fuzzer (random graphs, checks without an outside oracle, shrinking),
        // used by `cotangent-fuzz` and by the test suite's fixed budget.
        .target(name: "CotangentFuzzing", dependencies: ["Cotangent", "CotangentGraph"]),
        .executableTarget(name: "CotangentFuzz", dependencies: ["CotangentFuzzing"]),
        .testTarget(
            name: "CotangentTests",
            dependencies: [
                "Cotangent", "CotangentCLI", "CotangentArrays", "CotangentGraph", "CotangentOps",
                "CotangentRewriting", "CotangentEngine", "CotangentExport", "CotangentFuzzing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // Tests written as a user writes code: `import Cotangent` only, no `@testable`, so they
        // fail to compile if something they use is not public.
        .testTarget(name: "CotangentUserTests", dependencies: ["Cotangent"]),
    ],
    swiftLanguageModes: [.v6]
)
