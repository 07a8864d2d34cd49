import Foundation
import RevstoreJSON
import Testing

@Suite("storage errors", .serialized)
struct StorageErrorTests {
    @Test("a store locked by another process past --busy-timeout answers BUSY (-32008), and works once released")
    func busy() throws {
        let path = DurabilityTests.temporaryStore()
        let server = try ServerProcess(["--db", path, "--busy-timeout", "0.2"])
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)

        // Another process takes SQLite's write lock and holds it.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('BEGIN IMMEDIATE')
            print('locked', flush=True)
            sys.stdin.read()
            """, path]
        let holderInput = Pipe(), holderOutput = Pipe()
        holder.standardInput = holderInput
        holder.standardOutput = holderOutput
        try holder.run()
        _ = holderOutput.fileHandleForReading.availableData  // "locked"

        let busy = try server.call(2, "entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]])
        #expect(busy["error"]?["code"] == -32008)
        #expect(busy["error"]?["data"]?["reason"] == "BUSY")

        try holderInput.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try server.call(3, "entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]])["result"]?["version"] == 2)
    }
}
