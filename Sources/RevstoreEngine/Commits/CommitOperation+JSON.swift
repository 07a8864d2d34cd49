import RevstoreJSON

/// Ops as the protocol writes them; staged turns keep their ops in this form.
extension CommitOperation {
    var json: JSONValue {
        var fields: JSONObject
        switch self {
        case .put(let type, let id, let data, let ifVersion):
            fields = ["op": "put", "type": .string(type), "data": data]
            if let id { fields["id"] = .string(id) }
            if let ifVersion { fields["ifVersion"] = .integer(ifVersion) }
        case .create(let type, let id, let data):
            fields = ["op": "create", "type": .string(type), "id": .string(id), "data": data]
        case .patch(let type, let id, let patch, let ifVersion):
            fields = ["op": "patch", "type": .string(type), "id": .string(id), "patch": patch]
            if let ifVersion { fields["ifVersion"] = .integer(ifVersion) }
        case .jsonPatch(let type, let id, let operations, let ifVersion):
            fields = ["op": "patch", "type": .string(type), "id": .string(id), "jsonPatch": .array(operations)]
            if let ifVersion { fields["ifVersion"] = .integer(ifVersion) }
        case .delete(let type, let id, let ifVersion):
            fields = ["op": "delete", "type": .string(type), "id": .string(id)]
            if let ifVersion { fields["ifVersion"] = .integer(ifVersion) }
        case .restore(let type, let id, let data):
            fields = ["op": "restore", "type": .string(type), "id": .string(id)]
            if let data { fields["data"] = data }
        case .fork(let type, let id, let newID, let patch):
            fields = ["op": "fork", "type": .string(type), "id": .string(id)]
            if let newID { fields["newId"] = .string(newID) }
            if let patch { fields["patch"] = patch }
        }
        return .object(fields)
    }

    init(stored json: JSONValue) throws {
        let type = json["type"]?.stringValue ?? ""
        let id = json["id"]?.stringValue
        let ifVersion = json["ifVersion"]?.intValue
        switch json["op"]?.stringValue {
        case "put": self = .put(type: type, id: id, data: json["data"] ?? .object([:]), ifVersion: ifVersion)
        case "create": self = .create(type: type, id: id ?? "", data: json["data"] ?? .object([:]))
        case "patch":
            if let operations = json["jsonPatch"]?.arrayValue {
                self = .jsonPatch(type: type, id: id ?? "", operations: operations, ifVersion: ifVersion)
            } else {
                self = .patch(type: type, id: id ?? "", patch: json["patch"] ?? .object([:]), ifVersion: ifVersion)
            }
        case "delete": self = .delete(type: type, id: id ?? "", ifVersion: ifVersion)
        case "restore": self = .restore(type: type, id: id ?? "", data: json["data"])
        case "fork": self = .fork(type: type, id: id ?? "", newID: json["newId"]?.stringValue, patch: json["patch"])
        default: throw EngineError(.storage, "A staged op could not be read back.", ["detail": .string(json.description)])
        }
    }
}
