import Foundation
import RevstoreJSON
import Testing

/// The shell commands of `revstore`, run as a person or a script would.
@Suite("the shell", .serialized)
struct ShellTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: JSONValue? { try? JSONParser.parse(stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
        var lines: [JSONValue] { stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) } }
    }

    /// Runs `revstore ARGUMENTS` with `input` on stdin; with `terminal`, under a pseudo-terminal
    /// (`script`), as a person at a terminal would.
    static func run(_ arguments: [String], input: String = "", terminal: Bool = false, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        if terminal {
            let command = ([ServerProcess.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
        } else {
            process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
            process.arguments = arguments
        }
        // As a person's shell has it: no NO_COLOR unless the test sets one.
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "NO_COLOR" }.merging(environment) { $1 }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let ended = ServerProcess.readUntilExit(process, stdout.fileHandleForReading.fileDescriptor, stderr.fileHandleForReading.fileDescriptor)
        return Run(status: ended.status, stdout: String(decoding: ended.stdout, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"),
                   stderr: String(decoding: ended.stderr, as: UTF8.self))
    }

    static func requests(_ lines: [JSONValue]) -> String { lines.map { $0.description + "\n" }.joined() }

    /// A session with a history worth moving: versions with actors and messages, a branch, a
    /// merge, a tag, reviews, an open turn with staged ops, deletions and a restore.
    static func richSession(_ store: String) throws {
        let requests: [JSONValue] = [
            ["method": "session/create", "params": ["session": "s", "metadata": ["owner": "tests"]]],
            ["method": "entity/put", "params": ["session": "s", "type": "Note", "id": "n1", "data": ["text": "first"], "actor": "alice", "message": "start"]],
            ["method": "entity/put", "params": ["session": "s", "type": "Chat", "id": "c", "data": ["messages": .array((0..<30).map { .string("message \($0) " + String(repeating: "x", count: 50)) })]]],
            ["method": "entity/patch", "params": ["session": "s", "type": "Chat", "id": "c", "jsonPatch": [["op": "add", "path": "/messages/-", "value": "appended"]]]],
            ["method": "entity/patch", "params": ["session": "s", "type": "Note", "id": "n1", "patch": ["text": "second"], "actor": "bob"]],
            ["method": "branch/create", "params": ["session": "s", "name": "alt", "from": ["at": 3]]],
            ["method": "entity/put", "params": ["session": "s", "branch": "alt", "type": "Note", "id": "n2", "data": ["text": "on alt"]]],
            ["method": "entity/fork", "params": ["session": "s", "type": "Note", "id": "n1", "newId": "n1-copy"]],
            ["method": "entity/delete", "params": ["session": "s", "type": "Note", "id": "n1"]],
            ["method": "entity/restore", "params": ["session": "s", "type": "Note", "id": "n1"]],
            ["method": "branch/merge", "params": ["session": "s", "source": "alt", "message": "bring alt"]],
            ["method": "tag/set", "params": ["session": "s", "name": "v1", "at": 4]],
            ["method": "version/submit", "params": ["session": "s", "version": 4, "actor": "alice"]],
            ["method": "version/review", "params": ["session": "s", "version": 4, "decision": "approved", "actor": "carol", "notes": "fine"]],
            ["method": "turn/begin", "params": ["session": "s", "message": "pending"]],
        ]
        let created = try run(["call", "-", "--db", store], input: Self.requests(requests))
        #expect(created.status == 0, "\(created.stderr)")
        let turn = try #require(created.lines.last?["turn"]?.stringValue)
        let staged = try run(["call", "entity/put", "session=s", "type=Note", "id=n3", "data={\"text\":\"staged\"}", "turn=\(turn)", "--db", store])
        #expect(staged.status == 0, "\(staged.stderr)")
    }

    /// Everything a reader of the session can see: every version's info and state, per branch.
    static func everything(_ store: String) throws -> [JSONValue] {
        var seen: [JSONValue] = []
        for branch in ["main", "alt"] {
            let versions = try #require(try run(["call", "version/list", "session=s", "branch=\(branch)", "limit=1000", "--db", store]).json)
            seen.append(versions)
            for info in versions["versions"]?.arrayValue ?? [] {
                let at = info["version"]!.description
                seen.append(try #require(try run(["call", "entity/query", "session=s", "branch=\(branch)", "at=\(at)", "includeDeleted=true", "--db", store]).json))
            }
        }
        for name in ["branch/list", "tag/list"] {
            seen.append(try #require(try run(["call", name, "session=s", "--db", store]).json))
        }
        seen.append(try #require(try run(["call", "turn/list", "session=s", "--db", store]).json))
        seen.append(try #require(try run(["call", "entity/lineage", "session=s", "type=Note", "id=n1", "--db", store]).json))
        return seen
    }

    @Test("call: PARAMS as JSON or key=value, the result as JSON, an error on stderr with an exit status per reason")
    func call() throws {
        let store = DurabilityTests.temporaryStore()
        #expect(try Self.run(["call", "session/create", "session=notes", "--db", store]).json?["version"] == 1)
        let put = try Self.run(["call", "entity/put", "session=notes", "type=Note", "id=n1", "data={\"text\":\"hi\"}", "ifVersion=0", "--db", store])
        #expect(put.json?["entity"]?["data"] == ["text": "hi"])
        #expect(try Self.run(["call", "entity/get", "{\"session\":\"notes\",\"type\":\"Note\",\"id\":\"n1\",\"at\":2}", "--db", store]).json?["entity"]?["version"] == 1)
        #expect(try Self.run(["call", "entity/put", "session=notes", "type=Note", "id=n2", "data=not json", "--db", store]).status == 2)  // a string is not an object

        let missing = try Self.run(["call", "session/get", "session=nope", "--db", store])
        #expect(missing.status == 1 && missing.stdout.isEmpty && missing.stderr.contains("NOT_FOUND"))
        #expect(try Self.run(["call", "entity/put", "session=notes", "type=Note", "id=n1", "data={}", "ifVersion=0", "--db", store]).status == 3)
        #expect(try Self.run(["call", "no/such", "--db", store]).status == 2)
        #expect(try Self.run(["call", "entity/get", "session=notes", "type", "--db", store]).status == 64)  // not key=value: a usage error
    }

    @Test("call - answers each line of stdin on a line of its own, in a pipeline")
    func callPipeline() throws {
        let store = DurabilityTests.temporaryStore()
        let input = Self.requests([
            ["method": "session/create", "params": ["session": "p"]],
            ["method": "ping"],
            ["method": "session/get", "params": ["session": "nope"]],
            ["jsonrpc": "2.0", "method": "entity/put", "params": ["session": "p", "type": "T", "id": "a", "data": ["n": 1]]],
            ["method": "entity/get", "params": ["session": "p", "type": "T", "id": "a"]],
        ])
        let piped = try Self.run(["call", "-", "--db", store], input: input)
        #expect(piped.lines.count == 4)
        #expect(piped.lines[1] == [:])
        #expect(piped.lines[3]["entity"]?["data"] == ["n": 1])
        #expect(piped.stderr.contains("NOT_FOUND"))
        #expect(piped.status == 1)  // the first failure's status, after every line was answered

        // A real pipeline: one command's output feeds the next.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", """
            printf '%s\\n' '{"method":"entity/query","params":{"session":"p","type":"T"}}' | "$0" call - --db "$1" | grep -c '"n":1'
            """, ServerProcess.binary, store]
        let output = Pipe(), errors = Pipe()
        shell.standardOutput = output
        shell.standardError = errors
        try shell.run()
        let counted = ServerProcess.readUntilExit(shell, output.fileHandleForReading.fileDescriptor, errors.fileHandleForReading.fileDescriptor).stdout
        #expect(String(decoding: counted, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test("export then import into another store, and back: every version, branch, tag, review, turn and id unchanged")
    func exportImportRoundTrip() throws {
        let original = DurabilityTests.temporaryStore()
        try Self.richSession(original)
        let exported = try Self.run(["export", "s", "--db", original])
        #expect(exported.status == 0)

        let other = DurabilityTests.temporaryStore()
        let imported = try Self.run(["import", "--db", other], input: exported.stdout)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try Self.everything(other) == (try Self.everything(original)))
        let again = try Self.run(["export", "s", "--db", other])
        #expect(again.stdout == exported.stdout)

        // Back into the first store as a copy: new ids, the same history.
        #expect(try Self.run(["import", "--as", "s-copy", "--db", original], input: exported.stdout).status == 0)
        let copy = try #require(try Self.run(["call", "version/list", "session=s-copy", "limit=100", "--db", original]).json)
        let source = try #require(try Self.run(["call", "version/list", "session=s", "limit=100", "--db", original]).json)
        #expect(copy["versions"]?.arrayValue?.map { $0["message"] } == source["versions"]?.arrayValue?.map { $0["message"] })
        // Importing the same session twice is refused, and leaves nothing behind.
        let twice = try Self.run(["import", "--db", other], input: exported.stdout)
        #expect(twice.status == 3)
        #expect(try Self.run(["check", "--json", "--db", other]).json?["ok"] == true)
    }

    @Test("human commands: log, show, diff, history, branches, tags, sessions, stats, compact, vacuum, check")
    func humanCommands() throws {
        let store = DurabilityTests.temporaryStore()
        try Self.richSession(store)
        func human(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
            let result = try Self.run(arguments + ["--db", store], terminal: true, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stdout)")
            return result.stdout
        }
        let log = try human(["log", "s"])
        #expect(log.contains("version 4") && log.contains("Actor:   bob") && log.contains("[approved]") && log.contains("Note n1 (v2)"))
        #expect(log.contains("\u{1B}["), "colors on a terminal")
        #expect(!(try human(["log", "s", "--no-color"])).contains("\u{1B}["))
        #expect(!(try human(["log", "s"], environment: ["NO_COLOR": "1"])).contains("\u{1B}["))
        let oneline = try human(["log", "s", "--oneline", "--limit", "3", "--no-color"])
        #expect(oneline.split(separator: "\n").count == 3 && oneline.contains("bring alt"))

        #expect(try human(["show", "s@2", "Note", "n1"]).contains("\"text\": \"first\""))
        let atTag = try human(["show", "s@v1", "--no-color"])
        #expect(atTag.contains("at version 4") && atTag.contains("Chat"))
        let diff = try human(["diff", "s", "2", "5", "--no-color"])
        #expect(diff.contains("~ Note n1") && diff.contains("~   /text: \"second\"") && diff.contains("+ Chat c"))
        let history = try human(["history", "s", "Note", "n1", "--no-color"])
        #expect(history.contains("v1") && history.contains("v4") && history.contains("deleted"))
        #expect(try human(["branches", "s"]).contains("main@3"))
        #expect(try human(["tags", "s"]).contains("v1"))
        #expect(try human(["sessions"]).contains("s"))
        #expect(try human(["stats"]).contains("table entity_version"))
        #expect(try human(["compact", "s", "--keep-last", "2", "--dry-run"]).contains("would remove"))
        #expect(try human(["compact", "s", "--keep-last", "2"]).contains("removed"))
        #expect(try human(["vacuum"]).contains("bytes"))
        #expect(try human(["check"]).contains("ok"))

        // Through a pipe (into less, say): the same text without colors. With --json: the protocol's JSON.
        let piped = try Self.run(["log", "s", "--limit", "2", "--db", store])
        #expect(piped.stdout.contains("version 9") && !piped.stdout.contains("\u{1B}["))
        #expect(try Self.run(["log", "s", "--limit", "2", "--json", "--db", store]).json?["versions"]?.arrayValue?.count == 2)
        #expect(try Self.run(["show", "s", "--json", "--db", store]).json?["entities"] != nil)
    }

    @Test("every command has help with an example, and shells get completions")
    func helpAndCompletions() throws {
        let commands = ["serve", "mcp", "call", "sessions", "log", "show", "diff", "history", "branches", "tags", "stats", "compact", "vacuum", "check", "export", "import"]
        for command in commands {
            let help = try Self.run([command, "--help"])
            #expect(help.status == 0 && help.stdout.contains("Example"), "\(command)")
        }
        for shell in ["bash", "zsh", "fish"] {
            let script = try Self.run(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("export") && script.stdout.contains("history"), "\(shell)")
        }
        let root = try Self.run(["--help"])
        #expect(commands.allSatisfy { root.stdout.contains($0) })
    }
}
