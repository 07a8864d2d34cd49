import Foundation
import GRDB
import RevstoreJSON

/// The data of entity versions stored as keyframes and deltas (protocol/DESIGN.md).
///
/// A keyframe row holds the whole entity; a delta row holds an RFC 6902 JSON Patch from its
/// base row. Reading a delta row applies the patches after the nearest keyframe, or after the
/// nearest row still in the cache; every connection reaches this through the SQL function
/// `revstore_data(id, version_id)`, so every query sees whole data.
enum EntityData {
    /// Entities whose stored text is smaller than this are stored whole, unless they hold bytes:
    /// a delta would save little, and whole rows keep queries over small entities free of any
    /// rebuilding. Bytes values shrink to blob references in stored text, so a list of bytes
    /// stays small there however long it grows, while every whole row of it counts a reference
    /// to each of its blobs: one more write per element, per version.
    static let smallestDeltaEntity = 1024
    /// A delta is written while the deltas since the chain's keyframe stay within this many
    /// times the keyframe's size; past it, a new keyframe. For a growing entity the keyframes
    /// then add up to about (1 + 1/ratio) times its final size and the deltas to about once it,
    /// and a read applies at most ratio times its keyframe's size in deltas. bench/storage.py
    /// measured 2 and 4 (see protocol/DESIGN.md): 4 stores 14% less after 1,000 appends and 5%
    /// more after 200, and reads of old versions stay well under the head's cost with either.
    static let deltaRatio = 4

    static let sqlFunctionName = "revstore_data"

    /// SQL for the whole data of the entity version `table` (an `entity_version` alias): the
    /// stored text itself for a keyframe that refers to no blob.
    static func expression(_ table: String) -> String {
        "(CASE WHEN \(table).delta IS NULL AND \(table).blobs = 0 THEN \(table).data ELSE \(sqlFunctionName)(\(table).id, \(table).version_id) END)"
    }

    /// How one entity version is stored: the columns `data`, `delta`, `chain_bytes`,
    /// `keyframe_bytes` and `blobs` of its row, and the blobs it refers to.
    struct StoredForm {
        var data: String
        var delta: String?
        var chainBytes: Int
        var keyframeBytes: Int
        var blobs: [Int64]
    }

    /// The row a new version may be stored as a delta from: its whole value and its chain.
    struct Base {
        var value: JSONValue
        var keyframeBytes: Int
        var chainBytes: Int
    }

    /// How `data` is stored: a delta from `base` while the chain since its keyframe stays within
    /// `deltaRatio` times the keyframe (for an entity not too small, `smallestDeltaEntity`),
    /// else whole. Blobs it names for the first time are written.
    /// `indexed` data (of a type with indexed fields) is stored whole with its bytes inline:
    /// SQLite's indexes read the stored text. `patch`, when known, takes `base` to `data`.
    static func storedForm(of data: JSONValue, after base: Base?, patch: [JSONValue]? = nil, indexed: Bool, in db: Database) throws -> StoredForm {
        if !indexed, let base, base.keyframeBytes >= smallestDeltaEntity || data.containsBytes {
            let delta = try Blobs.storedText(of: .array(patch ?? base.value.delta(to: data)), in: db)
            let chainBytes = base.chainBytes + delta.text.utf8.count
            if chainBytes <= deltaRatio * base.keyframeBytes {
                return StoredForm(data: "{}", delta: delta.text, chainBytes: chainBytes, keyframeBytes: base.keyframeBytes, blobs: delta.blobs)
            }
        }
        let whole = indexed ? (text: data.canonicalText, blobs: []) : try Blobs.storedText(of: data, in: db)
        return StoredForm(data: whole.text, delta: nil, chainBytes: 0, keyframeBytes: whole.text.utf8.count, blobs: whole.blobs)
    }

    /// Registers `revstore_data` on a connection.
    static func register(on db: Database) {
        let connection = Connection(db)
        let function = DatabaseFunction(sqlFunctionName, argumentCount: 2, pure: true) { arguments in
            guard let id = Int64.fromDatabaseValue(arguments[0]), let versionID = String.fromDatabaseValue(arguments[1]) else { return nil }
            return try cache.text(rowID: id, versionID: versionID, in: connection.db)
        }
        db.add(function: function)
    }

    /// The connection a function is registered on. SQLite calls the function only inside that
    /// connection's own statements, on its own queue, so reading through it there is safe.
    private final class Connection: @unchecked Sendable {
        unowned let db: Database
        init(_ db: Database) { self.db = db }
    }

    static let cache = Cache(capacityBytes: 16 << 20)

    /// Stores whole the delta rows that `condition` (SQL over `entity_version v`) selects, in
    /// the order they were written: before their base rows are removed, or, `indexed`, with
    /// their bytes inline too, when their type gains an index. Their content does not change.
    static func makeKeyframes(_ db: Database, where condition: String, _ arguments: StatementArguments = [], indexed: Bool = false) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT v.id, v.version_id FROM entity_version v WHERE (v.delta IS NOT NULL OR (\(indexed) AND v.blobs > 0)) AND (\(condition)) ORDER BY v.id
            """, arguments: arguments)
        for row in rows {
            let id: Int64 = row["id"]
            let whole = try storedForm(of: try cache.value(rowID: id, versionID: row["version_id"], in: db), after: nil, indexed: indexed, in: db)
            try Blobs.hold(whole.blobs, in: db)
            try db.run("UPDATE entity_version SET data = ?, delta = NULL, base_id = NULL, chain_bytes = 0, keyframe_bytes = ?, blobs = ? WHERE id = ?",
                       [whole.data, whole.keyframeBytes, whole.blobs.count, id])
        }
    }

    /// Whole values of recent entity versions, by row id, checked against the version id (row
    /// ids can be reused after a deletion; version ids never are). Shared by every connection of
    /// the process: rows never change content once written.
    final class Cache: @unchecked Sendable {
        private struct Entry {
            var versionID: String
            var value: JSONValue
            var text: String?
            var cost: Int
        }

        private let lock = NSLock()
        private var entries: [Int64: Entry] = [:]
        /// Insertion order, for eviction; may name rows already evicted.
        private var order: [Int64] = []
        private var orderStart = 0
        private var totalCost = 0
        private let capacityBytes: Int

        init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

        /// The whole value of row `rowID`.
        func value(rowID: Int64, versionID: String, in db: Database) throws -> JSONValue {
            if let hit = lookup(rowID, versionID) { return hit.value }
            return try rebuild(rowID: rowID, in: db).value
        }

        /// The whole value of row `rowID` as canonical text.
        func text(rowID: Int64, versionID: String, in db: Database) throws -> String {
            if let hit = lookup(rowID, versionID), let text = hit.text { return text }
            let value = try value(rowID: rowID, versionID: versionID, in: db)
            let text = value.canonicalText
            lock.withLock {
                if entries[rowID]?.versionID == versionID { entries[rowID]!.text = text }
            }
            return text
        }

        /// Forgets everything, as a new process would start.
        func removeAll() {
            lock.withLock {
                entries = [:]
                order = []
                orderStart = 0
                totalCost = 0
            }
        }

        /// Notes the value of a row just written, so the next write of the entity starts from it.
        func remember(rowID: Int64, versionID: String, value: JSONValue, cost: Int) {
            store(rowID, Entry(versionID: versionID, value: value, text: nil, cost: cost))
        }

        private func lookup(_ rowID: Int64, _ versionID: String) -> Entry? {
            lock.withLock {
                guard let entry = entries[rowID], entry.versionID == versionID else { return nil }
                return entry
            }
        }

        /// Keeps `entry` if its entity is large enough to be stored as deltas; smaller ones are
        /// always keyframes, read straight from their row, and not worth the memory.
        private func store(_ rowID: Int64, _ entry: Entry) {
            guard entry.cost >= EntityData.smallestDeltaEntity else { return }
            lock.withLock {
                if let old = entries.updateValue(entry, forKey: rowID) {
                    totalCost -= old.cost
                } else {
                    order.append(rowID)
                }
                totalCost += entry.cost
                while totalCost > capacityBytes, orderStart < order.count {
                    let evicted = order[orderStart]
                    orderStart += 1
                    if let old = entries.removeValue(forKey: evicted) { totalCost -= old.cost }
                }
                if orderStart > 4096, orderStart * 2 > order.count {
                    order.removeFirst(orderStart)
                    orderStart = 0
                }
            }
        }

        /// Walks back from `rowID` to a keyframe or a cached row, then applies the deltas forward.
        private func rebuild(rowID: Int64, in db: Database) throws -> (value: JSONValue, versionID: String) {
            var deltas: [(id: Int64, versionID: String, delta: JSONValue, cost: Int)] = []
            var current = rowID
            var value: JSONValue
            while true {
                guard let row = try db.fetchOne(Row.self, """
                    SELECT version_id, data, delta, base_id, keyframe_bytes + chain_bytes AS cost, blobs FROM entity_version WHERE id = ?
                    """, [current]) else {
                    throw EngineError(.storage, "The store is damaged: entity version \(current) is missing from a delta chain.",
                                      ["detail": .string("missing entity_version \(current)")])
                }
                let versionID: String = row["version_id"]
                if let hit = lookup(current, versionID) {
                    value = hit.value
                    break
                }
                let blobs: Int = row["blobs"]
                guard let delta: String = row["delta"] else {
                    value = try stored(row["data"], blobs: blobs, db)
                    store(current, Entry(versionID: versionID, value: value, text: blobs == 0 ? row["data"] : nil, cost: row["cost"]))
                    break
                }
                deltas.append((current, versionID, try stored(delta, blobs: blobs, db), row["cost"]))
                current = row["base_id"]
            }
            for step in deltas.reversed() {
                do {
                    value = try value.applying(jsonPatch: step.delta.arrayValue ?? [])
                } catch {
                    throw EngineError(.storage, "The store is damaged: a stored delta does not apply.", ["detail": .string("\(error)")])
                }
            }
            if let last = deltas.first {
                store(last.id, Entry(versionID: last.versionID, value: value, text: nil, cost: last.cost))
                return (value, last.versionID)
            }
            return (value, "")
        }

        /// Parsed stored text, with the blobs it refers to read back.
        private func stored(_ text: String, blobs: Int, _ db: Database) throws -> JSONValue {
            let value = try JSONParser.parse(text)
            return blobs == 0 ? value : try Blobs.expanded(value, in: db)
        }
    }
}
