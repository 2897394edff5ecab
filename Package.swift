// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Cotangent",
    products: [
        .library(name: "Cotangent", targets: ["Cotangent"]),
        .executable(name: "cotangent", targets: ["CotangentCLI"]),
        .executable(name: "cotangent-bench", targets: ["CotangentBench"]),
    ],
    dependencies: [
        // Real-number elementary and special functions (erf, logGamma, …) for every float dtype.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // Vector math (libmvec, found at run time) for the elementwise kernels' transcendentals.
        .target(name: "CVectorMath"),
        .target(
            name: "Cotangent",
            dependencies: ["CVectorMath", .product(name: "RealModule", package: "swift-numerics")]
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
