import RevstoreJSON

/// An entity named by its type and id. Equality, hashing and order go by code points, so two
/// ids that differ only in normalization (`"\u{E9}"`, `"e\u{301}"`) are two entities, as they
/// are two rows in SQLite.
struct EntityReference: Hashable, Comparable {
    var type: String
    var id: String

    static func == (a: Self, b: Self) -> Bool {
        CodePointString(a.type) == CodePointString(b.type) && CodePointString(a.id) == CodePointString(b.id)
    }

    static func < (a: Self, b: Self) -> Bool {
        (CodePointString(a.type), CodePointString(a.id)) < (CodePointString(b.type), CodePointString(b.id))
    }

    func hash(into hasher: inout Hasher) {
        CodePointString(type).hash(into: &hasher)
        CodePointString(id).hash(into: &hasher)
    }
}
