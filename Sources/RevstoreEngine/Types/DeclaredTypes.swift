import Foundation
import GRDB

/// Every type declared in a store, read from `type_def` once per declaration rather than once per
/// commit or query.
///
/// Each declaration writes a fresh id as `store_meta`'s `types` (in its own transaction), so the
/// id names one set of definitions in any store file, whichever process wrote it: a cache keyed
/// by it needs no other invalidation. A store that never declared a type has no id.
struct DeclaredTypes: Sendable {
    let byName: [String: TypeDefinition]
    /// The types with a `propagate` field.
    let propagating: [TypeDefinition]

    init(_ definitions: [TypeDefinition]) {
        byName = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
        propagating = definitions.filter { $0.fields.values.contains(where: \.propagate) }.sorted { $0.name < $1.name }
    }

    static let none = DeclaredTypes([])

    fileprivate static let cache = Cache()

    fileprivate final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String: DeclaredTypes] = [:]

        func value(for id: String, load: () throws -> DeclaredTypes) rethrows -> DeclaredTypes {
            if let hit = lock.withLock({ entries[id] }) { return hit }
            let loaded = try load()
            lock.withLock {
                // A process serves a few stores, each with one current id: old ids only linger.
                if entries.count >= 64 { entries = [:] }
                entries[id] = loaded
            }
            return loaded
        }
    }
}

extension Database {
    /// The store's declared types, as of this transaction.
    func declaredTypes() throws -> DeclaredTypes {
        guard let id = try fetchOne(TypesID.self, Self.selectTypesID)?.value else { return .none }
        return try DeclaredTypes.cache.value(for: id) { DeclaredTypes(try storedTypeDefinitions()) }
    }

    func typeDefinition(_ name: String) throws -> TypeDefinition? {
        try declaredTypes().byName[name]
    }

    /// Notes, in the transaction that changes `type_def`, that the declared types changed.
    func noteTypesChanged() throws {
        try run(Self.upsertTypesID, [Identifier.make()])
    }

    /// The rows of `type_def` themselves: for the cache, and for migrations that run before the
    /// `types` id existed.
    func storedTypeDefinitions() throws -> [TypeDefinition] {
        try fetchAll(Row.self, "SELECT * FROM type_def", []).map(TypeDefinition.init(row:))
    }

    private struct TypesID: ColumnRecord {
        let value: String
        init(_ row: ColumnRow) { value = row.text(0) }
    }

    private static let selectTypesID = HotSQL("SELECT value FROM store_meta WHERE key = 'types'")
    private static let upsertTypesID = HotSQL("""
        INSERT INTO store_meta(key, value) VALUES ('types', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
        """)
}
