import JSON
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One JSON log line, the format of everything the service logs (lifecycle events through
/// swift-log, and per-request lines):
/// `{"ts":"2026-11-22T02:56:00.123Z","level":"info","logger":"fraudscore","msg":"…",…fields}`.
public struct LogLine {
    private var w = JSONWriter(capacity: 320)

    public init(level: String, logger: String, message: String) {
        w.raw("{\"ts\":\"")
        LogLine.appendTimestamp(into: &w)
        w.member("\",\"level\":", level)
        w.member(",\"logger\":", logger)
        w.member(",\"msg\":", message)
    }

    public mutating func field(_ key: String, _ value: String) {
        self.key(key)
        w.string(value)
    }

    public mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        w.int(Int64(value))
    }

    /// A number with three decimals (milliseconds with microsecond resolution).
    public mutating func field(_ key: String, milli value: Double) {
        self.key(key)
        let micros = Int64((max(0, value) * 1000).rounded())
        w.int(micros / 1000)
        w.raw(".")
        let frac = micros % 1000
        if frac < 100 { w.raw("0") }
        if frac < 10 { w.raw("0") }
        w.int(frac)
    }

    private mutating func key(_ key: String) {
        w.raw(",")
        w.string(key)
        w.raw(":")
    }

    /// The finished line, newline included.
    public mutating func finish() -> [UInt8] {
        w.raw("}\n")
        return w.bytes
    }

    /// Writes the line with one write(2), so lines from different threads never interleave. A log
    /// that cannot be written (stdout closed, disk full) drops the line: logging never stops serving.
    public mutating func write(to fd: Int32) {
        let bytes = finish()
        bytes.withUnsafeBytes { b in _ = try? Sys.writeAll(fd, b) }
    }

    /// RFC 3339 UTC with milliseconds: 2026-11-22T02:56:00.123Z.
    static func appendTimestamp(into w: inout JSONWriter) {
        let now = Clock.wallTime()
        w.bytes += UTCTime(seconds: now.seconds).iso8601(milliseconds: now.nanoseconds / 1_000_000).utf8
    }
}
