import Dispatch
import FuzzSupport
import RevstoreEngine
import RevstoreJSON

/// Any JSON as a `where` document, run through the query compiler and SQLite (in memory) over a
/// fixed set of entities: the query answers, or fails with INVALID_ARGUMENT, never anything else.
/// An answer agrees with the same query on a store whose fields are indexed (so compiled
/// differently), its count is its length, and `{"$not": where}` answers exactly the other entities.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let filter = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let plain = Stores.plain.ids(where: filter), indexed = Stores.indexed.ids(where: filter)
    check(plain == indexed, "indexed fields change the answer to \(filter): \(String(describing: plain)) vs \(String(describing: indexed))")
    guard let matched = plain, let others = Stores.plain.ids(where: ["$not": filter]) else { return 0 }
    check(matched.isDisjoint(with: others) && matched.union(others) == Stores.allIDs,
          "$not does not answer the other entities for \(filter): \(matched) and \(others)")
    return 0
}

/// Two in-memory stores holding the same entities, one with indexes on most fields.
enum Stores {
    static let entities: [JSONValue] = [
        #"{"name": "Ann", "age": 31, "score": 2.5, "active": true, "tags": ["a", "b"], "address": {"city": "Oslo"}}"#,
        #"{"name": "anna", "age": "31", "score": 0, "active": false, "tags": []}"#,
        #"{"name": "Zoë", "age": null, "tags": ["c"], "address": {"city": "Rome", "zip": 10100}}"#,
        #"{"name": "", "age": 18, "score": -1e300, "tags": "a,b"}"#,
        #"{"age": 45.5, "active": null, "tags": [1, "1", true, null], "address": "Lima"}"#,
        #"{"name": "Jörg", "score": 1e-7, "nested": {"deep": {"deeper": [1, {"x": "y"}]}}}"#,
        #"{"name": "J\u0000o", "age": -0, "tags": [["a"]], "address": {}}"#,
        #"{"name": "e\u0301", "age": 9007199254740993, "active": true}"#,
        #"{"name": "\u00e9", "age": 2, "score": 2, "blob": {"$bytes": "AAEC"}}"#,
        #"{}"#,
        #"{"name": "100%_a", "age": [31], "score": "2.5", "active": "true", "tags": {"a": 1}}"#,
        #"{"name": "O'Hara \"x\"", "age": 31.0, "address": {"city": null}}"#,
    ].map { try! JSONParser.parse($0) }

    static let allIDs = Set(entities.indices.map { "e\($0)" })
    static let plain = Store.make(indexed: false)
    static let indexed = Store.make(indexed: true)
}

extension Store {
    static func make(indexed: Bool) -> Store {
        let store = try! Store(StoreConfiguration(location: .memory))
        _ = waitFor(store.submitCreateSession(name: "s", metadata: nil))
        if indexed {
            let fields: JSONValue = .object(JSONObject(uniqueKeysWithValues: ["name", "age", "score", "active", "tags", "address"].map {
                ($0, ["type": "any", "index": true])
            }))
            _ = waitFor(store.submitDefineType(name: "T", fields: fields, strict: false, description: nil))
        }
        let puts = Stores.entities.enumerated().map { CommitOperation.put(type: "T", id: "e\($0.offset)", data: $0.element, ifVersion: nil) }
        _ = waitFor(store.submitCommit(CommitRequest(session: "s", operations: puts)))
        return store
    }

    /// The ids the query answers; nil when it is refused, which must be for its arguments.
    func ids(where filter: JSONValue) -> Set<String>? {
        do {
            let answer = try query(at: ReadPosition(session: "s"), EntityQuery(type: "T", filter: filter, limit: EntityQuery.maximumLimit, count: true))
            check(answer.total == answer.entities.count, "count \(String(describing: answer.total)) for \(answer.entities.count) entities")
            return Set(answer.entities.map(\.id))
        } catch {
            check(error.code == .invalidArgument, "\(filter) failed with \(error.code.rawValue): \(error.message)")
            return nil
        }
    }
}

/// Waits for a write that cannot fail here.
func waitFor<Value>(_ ticket: WriteTicket<Value>) -> Value {
    let done = DispatchSemaphore(value: 0)
    let outcome = Outcome<Value>()
    ticket.whenDone { result in
        outcome.result = result
        done.signal()
    }
    done.wait()
    return try! outcome.result!.get()
}

final class Outcome<Value>: @unchecked Sendable {
    var result: Result<Value, EngineError>?
}
