import FuzzSupport
import RevstoreJSON

/// A JSON array `[a, b, ops?]`: the JSON Patch and the delta computed from `a` to `b` each turn
/// `a` into `b`; `b` as a merge patch gives the same result applied once or twice; and `ops`, any
/// JSON Patch at all, is applied to `a` or refused with an error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard case .array(let values)? = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)), values.count >= 2 else { return 0 }
    let (source, target) = (values[0], values[1])
    for patch in [source.jsonPatch(to: target), source.delta(to: target)] {
        do {
            let rebuilt = try source.applying(jsonPatch: patch)
            check(rebuilt == target, "a computed patch does not rebuild its target: \(patch)")
        } catch {
            fail("a computed patch does not apply: \(error) \(patch)")
        }
    }
    let merged = source.merging(patch: target)
    check(merged.merging(patch: target) == merged, "a merge patch applied twice differs from once")
    if values.count > 2, case .array(let operations) = values[2] {
        _ = try? source.applying(jsonPatch: operations)
    }
    return 0
}
