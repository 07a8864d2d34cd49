import Foundation
import GRDB
import RevstoreJSON

extension Store {
    /// Queues a commit behind every write submitted before it.
    public func submitCommit(_ request: CommitRequest) -> WriteTicket<CommitResult> {
        submitWrite { db in try Self.commit(request, in: db) }
    }

    static func commit(_ request: CommitRequest, in db: Database) throws -> CommitResult {
        try commit(request, in: db, answering: nil).result
    }

    /// The commit, and `target` as the commit wrote it (nil if it did not write it).
    private static func commit(_ request: CommitRequest, in db: Database, answering target: EntityReference?) throws
        -> (result: CommitResult, answer: Entity?) {
        let (session, branch) = try db.sessionAndBranch(request.session, branch: request.branch)
        try checkExpected(request.expectedVersion, branch)
        var builder = try CommitBuilder(db: db, session: session, branch: branch, actor: request.actor)
        builder.answering = target
        try builder.apply(request.operations)
        let result = try builder.finish(message: request.message, metadata: request.metadata, allowEmpty: request.allowEmpty)
        return (result, builder.answer)
    }

    static func checkExpected(_ expected: Int?, _ branch: BranchRow) throws {
        if let expected, expected != branch.head {
            throw EngineError(.conflict, "Branch \"\(branch.name)\" is at version \(branch.head), not \(expected).",
                              ["expected": .integer(expected), "actual": .integer(branch.head), "branch": .string(branch.name)])
        }
    }
}

extension Store {
    /// A one-op commit that also answers with the entity it wrote (the tombstone for a delete),
    /// exactly the state of the new version: as the commit wrote it, or, when the op changed
    /// nothing, read in the same transaction.
    public func submitEntityWrite(_ request: CommitRequest) -> WriteTicket<(result: CommitResult, entity: Entity?)> {
        let (request, target) = Self.fixingTarget(request)
        return submitWrite { db in
            let (result, answer) = try Self.commit(request, in: db, answering: EntityReference(type: target.type, id: target.id))
            if let answer { return (result, answer) }
            let position = try db.resolve(ReadPosition(session: request.session, branch: result.branch))
            let row = try db.entityRow(session: position.session, type: target.type, id: target.id, segments: position.segments)
            return (result, row?.entity(branchNames: position.branchNames))
        }
    }

    /// Stages a one-op commit into a turn and answers with the entity as read through the turn.
    public func submitStageEntityWrite(turn: String, _ request: CommitRequest) -> WriteTicket<StagedResult> {
        let (request, target) = Self.fixingTarget(request)
        return submitStage(turn: turn, request, target: target)
    }

    /// The request with server-made ids chosen now, and the entity its one op writes.
    private static func fixingTarget(_ request: CommitRequest) -> (CommitRequest, (type: String, id: String)) {
        var request = request
        let target: (type: String, id: String)
        switch request.operations.first {
        case .put(let type, let id, let data, let ifVersion):
            let id = id ?? Identifier.make()
            request.operations = [.put(type: type, id: id, data: data, ifVersion: ifVersion)]
            target = (type, id)
        case .fork(let type, let id, let newID, let patch):
            let newID = newID ?? Identifier.make()
            request.operations = [.fork(type: type, id: id, newID: newID, patch: patch)]
            target = (type, newID)
        case .create(let type, let id, _), .patch(let type, let id, _, _), .jsonPatch(let type, let id, _, _), .delete(let type, let id, _),
             .restore(let type, let id, _):
            target = (type, id)
        case nil:
            target = ("", "")
        }
        return (request, target)
    }
}
