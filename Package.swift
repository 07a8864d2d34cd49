// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Revstore",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "revstore", targets: ["revstore"]),
        .library(name: "RevstoreEngine", targets: ["RevstoreEngine"]),
        .library(name: "RevstoreJSON", targets: ["RevstoreJSON"]),
        .library(name: "RevstoreJSONRPC", targets: ["RevstoreJSONRPC"]),
        .library(name: "RevstoreServer", targets: ["RevstoreServer"]),
        .library(name: "RevstoreMCP", targets: ["RevstoreMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // JSON values: a strict byte-level parser, a canonical writer, and Codable bridges.
        .target(name: "RevstoreJSON"),
        // Line framing, JSON-RPC 2.0 messages and dispatch over a byte stream.
        // Knows nothing of Revstore.
        .target(
            name: "RevstoreJSONRPC",
            dependencies: ["RevstoreJSON", .product(name: "Logging", package: "swift-log")]
        ),
        // The versioned store on SQLite. Knows nothing of JSON-RPC.
        .target(
            name: "RevstoreEngine",
            dependencies: ["RevstoreJSON", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Binds protocol methods (one file each) to the engine.
        .target(
            name: "RevstoreServer",
            dependencies: [
                "RevstoreEngine",
                "RevstoreJSON",
                "RevstoreJSONRPC",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Revstore as an MCP memory server (`revstore mcp`), on the same JSON-RPC layer and engine.
        .target(
            name: "RevstoreMCP",
            dependencies: [
                "RevstoreEngine",
                "RevstoreJSON",
                "RevstoreJSONRPC",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "revstore",
            dependencies: [
                "RevstoreServer",
                "RevstoreMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RevstoreJSONTests", dependencies: ["RevstoreJSON"]),
        .testTarget(name: "RevstoreJSONRPCTests", dependencies: ["RevstoreJSON", "RevstoreJSONRPC"]),
        .testTarget(name: "RevstoreEngineTests", dependencies: ["RevstoreEngine", "RevstoreJSON"]),
        .testTarget(
            name: "RevstoreServerTests",
            dependencies: ["RevstoreServer", "RevstoreJSON", "RevstoreJSONRPC", "RevstoreEngine"]
        ),
    ]
)
