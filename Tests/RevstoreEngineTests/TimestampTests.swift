import Foundation
@testable import RevstoreEngine
import Testing

/// Time stamps are RFC 3339 in UTC with milliseconds, every part zero-padded to its width.
@Suite struct TimestampTests {
    @Test func partsArePaddedToTheirWidths() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 981_173_106.25)) == "2001-02-03T04:05:06.250Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func nowIsTheCurrentTime() throws {
        let stamp = Timestamp.now()
        #expect(stamp.count == 24)
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: stamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }
}

private extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
