import Foundation
import Testing
@testable import RevstoreJSONRPC

@Suite("descriptor handoff")
struct DescriptorHandoffTests {
    @Test("descriptors sent over the socket are the same open pipes on the other side")
    func handsOverPipes() throws {
        let path = NSTemporaryDirectory() + "handoff-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try DescriptorHandoff.listening(at: path)
        defer {
            close(listener)
            unlink(path)
        }
        let client = try DescriptorHandoff.connected(to: path)
        defer { close(client) }
        let server = try #require(DescriptorHandoff.accepted(from: listener))
        defer { close(server) }

        let (inputRead, inputWrite) = try pipePair()
        let (outputRead, outputWrite) = try pipePair()
        try DescriptorHandoff.send([inputRead, outputWrite], over: client)
        let received = try DescriptorHandoff.receive(from: server, count: 2)
        #expect(received.count == 2)
        #expect(!received.contains(inputRead) && !received.contains(outputWrite))
        for fd in received { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0) }
        // The sender's copies may go: the received ones keep the pipes open.
        close(inputRead)
        close(outputWrite)

        #expect(write(inputWrite, "ping", 4) == 4)
        var bytes = [UInt8](repeating: 0, count: 8)
        #expect(read(received[0], &bytes, 8) == 4)
        #expect(write(received[1], &bytes, 4) == 4)
        close(received[1])
        var echoed = [UInt8](repeating: 0, count: 8)
        #expect(read(outputRead, &echoed, 8) == 4)
        #expect(String(decoding: echoed[0..<4], as: UTF8.self) == "ping")
        #expect(read(outputRead, &echoed, 8) == 0)  // the last write end closed
        close(received[0])
        close(inputWrite)
        close(outputRead)
    }

    @Test("a peer that closes without sending gives no descriptors; a second listener on a live path is refused")
    func closedPeerAndBusyPath() throws {
        let path = NSTemporaryDirectory() + "handoff-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try DescriptorHandoff.listening(at: path)
        defer {
            close(listener)
            unlink(path)
        }
        #expect(throws: POSIXError.self) { try DescriptorHandoff.listening(at: path) }
        let client = try DescriptorHandoff.connected(to: path)
        let server = try #require(DescriptorHandoff.accepted(from: listener))
        defer { close(server) }
        close(client)
        #expect(try DescriptorHandoff.receive(from: server, count: 2).isEmpty)
        #expect(throws: POSIXError.self) { try DescriptorHandoff.connected(to: path + ".missing") }
    }
}
