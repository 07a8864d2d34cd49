import Foundation
import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("Branches, merges, turns, tags, review and retention")
struct BranchTests {
    func state(_ f: Fixture, branch: String? = nil, at: ReadPosition.At? = nil, turn: String? = nil) async throws -> [String: JSONValue] {
        let found = try f.store.query(at: ReadPosition(session: f.session, branch: branch, at: at, turn: turn), EntityQuery(limit: 10_000))
        var state: [String: JSONValue] = [:]
        for entity in found.entities { state["\(entity.type)/\(entity.id)"] = entity.data }
        return state
    }

    @Test("branching as an agent uses it: alt from main at 3, each branch sees only its own later commits")
    func branching() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Doc", "d", ["v": 2])])
        try await f.commit([f.put("Doc", "d", ["v": 3]), f.put("Doc", "e", ["v": 3])])
        let alt = try await f.store.submitCreateBranch(session: "s1", name: "alt", fromBranch: "main", fromAt: .version(3)).value()
        #expect(alt.head == 3)
        #expect(alt.base?.branch == "main")
        #expect(alt.base?.version == 3)
        for v in 4...6 { try await f.commit([f.put("Doc", "d", ["v": .integer(v)])]) }
        let altCommit = try await f.commit([f.put("Doc", "d", ["alt": 4])], branch: "alt")
        #expect(altCommit.version == 4)
        #expect(try await f.commit([f.put("Doc", "x", ["alt": 5])], branch: "alt").version == 5)

        for v in 1...3 {
            #expect(try await state(f, branch: "alt", at: .version(v)) == state(f, branch: "main", at: .version(v)))
        }
        #expect(try await state(f, branch: "main")["Doc/d"] == ["v": 6])
        #expect(try await state(f, branch: "main")["Doc/x"] == nil)
        #expect(try await state(f, branch: "alt") == ["Doc/d": ["alt": 4], "Doc/e": ["v": 3], "Doc/x": ["alt": 5]])
        #expect(try f.store.entity(at: ReadPosition(session: "s1", branch: "alt", at: .version(4)), type: "Doc", id: "d").entity?.branch == "alt")

        // A branch of a branch.
        _ = try await f.store.submitCreateBranch(session: "s1", name: "alt/deeper", fromBranch: "alt", fromAt: .version(4)).value()
        try await f.commit([f.put("Doc", "e", ["deeper": 5])], branch: "alt/deeper")
        #expect(try await state(f, branch: "alt/deeper") == ["Doc/d": ["alt": 4], "Doc/e": ["deeper": 5]])
        #expect(try await state(f, branch: "alt")["Doc/e"] == ["v": 3])
        let versions = try f.store.versions(session: "s1", branch: "alt/deeper", limit: 100, before: nil)
        #expect(versions.map(\.version) == [5, 4, 3, 2, 1])
        #expect(versions.map(\.branch) == ["alt/deeper", "alt", "main", "main", "main"])

        await expectError(.alreadyExists) { _ = try await f.store.submitCreateBranch(session: "s1", name: "alt", fromBranch: nil, fromAt: nil).value() }
        await expectError(.invalidState) { _ = try await f.store.submitDeleteBranch(session: "s1", name: "main").value() }
        await expectError(.invalidState) { _ = try await f.store.submitDeleteBranch(session: "s1", name: "alt").value() }
        _ = try await f.store.submitDeleteBranch(session: "s1", name: "alt/deeper").value()
        await expectError(.notFound) { _ = try f.store.branch(session: "s1", name: "alt/deeper") }
        #expect(try f.store.branches(session: "s1").map(\.name) == ["alt", "main"])

        let checkedOut = try await f.store.submitCheckout(session: "s1", branch: "alt").value()
        #expect(checkedOut.defaultBranch == "alt")
        #expect(checkedOut.version == 5)
        #expect(try await f.get("Doc", "x")?.data == ["alt": 5])
    }

    @Test("three-way merge: different fields merge, the same field conflicts, merging twice changes nothing")
    func merge() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Doc", "d", ["title": "t", "body": "b", "tags": ["x"]]), f.put("Doc", "gone", ["a": 1])])
        _ = try await f.store.submitCreateBranch(session: "s1", name: "alt", fromBranch: nil, fromAt: nil).value()
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["title": "main title"], ifVersion: nil)])
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["body": "alt body"], ifVersion: nil), f.put("Doc", "new", ["n": 1]),
                            .delete(type: "Doc", id: "gone", ifVersion: nil)], branch: "alt")
        let clean = try await f.store.submitMerge(session: "s1", source: "alt", target: nil, message: nil, actor: "m", strategy: .fail).value()
        #expect(clean.conflicts.isEmpty)
        #expect(try await state(f) == ["Doc/d": ["title": "main title", "body": "alt body", "tags": ["x"]], "Doc/new": ["n": 1]])
        let again = try await f.store.submitMerge(session: "s1", source: "alt", target: nil, message: nil, actor: nil, strategy: .fail).value()
        #expect(!again.commit.created)

        // Both change the same field differently.
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["title": "main 2"], ifVersion: nil)])
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["title": "alt 2"], ifVersion: nil)], branch: "alt")
        let head = try f.store.session("s1").version
        let conflict = await expectError(.mergeConflict) {
            _ = try await f.store.submitMerge(session: "s1", source: "alt", target: "main", message: nil, actor: nil, strategy: .fail).value()
        }
        let conflicts = conflict?.details["conflicts"]?.arrayValue ?? []
        #expect(conflicts.count == 1)
        #expect(conflicts.first?["field"] == "title")
        #expect(conflicts.first?["base"] == "t")  // alt@3, the last merged state, is the base
        #expect(conflicts.first?["source"] == "alt 2")
        #expect(conflicts.first?["target"] == "main 2")
        #expect(try f.store.session("s1").version == head)

        let theirs = try await f.store.submitMerge(session: "s1", source: "alt", target: nil, message: nil, actor: nil, strategy: .target).value()
        #expect(theirs.conflicts.count == 1)
        #expect(try await f.get("Doc", "d")?.data["title"] == "main 2")
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["title": "alt 3"], ifVersion: nil)], branch: "alt")
        try await f.commit([.patch(type: "Doc", id: "d", patch: ["title": "main 3"], ifVersion: nil)])
        let ours = try await f.store.submitMerge(session: "s1", source: "alt", target: nil, message: nil, actor: nil, strategy: .source).value()
        #expect(ours.conflicts.count == 1)
        #expect(try await f.get("Doc", "d")?.data["title"] == "alt 3")
    }

    @Test("turns: 50 staged writes are seen only through the turn, commit as one version, or abort to nothing")
    func turns() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Item", "base", ["n": 0])])
        let turn = try await f.store.submitBeginTurn(session: "s1", branch: nil, message: "turn 3", metadata: ["k": "v"], actor: "agent").value()
        #expect(turn.status == .staged)
        #expect(turn.baseVersion == 2)
        for n in 0..<50 {
            let staged = try await f.store.submitStageEntityWrite(turn: turn.id, CommitRequest(session: "s1", operations: [f.put("Item", "i\(n)", ["n": .integer(n)])])).value()
            #expect(staged.entity?.data == ["n": .integer(n)])
        }
        #expect(try await state(f, turn: turn.id).count == 51)
        #expect(try await state(f).count == 1)
        #expect(try f.store.turn(turn.id).stagedOps == 50)

        // The branch moves on meanwhile; the turn commits on the new head.
        try await f.commit([f.put("Item", "other", ["n": -1])])
        let committed = try await f.store.submitCommitTurn(turn.id, message: nil, metadata: nil, expectedVersion: nil).value()
        #expect(committed.version == 4)
        #expect(committed.changes.count == 50)
        let info = try f.store.version(session: "s1", branch: nil, number: 4).info
        #expect(info.message == "turn 3")
        #expect(info.metadata == ["k": "v"])
        #expect(info.turn == turn.id)
        #expect(info.actor == "agent")
        #expect(try await state(f).count == 52)
        #expect(try f.store.turn(turn.id).status == .committed)
        await expectError(.invalidState) { _ = try await f.store.submitCommitTurn(turn.id, message: nil, metadata: nil, expectedVersion: nil).value() }

        let aborted = try await f.store.submitBeginTurn(session: "s1", branch: nil, message: nil, metadata: nil, actor: nil).value()
        _ = try await f.store.submitStage(turn: aborted.id, CommitRequest(session: "s1", operations: [f.put("Item", "never", [:])])).value()
        #expect(try await f.store.submitAbortTurn(aborted.id).value().status == .reverted)
        #expect(try await f.get("Item", "never") == nil)
        #expect(try f.store.session("s1").version == 4)
        await expectError(.invalidState) { _ = try await f.store.submitStage(turn: aborted.id, CommitRequest(session: "s1", operations: [])).value() }
        await expectError(.notFound) { _ = try f.store.turn("nope") }
        #expect(try f.store.turns(session: "s1", status: .reverted).map(\.id) == [aborted.id])

        // ifVersion is checked when the turn commits, against the state then.
        let checked = try await f.store.submitBeginTurn(session: "s1", branch: nil, message: nil, metadata: nil, actor: nil).value()
        _ = try await f.store.submitStage(turn: checked.id, CommitRequest(session: "s1", operations: [f.put("Item", "base", ["n": 1], ifVersion: 1)])).value()
        try await f.commit([f.put("Item", "base", ["n": 2])])
        let stale = await expectError(.conflict) { _ = try await f.store.submitCommitTurn(checked.id, message: nil, metadata: nil, expectedVersion: nil).value() }
        #expect(stale?.details["actual"] == 2)
        #expect(try f.store.turn(checked.id).status == .staged)
    }

    @Test("a staged turn survives a restart of the process")
    func turnSurvivesRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("turns-\(UUID().uuidString).sqlite").path
        var turnID = ""
        do {
            let store = try Store(StoreConfiguration(location: .file(path)))
            _ = try await store.submitCreateSession(name: "s", metadata: nil).value()
            turnID = try await store.submitBeginTurn(session: "s", branch: nil, message: "m", metadata: nil, actor: nil).value().id
            _ = try await store.submitStage(turn: turnID, CommitRequest(session: "s", operations: [.put(type: "A", id: "a", data: ["x": 1], ifVersion: nil)])).value()
        }
        let reopened = try Store(StoreConfiguration(location: .file(path)))
        #expect(try reopened.turn(turnID).stagedOps == 1)
        let result = try await reopened.submitCommitTurn(turnID, message: nil, metadata: nil, expectedVersion: nil).value()
        #expect(result.version == 2)
        #expect(try reopened.entity(at: ReadPosition(session: "s"), type: "A", id: "a").entity?.data == ["x": 1])
    }

    @Test("review: draft → submitted → approved | rejected; approved reads the latest approved version")
    func review() async throws {
        let f = try await Fixture()
        await expectError(.notFound) { _ = try f.store.entity(at: ReadPosition(session: "s1", at: .tag("approved")), type: "Item", id: "a") }

        // Version 2: the first draft of three items.
        let draft = try await f.commit([f.put("Item", "a", ["text": "A"]), f.put("Item", "b", ["text": "B"]), f.put("Item", "c", ["text": "C"])])
        await expectError(.invalidState) { _ = try await f.store.submitReviewVersion(session: "s1", branch: nil, version: 2, approved: true, actor: nil, notes: nil).value() }
        let submitted = try await f.store.submitSubmitVersion(session: "s1", branch: nil, version: 2, actor: "writer", notes: "please look").value()
        #expect(submitted.review.status == "submitted")
        #expect(submitted.review.submittedBy == "writer")
        await expectError(.invalidState) { _ = try await f.store.submitSubmitVersion(session: "s1", branch: nil, version: 2, actor: nil, notes: nil).value() }
        let rejected = try await f.store.submitReviewVersion(session: "s1", branch: nil, version: 2, approved: false, actor: "reviewer", notes: "b is wrong").value()
        #expect(rejected.review.status == "rejected")
        #expect(rejected.review.reviewedBy == "reviewer")
        #expect(rejected.review.notes == "b is wrong")

        // Version 3 rejects item b in its data, carries a and c forward untouched, adds d.
        let next = try await f.commit([.patch(type: "Item", id: "b", patch: ["status": "rejected"], ifVersion: nil), f.put("Item", "d", ["text": "D"])])
        #expect(next.version == 3)
        for id in ["a", "c"] {
            #expect(try await f.get("Item", id, at: 3)?.versionId == draft.changes.first { $0.id == id }?.versionId)
        }
        _ = try await f.store.submitSubmitVersion(session: "s1", branch: nil, version: 3, actor: "writer", notes: nil).value()
        _ = try await f.store.submitReviewVersion(session: "s1", branch: nil, version: 3, approved: true, actor: "reviewer", notes: nil).value()
        let approvedRead = try f.store.query(at: ReadPosition(session: "s1", at: .tag("approved")), EntityQuery(type: "Item"))
        #expect(approvedRead.version == 3)
        #expect(approvedRead.entities.map(\.id) == ["a", "b", "c", "d"])

        // Approving an older version later does not move the pointer back.
        try await f.commit([f.put("Item", "e", [:])])
        try await f.commit([f.put("Item", "f", [:])])
        for version in [5, 4] {
            _ = try await f.store.submitSubmitVersion(session: "s1", branch: nil, version: version, actor: nil, notes: nil).value()
            _ = try await f.store.submitReviewVersion(session: "s1", branch: nil, version: version, approved: true, actor: nil, notes: nil).value()
        }
        #expect(try f.store.query(at: ReadPosition(session: "s1", at: .tag("approved")), EntityQuery()).version == 5)
    }

    @Test("tags name versions; approved is reserved")
    func tags() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("A", "a", ["v": 2])])
        try await f.commit([f.put("A", "a", ["v": 3])])
        let tag = try await f.store.submitSetTag(session: "s1", name: "release-1", branch: nil, at: .version(2)).value()
        #expect(tag.version == 2)
        #expect(try f.store.entity(at: ReadPosition(session: "s1", at: .tag("release-1")), type: "A", id: "a").entity?.data == ["v": 2])
        _ = try await f.store.submitSetTag(session: "s1", name: "release-1", branch: nil, at: .version(3)).value()
        #expect(try f.store.tags(session: "s1").map(\.version) == [3])
        _ = try await f.store.submitCreateBranch(session: "s1", name: "b", fromBranch: nil, fromAt: .tag("release-1")).value()
        #expect(try f.store.branch(session: "s1", name: "b").base?.version == 3)
        await expectError(.invalidArgument) { _ = try await f.store.submitSetTag(session: "s1", name: "approved", branch: nil, at: .version(2)).value() }
        _ = try await f.store.submitDeleteTag(session: "s1", name: "release-1").value()
        await expectError(.notFound) { _ = try await f.store.submitDeleteTag(session: "s1", name: "release-1").value() }
        await expectError(.notFound) { _ = try f.store.entity(at: ReadPosition(session: "s1", at: .tag("release-1")), type: "A", id: "a") }
    }

    @Test("compaction keeps every retained version reading exactly as before, and vacuum shrinks the file")
    func compaction() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("compact-\(UUID().uuidString).sqlite").path
        let store = try Store(StoreConfiguration(location: .file(path), durability: .normal))
        _ = try await store.submitCreateSession(name: "s1", metadata: nil).value()
        let f = Fixture(store: store, session: "s1")
        let padding = JSONValue.string(String(repeating: "x", count: 2000))
        for v in 2...40 {
            try await f.commit((0..<10).map { f.put("Item", "i\($0)", ["v": .integer(v), "pad": padding]) })
        }
        _ = try await store.submitCreateBranch(session: "s1", name: "alt", fromBranch: nil, fromAt: .version(10)).value()
        for v in 11...14 { try await f.commit([f.put("Item", "i1", ["alt": .integer(v)])], branch: "alt") }
        _ = try await store.submitSetTag(session: "s1", name: "keep", branch: nil, at: .version(20)).value()
        _ = try await store.submitSubmitVersion(session: "s1", branch: nil, version: 25, actor: nil, notes: nil).value()
        _ = try await store.submitReviewVersion(session: "s1", branch: nil, version: 25, approved: true, actor: nil, notes: nil).value()
        let turn = try await store.submitBeginTurn(session: "s1", branch: nil, message: nil, metadata: nil, actor: nil).value()
        for v in 41...45 { try await f.commit([f.put("Item", "i2", ["late": .integer(v)])]) }

        var before: [String: [String: JSONValue]] = [:]
        for (branch, versions) in [("main", 1...45), ("alt", 11...14)] {
            for v in versions { before["\(branch)@\(v)"] = try await state(f, branch: branch, at: .version(v)) }
        }
        let dry = try await store.submitCompact(session: "s1", keepLast: 3, keepSince: nil, dryRun: true).value()
        #expect(try await state(f, branch: "main", at: .version(5)) == before["main@5"])
        let report = try await store.submitCompact(session: "s1", keepLast: 3, keepSince: nil, dryRun: false).value()
        #expect(report == dry)
        #expect(report.removedVersions > 30)
        #expect(report.removedEntityVersions > 200)

        // main keeps 43-45 (last 3), 40 (the turn's base), 25 (approved), 20 (tagged), 10 (alt's fork point); alt keeps 12-14.
        let kept: Set<String> = ["main@45", "main@44", "main@43", "main@40", "main@25", "main@20", "main@10", "alt@14", "alt@13", "alt@12"]
        #expect(report.keptVersions == kept.count)
        for key in before.keys.sorted() {
            let (branch, version) = (String(key.split(separator: "@")[0]), Int(key.split(separator: "@")[1])!)
            if kept.contains(key) {
                #expect(try await state(f, branch: branch, at: .version(version)) == before[key], "\(key) reads differently after compaction")
            } else if !(branch == "alt" && version <= 10) {
                let pruned = await expectError(.notFound) { _ = try await state(f, branch: branch, at: .version(version)) }
                #expect(pruned?.details["pruned"] == true, "\(key)")
            }
        }
        #expect(try await state(f, turn: turn.id) == before["main@45"])

        let sizes = try await store.vacuum()
        #expect(sizes.after < sizes.before)
        #expect(try store.integrityCheck() == [])
    }
}
