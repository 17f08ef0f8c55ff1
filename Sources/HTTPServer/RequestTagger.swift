import CEpoll
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One per event loop (not thread-safe): tags requests and writes their log lines.
final class RequestTagger {
    let accessLog: AccessLog?
    /// The log lines' `logger` field.
    private let logger: String
    private var random: SplitMix64

    init(accessLog: AccessLog?, logger: String) {
        self.accessLog = accessLog
        self.logger = logger
        var seed: UInt64 = 0
        let filled = try? syscall("getrandom") { getrandom(&seed, 8, 0) }
        if filled != 8 {
            // Ids need to differ between processes, not to be secret: the time will do.
            let now = Clock.wallTime()
            seed = UInt64(bitPattern: Int64(now.nanoseconds)) ^ UInt64(bitPattern: Int64(now.seconds)) << 30
        }
        random = SplitMix64(seed: seed)
    }

    func tags(for headers: HTTPHeaders?) -> RequestTags {
        var tags = RequestTags()
        if let headers {
            // Strings only for ids that are there.
            if let id = headers.withValue(of: .requestID, { $0.map { String(decoding: $0, as: UTF8.self) } }),
               RequestTags.isSaneID(id) {
                tags.clientID = id
            }
            if let tp = headers.withValue(of: .traceparent, { $0.map { String(decoding: $0, as: UTF8.self) } }),
               RequestTags.isValidTraceparent(tp) {
                tags.traceparent = tp
            }
        }
        if tags.clientID.isEmpty { tags.generatedID = random.next() }
        return tags
    }

    /// Logs the request if it is sampled or failed on the server's side.
    func finished(_ record: RequestRecord, status: HTTPStatus, seconds: Double, bytesOut: Int) {
        guard let log = accessLog else { return }
        guard status.isServerError || log.sampleAll || (log.threshold > 0 && random.next() < log.threshold) else { return }
        var line = LogLine(level: status.isServerError ? "error" : "info", logger: logger, message: "request")
        line.field("request_id", record.tags.id)
        if !record.tags.traceparent.isEmpty { line.field("traceparent", record.tags.traceparent) }
        line.field("method", record.method.name)
        line.field("path", record.path)
        line.field("protocol", record.wire.name)
        line.field("status", status.code)
        line.field("duration_ms", milli: seconds * 1000)
        line.field("bytes_in", record.bytesIn)
        line.field("bytes_out", bytesOut)
        line.write(to: log.fd)
    }
}
