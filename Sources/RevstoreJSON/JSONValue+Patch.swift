extension JSONValue {
    /// Applies an RFC 7396 merge patch: object members merge recursively, `null` removes a
    /// member, anything else replaces.
    public func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = (result[key] ?? .null).merging(patch: value)
            }
        }
        return .object(result)
    }

    /// An RFC 6902 patch that turns `self` into `target`: object members are compared one by
    /// one, anything else that differs is replaced whole. Operations are in a stable order.
    public func jsonPatch(to target: JSONValue) -> [JSONValue] {
        var operations: [JSONValue] = []
        Self.diff(self, target, pointer: "", into: &operations)
        return operations
    }

    private static func diff(_ source: JSONValue, _ target: JSONValue, pointer: String, into operations: inout [JSONValue]) {
        if source == target { return }
        guard case .object(let from) = source, case .object(let to) = target else {
            operations.append(["op": "replace", "path": .string(pointer), "value": target])
            return
        }
        for key in from.keys.sorted() where to[key] == nil {
            operations.append(["op": "remove", "path": .string(pointer + "/" + escape(key))])
        }
        for key in to.keys.sorted() {
            let path = pointer + "/" + escape(key)
            if let old = from[key] {
                diff(old, to[key]!, pointer: path, into: &operations)
            } else {
                operations.append(["op": "add", "path": .string(path), "value": to[key]!])
            }
        }
    }

    /// RFC 6901: `~` becomes `~0`, `/` becomes `~1`.
    private static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
