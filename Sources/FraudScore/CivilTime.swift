/// A transaction timestamp: the wall-clock fields the handbook's calendar features use, and the
/// instant the online features order transactions by. Parsed without Foundation:
/// `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|±HH:MM]` or a date alone.
/// The calendar features take the local wall-clock time as written (an offset is accepted and not
/// applied), as pandas does for the course data's naive timestamps; the instant applies the offset,
/// so transactions sent with different offsets still fall in the right windows.
struct CivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute = 0
    var second = 0
    /// Digits beyond the sixth are dropped.
    var microsecond = 0
    /// East of UTC, as written (`+03:00` is 10800); 0 for a naive timestamp.
    var offsetSeconds = 0

    /// Microseconds since 1970-01-01 00:00 UTC (a naive timestamp read as UTC).
    var unixMicroseconds: Int64 {
        let days = Int64(CivilTime.daysFromCivil(year, month, day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return seconds * 1_000_000 + Int64(microsecond)
    }

    /// The largest |Unix time| accepted as a number (seconds, or milliseconds above 2e10); the
    /// OpenAPI schema states the same bound.
    static let maxTimestamp = 9e15

    /// Saturday or Sunday.
    var isWeekend: Bool { weekday >= 5 }
    /// 00:00:00 to 06:59:59.
    var isNight: Bool { hour <= 6 }

    /// Monday = 0 … Sunday = 6, as Python's `weekday()`.
    var weekday: Int {
        let days = CivilTime.daysFromCivil(year, month, day)
        // 1970-01-01 was a Thursday (3).
        return ((days % 7) + 7 + 3) % 7
    }

    init(year: Int, month: Int, day: Int, hour: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
    }

    init?(unixSeconds: Double) {
        // Below 9.2e12 s, so that the instant in microseconds fits in 64 bits.
        guard unixSeconds.isFinite, abs(unixSeconds) < 9.2e12 else { return nil }
        let s = Int(unixSeconds.rounded(.down))
        let days = s >= 0 ? s / 86400 : (s - 86399) / 86400
        let (y, m, d) = CivilTime.civilFromDays(days)
        let inDay = s - days * 86400
        self.init(year: y, month: m, day: d, hour: inDay / 3600)
        minute = inDay / 60 % 60
        second = inDay % 60
        microsecond = min(999_999, Int(((unixSeconds - Double(s)) * 1_000_000).rounded()))
    }

    /// `YYYY-MM-DD HH:MM:SS`, the handbook's form and what nearly every request sends, read with
    /// straight-line code: the value `parse` gives, or nil for `parse` to decide.
    @inline(__always)
    static func parseHandbookForm(_ b: UnsafeRawBufferPointer) -> CivilTime? {
        let p = b.baseAddress!.assumingMemoryBound(to: UInt8.self)  // 19 bytes: no bounds to check
        @inline(__always) func d(_ k: Int) -> Int { Int(p[k] &- 48) }
        @inline(__always) func isDigit(_ k: Int) -> Bool { p[k] &- 48 < 10 }
        guard isDigit(0), isDigit(1), isDigit(2), isDigit(3), isDigit(5), isDigit(6), isDigit(8), isDigit(9),
              isDigit(11), isDigit(12), isDigit(14), isDigit(15), isDigit(17), isDigit(18), p[4] == UInt8(ascii: "-"),
              p[7] == UInt8(ascii: "-"), p[10] == UInt8(ascii: " "), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":")
        else { return nil }
        let y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), mo = d(5) * 10 + d(6), day = d(8) * 10 + d(9)
        let h = d(11) * 10 + d(12), mi = d(14) * 10 + d(15), sec = d(17) * 10 + d(18)
        guard mo >= 1, mo <= 12, day >= 1, day <= daysInMonth(y, mo), h < 24, mi < 60, sec < 60 else { return nil }
        var t = CivilTime(year: y, month: mo, day: day, hour: h)
        t.minute = mi
        t.second = sec
        return t
    }

    static func parse(_ b: UnsafeRawBufferPointer) -> CivilTime? {
        if b.count == 19, let t = parseHandbookForm(b) { return t }
        return parseAnyForm(b)
    }

    /// Every form `parse` takes: a date, then optionally a time with seconds, their fraction and
    /// an offset.
    static func parseAnyForm(_ b: UnsafeRawBufferPointer) -> CivilTime? {
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard b[k] &- 48 < 10 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        guard let y = digits(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let mo = digits(5, 2),
              b[7] == UInt8(ascii: "-"), let d = digits(8, 2) else { return nil }
        guard mo >= 1, mo <= 12, d >= 1, d <= daysInMonth(y, mo) else { return nil }
        var t = CivilTime(year: y, month: mo, day: d, hour: 0)
        if b.count == 10 { return t }
        guard b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let h = digits(11, 2), h < 24, b.count >= 16, b[13] == UInt8(ascii: ":"),
              let mi = digits(14, 2), mi < 60 else { return nil }
        t.hour = h
        t.minute = mi
        var i = 16
        if i < b.count && b[i] == UInt8(ascii: ":") {
            guard let sec = digits(i + 1, 2), sec < 60 else { return nil }
            t.second = sec
            i += 3
            if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                i += 1
                let start = i
                var scale = 100_000
                while i < b.count && b[i] &- 48 < 10 {
                    t.microsecond += Int(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = digits(i + 1, 2), oh < 24 else { return nil }
                i += 3
                if i < b.count && b[i] == UInt8(ascii: ":") { i += 1 }
                guard let om = digits(i, 2), om < 60 else { return nil }
                i += 2
                t.offsetSeconds = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        return t
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
