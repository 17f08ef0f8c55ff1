import HTTPServer
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// swift-log handler writing one JSON object per line (the `LogLine` format) to a file descriptor:
/// stdout for the server (twelve-factor: the platform collects it), stderr for the offline commands,
/// whose stdout carries their results.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let fd: Int32

    public init(label: String, level: Logger.Level = .info, fd: Int32 = 1) {
        self.label = label
        self.logLevel = level
        self.fd = fd
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = LogLine(level: event.level.rawValue, logger: label, message: event.message.description)
        let merged = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        for key in merged.keys.sorted() {
            line.field(key, merged[key]!.description)
        }
        line.write(to: fd)
    }
}
