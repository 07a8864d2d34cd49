import RevstoreJSON

extension TypeDefinition {
    /// The stored form: the definition without its bookkeeping.
    var storedJSON: JSONValue {
        ["fields": .object(JSONObject(uniqueKeysWithValues: fields.lazy.map { ($0.key, $0.value.json) })), "strict": .bool(strict),
         "description": description.map(JSONValue.string) ?? .null]
    }
}

extension FieldDefinition: JSONEncodable {
    enum CodingKeys: String, CodingKey {
        case kind = "type", required, nullable, propagate, defaultValue = "default", index, items, ref
    }

    /// `default`, `index`, `items` and `ref` only when the field has them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(required, forKey: .required)
        try container.encode(nullable, forKey: .nullable)
        try container.encode(propagate, forKey: .propagate)
        if let defaultValue { try container.encode(defaultValue, forKey: .defaultValue) }
        switch index {
        case .plain?: try container.encode(true, forKey: .index)
        case .unique?: try container.encode("unique", forKey: .index)
        case nil: break
        }
        if let element = items.first { try container.encode(element, forKey: .items) }
        if let ref { try container.encode(ref, forKey: .ref) }
    }
}
