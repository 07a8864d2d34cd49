import Foundation
import RevstoreJSON
import Testing

/// protocol/README.md §12: one whole file after a clean exit, open errors that say what and
/// where, read-only stores.
@Suite("the store file", .serialized)
struct StoreFileTests {
    enum Ending: String, CaseIterable, Sendable {
        case endOfInput, shutdownExit, sigterm
    }

    /// Permissions mean nothing to root: tests of them run the server as `nobody`.
    static var otherUser: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    }

    static func end(_ server: ServerProcess, _ ending: Ending) throws {
        switch ending {
        case .endOfInput:
            try server.closeInput()
        case .shutdownExit:
            #expect(try server.call(99, "shutdown")["result"] == .null)
            try server.send(#"{"jsonrpc":"2.0","method":"exit"}"# + "\n")
        case .sigterm:
            kill(server.pid, SIGTERM)
        }
        #expect(server.waitForExit(timeout: 30) == 0)  // generous: the machine may be busy with other suites
    }

    /// A copy of the store's main file alone, in a directory of its own.
    static func copyMainFile(_ path: String) throws -> String {
        let copy = DurabilityTests.temporaryStore()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        return copy
    }

    static func noteText(_ server: ServerProcess, _ id: String) throws -> String? {
        try server.call(1, "entity/get", ["session": "s", "type": "Note", "id": .string(id)])["result"]?["entity"]?["data"]?["text"]?.stringValue
    }

    @Test("after a clean exit the .sqlite file alone holds every acknowledged commit", arguments: Ending.allCases)
    func oneWholeFile(_ ending: Ending) throws {
        let path = DurabilityTests.temporaryStore()
        let server = try ServerProcess(["--db", path])
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        for n in 0..<20 {
            #expect(try server.call(2 + n, "entity/put", ["session": "s", "type": "Note", "id": .string("n\(n)"), "data": ["text": .string("note \(n)")]])["result"]?["version"] == .integer(2 + n))
        }
        try Self.end(server, ending)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "the WAL was left beside the store")

        let reader = try ServerProcess(["--db", try Self.copyMainFile(path)])
        #expect(try reader.call(1, "session/get", ["session": "s"])["result"]?["version"] == 21)
        #expect(try Self.noteText(reader, "n19") == "note 19")
    }

    /// Whether the store's files hold `marker` anywhere, as bytes.
    static func filesHold(_ path: String, _ marker: String) -> Bool {
        [path, path + "-wal"].contains { file in
            guard let bytes = FileManager.default.contents(atPath: file) else { return false }
            return bytes.range(of: Data(marker.utf8)) != nil
        }
    }

    @Test("removed means gone: no byte of a deleted session, deleted branch, purged entity or compacted version stays in the files")
    func removedDataLeavesTheFile() throws {
        let path = DurabilityTests.temporaryStore()
        let marks = ["session", "branch", "purged", "compacted", "kept"].map { ($0, "\($0)-\(UUID().uuidString)") }
        let mark = Dictionary(uniqueKeysWithValues: marks)
        let writer = try ServerProcess(["--db", path])
        var id = 0
        func call(_ method: String, _ params: JSONValue) throws {
            id += 1
            #expect(try writer.call(id, method, params)["result"] != nil, "\(method)")
        }
        for session in ["gone", "s"] { try call("session/create", ["session": .string(session)]) }
        try call("entity/put", ["session": "gone", "type": "Note", "id": "n", "data": ["text": .string(mark["session"]!)]])
        try call("branch/create", ["session": "s", "name": "alt"])
        try call("entity/put", ["session": "s", "branch": "alt", "type": "Note", "id": "b", "data": ["text": .string(mark["branch"]!)]])
        try call("entity/put", ["session": "s", "type": "Note", "id": "p", "data": ["text": .string(mark["purged"]!)]])
        try call("entity/put", ["session": "s", "type": "Note", "id": "c", "data": ["text": .string(mark["compacted"]!)]])
        try call("entity/put", ["session": "s", "type": "Note", "id": "c", "data": ["text": .string(mark["kept"]!)]])
        // shutdown and exit, not end of input: a server spawned at the same moment by another
        // suite can inherit the pipe and hold stdin open.
        try Self.end(writer, .shutdownExit)
        for (_, text) in marks { #expect(Self.filesHold(path, text), "\(text) was never written") }

        let remover = try ServerProcess(["--db", path])
        id = 100
        func remove(_ method: String, _ params: JSONValue) throws {
            id += 1
            #expect(try remover.call(id, method, params)["result"] != nil, "\(method)")
        }
        try remove("session/delete", ["session": "gone"])
        try remove("branch/delete", ["session": "s", "name": "alt"])
        try remove("entity/purge", ["session": "s", "entities": [["type": "Note", "id": "p"]]])
        try remove("session/compact", ["session": "s", "keepLast": 1])
        try Self.end(remover, .shutdownExit)
        for (name, text) in marks where name != "kept" {
            #expect(!Self.filesHold(path, text), "the \(name) data is still in the store's files")
        }
        #expect(Self.filesHold(path, mark["kept"]!))
    }

    @Test("a store another process still has open is left to it; the last one out leaves one whole file")
    func lastOneOut() throws {
        let path = DurabilityTests.temporaryStore()
        let first = try ServerProcess(["--db", path])
        let second = try ServerProcess(["--db", path])
        #expect(try first.call(1, "session/create", ["session": "s"])["result"] != nil)
        #expect(try first.call(2, "entity/put", ["session": "s", "type": "Note", "id": "a", "data": ["text": "from the first"]])["result"] != nil)
        try Self.end(first, .endOfInput)

        #expect(try Self.noteText(second, "a") == "from the first")
        #expect(try second.call(2, "entity/put", ["session": "s", "type": "Note", "id": "b", "data": ["text": "from the second"]])["result"]?["version"] == 3)
        try Self.end(second, .endOfInput)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

        let reader = try ServerProcess(["--db", try Self.copyMainFile(path)])
        #expect(try Self.noteText(reader, "a") == "from the first")
        #expect(try Self.noteText(reader, "b") == "from the second")
    }

    struct OpenFailure: Sendable, CustomTestStringConvertible {
        let cause: String
        /// Makes the store file to open; returns its path.
        let prepare: @Sendable () throws -> String
        var arguments: [String] = []
        var asOtherUser = false
        var testDescription: String { cause }
    }

    /// A store with one session, closed cleanly.
    static func existingStore() throws -> String {
        let path = DurabilityTests.temporaryStore()
        let server = try ServerProcess(["--db", path])
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        try end(server, .endOfInput)
        return path
    }

    static let openFailures: [OpenFailure] = [
        OpenFailure(cause: "no such directory") { "/nonexistent-directory/store.sqlite" },
        OpenFailure(cause: "not a database") {
            let path = DurabilityTests.temporaryStore()
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
            return path
        },
        OpenFailure(cause: "corrupt") {
            let path = try existingStore()
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try file.seek(toOffset: 100)  // past the header: the schema's own page
            try file.write(contentsOf: Data(repeating: 0xFF, count: 3000))
            try file.close()
            return path
        },
        OpenFailure(cause: "permission denied", prepare: {
            let path = try existingStore()
            chmod(path, 0o000)
            return path
        }, asOtherUser: true),
        OpenFailure(cause: "permission denied: cannot create a file in", prepare: {
            let path = DurabilityTests.temporaryStore()
            chmod(URL(fileURLWithPath: path).deletingLastPathComponent().path, 0o555)
            return path
        }, asOtherUser: true),
    ]

    @Test("a store that cannot be opened: exit 1, and one line on stderr naming the path and the cause", arguments: openFailures)
    func openFailure(_ failure: OpenFailure) throws {
        let path = try failure.prepare()
        let server = try ServerProcess(["--db", path] + failure.arguments, launcher: failure.asOtherUser ? Self.otherUser : [])
        #expect(server.waitForExit(timeout: 10) == 1)
        #expect(server.stderr.contains("revstore: Cannot open the store \(path): \(failure.cause)"), "stderr: \(server.stderr)")
    }

    @Test("a store locked by another process past --busy-timeout: exit 1, 'locked'")
    func locked() throws {
        let path = try Self.existingStore()
        let holder = try LockHolder(path, mode: "EXCLUSIVE")
        defer { holder.release() }
        let server = try ServerProcess(["--db", path, "--busy-timeout", "0.2"])
        #expect(server.waitForExit(timeout: 10) == 1)
        #expect(server.stderr.contains("revstore: Cannot open the store \(path): locked by another process"), "stderr: \(server.stderr)")
    }

    @Test("a store this process may not write opens for reads; writes answer STORAGE_ERROR and change nothing", arguments: [false, true])
    func readOnly(directoryWritable: Bool) throws {
        let path = try Self.existingStore()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        chmod(path, 0o444)
        chmod(directory, directoryWritable ? 0o777 : 0o555)
        defer { chmod(directory, 0o755) }

        let server = try ServerProcess(["--db", path], launcher: Self.otherUser)
        #expect(try server.call(1, "session/get", ["session": "s"])["result"]?["version"] == 1)
        let refused = try server.call(2, "entity/put", ["session": "s", "type": "Note", "id": "a", "data": ["text": "x"]])
        #expect(refused["error"]?["code"] == -32009)
        #expect(refused["error"]?["data"]?["detail"] == "the store is read-only")
        #expect(try server.call(3, "session/get", ["session": "s"])["result"]?["version"] == 1)
        try Self.end(server, .endOfInput)
    }
}
