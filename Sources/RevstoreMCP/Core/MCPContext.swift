import Foundation
import Logging
import RevstoreEngine
import RevstoreJSON

/// What every MCP handler reaches: the store, the memory's session, and this connection's state
/// (the branch it works on, who the client is, its resource subscriptions).
public final class MCPContext: @unchecked Sendable {
    public let store: Store
    /// The session holding the memory.
    public let session: String
    let serverVersion: String
    let logger: Logger
    let toolCalls = ToolCallQueue()
    private let lock = NSLock()
    private var currentBranch: String?
    private var clientName: String?
    private var subscriptions: [String: String] = [:]  // resource uri → engine subscription

    public init(store: Store, session: String, serverVersion: String, logger: Logger) {
        self.store = store
        self.session = session
        self.serverVersion = serverVersion
        self.logger = logger
    }

    /// The branch this connection reads and writes: `switch_branch` changes it for this
    /// connection only, so agents sharing a store do not move each other.
    var branch: String? {
        get { lock.withLock { currentBranch } }
        set { lock.withLock { currentBranch = newValue } }
    }

    /// The client's name from `initialize`, recorded as the actor of its commits.
    var actor: String? {
        get { lock.withLock { clientName } }
        set { lock.withLock { clientName = newValue } }
    }

    func position(at version: Int? = nil) -> ReadPosition {
        ReadPosition(session: session, branch: branch, at: version.map { .version($0) })
    }

    /// Remembers a resource subscription; false if the uri was already subscribed.
    func addSubscription(_ uri: String, _ id: String) -> Bool {
        lock.withLock {
            guard subscriptions[uri] == nil else { return false }
            subscriptions[uri] = id
            return true
        }
    }

    func removeSubscription(_ uri: String) -> String? {
        lock.withLock { subscriptions.removeValue(forKey: uri) }
    }

    func hasSubscription(_ uri: String) -> Bool { lock.withLock { subscriptions[uri] != nil } }

    /// Makes the memory's session if it is not there yet (several servers may race to).
    public func prepare() async throws(EngineError) {
        do {
            _ = try store.session(session)
        } catch where error.code == .notFound {
            do {
                _ = try await store.submitCreateSession(name: session, metadata: ["purpose": "MCP memory"]).value()
            } catch let error as EngineError where error.code == .alreadyExists {
                return
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError(.storage, "\(error)")
            }
        }
    }
}
