import Foundation

/// How a store is opened.
public struct StoreConfiguration: Sendable {
    public enum Location: Sendable, Equatable {
        /// A SQLite file; created if missing. Several processes may open it at once.
        case file(String)
        /// A throwaway store that lives as long as the process.
        case memory
    }

    /// What a commit's acknowledgement promises.
    public enum Durability: String, Sendable, CaseIterable {
        /// Survives a crash of the machine: the WAL is synced on every commit.
        case full
        /// Survives a crash of the process; the last commits may be lost if the machine fails.
        case normal
    }

    public var location: Location
    public var durability: Durability
    /// How long a write waits for another process's lock before failing with `BUSY`.
    public var busyTimeout: TimeInterval
    /// How long one read may run before it fails with `TIMEOUT`; nil for no limit.
    public var readTimeout: TimeInterval?

    public init(location: Location, durability: Durability = .full, busyTimeout: TimeInterval = 30, readTimeout: TimeInterval? = 30) {
        self.location = location
        self.durability = durability
        self.busyTimeout = busyTimeout
        self.readTimeout = readTimeout
    }
}
