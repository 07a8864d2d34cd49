import RevstoreEngine
import RevstoreJSON
import Testing

/// `create` ops, queries across all branches, session copies, purges and compaction that keeps
/// chosen versions: what a host needs to keep a checkpoint log in a session.
@Suite struct RemovalAndCopyTests {
    @Test func createLeavesAnExistingEntityAsItIs() async throws {
        let f = try await Fixture()
        let first = try await f.commit([.create(type: "W", id: "a", data: ["n": 1])])
        #expect(first.created && first.version == 2)
        let again = try await f.commit([.create(type: "W", id: "a", data: ["n": 2]), .create(type: "W", id: "b", data: ["n": 3])])
        #expect(again.changes.map(\.id) == ["b"])
        #expect(try await f.get("W", "a")?.data == ["n": 1])
        // A tombstone is left as it is too; a bad shape still fails the whole commit.
        try await f.commit([.delete(type: "W", id: "a", ifVersion: nil)])
        #expect(try await f.commit([.create(type: "W", id: "a", data: ["n": 9])]).created == false)
        #expect(try await f.get("W", "a", includeDeleted: true)?.deleted == true)
        await expectError(.invalidArgument) { try await f.commit([.create(type: "W", id: "c", data: [1, 2])]) }
    }

    @Test func allBranchesGivesEachEntityInItsLastWrittenVersion() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("C", "a", ["v": 1]), f.put("C", "b", ["v": 1])])
        _ = try await f.store.submitCreateBranch(session: f.session, name: "fork", fromBranch: nil, fromAt: .version(2)).value()
        try await f.commit([f.put("C", "b", ["v": 2]), f.put("C", "c", ["v": 1])], branch: "fork")
        try await f.commit([f.put("C", "d", ["v": 1])])
        let all = try f.store.query(at: ReadPosition(session: f.session), EntityQuery(type: "C", orderBy: ["$id"], allBranches: true)).entities
        #expect(all.map { "\($0.id)@\($0.branch):\($0.data["v"]!)" } == ["a@main:1", "b@fork:2", "c@fork:1", "d@main:1"])
        let filtered = try f.store.query(at: ReadPosition(session: f.session), EntityQuery(type: "C", filter: ["v": 2], allBranches: true)).entities
        #expect(filtered.map(\.id) == ["b"])
        for position in [ReadPosition(session: f.session, branch: "fork"), ReadPosition(session: f.session, at: .version(2))] {
            await expectError(.invalidArgument) { _ = try f.store.query(at: position, EntityQuery(allBranches: true)) }
        }
    }

    @Test func aCopyHasTheWholeHistoryAndTheOriginalIsUntouched() async throws {
        let f = try await Fixture()
        for n in 1...5 { try await f.commit([f.put("M", "log", ["items": .array((0..<n * 300).map { .integer($0) })])]) }
        _ = try await f.store.submitCreateBranch(session: f.session, name: "alt", fromBranch: nil, fromAt: .version(3)).value()
        try await f.commit([f.put("M", "x", ["on": "alt"])], branch: "alt")
        let copy = try await f.store.submitCopy(session: f.session, to: "s2").value()
        #expect(copy.version == 6)
        let c = Fixture(store: f.store, session: "s2")
        for version in 2...6 { #expect(try await c.get("M", "log", at: version)?.data == (try await f.get("M", "log", at: version))?.data) }
        #expect(try c.store.entity(at: ReadPosition(session: "s2", branch: "alt"), type: "M", id: "x").entity?.data == ["on": "alt"])
        try await c.commit([c.put("M", "y", [:])])
        #expect(try await f.get("M", "y") == nil)
        await expectError(.alreadyExists) { _ = try await f.store.submitCopy(session: f.session, to: "s2").value() }
        await expectError(.notFound) { _ = try await f.store.submitCopy(session: "missing", to: "s3").value() }
    }

    @Test func purgeRemovesEveryVersionOnEveryBranchAndKeepsTheRestReadable() async throws {
        let f = try await Fixture()
        // A long entity stored as deltas, so the rows that remain lose their base when the
        // purged entity's rows go; the survivors must still read.
        for n in 1...6 {
            try await f.commit([f.put("P", "gone", ["n": .integer(n)]), f.put("P", "kept", ["items": .array((0..<n * 200).map { .integer($0) })])])
        }
        _ = try await f.store.submitCreateBranch(session: f.session, name: "alt", fromBranch: nil, fromAt: .version(4)).value()
        try await f.commit([f.put("P", "gone", ["n": 99])], branch: "alt")
        let report = try await f.store.submitPurge(session: f.session, entities: [("P", "gone"), ("P", "never")]).value()
        #expect(report.removedEntities == 1 && report.removedEntityVersions == 7)
        for version in 1...7 {
            #expect(try await f.get("P", "gone", at: version, includeDeleted: true) == nil)
            #expect(try await f.get("P", "kept", at: version)?.data["items"]?.arrayValue?.count == (version == 1 ? nil : (version - 1) * 200))
        }
        #expect(try f.store.entity(at: ReadPosition(session: f.session, branch: "alt"), type: "P", id: "gone").entity == nil)
        await expectError(.invalidArgument) { _ = try await f.store.submitPurge(session: f.session, entities: [("bad type", "x")]).value() }
    }

    @Test func compactionKeepsTheVersionsItIsGiven() async throws {
        let f = try await Fixture()
        for n in 1...10 { try await f.commit([f.put("K", "k", ["n": .integer(n)])]) }
        let report = try await f.store.submitCompact(session: f.session, keepLast: nil, keepSince: nil, keep: [KeepPoint(version: 4)], dryRun: false).value()
        #expect(report.keptVersions == 2)  // 4 and the head
        #expect(try await f.get("K", "k", at: 4)?.data == ["n": 3])
        #expect(try await f.get("K", "k")?.data == ["n": 10])
        await expectError(.notFound) { _ = try await f.get("K", "k", at: 5) }
        await expectError(.invalidArgument) {
            _ = try await f.store.submitCompact(session: f.session, keepLast: nil, keepSince: nil, keep: [KeepPoint(version: 99)], dryRun: false).value()
        }
        await expectError(.invalidArgument) { _ = try await f.store.submitCompact(session: f.session, keepLast: nil, keepSince: nil, dryRun: false).value() }
    }
}
