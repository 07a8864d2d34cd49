import Foundation
import GRDB
import RevstoreJSON

/// Bytes values kept as blobs (protocol/DESIGN.md, "Bytes are blobs"): in a row's stored text a
/// bytes value `{"$bytes": "<base64>"}` is `{"$bytes": id}`, naming the row of `blob` that holds
/// the bytes themselves, once however many versions hold them. A blob counts the rows that refer
/// to it (`hold`); triggers release it when such a row goes or is rewritten, and remove it with
/// the last one.
enum Blobs {
    /// The stored text of `value` (an entity's data, or a delta), and the blobs it refers to,
    /// each once. Blobs it names for the first time are written.
    static func storedText(of value: JSONValue, in db: Database) throws -> (text: String, blobs: [Int64]) {
        var blobs: [Int64] = []
        var writer = JSONWriter()
        try writer.writeCanonical(value) { object in
            guard let bytes = object.bytesValue else { return nil }
            let id = try blobID(of: bytes, db)
            if !blobs.contains(id) { blobs.append(id) }
            return .object([JSONValue.bytesKey: .integer(Int(id))])
        }
        return (String(decoding: writer.bytes, as: UTF8.self), blobs)
    }

    /// `stored` (parsed stored text) with each blob it refers to read back as a bytes value.
    static func expanded(_ stored: JSONValue, in db: Database) throws -> JSONValue {
        switch stored {
        case .array(let elements):
            return .array(try elements.map { try expanded($0, in: db) })
        case .object(let members):
            if case .number(let number)? = stored.bytesMember, let id = number.intValue {
                guard let bytes = try db.fetchOne(BlobBytes.self, selectBytes, [id])?.bytes else {
                    throw EngineError(.storage, "The store is damaged: blob \(id) is missing.", ["detail": .string("missing blob \(id)")])
                }
                return .bytes(bytes)
            }
            return .object(try members.mapValues { try expanded($0, in: db) })
        default:
            return stored
        }
    }

    /// Counts one more row referring to each of `blobs` (`storedText`'s, each once): for a row
    /// written, or rewritten, before the rewrite releases what it referred to.
    static func hold(_ blobs: [Int64], in db: Database) throws {
        for blob in blobs { try db.run(holdBlob, [blob]) }
    }

    private static let holdBlob = HotSQL("UPDATE blob SET refs = refs + 1 WHERE id = ?")
    private static let selectBytes = HotSQL("SELECT bytes FROM blob WHERE id = ?")
    private static let selectID = HotSQL("SELECT id FROM blob WHERE hash = ? AND bytes = ?")
    private static let insertBlob = HotSQL("INSERT INTO blob(hash, bytes) VALUES (?, ?)")

    private struct BlobBytes: ColumnRecord {
        let bytes: Data
        init(_ row: ColumnRow) { bytes = row.blob(0) }
    }

    /// The blob holding `bytes`, written if there is none yet.
    private static func blobID(of bytes: Data, _ db: Database) throws -> Int64 {
        let hash = fnv1a(bytes)
        if let id = try db.fetchInteger(selectID, [hash, bytes]) { return Int64(id) }
        try db.run(insertBlob, [hash, bytes])
        return db.lastInsertedRowID
    }

    private static func fnv1a(_ bytes: Data) -> Int64 {
        bytes.withUnsafeBytes { buffer in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in buffer { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int64(bitPattern: hash)
        }
    }
}
