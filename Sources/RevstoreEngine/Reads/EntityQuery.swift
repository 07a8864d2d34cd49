import GRDB
import RevstoreJSON

/// What `entity/query` asks for.
public struct EntityQuery: Sendable {
    public var type: String?
    /// The `where` document (protocol/README.md §7).
    public var filter: JSONValue?
    /// Fields, `-` prefix for descending; ties are broken by `$id`.
    public var orderBy: [String]
    public var limit: Int
    public var offset: Int
    public var includeDeleted: Bool
    public var count: Bool
    /// Ref fields whose ids are replaced by the referenced entities, as of the same version.
    public var expand: [String]
    /// Every branch of the session at once: each entity in the version last written of it on
    /// any branch, instead of the entities visible at one position.
    public var allBranches: Bool

    public static let defaultLimit = 100
    public static let maximumLimit = 10_000

    public init(type: String? = nil, filter: JSONValue? = nil, orderBy: [String] = [], limit: Int = defaultLimit,
                offset: Int = 0, includeDeleted: Bool = false, count: Bool = false, expand: [String] = [], allBranches: Bool = false) {
        self.expand = expand
        self.allBranches = allBranches
        self.type = type
        self.filter = filter
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
        self.includeDeleted = includeDeleted
        self.count = count
    }
}

/// Turns a `where` document and `orderBy` list into SQL over `entity e JOIN entity_version v`.
///
/// Nothing a client sends becomes SQL text: data paths are bound as JSON path parameters,
/// `$` fields come from a fixed table, operators from a fixed list; anything else is rejected.
struct QueryCompiler {
    private(set) var arguments = StatementArguments()
    /// Top-level fields with an index: spelled as the index's own literal expression, which is
    /// what lets SQLite use it (a bound JSON path would not match the indexed expression).
    /// By code point: a name equal only canonically (`"\u{212A}ey"`, `"Key"`) is another member.
    var indexedFields: Set<CodePointString> = []
    /// Whether a condition or ordering used an indexed field.
    private(set) var usesIndexedField = false
    /// For a `strict` declared type, its fields: a query on any other is a mistake, not an empty result.
    var strictFields: Set<CodePointString>?

    /// A value a condition reads: its SQL expression and the SQL for its JSON type name
    /// (`'text'`, `'integer'`, `'real'`, `'true'`, `'false'`, `'null'`, `'array'`,
    /// `'object'`, or NULL when the field is missing).
    private struct Operand {
        var value: String
        var type: String
        /// The JSON path bound for each use of `value` and `type`; nil when they are literal.
        var path: String?
        /// The JSON path, for operators that look inside arrays (contains).
        var arrayPath: String?
    }

    static let operators: Set<String> = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "startsWith", "exists"]

    /// `$` fields: column and JSON kind.
    private static let metaFields: [String: (column: String, kind: String)] = [
        "$id": ("e.entity_id", "text"),
        "$version": ("v.number", "integer"),
        "$createdAt": ("v.created_at", "text"),
        "$updatedAt": ("v.updated_at", "text"),
        "$createdAtVersion": ("v.created_at_version", "integer"),
        "$updatedAtVersion": ("v.valid_from", "integer"),
        "$createdBy": ("v.created_by", "text"),
        "$updatedBy": ("v.updated_by", "text"),
    ]

    // MARK: - where

    /// How deep `$and`, `$or` and `$not` may nest: SQLite's parser has a fixed stack, and a
    /// deeper clause would fail there. Breadth is not limited: long lists are joined as
    /// balanced trees, and `in` takes its strings and numbers as one JSON array.
    static let maximumNesting = 16

    mutating func condition(_ filter: JSONValue, path: String, depth: Int = 0) throws(EngineError) -> String {
        guard case .object(let members) = filter else {
            throw .invalidArgument("a where clause must be an object", path: path)
        }
        guard depth <= Self.maximumNesting else {
            throw .invalidArgument("where clauses may nest at most \(Self.maximumNesting) deep ($and, $or, $not)", path: path)
        }
        var parts: [String] = []
        for key in members.sortedKeys {
            let value = members[key]!
            let here = "\(path).\(key)"
            switch key {
            case "$and", "$or":
                guard case .array(let clauses) = value, !clauses.isEmpty else {
                    throw .invalidArgument("\(key) takes a non-empty array of where clauses", path: here)
                }
                var compiled: [String] = []
                for (index, clause) in clauses.enumerated() {
                    compiled.append(try condition(clause, path: "\(here).\(index)", depth: depth + 1))
                }
                parts.append(Self.balanced(compiled, key == "$and" ? "AND" : "OR"))
            case "$not":
                parts.append("NOT (\(try condition(value, path: here, depth: depth + 1)))")
            default:
                let operand = try operand(key, path: here)
                if case .object(let ops) = value, value.bytesMember == nil {
                    // An object is an operator object: a typo is an error, never an equality
                    // that quietly matches nothing. Compare with an object through `eq`; a
                    // bytes value is a value.
                    guard !ops.isEmpty else {
                        throw .invalidArgument("an empty operator object; to compare with {} use {\"eq\": {}}", path: here)
                    }
                    if let unknown = ops.sortedKeys.first(where: { !Self.operators.contains($0) }) {
                        throw .invalidArgument("unknown operator \"\(unknown)\"; operators are \(Self.operators.sorted().joined(separator: " ")), "
                                               + "and an object value is compared with {\"eq\": {...}}", path: "\(here).\(unknown)")
                    }
                    for op in ops.sortedKeys {
                        parts.append(try comparison(op, operand, ops[op]!, path: "\(here).\(op)"))
                    }
                } else {
                    parts.append(try comparison("eq", operand, value, path: here))
                }
            }
        }
        return parts.isEmpty ? "1" : Self.balanced(parts, "AND")
    }

    /// `parts` joined by `op` as a balanced tree: SQLite limits an expression's depth, and a
    /// flat chain of n terms is n deep where a balanced one is log n.
    static func balanced(_ parts: [String], _ op: String) -> String {
        if parts.count == 1 { return "(\(parts[0]))" }
        let middle = parts.count / 2
        return "(\(balanced(Array(parts[..<middle]), op)) \(op) \(balanced(Array(parts[middle...]), op)))"
    }

    private mutating func operand(_ field: String, path: String) throws(EngineError) -> Operand {
        if field.hasPrefix("$") {
            guard let meta = Self.metaFields[field] else {
                throw .invalidArgument("unknown field \"\(field)\"; $ fields are \(Self.metaFields.keys.sorted().joined(separator: " "))", path: path)
            }
            return Operand(value: meta.column, type: "(CASE WHEN \(meta.column) IS NULL THEN NULL ELSE '\(meta.kind)' END)", path: nil, arrayPath: nil)
        }
        let jsonPath = try Self.jsonPath(field, path: path)
        try checkDeclared(field, path: path)
        if indexedFields.contains(CodePointString(field)) {
            usesIndexedField = true
            return Operand(value: Store.fieldExpression(field, table: "v"), type: "json_type(\(EntityData.expression("v")), '$.\"\(field)\"')", path: nil, arrayPath: jsonPath)
        }
        return Operand(value: "json_extract(\(EntityData.expression("v")), ?)", type: "json_type(\(EntityData.expression("v")), ?)", path: jsonPath, arrayPath: jsonPath)
    }

    /// For a strict type, a field it does not declare is a mistake, not an empty result.
    private func checkDeclared(_ field: String, path: String) throws(EngineError) {
        guard let strictFields, let top = Self.components(of: field).first, !strictFields.contains(CodePointString(top)) else { return }
        throw .invalidArgument("the type is strict and has no field \"\(top)\"; its fields are \(strictFields.sorted().map(\.string).joined(separator: " "))", path: path)
    }

    /// `a.b` → `$."a"."b"`. Components are object keys; quotes are not allowed in them.
    static func jsonPath(_ field: String, path: String) throws(EngineError) -> String {
        let components = Self.components(of: field)
        guard !components.isEmpty,
              components.allSatisfy({ !$0.isEmpty && !$0.utf8.contains(UInt8(ascii: "\"")) && !$0.utf8.contains(UInt8(ascii: "\\")) }) else {
            throw .invalidArgument("\"\(field)\" is not a field path: dot-separated names, no empty parts, quotes or backslashes", path: path)
        }
        return "$" + components.map { ".\"\($0)\"" }.joined()
    }

    /// A field path's names, split at each `.` code point (not at each character: a combining
    /// mark after a dot leaves it a dot).
    static func components(of field: String) -> [String] {
        field.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    // Each `?` gets its argument at the moment its SQL is produced, so fragments are always
    // built in text order: `typeOf` and `valueOf` bind the operand's JSON path when it has one.
    //
    // Every fragment is two-valued, never NULL: a missing field has no JSON type, and type tests
    // use IS, so they are false rather than NULL, and the value is compared only when the type
    // matched. (NOT of NULL is NULL, so a NULL would make `$not` drop rows.) The value comparison
    // stays a plain conjunct, which is what lets SQLite use a field's index for it.

    /// A NULL-safe test that `type` is one of `kinds`.
    private static func typeIs(_ type: String, _ kinds: String...) -> String {
        kinds.count == 1 ? "\(type) IS '\(kinds[0])'" : "coalesce(\(type), '') IN (\(kinds.map { "'\($0)'" }.joined(separator: ", ")))"
    }

    private mutating func typeOf(_ operand: Operand) -> String {
        if let path = operand.path { arguments += [path] }
        return operand.type
    }

    private mutating func valueOf(_ operand: Operand) -> String {
        if let path = operand.path { arguments += [path] }
        return operand.value
    }

    private mutating func comparison(_ op: String, _ operand: Operand, _ value: JSONValue, path: String) throws(EngineError) -> String {
        switch op {
        case "eq":
            return try equal(operand, value)
        case "ne":
            let missing = typeOf(operand)
            return "(\(missing) IS NULL OR NOT \(try equal(operand, value)))"
        case "gt", "gte", "lt", "lte":
            let sqlOp = ["gt": ">", "gte": ">=", "lt": "<", "lte": "<="][op]!
            return try ordered(operand, sqlOp, value, path: path)
        case "in", "nin":
            guard case .array(let values) = value else { throw .invalidArgument("\(op) takes an array", path: path) }
            let missing = op == "nin" ? typeOf(operand) : ""
            let any = try membership(operand, values)
            return op == "in" ? any : "(\(missing) IS NULL OR NOT \(any))"
        case "contains":
            return try contains(operand, value, path: path)
        case "startsWith":
            guard case .string(let prefix) = value else { throw .invalidArgument("startsWith takes a string", path: path) }
            let type = typeOf(operand)
            let text = valueOf(operand)
            // On a column or an indexed field, the prefix is also a range, which its index can
            // seek: every string with the prefix sorts at or after it and before its successor.
            guard operand.path == nil, !prefix.isEmpty else {
                arguments += [prefix, prefix]
                return "(\(Self.typeIs(type, "text")) AND substr(\(text), 1, length(?)) = ?)"
            }
            arguments += [prefix]
            var range = "\(text) >= ?"
            if let bound = Self.successor(ofPrefix: prefix) {
                arguments += [bound]
                range += " AND \(text) < ?"
            }
            arguments += [prefix, prefix]
            return "(\(Self.typeIs(type, "text")) AND \(range) AND substr(\(text), 1, length(?)) = ?)"
        case "exists":
            guard case .bool(let wanted) = value else { throw .invalidArgument("exists takes true or false", path: path) }
            return "(\(typeOf(operand)) IS \(wanted ? "NOT NULL" : "NULL"))"
        default:
            throw .invalidArgument("unknown operator \"\(op)\"", path: path)
        }
    }

    /// The least string above every string that begins with `prefix`, in code point order
    /// (which is SQLite's byte order for UTF-8 text): the prefix with its last code point raised
    /// by one; nil when every code point is the greatest there is.
    static func successor(ofPrefix prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            let next = last.value + 1 == 0xD800 ? 0xE000 : last.value + 1
            if let raised = Unicode.Scalar(next) {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars + [raised])
                return String(view)
            }
        }
        return nil
    }

    /// Typed membership in `values`: the strings, and the numbers, each bound as one JSON array
    /// (so ten thousand values are three parameters, and an index on the field still serves);
    /// other values one equality each.
    private mutating func membership(_ operand: Operand, _ values: [JSONValue]) throws(EngineError) -> String {
        var alternatives: [String] = []
        for (kinds, members) in [(["text"], values.filter { $0.stringValue != nil }), (["integer", "real"], values.filter { $0.numberValue != nil })]
        where !members.isEmpty {
            let type = typeOf(operand), value = valueOf(operand)
            arguments += [JSONValue.array(members).canonicalText]
            let typeTest = kinds.count == 1 ? Self.typeIs(type, kinds[0]) : Self.typeIs(type, kinds[0], kinds[1])
            alternatives.append("(\(typeTest) AND \(value) IN (SELECT value FROM json_each(?)))")
        }
        for other in values where other.stringValue == nil && other.numberValue == nil {
            alternatives.append(try equal(operand, other))
        }
        return alternatives.isEmpty ? "0" : Self.balanced(alternatives, "OR")
    }

    /// Typed equality: values of different JSON types are never equal.
    private mutating func equal(_ operand: Operand, _ value: JSONValue) throws(EngineError) -> String {
        let type = typeOf(operand)
        switch value {
        case .null: return "(\(Self.typeIs(type, "null")))"
        case .bool(let b): return "(\(Self.typeIs(type, b ? "true" : "false")))"
        case .string(let s):
            let text = valueOf(operand)
            arguments += [s]
            return "(\(Self.typeIs(type, "text")) AND \(text) = ?)"
        case .number(let n):
            let number = valueOf(operand)
            arguments += [JSONValue.number(n).databaseValue]
            return "(\(Self.typeIs(type, "integer", "real")) AND \(number) = ?)"
        case .array, .object:
            let json = valueOf(operand)
            arguments += [value.canonicalText]
            return "(\(Self.typeIs(type, value.typeName)) AND \(json) = ?)"
        }
    }

    private mutating func ordered(_ operand: Operand, _ sqlOp: String, _ value: JSONValue, path: String) throws(EngineError) -> String {
        switch value {
        case .string(let s):
            let type = typeOf(operand), text = valueOf(operand)
            arguments += [s]
            return "(\(Self.typeIs(type, "text")) AND \(text) \(sqlOp) ?)"
        case .number(let n):
            let type = typeOf(operand), number = valueOf(operand)
            arguments += [JSONValue.number(n).databaseValue]
            return "(\(Self.typeIs(type, "integer", "real")) AND \(number) \(sqlOp) ?)"
        case .bool(let b):
            let type = typeOf(operand), flag = valueOf(operand)
            arguments += [b ? 1 : 0]
            return "(\(Self.typeIs(type, "true", "false")) AND \(flag) \(sqlOp) ?)"
        default:
            throw .invalidArgument("gt, gte, lt and lte compare strings, numbers or booleans", path: path)
        }
    }

    /// An array holding an equal element, or a string holding the substring.
    private mutating func contains(_ operand: Operand, _ value: JSONValue, path: String) throws(EngineError) -> String {
        var alternatives: [String] = []
        if let jsonPath = operand.arrayPath {
            arguments += [jsonPath, jsonPath]
            let match = try equal(Operand(value: "element.value", type: "element.type", path: nil, arrayPath: nil), value)
            alternatives.append("(json_type(\(EntityData.expression("v")), ?) IS 'array' AND EXISTS (SELECT 1 FROM json_each(\(EntityData.expression("v")), ?) AS element WHERE \(match)))")
        }
        if case .string(let needle) = value {
            let type = typeOf(operand), text = valueOf(operand)
            arguments += [needle]
            alternatives.append("(\(Self.typeIs(type, "text")) AND instr(\(text), ?) > 0)")
        }
        if alternatives.isEmpty { throw .invalidArgument("contains on a $ field takes a string", path: path) }
        return "(" + alternatives.joined(separator: " OR ") + ")"
    }

    // MARK: - orderBy

    /// ORDER BY terms for `orderBy`, then `$id` (and type) to break ties.
    mutating func ordering(_ fields: [String], path: String) throws(EngineError) -> String {
        var terms: [String] = []
        for (index, entry) in fields.enumerated() {
            let descending = entry.hasPrefix("-")
            let field = descending ? String(entry.dropFirst()) : entry
            let here = "\(path).\(index)"
            let expression: String
            if field.hasPrefix("$") {
                guard let meta = Self.metaFields[field] else { throw .invalidArgument("unknown field \"\(field)\"", path: here) }
                expression = meta.column
            } else if indexedFields.contains(CodePointString(field)) {
                usesIndexedField = true
                expression = Store.fieldExpression(field, table: "v")
            } else {
                try checkDeclared(field, path: here)
                arguments += [try Self.jsonPath(field, path: here)]
                expression = "json_extract(\(EntityData.expression("v")), ?)"
            }
            terms.append("\(expression) \(descending ? "DESC" : "ASC")")
        }
        terms.append("e.entity_id ASC")
        terms.append("e.type ASC")
        return terms.joined(separator: ", ")
    }
}
