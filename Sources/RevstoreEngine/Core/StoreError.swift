import GRDB

/// A failure of the storage layer itself, as opposed to a rejected request.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The database stayed locked past the busy timeout; worth retrying.
        case busy
        /// Disk full, read-only file, I/O error, corruption, or a file that is not a store.
        case storage
    }

    public let kind: Kind
    public let description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }

    init(_ error: any Error) {
        if let error = error as? StoreError {
            self = error
        } else if let error = error as? DatabaseError {
            let busy = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            self.init(kind: busy ? .busy : .storage, description: error.message ?? "\(error.resultCode)")
        } else {
            self.init(kind: .storage, description: String(describing: error))
        }
    }
}
