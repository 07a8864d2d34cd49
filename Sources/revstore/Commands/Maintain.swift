import ArgumentParser
import Foundation
import RevstoreEngine
import RevstoreJSON
import RevstoreServer

/// Commands that tend a store: compaction, vacuum, checks, and moving sessions between stores.
extension Revstore {
    struct Compact: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "compact",
            abstract: "Remove old versions of a session, keeping the last N of each branch (and every protected one).",
            discussion: "Examples:\n  revstore compact chat-1 --keep-last 100 --dry-run\n  revstore compact chat-1 --keep-last 100"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String
        @Option(help: "How many of each branch's latest versions to keep.") var keepLast: Int
        @Flag(help: "Say what would be removed, and remove nothing.") var dryRun = false

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let result = try client.call("session/compact", ["session": .string(session), "keepLast": .integer(keepLast), "dryRun": .bool(dryRun)])
            terminal.emit(result) {
                print("\(dryRun ? "would remove" : "removed") \(result["removedVersions"]?.cell ?? "0") version(s) and "
                      + "\(result["removedEntityVersions"]?.cell ?? "0") entity version(s); \(result["keptVersions"]?.cell ?? "0") kept")
            }
        }
    }

    struct Vacuum: ShellCommand {
        static let configuration = CommandConfiguration(commandName: "vacuum", abstract: "Rebuild the store file without its free pages.",
                                                        discussion: "Example:\n  revstore vacuum --db agent.sqlite")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let result = try client.call("store/vacuum")
            terminal.emit(result) { print("the file went from \(result["bytesBefore"]?.cell ?? "?") to \(result["bytesAfter"]?.cell ?? "?") bytes") }
        }
    }

    struct Check: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check the store's integrity: SQLite's own check, and every stored version readable whole.",
            discussion: "Exits 0 when all is well, 1 with the problems on stdout otherwise.\n\nExample:\n  revstore check --db agent.sqlite"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let store = client.store
            let problems = try blocking { try store.integrityCheck() }
            terminal.emit(["ok": .bool(problems.isEmpty), "problems": .array(problems.map(JSONValue.string))]) {
                print(problems.isEmpty ? terminal.green("ok") : problems.map { terminal.red($0) }.joined(separator: "\n"))
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Export: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a session with its whole history to stdout as JSON lines.",
            discussion: """
                Every version (time, actor, message, metadata, review state), branch, tag, turn and
                entity version (with its ids and lineage) goes out; `revstore import` brings it back
                unchanged, into this store or another.

                Example:
                  revstore export chat-1 --db agent.sqlite > chat-1.jsonl
                """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let store = client.store, session = session
            let lines = try engine { try store.export(session: session) }
            for line in lines { print(line.description) }
        }
    }

    struct Import: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Read a session exported by `revstore export` from stdin (or a file) into the store.",
            discussion: """
                The session keeps its name unless --as gives another; a session by that name must not
                exist yet. Everything is imported in one transaction: all of it or nothing.

                Examples:
                  revstore import --db other.sqlite < chat-1.jsonl
                  revstore import chat-1.jsonl --as chat-1-copy
                """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The export file; stdin when absent or -.") var file: String?
        @Option(name: .customLong("as"), help: "The name to import the session as.") var name: String?

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let text: String
            if let file, file != "-" {
                guard let contents = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                text = String(decoding: contents, as: UTF8.self)
            } else {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            var lines: [JSONValue] = []
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                guard let value = try? JSONParser.parse(String(line)) else { throw ValidationError("line \(number + 1) is not JSON") }
                lines.append(value)
            }
            let store = client.store, name = name, imported = lines
            let session = try engine { try await store.submitImport(imported, as: name).value() }
            terminal.emit(session.json) {
                print("imported session \(session.name) at version \(session.version) from \(lines.count) line(s)")
            }
        }
    }
}

/// Engine work from a command, its errors told as the protocol tells them.
func engine<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
    do {
        return try blocking(body)
    } catch let error as EngineError {
        throw CallFailure(error.rpcError.jsonValue)
    }
}
