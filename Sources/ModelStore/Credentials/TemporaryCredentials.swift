#if canImport(Glibc)
import Glibc
#endif

/// Credentials that expire (STS, container endpoints), with when they were fetched and when they end.
struct TemporaryCredentials: Sendable, Equatable {
    var credentials: AWSCredentials
    /// Seconds since the epoch.
    var fetchedAt: Int
    var expiresAt: Int

    /// Fetch new ones this long before the end: five minutes, as the AWS SDKs do, or half the
    /// lifetime for credentials that live less than ten minutes.
    var refreshAt: Int {
        expiresAt - min(300, max(0, expiresAt - fetchedAt) / 2)
    }

    func isExpired(at now: Int) -> Bool { now >= expiresAt }
}

/// ISO 8601 UTC timestamps as AWS writes them: `2026-12-06T22:30:00Z`, optionally with fractional
/// seconds (dropped) and `+00:00` instead of `Z`. Nil for anything else.
func epochSeconds(iso8601 text: String) -> Int? {
    let b = Array(text.utf8)
    func number(_ from: Int, _ count: Int) -> Int32? {
        guard from + count <= b.count else { return nil }
        var v: Int32 = 0
        for c in b[from..<(from + count)] {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int32(c - UInt8(ascii: "0"))
        }
        return v
    }
    func at(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
    guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
          at(10, "T"), let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"),
          let second = number(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
          second < 61 else { return nil }
    var i = 19
    if at(i, ".") {
        i += 1
        while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
    }
    let zone = String(decoding: b[i...], as: UTF8.self)
    guard zone == "Z" || zone == "+00:00" else { return nil }
    var fields = tm()
    fields.tm_year = year - 1900
    fields.tm_mon = month - 1
    fields.tm_mday = day
    fields.tm_hour = hour
    fields.tm_min = minute
    fields.tm_sec = second
    return Int(timegm(&fields))
}
