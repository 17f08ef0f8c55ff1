import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// Coarse clocks for deadlines and the Date header; both are vDSO calls, no syscall.
enum Clock {
    /// Monotonic milliseconds (resolution a few ms), for deadlines.
    static func monotonicMs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    /// Wall-clock seconds since the epoch.
    static func wallSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return ts.tv_sec
    }
}

/// The `Date: …\r\n` header line, rebuilt at most once a second (RFC 9110 IMF-fixdate).
struct HTTPDateCache {
    private(set) var line: [UInt8] = []
    private var second = -1

    mutating func refresh() {
        let now = Clock.wallSeconds()
        guard now != second else { return }
        second = now
        line = Array(("Date: " + HTTPDateCache.format(now) + "\r\n").utf8)
    }

    static func format(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
    }
}
