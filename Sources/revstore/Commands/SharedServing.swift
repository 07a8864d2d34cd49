import Foundation
import RevstoreJSONRPC
import RevstoreServer

extension Revstore.Serve {
    /// `--shared`: hands this process's stdin and stdout to the store's shared server, starting
    /// one when none runs, and exits with the code the host's connection ended with.
    func joinSharedServer() throws -> Never {
        let protocolFD = ProcessPlumbing.prepare()
        do {
            let address = try SharedServer.address(storePath: storePath, settings: options.servingArguments)
            let code = try SharedServer.join(address, inputFD: STDIN_FILENO, outputFD: protocolFD) { try startSharedServer(holding: $0) }
            Foundation.exit(code)
        } catch {
            FileHandle.standardError.write(Data("revstore: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }

    /// `--shared-server`: the shared server itself, in a session of its own so that a signal to
    /// the first host's process group does not reach it. What it writes to stderr until it
    /// listens is what the process that started it reports; after that it writes nothing.
    func runSharedServer() throws -> Never {
        setsid()
        ProcessPlumbing.prepareSignals()
        let address: SharedServer.Address
        let lock: Int32
        do {
            address = try SharedServer.address(storePath: storePath, settings: options.servingArguments)
            if let lockFD {
                guard fcntl(lockFD, F_SETFD, FD_CLOEXEC) == 0 else {
                    throw SharedServer.Failure(description: "--lock-fd \(lockFD) is not an open descriptor")
                }
                lock = lockFD
            } else {
                guard let claimed = try SharedServer.claim(address) else { Foundation.exit(0) }  // another server is there
                lock = claimed
            }
        } catch {
            FileHandle.standardError.write(Data("revstore: \(error)\n".utf8))
            Foundation.exit(1)
        }
        let (store, logger) = try options.open()
        chdir("/")  // the store path is absolute: hold no host's directory
        let context = ServerContext(store: store, maximumMessageBytes: options.maxMessageBytes, logger: logger)
        do {
            try SharedServer.serve(context: context, address: address, lock: lock, transportOptions: options.transportOptions) {
                let null = open("/dev/null", O_WRONLY)
                dup2(null, STDERR_FILENO)
                close(null)
            }
        } catch {
            FileHandle.standardError.write(Data("revstore: \(error)\n".utf8))
            Foundation.exit(1)
        }
        Foundation.exit(0)
    }

    /// The store file, absolute: the shared server does not share the host's directory.
    private var storePath: String {
        let path = options.filePath ?? "revstore.sqlite"
        return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Starts the shared server, which inherits `lock` (this process lets its own copies go);
    /// returns the read end of its stderr until it listens.
    private func startSharedServer(holding lock: Int32) throws -> Int32 {
        // A copy without close-on-exec, numbered past the standard descriptors the spawn sets up.
        let inherited = fcntl(lock, F_DUPFD, 10)
        guard inherited >= 0 else { throw SharedServer.Failure(description: "cannot pass on the lock: \(String(cString: strerror(errno)))") }
        defer { close(inherited) }
        var report: [Int32] = [0, 0]
        guard pipe(&report) == 0 else { throw SharedServer.Failure(description: "cannot make a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(report[0], F_SETFD, FD_CLOEXEC)
        defer { close(report[1]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, report[1], STDERR_FILENO)
        posix_spawn_file_actions_addclose(&actions, report[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Not reaped by this process, which may exit first: the server is never a zombie here.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGCHLD)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        signal(SIGCHLD, SIG_IGN)

        let executable = Bundle.main.executablePath ?? "/proc/self/exe"
        let arguments = ["revstore", "serve", "--shared-server", "--lock-fd", String(inherited), "--db", storePath] + options.servingArguments
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            close(report[0])
            throw SharedServer.Failure(description: "cannot start the shared server \(executable): \(String(cString: strerror(status)))")
        }
        return report[0]
    }
}
