import Foundation

/// Another process holding SQLite's lock on a store until released: `IMMEDIATE` takes the write
/// lock, `EXCLUSIVE` (outside WAL) every lock.
final class LockHolder {
    private let process = Process()
    private let input = Pipe()

    init(_ path: String, mode: String = "IMMEDIATE") throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('BEGIN \(mode)')
            print('locked', flush=True)
            sys.stdin.read()
            """, path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        _ = readChunk(output.fileHandleForReading.fileDescriptor)  // "locked"
    }

    func release() {
        try? input.fileHandleForWriting.close()
        waitForEnd(of: process)
    }

    deinit { release() }
}
