import Foundation
import GRDB

/// A store's file on disk: opened read-write, or read-only when this process may read but not
/// write it; when it cannot be opened, the error names the path and the cause
/// (protocol/README.md §12).
struct StoreFile {
    let path: String

    private var directory: String {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return parent.isEmpty ? "." : parent
    }

    func open(configuration: Configuration, patience: TimeInterval) throws(EngineError) -> DatabasePool {
        try checkDirectory()
        var configuration = configuration
        configuration.readonly = try !isWritable()
        do {
            let pool = try openPool(configuration, patience: patience)
            if configuration.readonly {
                guard try pool.read({ try StoreSchema.migrator.hasCompletedMigrations($0) }) else {
                    throw failure("it is read-only, and its schema is older than this release's")
                }
            } else {
                try StoreSchema.migrate(pool)
            }
            return pool
        } catch let error as EngineError {
            throw error
        } catch {
            throw failure(cause(of: error))
        }
    }

    /// Opens the pool, waiting out another process that is creating or converting the file at the
    /// same moment: switching a new file to WAL answers SQLITE_BUSY at once, without the busy
    /// handler.
    private func openPool(_ configuration: Configuration, patience: TimeInterval) throws -> DatabasePool {
        let deadline = Date(timeIntervalSinceNow: patience)
        var pause: UInt32 = 2_000
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(pause)
                pause = min(pause * 2, 100_000)
            } catch let error as DatabaseError where configuration.readonly && [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode)
                        && access(path + "-wal", F_OK) != 0 {
                // SQLite needs to create the shared-memory file beside a WAL store even to read
                // it. Where it may not (a directory it may not write: READONLY; read-only media:
                // CANTOPEN) and no WAL holds unmerged commits, the file alone is the whole store:
                // read it as it is.
                return try DatabasePool(path: immutableURI, configuration: configuration)
            }
        }
    }

    /// `file:` URI of the path, opened as a file that nothing changes while it is read.
    private var immutableURI: String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    private func checkDirectory() throws(EngineError) {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw failure(errno == ENOENT ? "no such directory \(directory)" : "\(directory): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw failure("\(directory) is not a directory") }
    }

    /// Whether the file can be opened for writing: it and its directory (which holds the WAL
    /// beside it) are writable, or it does not exist yet and the directory is.
    private func isWritable() throws(EngineError) -> Bool {
        guard access(path, F_OK) == 0 else {
            guard access(directory, W_OK) == 0 else {
                throw failure("permission denied: cannot create a file in \(directory)")
            }
            return true
        }
        guard access(path, R_OK) == 0 else { throw failure("permission denied") }
        return access(path, W_OK) == 0 && access(directory, W_OK) == 0
    }

    private func cause(of error: any Error) -> String {
        guard let error = error as? DatabaseError else { return String(describing: error) }
        switch error.resultCode {
        case .SQLITE_NOTADB: return "not a database"
        case .SQLITE_CORRUPT: return "corrupt"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "locked by another process"
        case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied"
        case .SQLITE_READONLY: return "read-only"
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_IOERR: return "I/O error (\(error.message ?? "\(error.extendedResultCode)"))"
        default: return error.message ?? "\(error.resultCode)"
        }
    }

    private func failure(_ cause: String) -> EngineError {
        EngineError(.storage, "Cannot open the store \(path): \(cause).", ["detail": .string(cause), "path": .string(path)])
    }
}
