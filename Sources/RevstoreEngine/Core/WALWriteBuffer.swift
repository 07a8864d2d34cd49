import Foundation
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// The process's default VFS: the system's, except that a commit's writes to a write-ahead log
/// reach the file in one `pwrite`.
///
/// SQLite writes each WAL frame as two writes, its 24-byte header and its page, so a commit of
/// 14 pages made 28 system calls; here contiguous writes wait in a buffer and go out together.
/// The buffer is written out once a commit's last frame is in it (a frame header that carries
/// the database size marks it), so every commit is in the file before SQLite syncs it or
/// publishes it in the shared index, whatever the durability; and before anything that reads
/// or measures the file: a read, its size, a truncation, a sync, a file control, closing. A
/// large transaction's frames before its commit go out as the buffer fills. Every other file
/// (the database, temporary files) is opened by the system's VFS itself.
enum WALWriteBuffer {
    /// Makes it the default VFS, once per process (idempotent), before any store opens.
    static func register() { _ = registered }

    private static let registered: Bool = {
        guard let base = inner else { return false }
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: base.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(strdup("revstore-wal"))
        vfs.pointee.szOsFile = Int32(innerOffset) + base.pointee.szOsFile
        vfs.pointee.xOpen = open
        return sqlite3_vfs_register(vfs, 1) == SQLITE_OK
    }()

    /// The system's default VFS, found before this one takes its place: it opens and serves
    /// every file underneath.
    nonisolated(unsafe) private static let inner = sqlite3_vfs_find(nil)

    /// A buffered WAL file's memory: the `sqlite3_file` header, this state, then the default
    /// VFS's own file object at `innerOffset`.
    private struct State {
        /// Made at the first write: the readers' connections open the log too, and never write.
        var bytes: UnsafeMutableRawPointer?
        var start: Int64
        var count: Int
        /// The last frame header written marks a commit: the frame's page ends the commit.
        var inCommitFrame: Bool
    }

    /// The system VFS writes at most 128 KiB − 1 bytes in one call (it masks the length), and
    /// a commit of 14 frames is 58 KB.
    private static let capacity = (1 << 17) - 1
    private static let stateOffset = MemoryLayout<sqlite3_file>.stride
    private static let innerOffset = (stateOffset + MemoryLayout<State>.stride + 15) & ~15

    private static func state(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<State> {
        (UnsafeMutableRawPointer(file) + stateOffset).assumingMemoryBound(to: State.self)
    }

    private static func innerFile(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        (UnsafeMutableRawPointer(file) + innerOffset).assumingMemoryBound(to: sqlite3_file.self)
    }

    private static func innerMethods(_ file: UnsafeMutablePointer<sqlite3_file>) -> sqlite3_io_methods {
        innerFile(file).pointee.pMethods.pointee
    }

    private static let open: @convention(c) (UnsafeMutablePointer<sqlite3_vfs>?, UnsafePointer<CChar>?, UnsafeMutablePointer<sqlite3_file>?,
                                            Int32, UnsafeMutablePointer<Int32>?) -> Int32 = { _, name, file, flags, outFlags in
        guard let file else { return SQLITE_MISUSE }
        guard flags & SQLITE_OPEN_WAL != 0 else {
            return WALWriteBuffer.inner!.pointee.xOpen(WALWriteBuffer.inner, name, file, flags, outFlags)
        }
        file.pointee.pMethods = nil
        let code = WALWriteBuffer.inner!.pointee.xOpen(WALWriteBuffer.inner, name, WALWriteBuffer.innerFile(file), flags, outFlags)
        guard code == SQLITE_OK else { return code }
        WALWriteBuffer.state(file).initialize(to: State(bytes: nil, start: 0, count: 0, inCommitFrame: false))
        file.pointee.pMethods = UnsafePointer(WALWriteBuffer.methods)
        return SQLITE_OK
    }

    /// Writes out what the buffer holds.
    private static func flush(_ file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        let state = state(file)
        guard state.pointee.count > 0, let bytes = state.pointee.bytes else { return SQLITE_OK }
        let count = state.pointee.count
        state.pointee.count = 0
        return innerMethods(file).xWrite(innerFile(file), bytes, Int32(count), state.pointee.start)
    }

    /// Runs `body` on the default VFS's file once the buffer is written.
    private static func afterFlush(_ file: UnsafeMutablePointer<sqlite3_file>?, _ body: (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) -> Int32) -> Int32 {
        guard let file else { return SQLITE_MISUSE }
        let code = flush(file)
        guard code == SQLITE_OK else { return code }
        return body(innerFile(file), innerMethods(file))
    }

    private static let frameHeaderSize: Int32 = 24

    /// Appends a write to the buffer when it follows on from it, else writes the buffer out and
    /// starts it again (or, for a write too large to gather, writes it straight through).
    private static func buffer(_ file: UnsafeMutablePointer<sqlite3_file>, _ data: UnsafeRawPointer, _ count: Int, _ offset: Int64) -> Int32 {
        let state = state(file)
        if let bytes = state.pointee.bytes, state.pointee.count > 0, offset == state.pointee.start + Int64(state.pointee.count),
           state.pointee.count + count <= capacity {
            (bytes + state.pointee.count).copyMemory(from: data, byteCount: count)
            state.pointee.count += count
            return SQLITE_OK
        }
        let code = flush(file)
        guard code == SQLITE_OK else { return code }
        guard count <= capacity / 2 else { return innerMethods(file).xWrite(innerFile(file), data, Int32(count), offset) }
        let bytes = state.pointee.bytes ?? .allocate(byteCount: capacity, alignment: 16)
        state.pointee.bytes = bytes
        bytes.copyMemory(from: data, byteCount: count)
        state.pointee.start = offset
        state.pointee.count = count
        return SQLITE_OK
    }

    /// The WAL file's methods, at an address that never changes.
    nonisolated(unsafe) private static let methods: UnsafeMutablePointer<sqlite3_io_methods> = {
        let methods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        methods.initialize(to: walMethods)
        return methods
    }()

    private static let walMethods = sqlite3_io_methods(
        iVersion: 2,
        xClose: { file in
            guard let file else { return SQLITE_MISUSE }
            let flushed = flush(file)
            let closed = innerMethods(file).xClose(innerFile(file))
            state(file).pointee.bytes?.deallocate()
            file.pointee.pMethods = nil
            return flushed != SQLITE_OK ? flushed : closed
        },
        xRead: { file, data, amount, offset in afterFlush(file) { $1.xRead($0, data, amount, offset) } },
        xWrite: { file, data, amount, offset in
            guard let file, let data else { return SQLITE_MISUSE }
            let code = buffer(file, data, Int(amount), offset)
            guard code == SQLITE_OK else { return code }
            let state = state(file)
            if amount == frameHeaderSize {
                // Bytes 4–7 of a frame header: the database's size in pages after a commit, 0 before.
                let pages = data.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                state.pointee.inCommitFrame = pages != 0
                return SQLITE_OK
            }
            return state.pointee.inCommitFrame ? flush(file) : SQLITE_OK
        },
        xTruncate: { file, size in afterFlush(file) { $1.xTruncate($0, size) } },
        xSync: { file, flags in afterFlush(file) { $1.xSync($0, flags) } },
        xFileSize: { file, size in afterFlush(file) { $1.xFileSize($0, size) } },
        xLock: { file, lock in file.map { innerMethods($0).xLock(innerFile($0), lock) } ?? SQLITE_MISUSE },
        xUnlock: { file, lock in file.map { innerMethods($0).xUnlock(innerFile($0), lock) } ?? SQLITE_MISUSE },
        xCheckReservedLock: { file, out in file.map { innerMethods($0).xCheckReservedLock(innerFile($0), out) } ?? SQLITE_MISUSE },
        xFileControl: { file, operation, argument in afterFlush(file) { $1.xFileControl($0, operation, argument) } },
        xSectorSize: { file in file.map { innerMethods($0).xSectorSize(innerFile($0)) } ?? 0 },
        xDeviceCharacteristics: { file in file.map { innerMethods($0).xDeviceCharacteristics(innerFile($0)) } ?? 0 },
        xShmMap: { file, region, size, extend, pointer in
            file.map { innerMethods($0).xShmMap(innerFile($0), region, size, extend, pointer) } ?? SQLITE_MISUSE
        },
        xShmLock: { file, offset, count, flags in file.map { innerMethods($0).xShmLock(innerFile($0), offset, count, flags) } ?? SQLITE_MISUSE },
        xShmBarrier: { file in if let file { innerMethods(file).xShmBarrier(innerFile(file)) } },
        xShmUnmap: { file, delete in file.map { innerMethods($0).xShmUnmap(innerFile($0), delete) } ?? SQLITE_MISUSE },
        xFetch: nil,
        xUnfetch: nil
    )
}
