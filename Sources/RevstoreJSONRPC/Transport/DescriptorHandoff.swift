import Foundation

/// Hands open file descriptors to another process over a Unix domain socket (`SCM_RIGHTS`):
/// how a process started by a host passes the host's pipes to a server that outlives it, which
/// then reads and writes them directly, with no process relaying in between.
public enum DescriptorHandoff {
    /// A listening socket at `path`, which must not exist (remove a stale one first).
    public static func listening(at path: String) throws(POSIXError) -> Int32 {
        let fd = try socketFD()
        do {
            try withAddress(path) { address, length in bind(fd, address, length) }
            try check(listen(fd, 64))
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A socket connected to the listener at `path`.
    public static func connected(to path: String) throws(POSIXError) -> Int32 {
        let fd = try socketFD()
        do {
            try withAddress(path) { address, length in connect(fd, address, length) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The next connection to `listener`, or nil when the listener was shut down.
    public static func accepted(from listener: Int32) -> Int32? {
        while true {
            let fd = accept(listener, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return fd
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Sends `descriptors` (copies of them: the caller still owns its own) with one byte.
    public static func send(_ descriptors: [Int32], over socket: Int32) throws(POSIXError) {
        var byte: UInt8 = 0
        let payload = descriptors.count * MemoryLayout<Int32>.size
        var control = [UInt8](repeating: 0, count: controlSpace(payload))
        let sent = withUnsafeMutablePointer(to: &byte) { bytePointer in
            control.withUnsafeMutableBytes { controlBytes in
                let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                header.pointee.cmsg_level = SOL_SOCKET
                header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                header.pointee.cmsg_len = .init(headerSpace + payload)
                descriptors.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: controlBytes[headerSpace..<(headerSpace + payload)]).copyMemory(from: source)
                }
                var vector = iovec(iov_base: bytePointer, iov_len: 1)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = .init(controlBytes.count)
                    return sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                }
            }
        }
        try check(Int32(clamping: sent))
    }

    /// Receives the descriptors `send` sent (made close-on-exec here); empty if the peer closed
    /// without sending any.
    public static func receive(from socket: Int32, count: Int) throws(POSIXError) -> [Int32] {
        var byte: UInt8 = 0
        let payload = count * MemoryLayout<Int32>.size
        var control = [UInt8](repeating: 0, count: controlSpace(payload))
        var received: [Int32] = []
        let status: Int = withUnsafeMutablePointer(to: &byte) { bytePointer in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: bytePointer, iov_len: 1)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = .init(controlBytes.count)
                    var status: Int
                    repeat { status = recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC)) } while status < 0 && errno == EINTR
                    guard status > 0, message.msg_controllen >= headerSpace else { return status }
                    let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self).pointee
                    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return status }
                    let available = (Int(header.cmsg_len) - headerSpace) / MemoryLayout<Int32>.size
                    received = (0..<available).map { index in
                        controlBytes.load(fromByteOffset: headerSpace + index * MemoryLayout<Int32>.size, as: Int32.self)
                    }
                    return status
                }
            }
        }
        try check(Int32(clamping: status))
        return received
    }

    /// `CMSG_ALIGN(sizeof(struct cmsghdr))`: where a control message's data begins.
    private static let headerSpace = align(MemoryLayout<cmsghdr>.size)

    private static func align(_ length: Int) -> Int {
        let word = MemoryLayout<Int>.size
        return (length + word - 1) / word * word
    }

    /// `CMSG_SPACE(payload)`.
    private static func controlSpace(_ payload: Int) -> Int { headerSpace + align(payload) }

    private static func socketFD() throws(POSIXError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try check(fd)
        return fd
    }

    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) throws(POSIXError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try check(status)
    }

    private static func check(_ status: Int32) throws(POSIXError) {
        if status < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
