import RevstoreJSON

extension TypeDefinition {
    public var json: JSONValue {
        ["name": .string(name), "fields": .object(JSONObject(uniqueKeysWithValues: fields.lazy.map { ($0.key, $0.value.json) })), "strict": .bool(strict),
         "description": .optional(description), "revision": .integer(revision), "createdAt": .string(createdAt), "updatedAt": .string(updatedAt)]
    }

    /// The stored form: the definition without its bookkeeping.
    var storedJSON: JSONValue {
        ["fields": .object(JSONObject(uniqueKeysWithValues: fields.lazy.map { ($0.key, $0.value.json) })), "strict": .bool(strict), "description": .optional(description)]
    }
}

extension FieldDefinition {
    public var json: JSONValue {
        var members: JSONObject = ["type": .string(kind.rawValue), "required": .bool(required), "nullable": .bool(nullable), "propagate": .bool(propagate)]
        if let defaultValue { members["default"] = defaultValue }
        switch index {
        case .plain?: members["index"] = true
        case .unique?: members["index"] = "unique"
        case nil: break
        }
        if let element = items.first { members["items"] = element.json }
        if let ref { members["ref"] = .string(ref) }
        return .object(members)
    }
}
