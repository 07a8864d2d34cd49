import RevstoreJSON

/// A declared field (protocol/README.md §6, Types).
public struct FieldDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, integer, number, boolean, object, array, datetime, bytes, ref, any
    }

    public enum Index: String, Sendable {
        case plain, unique
    }

    public var kind: Kind
    public var required = false
    public var nullable = false
    public var defaultValue: JSONValue?
    public var index: Index?
    /// For arrays: what each element is. On a `ref` field: it holds a list of ids.
    public var items: [FieldDefinition] = []
    /// For `ref` fields (or arrays of refs): the referenced type.
    public var ref: String?
    /// Changing a referenced entity gives this entity a new version too.
    public var propagate = false

    /// The type this field refers to, and whether it holds several ids.
    var reference: (type: String, many: Bool)? {
        if kind == .ref, let ref { return (ref, !items.isEmpty) }
        if kind == .array, let element = items.first, element.kind == .ref, let ref = element.ref { return (ref, true) }
        return nil
    }
}

/// A declared shape for the entities of one type. Types are store-wide.
public struct TypeDefinition: Sendable, Equatable, JSONEncodable {
    public var name: String
    public var fields: [String: FieldDefinition]
    /// Undeclared fields are rejected.
    public var strict: Bool
    public var description: String?
    /// 1 when defined, +1 at each compatible redefinition.
    public var revision: Int
    public var createdAt: String
    public var updatedAt: String

    var indexedFields: [String] { fields.keys.sorted().filter { fields[$0]!.index != nil } }
    var uniqueFields: [String] { fields.keys.sorted().filter { fields[$0]!.index == .unique } }
}

// MARK: - Reading a definition

extension TypeDefinition {
    /// Reads `{name, fields, strict?, description?}`; a malformed part is `-32602` with its path.
    init(name: String, fields: JSONValue, strict: Bool, description: String?) throws(EngineError) {
        try Names.checkType(name, path: "name")
        guard case .object(let members) = fields else { throw .invalidArgument("fields must be an object of field definitions", path: "fields") }
        var parsed: [String: FieldDefinition] = [:]
        for (field, spec) in members {
            try Names.checkField(field, path: "fields.\(field)")
            parsed[field] = try FieldDefinition(spec, path: "fields.\(field)")
        }
        self.init(name: name, fields: parsed, strict: strict, description: description, revision: 1, createdAt: "", updatedAt: "")
    }
}

extension FieldDefinition {
    init(_ spec: JSONValue, path: String) throws(EngineError) {
        guard case .object(let members) = spec else { throw .invalidArgument("a field definition must be an object", path: path) }
        let known: Set<String> = ["type", "required", "nullable", "default", "index", "items", "ref", "propagate", "description"]
        if let unknown = members.sortedKeys.first(where: { !known.contains($0) }) {
            throw .invalidArgument("unknown field property \"\(unknown)\"", path: "\(path).\(unknown)")
        }
        guard let kindName = members["type"]?.stringValue, let kind = Kind(rawValue: kindName) else {
            throw .invalidArgument("type must be one of \(Kind.allCases.map(\.rawValue).joined(separator: " "))", path: "\(path).type")
        }
        self.init(kind: kind)
        func flag(_ name: String) throws(EngineError) -> Bool {
            guard let value = members[name] else { return false }
            guard case .bool(let b) = value else { throw .invalidArgument("\(name) must be true or false", path: "\(path).\(name)") }
            return b
        }
        required = try flag("required")
        nullable = try flag("nullable")
        propagate = try flag("propagate")
        switch members["index"] {
        case nil, .bool(false)?: index = nil
        case .bool(true)?: index = .plain
        case .string("unique")?: index = .unique
        default: throw .invalidArgument("index is true or \"unique\"", path: "\(path).index")
        }
        if let items = members["items"] {
            self.items = [try FieldDefinition(items, path: "\(path).items")]
        }
        if let ref = members["ref"] {
            guard case .string(let target) = ref else { throw .invalidArgument("ref names a type", path: "\(path).ref") }
            try Names.checkType(target, path: "\(path).ref")
            self.ref = target
        }
        if kind == .ref, ref == nil { throw .invalidArgument("a ref field names its type in ref", path: "\(path).ref") }
        if kind != .ref, ref != nil { throw .invalidArgument("ref goes with type ref", path: "\(path).ref") }
        if !items.isEmpty, kind != .array, kind != .ref { throw .invalidArgument("items goes with type array or ref", path: "\(path).items") }
        if index != nil, kind == .object || kind == .array || (kind == .ref && !items.isEmpty) {
            throw .invalidArgument("only scalar fields can be indexed", path: "\(path).index")
        }
        if propagate, reference == nil { throw .invalidArgument("propagate goes with ref fields", path: "\(path).propagate") }
        if let value = members["default"] {
            let problems = check(value, path: "default")
            if let first = problems.first { throw .invalidArgument("the default does not fit the field: \(first.message)", path: "\(path).default") }
            defaultValue = value
        }
    }
}

// MARK: - Validating data

/// One reason data does not fit its type.
struct ValidationProblem: Sendable {
    var path: String
    var message: String

    var json: JSONValue { ["path": .string(path), "message": .string(message)] }
}

extension TypeDefinition {
    /// Fills defaults into `data` and returns every problem with it.
    func validate(_ data: inout JSONValue) -> [ValidationProblem] {
        guard case .object(var members) = data else { return [ValidationProblem(path: "$", message: "must be an object")] }
        var problems: [ValidationProblem] = []
        for name in fields.keys.sorted() {
            let field = fields[name]!
            guard let value = members[name] else {
                if let value = field.defaultValue {
                    members[name] = value
                } else if field.required {
                    problems.append(ValidationProblem(path: "$.\(name)", message: "is required"))
                }
                continue
            }
            problems += field.check(value, path: "$.\(name)")
        }
        if strict {
            for name in members.sortedKeys where fields[name] == nil {
                problems.append(ValidationProblem(path: "$.\(name)", message: "is not a declared field of \(self.name), which is strict"))
            }
        }
        data = .object(members)
        return problems
    }
}

extension FieldDefinition {
    func check(_ value: JSONValue, path: String) -> [ValidationProblem] {
        if value.isNull {
            return nullable || kind == .any ? [] : [ValidationProblem(path: path, message: "must not be null")]
        }
        func problem(_ expected: String) -> [ValidationProblem] {
            [ValidationProblem(path: path, message: "must be \(expected), not \(value.typeName)")]
        }
        switch kind {
        case .any: return []
        case .string: return value.stringValue != nil ? [] : problem("a string")
        case .integer: return value.numberValue.map { $0.intValue != nil } == true ? [] : problem("an integer")
        case .number: return value.numberValue != nil ? [] : problem("a number")
        case .boolean: return value.boolValue != nil ? [] : problem("a boolean")
        case .object: return value.objectValue != nil ? [] : problem("an object")
        case .bytes:
            return value.bytesValue != nil ? [] : problem(#"bytes, {"$bytes": "<base64>"}"#)
        case .datetime:
            guard let text = value.stringValue else { return problem("an RFC 3339 date-time string") }
            return Self.isDateTime(text) ? [] : [ValidationProblem(path: path, message: "must be an RFC 3339 date-time, not \"\(text)\"")]
        case .array, .ref:
            if kind == .ref, items.isEmpty {
                return value.stringValue.map { !$0.isEmpty } == true ? [] : problem("the id of a \(ref ?? "")")
            }
            guard case .array(let elements) = value else { return problem(kind == .ref ? "a list of ids of \(ref ?? "")" : "an array") }
            let element = kind == .ref ? FieldDefinition(kind: .ref, ref: ref) : items.first
            guard let element else { return [] }
            return elements.enumerated().flatMap { index, item in element.check(item, path: "\(path)[\(index)]") }
        }
    }

    /// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`.
    static func isDateTime(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= b.count && range.allSatisfy { b[$0] >= 48 && b[$0] <= 57 } }
        guard b.count >= 20, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10), b[10] | 0x20 == 116,
              digits(11..<13), b[13] == 58, digits(14..<16), b[16] == 58, digits(17..<19) else { return false }
        var i = 19
        if i < b.count, b[i] == 46 {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            if i == start { return false }
        }
        if i < b.count, b[i] | 0x20 == 122 { return i + 1 == b.count }
        guard i + 6 == b.count, b[i] == 43 || b[i] == 45, digits(i + 1..<i + 3), b[i + 3] == 58, digits(i + 4..<i + 6) else { return false }
        return true
    }
}

// MARK: - Redefinition

extension TypeDefinition {
    /// Why `new` may not replace `self`: only optional fields may be added, indexes added or
    /// dropped, and rules relaxed.
    func incompatibilities(with new: TypeDefinition) -> [String] {
        var problems: [String] = []
        if !strict, new.strict { problems.append("the type became strict") }
        for name in fields.keys.sorted() {
            guard let replacement = new.fields[name] else {
                problems.append("field \(name) was removed")
                continue
            }
            problems += fields[name]!.incompatibilities(with: replacement, path: name)
        }
        for name in new.fields.keys.sorted() where fields[name] == nil && new.fields[name]!.required {
            problems.append("new field \(name) is required; only optional fields can be added")
        }
        return problems
    }
}

extension FieldDefinition {
    func incompatibilities(with new: FieldDefinition, path: String) -> [String] {
        var problems: [String] = []
        let widened = new.kind == .any || (kind == .integer && new.kind == .number)
        if kind != new.kind, !widened { problems.append("field \(path) changed type from \(kind.rawValue) to \(new.kind.rawValue)") }
        if !required, new.required { problems.append("field \(path) became required") }
        if nullable, !new.nullable { problems.append("field \(path) is no longer nullable") }
        if kind == new.kind, ref != new.ref { problems.append("field \(path) now refers to \(new.ref ?? "nothing") instead of \(ref ?? "nothing")") }
        if kind == new.kind, let old = items.first {
            if let replacement = new.items.first {
                problems += old.incompatibilities(with: replacement, path: "\(path).items")
            } else if kind == .ref {
                problems.append("field \(path) changed from a list of ids to one id")
            }
        } else if kind == new.kind, kind == .ref, !new.items.isEmpty {
            problems.append("field \(path) changed from one id to a list of ids")
        }
        return problems
    }
}
