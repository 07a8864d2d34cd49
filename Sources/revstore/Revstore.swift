import ArgumentParser
import Foundation
import Logging
import RevstoreEngine
import RevstoreJSONRPC
import RevstoreServer

@main
struct Revstore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revstore",
        abstract: "A versioned-state engine that speaks line-delimited JSON-RPC 2.0 on stdin/stdout.",
        discussion: """
            Spawn it beside your program and write one JSON-RPC request per line to its stdin;
            responses and event notifications come back one per line on stdout. Logs go to
            stderr only. The store is one SQLite file that several processes may share.

            Example:
              echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | revstore --memory
            """,
        version: RevstoreServer.version
    )

    @Option(name: .long, help: ArgumentHelp("The SQLite store file. Default: $REVSTORE_DB, else revstore.sqlite in the working directory.", valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Keep the store in memory; it is gone when the process exits.")
    var memory = false

    @Option(name: .long, help: ArgumentHelp("full: a commit survives a machine crash once acknowledged; normal: it survives a process crash.", valueName: "full|normal"))
    var durability: StoreConfiguration.Durability = .full

    @Option(name: .long, help: ArgumentHelp("Longer input lines are discarded and answered with -32600 (TOO_LARGE).", valueName: "bytes"))
    var maxMessageBytes: Int = 64 << 20

    @Option(name: .long, help: ArgumentHelp("How long a write waits for another process's lock before failing with BUSY.", valueName: "seconds"))
    var busyTimeout: Double = 30

    @Option(name: .long, help: ArgumentHelp("Log verbosity on stderr.", valueName: "trace|debug|info|notice|warning|error|critical"))
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024.") }
        guard busyTimeout >= 0 else { throw ValidationError("--busy-timeout must not be negative.") }
        if memory, db != nil { throw ValidationError("--memory and --db cannot be used together.") }
    }

    func run() throws {
        let protocolFD = ProcessPlumbing.prepare()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "revstore")

        let location: StoreConfiguration.Location
        if memory {
            location = .memory
        } else {
            location = .file(db ?? ProcessInfo.processInfo.environment["REVSTORE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "revstore.sqlite")
        }
        let store: Store
        do {
            store = try Store(StoreConfiguration(location: location, durability: durability, busyTimeout: busyTimeout))
        } catch {
            // One plain line, whatever --log-level says: the host shows it to a person.
            FileHandle.standardError.write(Data("revstore: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        if store.isReadOnly {
            logger.notice("the store is read-only: reads work, writes fail with STORAGE_ERROR", metadata: ["store": "\(store.path)"])
        }

        var transportOptions = StdioTransport.Options()
        transportOptions.maximumMessageBytes = maxMessageBytes
        let context = ServerContext(store: store, maximumMessageBytes: maxMessageBytes, logger: logger)
        let code = RevstoreServer.serve(context: context, inputFD: STDIN_FILENO, outputFD: protocolFD, transportOptions: transportOptions)
        Foundation.exit(code)
    }
}

extension StoreConfiguration.Durability: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
