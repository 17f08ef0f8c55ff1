import Support
/// The `Date: …\r\n` header line, rebuilt at most once a second (RFC 9110 IMF-fixdate).
struct HTTPDateCache {
    private(set) var line: [UInt8] = []
    private var second = -1

    mutating func refresh() {
        let now = Clock.wallSeconds()
        guard now != second else { return }
        second = now
        line = Array(("Date: " + UTCTime(seconds: now).imfFixdate + "\r\n").utf8)
    }
}
