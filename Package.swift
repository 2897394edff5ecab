// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Cotangent",
    products: [
        .library(name: "Cotangent", targets: ["Cotangent"]),
        .executable(name: "cotangent", targets: ["CotangentCLI"]),
        .executable(name: "cotangent-bench", targets: ["CotangentBench"]),
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
    ],
    targets: [
        // Built and linked only when the OpenBLAS trait is enabled.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        // Vector math (libmvec, found at run time) for the elementwise kernels' transcendentals.
        .target(name: "CVectorMath"),
        .target(
            name: "Cotangent",
            dependencies: [
                "CVectorMath",
                .product(name: "RealModule", package: "swift-numerics"),
                .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
            ]
        ),
        .executableTarget(name: "CotangentCLI", dependencies: ["Cotangent"]),
        .executableTarget(name: "CotangentBench", dependencies: ["Cotangent"]),
        .testTarget(
            name: "CotangentTests",
            dependencies: ["Cotangent"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
