import RevstoreJSON

/// A sink that can also send one message in parts, while the message is still being written.
public protocol PartialMessageSink: MessageSink {
    /// Sends the next part of `message`, which `endMessage` ends. Other messages wait until
    /// then; a second message in parts waits for the sink, blocking its caller, and so does a
    /// part while the host reads slowly.
    func sendPart(_ bytes: [UInt8], of message: ObjectIdentifier)
    /// Ends `message` with its last bytes, or, when nil, cuts it off where it stopped.
    func endMessage(_ bytes: [UInt8]?, of message: ObjectIdentifier)
}

/// Writes a read's response while its result is being produced, so a large result starts
/// leaving before it is complete and is never held whole twice (as values and as text).
///
/// A handler passes its result to `respond` and returns what that returns. The result writes
/// itself; between two array elements, once `partSize` bytes or more wait, the response so far
/// goes out as a part (protocol/README.md §1). A small result leaves as one message like any
/// other, and so does every result in a batch. Once a part is out the response can only be
/// finished: a failure after that cuts it off, and an error response with its id follows.
public final class ResultStream: @unchecked Sendable {
    static let partSize = 64 << 10

    private let id: RequestID?
    /// nil where the response must leave whole: in a batch.
    private let sink: (any PartialMessageSink)?
    private let cancellation: Cancellation
    /// The response `respond` wrote and did not send yet.
    private var written: [UInt8]?
    /// Whether `respond` wrote the response, so the connection sends it rather than the
    /// handler's return value.
    private(set) var hasResponded = false
    /// Whether a part of the response is out. Read on the thread that runs the request only.
    public private(set) var hasSentPart = false

    init(id: RequestID?, sink: (any PartialMessageSink)?, cancellation: Cancellation) {
        self.id = id
        self.sink = sink
        self.cancellation = cancellation
    }

    /// Writes the response to `result`, in parts if it is large; call it at most once and
    /// return what it returns.
    public func respond<Result: JSONWritable>(_ result: Result) -> Result {
        hasResponded = true
        guard let id else { return result }  // a notification is never answered
        var writer = OutgoingMessage.responseHead(id: id)
        if let sink {
            writer.spill = JSONWriter.Spill(partSize: Self.partSize) { [unowned self] part in
                // A read whose result leaves in parts is a long one: input moves to another
                // thread first, so waiting for the host never stops input from being read.
                cancellation.runLongNow()
                sink.sendPart(part, of: ObjectIdentifier(self))
                hasSentPart = true
            }
        }
        result.write(to: &writer)
        writer.appendASCII("}")
        written = writer.bytes
        return result
    }

    /// The written response to send whole; nil when its parts are out, and its end is sent here.
    func takeResponse() -> [UInt8]? {
        defer { written = nil }
        guard hasSentPart else { return written }
        sink?.endMessage(written ?? [], of: ObjectIdentifier(self))
        return nil
    }

    /// The request failed: a response with parts out is cut off where it stopped.
    func cutOff() {
        if hasSentPart { sink?.endMessage(nil, of: ObjectIdentifier(self)) }
        written = nil
    }
}
