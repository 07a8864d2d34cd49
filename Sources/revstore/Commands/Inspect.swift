import ArgumentParser
import Foundation
import RevstoreJSON

/// Commands that look into a store: sessions, their history, their state at any version.
extension Revstore {
    struct Sessions: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "sessions",
            abstract: "List the store's sessions.",
            discussion: "Example:\n  revstore sessions --db agent.sqlite"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            var sessions: [JSONValue] = []
            var after: JSONValue = .null
            repeat {
                let page = try client.call("session/list", ["limit": 1000, "after": after])
                sessions += page["sessions"]?.arrayValue ?? []
                after = page["next"] ?? .null
            } while !after.isNull
            terminal.emit(["sessions": .array(sessions)]) {
                terminal.table(["SESSION", "VERSION", "BRANCH", "CREATED"], sessions.map {
                    [$0["session"]?.cell ?? "", $0["version"]?.cell ?? "", $0["defaultBranch"]?.cell ?? "", $0["createdAt"]?.cell ?? ""]
                })
            }
        }
    }

    struct Log: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Show a session's versions, newest first, like git log.",
            discussion: """
                Each version with its time, actor, message, review status and the entities it changed;
                --oneline for one line each.

                Examples:
                  revstore log chat-1
                  revstore log chat-1 --branch alt --limit 5 --oneline | less -R
                """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String
        @Option(help: "The branch (default: the session's default branch).") var branch: String?
        @Option(help: "How many versions.") var limit = 20
        @Flag(help: "One line per version.") var oneline = false

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            var params: JSONObject = ["session": .string(session), "limit": .integer(limit)]
            if let branch { params["branch"] = .string(branch) }
            let versions = try client.call("version/list", .object(params))["versions"]?.arrayValue ?? []
            var detailed: [JSONValue] = []
            for info in versions {
                var getParams = params
                getParams["limit"] = nil
                getParams["version"] = info["version"]
                detailed.append(try client.call("version/get", .object(getParams)))
            }
            terminal.emit(["versions": .array(detailed)]) {
                for version in detailed {
                    let number = version["version"]?.cell ?? ""
                    let status = version["review"]?["status"]?.cell ?? ""
                    let changes = version["changes"]?.arrayValue ?? []
                    if oneline {
                        print("\(terminal.yellow(number)) \(terminal.dim(version["createdAt"]?.cell ?? "")) \(version["actor"]?.cell ?? "-")  "
                              + "\(version["message"]?.cell ?? "")  [\(status)] \(changes.count) change(s)")
                        continue
                    }
                    print(terminal.yellow("version \(number)") + terminal.dim("  (\(version["branch"]?.cell ?? ""))  [\(status)]"))
                    print("Date:    \(version["createdAt"]?.cell ?? "")")
                    if let actor = version["actor"], !actor.isNull { print("Actor:   \(actor.cell)") }
                    if let turn = version["turn"], !turn.isNull { print("Turn:    \(turn.cell)") }
                    if let message = version["message"], !message.isNull { print("\n    \(message.cell)") }
                    if let metadata = version["metadata"], metadata.objectValue?.isEmpty == false { print("    \(terminal.dim(metadata.description))") }
                    print("")
                    for change in changes {
                        let kind = change["change"]?.cell ?? ""
                        let padded = kind.padding(toLength: max(kind.count, 9), withPad: " ", startingAt: 0)
                        let painted = kind == "created" ? terminal.green(padded) : kind == "deleted" ? terminal.red(padded) : terminal.cyan(padded)
                        print("    \(painted) \(change["type"]?.cell ?? "") \(change["id"]?.cell ?? "") (v\(change["version"]?.cell ?? ""))")
                    }
                    print("")
                }
            }
        }
    }

    struct Show: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a session's entities at a version: all, one type, or one entity.",
            discussion: """
                Examples:
                  revstore show chat-1                 # every entity at the head
                  revstore show chat-1@3 Message       # the Messages as they were at version 3
                  revstore show chat-1@approved Note n1
                """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "SESSION, SESSION@VERSION or SESSION@TAG.") var position: SessionAt
        @Argument(help: "Only entities of this type.") var type: String?
        @Argument(help: "Only this entity.") var id: String?
        @Option(help: "The branch (default: the session's default branch).") var branch: String?

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            var params = position.params
            if let branch { params["branch"] = .string(branch) }
            if let type, let id {
                params["type"] = .string(type)
                params["id"] = .string(id)
                let found = try client.call("entity/get", .object(params))
                terminal.emit(found) {
                    guard let entity = found["entity"], !entity.isNull else {
                        print("\(type) \(id) does not exist at version \(found["version"]?.cell ?? "")")
                        return
                    }
                    print(terminal.bold("\(type) \(id)") + terminal.dim("  version \(entity["version"]?.cell ?? "") of the entity, "
                                                                         + "session version \(found["version"]?.cell ?? ""), updated \(entity["updatedAt"]?.cell ?? "")"))
                    print(entity["data"]?.pretty() ?? "{}")
                }
                return
            }
            if let type { params["type"] = .string(type) }
            var entities: [JSONValue] = []
            var version: JSONValue = .null
            repeat {
                params["offset"] = .integer(entities.count)
                params["limit"] = 10_000
                let page = try client.call("entity/query", .object(params))
                version = page["version"] ?? .null
                let rows = page["entities"]?.arrayValue ?? []
                entities += rows
                if rows.count < 10_000 { break }
            } while true
            terminal.emit(["version": version, "entities": .array(entities)]) {
                print(terminal.dim("\(position.session) at version \(version.cell): \(entities.count) entit\(entities.count == 1 ? "y" : "ies")"))
                terminal.table(["TYPE", "ID", "V", "DATA"], entities.map {
                    let data = $0["data"]?.description ?? ""
                    return [$0["type"]?.cell ?? "", $0["id"]?.cell ?? "", $0["version"]?.cell ?? "", data.count > 100 ? String(data.prefix(99)) + "…" : data]
                })
            }
        }
    }

    struct Diff: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "What changed between two versions of a session, entity by entity and field by field.",
            discussion: """
                FROM and TO are versions or tags of the session's default branch (or --branch).

                Examples:
                  revstore diff chat-1 3 7
                  revstore diff chat-1 approved 9 --type Message --no-color
                """
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String
        @Argument(help: "The earlier version or tag.") var from: String
        @Argument(help: "The later version or tag.") var to: String
        @Option(help: "Only entities of this type.") var type: String?
        @Option(help: "The branch of both versions.") var branch: String?

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            func side(_ at: String) -> JSONValue {
                var position: JSONObject = ["at": Int(at).map(JSONValue.integer) ?? .string(at)]
                if let branch { position["branch"] = .string(branch) }
                return .object(position)
            }
            var params: JSONObject = ["session": .string(session), "from": side(from), "to": side(to)]
            if let type { params["type"] = .string(type) }
            let result = try client.call("version/diff", .object(params))
            terminal.emit(result) {
                let changes = result["changes"]?.arrayValue ?? []
                if changes.isEmpty { print("no changes between \(from) and \(to)") }
                for change in changes {
                    let name = "\(change["type"]?.cell ?? "") \(change["id"]?.cell ?? "")"
                    switch change["change"]?.stringValue {
                    case "added":
                        print(terminal.green("+ \(name)"))
                        for line in (change["after"]?["data"]?.pretty() ?? "").split(separator: "\n") { print(terminal.green("+   \(line)")) }
                    case "removed":
                        print(terminal.red("- \(name)"))
                    default:
                        print(terminal.yellow("~ \(name)"))
                        for operation in change["patch"]?.arrayValue ?? [] {
                            let path = operation["path"]?.cell ?? ""
                            switch operation["op"]?.stringValue {
                            case "add": print(terminal.green("+   \(path): \(operation["value"]?.description ?? "")"))
                            case "remove": print(terminal.red("-   \(path)"))
                            default: print(terminal.yellow("~   \(path): ") + "\(operation["value"]?.description ?? "")")
                            }
                        }
                    }
                }
            }
        }
    }

    struct History: ShellCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Every version of one entity, newest first.",
            discussion: "Example:\n  revstore history chat-1 Note n1 --limit 10"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String
        @Argument(help: "The entity's type.") var type: String
        @Argument(help: "The entity's id.") var id: String
        @Option(help: "The branch (default: the session's default branch).") var branch: String?
        @Option(help: "How many versions.") var limit = 100

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            var params: JSONObject = ["session": .string(session), "type": .string(type), "id": .string(id), "limit": .integer(limit)]
            if let branch { params["branch"] = .string(branch) }
            let result = try client.call("entity/history", .object(params))
            terminal.emit(result) {
                for entity in result["versions"]?.arrayValue ?? [] {
                    let deleted = entity["deleted"]?.boolValue == true ? terminal.red("  deleted") : ""
                    print(terminal.yellow("v\(entity["version"]?.cell ?? "")") + terminal.dim("  session version \(entity["updatedAtVersion"]?.cell ?? "") on "
                          + "\(entity["branch"]?.cell ?? ""), \(entity["updatedAt"]?.cell ?? ""), by \(entity["updatedBy"]?.cell ?? "-")") + deleted)
                    print(entity["data"]?.pretty() ?? "{}")
                }
            }
        }
    }

    struct Branches: ShellCommand {
        static let configuration = CommandConfiguration(commandName: "branches", abstract: "List a session's branches.", discussion: "Example:\n  revstore branches chat-1")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let result = try client.call("branch/list", ["session": .string(session)])
            terminal.emit(result) {
                terminal.table(["BRANCH", "HEAD", "FROM", "CREATED"], (result["branches"]?.arrayValue ?? []).map {
                    let base = $0["base"].flatMap { $0.isNull ? nil : "\($0["branch"]?.cell ?? "")@\($0["version"]?.cell ?? "")" } ?? ""
                    return [$0["name"]?.cell ?? "", $0["head"]?.cell ?? "", base, $0["createdAt"]?.cell ?? ""]
                })
            }
        }
    }

    struct Tags: ShellCommand {
        static let configuration = CommandConfiguration(commandName: "tags", abstract: "List a session's tags.", discussion: "Example:\n  revstore tags chat-1")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session.") var session: String

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let result = try client.call("tag/list", ["session": .string(session)])
            terminal.emit(result) {
                terminal.table(["TAG", "BRANCH", "VERSION", "CREATED"], (result["tags"]?.arrayValue ?? []).map {
                    [$0["name"]?.cell ?? "", $0["branch"]?.cell ?? "", $0["version"]?.cell ?? "", $0["createdAt"]?.cell ?? ""]
                })
            }
        }
    }

    struct Stats: ShellCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts of what the store holds, and its size by table.",
                                                        discussion: "Example:\n  revstore stats --db agent.sqlite")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run(_ client: LocalClient, _ terminal: Terminal) throws {
            let result = try client.call("store/stats")
            terminal.emit(result) {
                let counts = (result.objectValue ?? [:]).filter { $0.value.intValue != nil }.sorted { $0.key < $1.key }
                terminal.table(["WHAT", "COUNT"], counts.map { [$0.key, $0.value.cell] })
                print("")
                let bytes = result["bytes"]
                let tables = (bytes?["tables"]?.objectValue ?? [:]).sorted { ($0.value.intValue ?? 0) > ($1.value.intValue ?? 0) }
                terminal.table(["BYTES", "OF"], [["\(bytes?["file"]?.cell ?? "")", "the file"], ["\(bytes?["free"]?.cell ?? "")", "free pages"],
                                                 ["\(bytes?["wal"]?.cell ?? "")", "the write-ahead log"]] + tables.map { [$0.value.cell, "table \($0.key)"] })
            }
        }
    }
}
