import ArgumentParser
import Foundation
import RevstoreJSON

extension Revstore {
    struct Call: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "call",
            abstract: "Make one request, or one per line of stdin, and print the result as JSON.",
            discussion: """
                PARAMS is one JSON object, or key=value pairs (a value is JSON when it parses as
                JSON, else a string). With METHOD `-`, each line of stdin is a request, either
                {"method": …, "params": …} or a whole JSON-RPC message, and each result is printed on
                a line of its own. An error goes to stderr and the exit status tells its reason:
                \(CallFailure.exitStatuses.map { "  \($0.status)  \($0.reasons.joined(separator: ", ")): \($0.meaning)" }.joined(separator: "\n"))
                With `-`, the status is the first failed request's, after every line is answered.

                Examples:
                  revstore call session/create session=notes
                  revstore call entity/put session=notes type=Note id=n1 'data={"text":"hi"}'
                  revstore call entity/get '{"session":"notes","type":"Note","id":"n1","at":2}'
                  printf '%s\\n' '{"method":"ping"}' '{"method":"session/list"}' | revstore call -
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "The protocol method (entity/get, commit, …), or - to read requests from stdin.")
        var method: String

        @Argument(help: "The params: a JSON object, or key=value pairs.")
        var params: [String] = []

        func validate() throws {
            if method == "-", !params.isEmpty { throw ValidationError("with -, the requests come from stdin; give no PARAMS.") }
            _ = try parsedParams()
        }

        func parsedParams() throws -> JSONValue {
            if params.count == 1, params[0].hasPrefix("{") {
                guard let object = try? JSONParser.parse(params[0]), object.objectValue != nil else {
                    throw ValidationError("PARAMS is not a JSON object: \(params[0])")
                }
                return object
            }
            var object: JSONObject = [:]
            for pair in params {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ValidationError("\(pair) is not key=value")
                }
                let value = String(pair[pair.index(after: equals)...])
                object[String(pair[..<equals])] = (try? JSONParser.parse(value)) ?? .string(value)
            }
            return .object(object)
        }

        func run() throws {
            let (store, logger) = try self.store.open()
            let client = LocalClient(store: store, logger: logger)
            defer { client.close() }
            guard method == "-" else {
                do {
                    print(try client.call(method, try parsedParams()).description)
                } catch let failure as CallFailure {
                    throw failure.report()
                }
                return
            }
            var firstFailure: ExitCode?
            var number = 0
            while let line = readLine(strippingNewline: true) {
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                number += 1
                do {
                    print(try answer(line, number: number, client).description)
                } catch let failure as CallFailure {
                    let status = failure.report()
                    firstFailure = firstFailure ?? status
                }
                fflush(nil)  // one result per line as it is ready, for pipelines
            }
            if let firstFailure { throw firstFailure }
        }

        /// The result of one stdin line.
        private func answer(_ line: String, number: Int, _ client: LocalClient) throws -> JSONValue {
            guard let request = try? JSONParser.parse(line), request.objectValue != nil else {
                throw CallFailure(RPCErrorJSON.invalid("line \(number) is not a JSON object"))
            }
            guard request["jsonrpc"] != nil else {
                guard let method = request["method"]?.stringValue else { throw CallFailure(RPCErrorJSON.invalid("line \(number) has no method")) }
                return try client.call(method, request["params"] ?? [:])
            }
            var message = request.objectValue!
            if message["id"] == nil { message["id"] = .integer(number) }
            let reply = client.send(.object(message)) ?? .null
            if let error = reply["error"] { throw CallFailure(error) }
            return reply["result"] ?? .null
        }
    }
}

/// An error in the protocol's shape, for requests refused before they reach the server.
enum RPCErrorJSON {
    static func invalid(_ detail: String) -> JSONValue {
        ["code": -32600, "message": "Invalid Request", "data": ["reason": "INVALID_REQUEST", "detail": .string(detail)]]
    }
}
