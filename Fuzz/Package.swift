// swift-tools-version:6.1
// Coverage-guided fuzz targets (libFuzzer) for the server's input handling. Each target checks
// properties on every input, not only that nothing crashes. Built and run by `make fuzz` (and
// briefly by `make test`), with the seed corpus in Corpus/<target>.
import PackageDescription

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "RevstoreFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "Revstore", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        // The JSON parser and writer: parse, write, parse again.
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "RevstoreJSON", package: "Revstore")],
                          swiftSettings: fuzzer),
        // The line framer: the same lines however the bytes are split into reads.
        .executableTarget(name: "FuzzFramer", dependencies: ["FuzzSupport", .product(name: "RevstoreJSONRPC", package: "Revstore")],
                          swiftSettings: fuzzer),
        // Merge patch and JSON Patch: a computed patch rebuilds its target; any patch fails cleanly.
        .executableTarget(name: "FuzzPatch", dependencies: ["FuzzSupport", .product(name: "RevstoreJSON", package: "Revstore")],
                          swiftSettings: fuzzer),
        // The query compiler, through SQLite in memory: a clean answer or INVALID_ARGUMENT, and
        // answers that agree with each other.
        .executableTarget(name: "FuzzQuery", dependencies: ["FuzzSupport", .product(name: "RevstoreEngine", package: "Revstore"),
                                                            .product(name: "RevstoreJSON", package: "Revstore")],
                          swiftSettings: fuzzer),
    ]
)
