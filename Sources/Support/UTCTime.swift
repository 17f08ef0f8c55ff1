#if canImport(Glibc)
import Glibc
#endif

/// A moment as UTC calendar fields, and the two ways the project writes one: ISO 8601 (RFC 3339)
/// for JSON and logs, IMF-fixdate (RFC 9110) for the HTTP `Date` header.
public struct UTCTime: Sendable {
    public let year, month, day, hour, minute, second: Int
    /// 0 = Sunday.
    public let weekday: Int

    public init(seconds: Int) {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        year = Int(tm.tm_year) + 1900
        month = Int(tm.tm_mon) + 1
        day = Int(tm.tm_mday)
        hour = Int(tm.tm_hour)
        minute = Int(tm.tm_min)
        second = Int(tm.tm_sec)
        weekday = Int(tm.tm_wday)
    }

    /// "2026-11-22T02:22:08Z", or with `milliseconds` "2026-11-22T02:22:08.123Z".
    public func iso8601(milliseconds: Int? = nil) -> String {
        var s = "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))"
        if let milliseconds { s += "." + Self.pad(milliseconds, 3) }
        return s + "Z"
    }

    /// "Sun, 06 Nov 1994 08:49:37 GMT".
    public var imfFixdate: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[weekday]), \(Self.pad(day, 2)) \(months[month - 1]) \(year) "
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)) GMT"
    }

    /// Seconds since the epoch as ISO 8601 UTC.
    public static func iso8601(_ seconds: Int) -> String { UTCTime(seconds: seconds).iso8601() }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let digits = String(v)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A moment, to the second: kept as seconds since the epoch, written as ISO 8601 UTC where a
/// document shows it and as seconds where a metric does.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func now() -> Timestamp { Timestamp(seconds: Clock.wallSeconds()) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    /// "2026-11-22T02:22:08Z".
    public var iso8601: String { UTCTime.iso8601(seconds) }

    public var description: String { iso8601 }
}
