import Foundation
import GRDB
@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// The write-ahead log's writes are gathered into one per commit (`WALWriteBuffer`): every
/// commit must still be in the file, whole, by the time another connection can see it, at
/// either durability and whatever its size.
@Suite("write-ahead log writes gathered per commit")
struct WALWriteBufferTests {
    /// Sizes around the buffer's and the system VFS's 128 KiB limits, and well past them.
    static let kilobytes = [1, 3, 60, 63, 64, 65, 127, 128, 129, 255, 256, 257, 700]

    @Test("another store on the same file reads every commit exactly, whatever its size", arguments: [
        StoreConfiguration.Durability.full, .normal,
    ])
    func commitsAreWholeForOtherConnections(durability: StoreConfiguration.Durability) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wal-buffer-\(UUID().uuidString).sqlite").path
        let writer = try Store(StoreConfiguration(location: .file(path), durability: durability))
        let reader = try Store(StoreConfiguration(location: .file(path), durability: durability))
        defer {
            writer.close()
            reader.close()
        }
        let f = Fixture(store: writer, session: "s")
        _ = try await writer.submitCreateSession(name: "s", metadata: nil).value()
        var written: [String: String] = [:]
        for (index, size) in Self.kilobytes.enumerated() {
            // Distinct text in every kilobyte, so no two pages are alike.
            let text = (0..<(size * 16)).map { "\(index)-\($0)-" + String(repeating: "x", count: 60) }.joined()
            let data: JSONValue = ["text": .string(text)]
            try await f.commit([f.put("Page", "p\(size)", data)])
            written["p\(size)"] = data.canonicalText
            try expectSame(written, readBy: reader)
        }
        // Many small rows in one commit: many frames, more than one buffer's worth.
        try await f.commit((0..<3_000).map { f.put("Row", "r\($0)", ["n": .integer($0)]) })
        let rows = try reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entity WHERE type = 'Row'") }
        #expect(rows == 3_000)
        #expect(try reader.integrityCheck() == [])
    }

    /// The stored text of each entity, read through `reader`'s own connections.
    private func expectSame(_ written: [String: String], readBy reader: Store, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = try reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.entity_id, v.data FROM entity e JOIN entity_version v ON v.entity_key = e.key WHERE e.type = 'Page'
                """).reduce(into: [String: String]()) { $0[$1["entity_id"]] = $1["data"] }
        }
        #expect(stored == written, sourceLocation: sourceLocation)
    }
}
