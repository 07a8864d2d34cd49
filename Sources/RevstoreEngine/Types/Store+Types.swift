import GRDB
import RevstoreJSON

extension Store {
    /// Declares (or compatibly redeclares) a type; its indexed fields get an index.
    public func submitDefineType(name: String, fields: JSONValue, strict: Bool, description: String?) -> WriteTicket<TypeDefinition> {
        submitWrite { db in
            var definition = try TypeDefinition(name: name, fields: fields, strict: strict, description: description)
            let now = Timestamp.now()
            if let existing = try db.typeDefinition(name) {
                let problems = existing.incompatibilities(with: definition)
                if !problems.isEmpty {
                    throw EngineError(.schemaConflict, "The new definition of \(name) is not compatible with the current one.",
                                      ["problems": .array(problems.map(JSONValue.string)), "type": .string(name)])
                }
                definition.revision = existing.revision + 1
                definition.createdAt = existing.createdAt
                for field in existing.indexedFields where definition.fields[field]?.index == nil {
                    try db.execute(sql: "DROP INDEX IF EXISTS \(Self.indexName(name, field))")
                }
            } else {
                definition.createdAt = now
            }
            definition.updatedAt = now
            if !definition.indexedFields.isEmpty {
                // Indexes read stored text, so every version of an indexed type is stored whole.
                try EntityData.makeKeyframes(db, where: "v.type = ?", [name], indexed: true)
            }
            for field in definition.uniqueFields {
                try Self.checkUnique(db, type: name, field: field)
            }
            try Self.createIndexes(db, for: definition)
            try db.run("""
                INSERT INTO type_def(name, definition, revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, revision = excluded.revision, updated_at = excluded.updated_at
                """, [name, definition.storedJSON.canonicalText, definition.revision, definition.createdAt, now])
            try db.noteTypesChanged()
            return definition
        }
    }

    public func typeDefinition(_ name: String) throws(EngineError) -> TypeDefinition {
        try read { db in
            guard let definition = try db.typeDefinition(name) else {
                throw EngineError.notFound("type", ["type": .string(name)], "\"\(name)\"")
            }
            return definition
        }
    }

    public func typeDefinitions() throws(EngineError) -> [TypeDefinition] {
        try read { db in try db.declaredTypes().byName.values.sorted { $0.name < $1.name } }
    }

    /// The index of a declared field. The type name's length keeps every (type, field) pair
    /// apart: type `a_b` field `c` and type `a` field `b_c` would otherwise share a name.
    static func indexName(_ type: String, _ field: String) -> String { "\"field_\(type.utf8.count)_\(type)_\(field)\"" }

    /// Makes the indexes of a definition's indexed fields, where missing.
    static func createIndexes(_ db: Database, for definition: TypeDefinition) throws {
        for field in definition.indexedFields {
            // Type and field names are identifiers (checked when declared), so they are safe as SQL text.
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS \(indexName(definition.name, field)) ON entity_version(\(fieldExpression(field))) WHERE type = '\(definition.name)'
                """)
        }
    }

    /// The SQL expression an index on `field` is built on; queries must spell it the same way.
    static func fieldExpression(_ field: String, table: String = "") -> String {
        "json_extract(\(table.isEmpty ? "" : table + ".")data, '$.\"\(field)\"')"
    }

    /// A unique field may only be declared when no branch head already has two live entities
    /// sharing a value.
    private static func checkUnique(_ db: Database, type: String, field: String) throws {
        for branch in try db.fetchAll(BranchRow.self, "SELECT \(BranchRow.columns) FROM branch") {
            let segments = try db.segments(of: branch, at: branch.head)
            let visible = Database.visibleRowExpression(segments)
            let duplicate = try Row.fetchOne(db, sql: """
                SELECT \(fieldExpression(field, table: "v")) AS value FROM entity e JOIN entity_version v ON v.id = \(visible.sql)
                WHERE e.session_id = ? AND e.type = ? AND v.deleted = 0 AND \(fieldExpression(field, table: "v")) IS NOT NULL
                GROUP BY 1 HAVING count(*) > 1 LIMIT 1
                """, arguments: visible.arguments + [branch.sessionID, type])
            if duplicate != nil {
                throw EngineError(.schemaConflict, "\(type).\(field) cannot be unique: entities on branch \(branch.name) already share a value.",
                                  ["problems": [.string("existing entities share values of \(field)")], "type": .string(type)])
            }
        }
    }
}

extension TypeDefinition {
    init(row: Row) throws {
        let text: String = row["definition"]
        let stored = try JSONParser.parse(text)
        try self.init(name: row["name"], fields: stored["fields"] ?? .object([:]), strict: stored["strict"]?.boolValue ?? false,
                      description: stored["description"]?.stringValue)
        revision = row["revision"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
