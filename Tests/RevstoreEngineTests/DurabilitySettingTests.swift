import Foundation
import GRDB
@testable import RevstoreEngine
import Testing

@Suite("durability setting")
struct DurabilitySettingTests {
    @Test("--durability full syncs every commit (synchronous = FULL on the writer), normal only at checkpoints")
    func writerSynchronous() throws {
        for (durability, expected) in [(StoreConfiguration.Durability.full, 2), (.normal, 1)] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("durability-\(UUID().uuidString).sqlite").path
            let store = try Store(StoreConfiguration(location: .file(path), durability: durability))
            defer { store.close() }
            let synchronous = try store.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            #expect(synchronous == expected, "\(durability)")
        }
    }
}
