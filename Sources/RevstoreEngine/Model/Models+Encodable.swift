import RevstoreJSON

extension Entity: JSONWriterEncodable {
    /// Members in UTF-8 order, as `JSONWriter` sorts them; stored data is written as it is.
    public func write(to writer: inout JSONWriter) {
        writer.writeObject { o in
            o.member("branch", branch)
            o.member("createdAt", createdAt)
            o.member("createdAtVersion", createdAtVersion)
            o.member("createdBy", createdBy)
            switch document {
            case .text(let text): o.member("data", text)
            case .value(let value): o.member("data", value)
            }
            o.member("deleted", deleted)
            o.member("deletedAt", deletedAt)
            o.member("deletedBy", deletedBy)
            o.member("id", id)
            o.member("lineageId", lineageId)
            o.member("parentVersionId", parentVersionId)
            o.member("type", type)
            o.member("updatedAt", updatedAt)
            o.member("updatedAtVersion", updatedAtVersion)
            o.member("updatedBy", updatedBy)
            o.member("version", version)
            o.member("versionId", versionId)
        }
    }
}

extension Change: JSONWriterEncodable {
    /// Written with every commit's reply and event.
    public func write(to writer: inout JSONWriter) {
        writer.writeObject { o in
            o.member("change", change.rawValue)
            o.member("id", id)
            o.member("type", type)
            o.member("version", version)
            o.member("versionId", versionId)
        }
    }
}

extension CommitResult: JSONWriterEncodable {
    /// Written with every commit's reply.
    public func write(to writer: inout JSONWriter) { write(to: &writer, conflicts: nil) }

    /// The members, and a merge's `conflicts` among them (in key order) when given.
    func write(to writer: inout JSONWriter, conflicts: [MergeConflict]?) {
        writer.writeObject { o in
            o.member("branch", branch)
            o.member("changes", each: changes) { $0.write($1) }
            if let conflicts { o.member("conflicts", each: conflicts) { $0.write($1) } }
            o.member("created", created)
            o.member("session", session)
            o.member("version", version)
        }
    }
}

extension MergeResult: JSONWriterEncodable {
    /// The commit's members, and the conflicts beside them.
    public func write(to writer: inout JSONWriter) { commit.write(to: &writer, conflicts: conflicts) }
}
