import Foundation
import RevstoreJSON
import RevstoreJSONRPC

/// Runs a connection's tool calls one after another, in the order they arrived, each in a task
/// that `notifications/cancelled` can cancel.
final class ToolCallQueue: @unchecked Sendable {
    private let lock = NSLock()
    /// Completes when the last call queued so far has finished.
    private var tail: Task<Void, Never>?
    private var running: [RequestID: Task<Result<JSONValue, any Error>, Never>] = [:]

    /// Queues `work` behind every call queued before it; must be called in arrival order.
    func enqueue(_ id: RequestID?, _ work: @escaping @Sendable () async throws -> JSONValue) -> Deferred<JSONValue> {
        lock.withLock {
            let previous = tail
            let task = Task { () -> Result<JSONValue, any Error> in
                await previous?.value
                if Task.isCancelled { return .failure(RPCError.cancelled) }
                do { return .success(try await work()) } catch { return .failure(error) }
            }
            tail = Task { _ = await task.value }
            if let id { running[id] = task }
            return Deferred { [self] completion in
                Task {
                    let outcome = await task.value
                    if let id { lock.withLock { if running[id] == task { running[id] = nil } } }
                    completion(outcome)
                }
            }
        }
    }

    /// Cancels a queued or running call; unknown or finished ids are ignored.
    func cancel(_ id: RequestID) {
        lock.withLock { running[id] }?.cancel()
    }
}
