import FuzzSupport
import RevstoreJSON

/// Any bytes: the parser answers a value or a parse error, never crashes. A value it answers is
/// written as valid UTF-8 that parses back to the same value, and writing that again gives the
/// same bytes; its canonical text is a fixed point too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(input) else { return 0 }
    let written = JSONWriter.encode(value)
    check(String(validating: written, as: UTF8.self) != nil, "the writer produced invalid UTF-8")
    let reparsed: JSONValue
    do {
        reparsed = try JSONParser.parse(written)
    } catch {
        fail("written JSON does not parse: \(error)")
    }
    check(reparsed == value, "the value changed in a round trip")
    check(JSONWriter.encode(reparsed) == written, "writing is not deterministic")
    let canonical = value.canonicalText
    check((try? JSONParser.parse(canonical))?.canonicalText == canonical, "canonical text is not a fixed point")
    return 0
}
