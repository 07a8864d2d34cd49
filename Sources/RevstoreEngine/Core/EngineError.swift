import Foundation
import GRDB
import RevstoreJSON

/// Why the engine refused or failed a request.
///
/// `code` is an open set of stable reasons (`NOT_FOUND`, `CONFLICT`, …); `details` holds what
/// the protocol's error `data` carries beside it (`kind`, `expected`, `actual`, …).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let notFound = Code(rawValue: "NOT_FOUND")
        public static let alreadyExists = Code(rawValue: "ALREADY_EXISTS")
        public static let conflict = Code(rawValue: "CONFLICT")
        public static let validationFailed = Code(rawValue: "VALIDATION_FAILED")
        public static let mergeConflict = Code(rawValue: "MERGE_CONFLICT")
        public static let invalidState = Code(rawValue: "INVALID_STATE")
        public static let schemaConflict = Code(rawValue: "SCHEMA_CONFLICT")
        /// A value of a unique field that another live entity of the type holds.
        public static let uniqueViolation = Code(rawValue: "UNIQUE_VIOLATION")
        /// The store stayed locked past the busy timeout; worth retrying.
        public static let busy = Code(rawValue: "BUSY")
        /// Disk full, read-only file, I/O error, corruption, or a file that is not a store.
        public static let storage = Code(rawValue: "STORAGE_ERROR")
        /// A read ran past the store's read time limit (`StoreConfiguration.readTimeout`).
        public static let timeout = Code(rawValue: "TIMEOUT")
        /// The caller cancelled the read (`ReadWatch`).
        public static let cancelled = Code(rawValue: "CANCELLED")
        /// A parameter is malformed in a way only the engine can tell (a bad id, a non-object).
        public static let invalidArgument = Code(rawValue: "INVALID_ARGUMENT")
    }

    public var code: Code
    /// One human sentence.
    public var message: String
    public var details: JSONObject

    public init(_ code: Code, _ message: String, _ details: JSONObject = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Adds or replaces one detail.
    func with(_ key: String, _ value: JSONValue) -> EngineError {
        var copy = self
        copy.details[key] = value
        return copy
    }
}

extension EngineError {
    static func notFound(_ kind: String, _ keys: JSONObject, _ what: String) -> EngineError {
        var details = keys
        details["kind"] = .string(kind)
        return EngineError(.notFound, "No \(kind) \(what).", details)
    }

    static func invalidState(_ detail: String) -> EngineError {
        EngineError(.invalidState, detail.prefix(1).uppercased() + detail.dropFirst() + ".", ["detail": .string(detail)])
    }

    static let cancelled = EngineError(.cancelled, "The request was cancelled.")

    static func readTimedOut(_ seconds: TimeInterval) -> EngineError {
        let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return EngineError(.timeout, "The read ran past the time limit of \(shown) s; narrow it, or raise --read-timeout.",
                           ["seconds": .number(JSONNumber(seconds))])
    }

    static func invalidArgument(_ detail: String, path: String) -> EngineError {
        EngineError(.invalidArgument, detail, ["path": .string(path)])
    }

    /// Maps anything thrown inside a database access to an engine error.
    init(_ error: any Error) {
        if let error = error as? EngineError {
            self = error
        } else if let error = error as? DatabaseError {
            let detail = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                self.init(.busy, "The store stayed locked past the busy timeout.", ["detail": .string(detail)])
            case .SQLITE_READONLY:
                self.init(.storage, "The store is read-only: this process may read it but not write it.", ["detail": .string("the store is read-only")])
            case .SQLITE_FULL:
                self.init(.storage, "The disk is full.", ["detail": .string(detail)])
            default:
                self.init(.storage, "The store could not be read or written.", ["detail": .string(detail)])
            }
        } else {
            self.init(.storage, "The store could not be read or written.", ["detail": .string(String(describing: error))])
        }
    }
}
