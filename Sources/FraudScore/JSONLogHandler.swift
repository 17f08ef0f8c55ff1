import JSON
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// swift-log handler writing one JSON object per line to stderr:
/// `{"ts":"2026-11-22T02:56:00Z","level":"info","msg":"…","logger":"fraudscore",…metadata}`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message, explicit = event.metadata
        var w = JSONWriter()
        w.raw("{\"ts\":")
        w.string(JSONLogHandler.timestamp())
        w.raw(",\"level\":")
        w.string(level.rawValue)
        w.raw(",\"logger\":")
        w.string(label)
        w.raw(",\"msg\":")
        w.string(message.description)
        let merged = explicit.map { metadata.merging($0) { $1 } } ?? metadata
        for key in merged.keys.sorted() {
            w.raw(",")
            w.string(key)
            w.raw(":")
            w.string(merged[key]!.description)
        }
        w.raw("}\n")
        _ = w.bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2))T"
            + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2))."
            + "\(pad(ts.tv_nsec / 1_000_000, 3))Z"
    }
}
