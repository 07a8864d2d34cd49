import ArgumentParser
import Foundation
import RevstoreJSON

/// How a command prints: for a person (aligned; colored on a terminal unless `--no-color` or
/// `NO_COLOR`, plain through a pipe or `less`), or the protocol's JSON with `--json`.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON, the protocol's own result, wherever stdout goes.")
    var json = false

    @Flag(name: .long, help: "No colors, even on a terminal (NO_COLOR does the same).")
    var noColor = false

    var terminal: Terminal {
        let tty = isatty(STDOUT_FILENO) == 1
        let noColorEnvironment = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        return Terminal(human: !json, color: tty && !json && !noColor && !noColorEnvironment)
    }
}

struct Terminal {
    /// Human output; else JSON.
    let human: Bool
    let color: Bool

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func cyan(_ text: String) -> String { paint(text, "36") }

    /// Prints `result` as JSON when not for a person; else runs `human`.
    func emit(_ result: JSONValue, human: () -> Void) {
        if self.human { human() } else { print(result.description) }
    }

    /// Rows of cells as aligned columns.
    func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        print(bold(line(header)))
        for row in rows { print(line(row)) }
    }
}

extension JSONValue {
    /// Indented JSON, keys sorted, for a person to read.
    func pretty(_ indent: String = "") -> String {
        switch self {
        case .array(let elements) where !elements.isEmpty:
            let inner = indent + "  "
            return "[\n" + elements.map { inner + $0.pretty(inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members) where !members.isEmpty:
            let inner = indent + "  "
            return "{\n" + members.sortedKeys.map { inner + JSONValue.string($0).description + ": " + members[$0]!.pretty(inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default:
            return description
        }
    }

    /// The text of a string, or the JSON of anything else: for table cells.
    var cell: String { stringValue ?? (isNull ? "" : description) }
}
