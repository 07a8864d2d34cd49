import RevstoreJSON

/// One JSON-RPC message from the client, classified.
enum IncomingMessage {
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    /// Not a valid request object; answered with `-32600` and the id when one could be read.
    case invalid(id: RequestID, detail: String)

    init(_ value: JSONValue) {
        guard case .object(let message) = value else {
            self = .invalid(id: .null, detail: "a message must be an object, found \(value.typeName)")
            return
        }
        var id: RequestID?
        if let rawID = message["id"] {
            guard let parsed = RequestID(rawID) else {
                self = .invalid(id: .null, detail: "\"id\" must be a string, a number or null")
                return
            }
            id = parsed
        }
        guard message["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: id ?? .null, detail: "\"jsonrpc\" must be \"2.0\"")
            return
        }
        guard case .string(let method)? = message["method"] else {
            self = .invalid(id: id ?? .null, detail: "\"method\" must be a string")
            return
        }
        let params = message["params"]
        switch params {
        case nil, .object?, .array?: break
        default:
            self = .invalid(id: id ?? .null, detail: "\"params\" must be an object or an array")
            return
        }
        if let id {
            self = .request(id: id, method: method, params: params)
        } else {
            self = .notification(method: method, params: params)
        }
    }
}

/// Encodes outgoing messages directly to bytes, without building an intermediate tree.
enum OutgoingMessage {
    static func response(id: RequestID, result: any JSONWritable) -> [UInt8] {
        var writer = responseHead(id: id)
        result.write(to: &writer)
        writer.appendASCII("}")
        return writer.bytes
    }

    /// A response up to its result, which the caller writes and closes with `}`.
    static func responseHead(id: RequestID) -> JSONWriter {
        var writer = JSONWriter(capacity: 1024)
        writer.appendASCII("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id.jsonValue)
        writer.appendASCII(",\"result\":")
        return writer
    }

    static func error(id: RequestID, error: RPCError) -> [UInt8] {
        var writer = JSONWriter()
        writer.appendASCII("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id.jsonValue)
        writer.appendASCII(",\"error\":")
        writer.write(error.jsonValue)
        writer.appendASCII("}")
        return writer.bytes
    }

    static func notification(method: String, params: any JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        writer.appendASCII("{\"jsonrpc\":\"2.0\",\"method\":")
        writer.write(string: method)
        writer.appendASCII(",\"params\":")
        params.write(to: &writer)
        writer.appendASCII("}")
        return writer.bytes
    }

    static func batch(_ elements: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + $1.count + 1 })
        for (offset, element) in elements.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: element)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}
