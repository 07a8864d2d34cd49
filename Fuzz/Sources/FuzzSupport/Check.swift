#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the run on a broken property, saying which: libFuzzer then saves the input. (An
/// optimized build's `precondition` would stop without the message.)
public func check(_ holds: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !holds() { fail(message()) }
}

/// Stops the run: a property is broken.
public func fail(_ message: String) -> Never {
    var text = "property broken: \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
