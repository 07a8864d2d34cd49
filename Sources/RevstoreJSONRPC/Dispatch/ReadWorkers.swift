import Foundation

/// The threads that run a connection's concurrent requests (reads).
///
/// The reader thread hands a job over with one condition signal: no task, no dispatch queue,
/// so a read starts on a thread that is already running. Jobs start in arrival order, each
/// once every ordered request received before it has completed (`completedThrough`); since
/// those numbers only grow, the oldest job is always the next that may start. Threads are made
/// as reads overlap, up to `maximumThreads`, and stay until the connection goes.
final class ReadWorkers: @unchecked Sendable {
    private struct Job {
        let barrier: Int
        let run: () -> Void
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    /// Every ordered request numbered up to this has completed.
    private var completedThrough = 0
    private var threads = 0
    private var idle = 0
    private var stopped = false
    private let maximumThreads: Int

    init(maximumThreads: Int) {
        self.maximumThreads = maximumThreads
    }

    /// Runs `job` on a worker once the ordered requests numbered up to `barrier` completed.
    func submit(after barrier: Int, _ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(Job(barrier: barrier, run: job))
        let wake = barrier <= completedThrough && startThreadOrWake()
        condition.unlock()
        // Signalled after unlocking, so the woken thread does not wait for the lock at once.
        if wake { condition.signal() }
    }

    func orderedCompleted(through number: Int) {
        condition.lock()
        if number > completedThrough {
            completedThrough = number
            if hasRunnableJob, startThreadOrWake() { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Lets the threads end once the jobs already queued have run.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    /// For a job that may start now (called with the lock held): true when an idle thread
    /// should be woken; else starts a new thread if there is room, and returns false.
    private func startThreadOrWake() -> Bool {
        if idle > 0 { return true }
        if threads < maximumThreads {
            threads += 1
            spawn()
        }
        return false
    }

    private var hasRunnableJob: Bool { head < jobs.count && jobs[head].barrier <= completedThrough }

    private func spawn() {
        let thread = Thread { [self] in work() }
        thread.name = "revstore-read"
        thread.stackSize = 4 << 20
        thread.start()
    }

    private func work() {
        condition.lock()
        while true {
            while !hasRunnableJob {
                if stopped {
                    threads -= 1
                    condition.unlock()
                    return
                }
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: jobs.capacity <= 1024)
                head = 0
            } else if head >= 1024, head * 2 >= jobs.count {
                jobs.removeSubrange(0..<head)
                head = 0
            }
            // Another job may start too: pass the wake-up on rather than run them one by one.
            if hasRunnableJob, startThreadOrWake() { condition.signal() }
            condition.unlock()
            job.run()
            condition.lock()
        }
    }
}
