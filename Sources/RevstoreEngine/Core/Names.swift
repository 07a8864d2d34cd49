/// The protocol's rules for names and ids (protocol/README.md §4).
enum Names {
    /// 1–256 characters, no control characters.
    static func checkSession(_ name: String, path: String = "session") throws(EngineError) {
        try checkID(name, maximum: 256, what: "a session id", path: path)
    }

    /// 1–512 characters, no control characters.
    static func checkEntityID(_ id: String, path: String) throws(EngineError) {
        try checkID(id, maximum: 512, what: "an entity id", path: path)
    }

    /// `^[A-Za-z_][A-Za-z0-9_]{0,63}$`
    static func checkType(_ name: String, path: String) throws(EngineError) {
        let bytes = Array(name.utf8)
        let valid = (1...64).contains(bytes.count)
            && (isLetter(bytes[0]) || bytes[0] == UInt8(ascii: "_"))
            && bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
        guard valid else {
            throw .invalidArgument("\"\(name)\" is not a type name: 1-64 letters, digits and underscores, not starting with a digit", path: path)
        }
    }

    /// A declared field name: the same rule as a type name, so it is safe inside SQL text.
    static func checkField(_ name: String, path: String) throws(EngineError) {
        do {
            try checkType(name, path: path)
        } catch {
            throw .invalidArgument("\"\(name)\" is not a field name: 1-64 letters, digits and underscores, not starting with a digit", path: path)
        }
    }

    /// 1–128 of `A-Z a-z 0-9 . _ / -`.
    static func checkBranch(_ name: String, path: String) throws(EngineError) {
        try checkPathName(name, what: "a branch name", path: path)
    }

    /// Tag names follow the rule for branch names.
    static func checkTag(_ name: String, path: String) throws(EngineError) {
        try checkPathName(name, what: "a tag name", path: path)
    }

    private static func checkPathName(_ name: String, what: String, path: String) throws(EngineError) {
        let bytes = Array(name.utf8)
        let valid = (1...128).contains(bytes.count) && bytes.allSatisfy {
            isLetter($0) || isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "-")
        }
        guard valid else {
            throw .invalidArgument("\"\(name)\" is not \(what): 1-128 of A-Z a-z 0-9 . _ / -", path: path)
        }
    }

    private static func checkID(_ id: String, maximum: Int, what: String, path: String) throws(EngineError) {
        let count = id.unicodeScalars.count
        // Control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F.
        let hasControl = id.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
        guard count >= 1, count <= maximum, !hasControl else {
            throw .invalidArgument("\(what) must be 1-\(maximum) characters without control characters", path: path)
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
