import ArgumentParser
import Foundation
import Logging
import RevstoreEngine
import RevstoreJSONRPC
import RevstoreMCP
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
            `revstore` alone is `revstore serve`.

            Example:
              echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | revstore --memory
            """,
        version: RevstoreServer.version,
        subcommands: [
            Serve.self, MCP.self, Call.self, Sessions.self, Log.self, Show.self, Diff.self, History.self, Branches.self, Tags.self,
            Stats.self, Compact.self, Vacuum.self, Check.self, Export.self, Import.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Where the store is and how it is opened; every command takes these.
struct StoreOptions: ParsableArguments {
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

    @Option(name: .long, help: ArgumentHelp("How long one read may run before it fails with TIMEOUT (-32011); 0 for no limit.", valueName: "seconds"))
    var readTimeout: Double = 30

    @Option(name: .long, help: ArgumentHelp("Log verbosity on stderr.", valueName: "trace|debug|info|notice|warning|error|critical"))
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024.") }
        guard busyTimeout >= 0 else { throw ValidationError("--busy-timeout must not be negative.") }
        guard readTimeout >= 0 else { throw ValidationError("--read-timeout must not be negative.") }
        if memory, db != nil { throw ValidationError("--memory and --db cannot be used together.") }
    }

    /// The options that change how a server serves, as arguments: what a shared server is
    /// started with, and what hosts must agree on to share one.
    var servingArguments: [String] {
        ["--durability", durability.rawValue, "--max-message-bytes", String(maxMessageBytes), "--busy-timeout", String(busyTimeout),
         "--read-timeout", String(readTimeout), "--log-level", logLevel.rawValue]
    }

    /// The store file these options name (nil for --memory).
    var filePath: String? {
        memory ? nil : db ?? ProcessInfo.processInfo.environment["REVSTORE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "revstore.sqlite"
    }

    var transportOptions: StdioTransport.Options {
        var options = StdioTransport.Options()
        options.maximumMessageBytes = maxMessageBytes
        return options
    }

    /// Sets up logging to stderr and opens the store; a store that cannot be opened ends the
    /// process with one line naming the path and the cause.
    func open() throws -> (store: Store, logger: Logger) {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "revstore")
        let location: StoreConfiguration.Location = filePath.map { .file($0) } ?? .memory
        do {
            let store = try Store(StoreConfiguration(location: location, durability: durability, busyTimeout: busyTimeout,
                                                     readTimeout: readTimeout > 0 ? readTimeout : nil))
            if store.isReadOnly {
                logger.notice("the store is read-only: reads work, writes fail with STORAGE_ERROR", metadata: ["store": "\(store.path)"])
            }
            return (store, logger)
        } catch {
            // One plain line, whatever --log-level says: the host shows it to a person.
            FileHandle.standardError.write(Data("revstore: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// For a server on stdio: moves the protocol's stdout aside (so nothing else can reach it),
    /// then opens the store.
    func startServing() throws -> (store: Store, logger: Logger, protocolFD: Int32) {
        let protocolFD = ProcessPlumbing.prepare()
        let (store, logger) = try open()
        return (store, logger, protocolFD)
    }
}

extension Revstore {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the Revstore protocol on stdin/stdout (the default command).",
            discussion: """
                With --shared, every process that opens the same store file with the same options
                shares one server: each hands its stdin and stdout to it and waits, and the server
                serves them directly. Their writes then share commits instead of taking turns at the
                file's lock. The shared server closes the store and exits when its last host is done.

                Examples:
                  echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | revstore serve --memory
                  echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | revstore serve --shared --db app.sqlite
                """
        )

        @OptionGroup var options: StoreOptions

        @Flag(name: .long, help: "Share one server with every other process that opens this store file with --shared.")
        var shared = false

        /// Set on the shared server itself, which a process started with --shared starts.
        @Flag(name: .customLong("shared-server"), help: .hidden)
        var sharedServer = false

        /// The server's lock, taken by the process that starts it and inherited as this descriptor.
        @Option(name: .customLong("lock-fd"), help: .hidden)
        var lockFD: Int32?

        func validate() throws {
            if shared || sharedServer, options.memory { throw ValidationError("--shared needs a store file, not --memory.") }
        }

        func run() throws {
            if shared { try joinSharedServer() }
            if sharedServer { try runSharedServer() }
            let (store, logger, protocolFD) = try options.startServing()
            let context = ServerContext(store: store, maximumMessageBytes: options.maxMessageBytes, logger: logger)
            Foundation.exit(RevstoreServer.serve(context: context, inputFD: STDIN_FILENO, outputFD: protocolFD, transportOptions: options.transportOptions))
        }
    }

    struct MCP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve MCP on stdin/stdout: a knowledge-graph memory that keeps every version.",
            discussion: """
                The reference memory server's tools (create_entities, add_observations, read_graph, …)
                plus list_versions, diff_versions, rollback and branches. Several agents may share one
                store file. An MCP client's configuration:

                  {"mcpServers": {"memory": {"command": "revstore", "args": ["mcp", "--db", "/path/to/memory.sqlite"]}}}

                Example:
                  revstore mcp --db memory.sqlite --session project-x
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(name: .long, help: ArgumentHelp("The session that holds the memory; made if missing.", valueName: "name"))
        var session = "memory"

        func run() throws {
            let (store, logger, protocolFD) = try options.startServing()
            let context = MCPContext(store: store, session: session, serverVersion: RevstoreServer.version, logger: logger)
            do {
                try blocking { try await context.prepare() }
            } catch {
                FileHandle.standardError.write(Data("revstore: cannot prepare session \(session): \(error)\n".utf8))
                throw ExitCode(1)
            }
            Foundation.exit(MCPServer.serve(context: context, inputFD: STDIN_FILENO, outputFD: protocolFD, transportOptions: options.transportOptions))
        }
    }
}

extension StoreConfiguration.Durability: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
