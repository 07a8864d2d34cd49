import ArgumentParser
import RevstoreJSON

/// What the shell commands share: the store, how to print, and errors that exit with a status
/// per reason.
protocol ShellCommand: ParsableCommand {
    var store: StoreOptions { get }
    var output: OutputOptions { get }
    func run(_ client: LocalClient, _ terminal: Terminal) throws
}

extension ShellCommand {
    func run() throws {
        let (store, logger) = try self.store.open()
        let client = LocalClient(store: store, logger: logger)
        defer { client.close() }
        do {
            try run(client, output.terminal)
        } catch let failure as CallFailure {
            throw failure.report()
        }
    }
}

/// `SESSION`, `SESSION@VERSION` or `SESSION@TAG`, as `revstore show` takes it.
struct SessionAt: ExpressibleByArgument {
    var session: String
    var at: JSONValue?

    init?(argument: String) {
        guard let separator = argument.lastIndex(of: "@") else {
            session = argument
            return
        }
        session = String(argument[..<separator])
        let at = String(argument[argument.index(after: separator)...])
        guard !session.isEmpty, !at.isEmpty else { return nil }
        self.at = Int(at).map(JSONValue.integer) ?? .string(at)
    }

    var params: JSONObject {
        var params: JSONObject = ["session": .string(session)]
        if let at { params["at"] = at }
        return params
    }
}
