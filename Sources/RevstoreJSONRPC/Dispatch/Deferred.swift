/// A result that arrives later, delivered by callback on whichever thread produces it.
///
/// Ordered (write) handlers return one: the writer that finishes the work answers the
/// request from its own thread, with no task hop in between.
public struct Deferred<Value: Sendable>: Sendable {
    private let subscribe: @Sendable (@escaping @Sendable (Result<Value, any Error>) -> Void) -> Void

    /// `subscribe` must call its argument exactly once, from any thread.
    public init(_ subscribe: @escaping @Sendable (@escaping @Sendable (Result<Value, any Error>) -> Void) -> Void) {
        self.subscribe = subscribe
    }

    /// Calls `completion` once the value (or error) is there.
    public func whenDone(_ completion: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        subscribe(completion)
    }

    public static func value(_ value: Value) -> Deferred { Deferred { $0(.success(value)) } }

    /// Runs `body` in a task; for handlers whose work is naturally `async`.
    public static func task(_ body: @escaping @Sendable () async throws -> Value) -> Deferred {
        Deferred { completion in
            Task {
                do { completion(.success(try await body())) } catch { completion(.failure(error)) }
            }
        }
    }

    public func map<T: Sendable>(_ transform: @escaping @Sendable (Value) throws -> T) -> Deferred<T> {
        Deferred<T> { completion in
            whenDone { outcome in completion(Result { try transform(try outcome.get()) }) }
        }
    }
}
