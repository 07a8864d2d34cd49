import Foundation
@testable import RevstoreEngine
import Testing

/// Server-made ids are version 7 UUIDs that increase, from any thread, so the indexes they key
/// grow at their end.
@Suite struct IdentifierTests {
    @Test func idsAreVersion7UUIDsInIncreasingOrder() {
        let ids = (0..<10_000).map { _ in Identifier.make() }
        for id in ids {
            let uuid = UUID(uuidString: id)
            #expect(uuid != nil && id == id.lowercased(), "\(id)")
            #expect(Array(id)[14] == "7" && "89ab".contains(Array(id)[19]), "\(id)")
        }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        // The leading 48 bits are the time of making, in Unix milliseconds.
        let milliseconds = UInt64(ids[0].replacingOccurrences(of: "-", with: "").prefix(12), radix: 16)!
        #expect(abs(Double(milliseconds) / 1000 - Date().timeIntervalSince1970) < 60)
    }

    @Test func idsMadeOnManyThreadsAreDistinct() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<2_000).map { _ in Identifier.make() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == ids.count)
    }
}
