extension JSONValue {
    /// Applies an RFC 7396 merge patch: object members merge recursively, `null` removes a
    /// member, anything else replaces. A bytes value (`JSONValue+Bytes`) is one value: it
    /// replaces, and is replaced, whole.
    public func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch, patch.bytesMember == nil else { return patch }
        var result = bytesMember == nil ? objectValue ?? [:] : [:]
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
    /// one, anything else that differs (bytes values included) is replaced whole. Operations are
    /// in a stable order.
    public func jsonPatch(to target: JSONValue) -> [JSONValue] {
        var operations: [JSONValue] = []
        Self.diff(self, target, pointer: "", arraysGrow: false, into: &operations)
        return operations
    }

    /// Like `jsonPatch(to:)`, but an array that only grew or shrank at its end is patched by its
    /// new or removed elements, not replaced: the delta of an append is about the appended
    /// element.
    public func delta(to target: JSONValue) -> [JSONValue] {
        var operations: [JSONValue] = []
        Self.diff(self, target, pointer: "", arraysGrow: true, into: &operations)
        return operations
    }

    private static func diff(_ source: JSONValue, _ target: JSONValue, pointer: String, arraysGrow: Bool, into operations: inout [JSONValue]) {
        if source == target { return }
        if arraysGrow, case .array(let from) = source, case .array(let to) = target {
            if from.count < to.count, to[..<from.count].elementsEqual(from) {
                for element in to[from.count...] {
                    operations.append(["op": "add", "path": .string(pointer + "/-"), "value": element])
                }
                return
            }
            if to.count < from.count, from[..<to.count].elementsEqual(to) {
                for position in (to.count..<from.count).reversed() {
                    operations.append(["op": "remove", "path": .string(pointer + "/\(position)")])
                }
                return
            }
        }
        guard case .object(let from) = source, case .object(let to) = target, source.bytesMember == nil, target.bytesMember == nil else {
            operations.append(["op": "replace", "path": .string(pointer), "value": target])
            return
        }
        for key in from.sortedKeys where to[key] == nil {
            operations.append(["op": "remove", "path": .string(pointer + "/" + JSONPointer.escape(key))])
        }
        for key in to.sortedKeys {
            let path = pointer + "/" + JSONPointer.escape(key)
            if let old = from[key] {
                diff(old, to[key]!, pointer: path, arraysGrow: arraysGrow, into: &operations)
            } else {
                operations.append(["op": "add", "path": .string(path), "value": to[key]!])
            }
        }
    }
}
