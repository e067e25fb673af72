// swift-tools-version: 6.0
import PackageDescription

/// One set of settings for every target: Swift 6 language mode (strict concurrency).
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "preload",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "preload", targets: ["preload"]),
        /// The pure policy core: domain names, RFC 8461/8460 parsers, MX matching, list format v1.
        .library(name: "PreloadCore", targets: ["PreloadCore"]),
        /// The MTA-side client: verified lists, MTA-STS merge, Postfix maps.
        .library(name: "PreloadClient", targets: ["PreloadClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // MARK: C libraries (Debian -dev packages), one thin wrapper module each.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        // libunbound.pc requires libevent/nettle .pc files it does not depend on; headers are in /usr/include.
        .systemLibrary(name: "CUnbound", providers: [.apt(["libunbound-dev"])]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),

        // MARK: Pure core (no I/O, no C).
        .target(name: "PreloadCore", swiftSettings: settings),
        .target(name: "PreloadChecker", dependencies: ["PreloadCore"], swiftSettings: settings),

        /// File-system primitives (flock lock, atomic write) and the blocking executor.
        .target(name: "PreloadSystem", swiftSettings: settings),

        // MARK: Wrappers over the C libraries.
        .target(name: "PreloadIDNA", dependencies: ["PreloadCore", "CIDN2"], swiftSettings: settings),
        .target(name: "PreloadDNS", dependencies: ["PreloadCore", "CUnbound"], swiftSettings: settings),
        /// OpenSSL's one error-translation point, shared by the SMTP probe and list signing.
        .target(name: "PreloadOpenSSL", dependencies: ["COpenSSL"], swiftSettings: settings),
        .target(
            name: "PreloadSMTPProbe", dependencies: ["PreloadCore", "PreloadSystem", "PreloadOpenSSL", "COpenSSL"],
            swiftSettings: settings),
        .target(
            name: "PreloadSigning", dependencies: ["PreloadCore", "PreloadOpenSSL", "COpenSSL"], swiftSettings: settings),
        .target(name: "PreloadHTTP", dependencies: ["PreloadCore", "PreloadSystem", "CCurl"], swiftSettings: settings),
        .target(
            name: "PreloadMail", dependencies: ["PreloadCore", "PreloadSystem", "PreloadHTTP", "CCurl"],
            swiftSettings: settings),
        .target(name: "PreloadGit", dependencies: ["PreloadCore", "PreloadSystem", "CGit2"], swiftSettings: settings),

        // MARK: State, curation, client.
        .target(
            name: "PreloadState",
            dependencies: [
                "PreloadCore", "PreloadCuration", "PreloadSystem", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: settings),
        /// The curation state in PostgreSQL (`--state postgres://…`): the second CurationStore, for state shared
        /// by several machines (cooperating validators, service replicas).
        .target(
            name: "PreloadPostgres",
            dependencies: [
                "PreloadCore", "PreloadCuration", "PreloadSystem",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),
        .target(
            name: "PreloadCuration",
            dependencies: [
                "PreloadCore", "PreloadChecker", "PreloadSigning", "PreloadGit", "PreloadMail", "PreloadSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"], swiftSettings: settings),
        .target(
            name: "PreloadClient",
            dependencies: [
                "PreloadCore", "PreloadSigning", "PreloadGit", "PreloadSystem",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: settings),
        /// The live adapters: the checker's and the client's network ports served by the wrappers.
        .target(
            name: "PreloadNetwork",
            dependencies: [
                "PreloadCore", "PreloadSystem", "PreloadChecker", "PreloadClient", "PreloadSigning", "PreloadDNS", "PreloadSMTPProbe",
                "PreloadHTTP", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),
        .target(
            name: "PreloadSocketmap",
            dependencies: [
                "PreloadCore", "PreloadClient", "PreloadSystem",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: settings),

        /// `preload serve`: the curation service (JSON API v1, the published list, metrics, web page) on SwiftNIO.
        .target(
            name: "PreloadService",
            dependencies: [
                "PreloadCore", "PreloadChecker", "PreloadCuration", "PreloadIDNA", "PreloadSigning", "PreloadSocketmap",
                "PreloadOpenSSL", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: settings),

        // MARK: The command line.
        .executableTarget(
            name: "preload",
            dependencies: [
                "PreloadCore", "PreloadChecker", "PreloadSystem", "PreloadIDNA", "PreloadSigning", "PreloadMail",
                "PreloadGit", "PreloadNetwork", "PreloadState", "PreloadPostgres", "PreloadCuration", "PreloadClient",
                "PreloadSocketmap", "PreloadService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),
        /// Benchmark driver for `tools/bench/publish-verify` and `tools/bench/validate-all` (not installed).
        .executableTarget(
            name: "preload-bench",
            dependencies: ["PreloadCore", "PreloadSigning", "PreloadGit", "PreloadClient", "PreloadCuration", "PreloadState"],
            swiftSettings: settings),

        // MARK: Tests (Swift Testing).
        /// What the test targets share: one test clock, one seeded generator, one binary locator and process
        /// runner, one test-bed loader, one skip policy, loopback clients, issue codes as string literals, and
        /// the signed lists of the list verifier's tests.
        .target(
            name: "PreloadTesting", dependencies: ["PreloadCore", "PreloadSigning"], path: "Tests/PreloadTesting",
            swiftSettings: settings),
        .testTarget(
            name: "PreloadCoreTests", dependencies: ["PreloadCore", "PreloadIDNA", "PreloadTesting"],
            resources: [.copy("Fixtures")], swiftSettings: settings),
        .testTarget(name: "PreloadCheckerTests", dependencies: ["PreloadChecker", "PreloadTesting"], swiftSettings: settings),
        /// The pure parts of the wrappers: DNS RDATA, SMTP replies, keys, signatures, allowed signers (no network,
        /// no files, no other programs).
        .testTarget(
            name: "PreloadWrapperTests", dependencies: ["PreloadCore", "PreloadDNS", "PreloadSMTPProbe", "PreloadSigning", "PreloadTesting"],
            swiftSettings: settings),
        .testTarget(
            name: "PreloadCurationTests",
            dependencies: [
                "PreloadCore", "PreloadChecker", "PreloadSystem", "PreloadState", "PreloadPostgres", "PreloadCuration",
                "PreloadTesting",
            ],
            swiftSettings: settings),
        .testTarget(
            name: "PreloadClientTests",
            dependencies: [
                "PreloadClient", "PreloadNetwork", "PreloadSigning", "PreloadSocketmap", "PreloadCore", "PreloadTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: settings),
        /// The service's pure parts: request bodies (JSON and forms), the HTTP/1.1 request reader; the HTTP server on loopback.
        .testTarget(name: "PreloadServiceTests", dependencies: ["PreloadService", "PreloadTesting", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: settings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "PreloadCore", "PreloadChecker", "PreloadSystem", "PreloadDNS", "PreloadOpenSSL", "PreloadSMTPProbe",
                "PreloadSigning", "PreloadHTTP", "PreloadMail", "PreloadGit", "PreloadNetwork", "PreloadState", "PreloadPostgres",
                "PreloadCuration",
                "PreloadClient", "PreloadSocketmap", "PreloadTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),
    ]
)
