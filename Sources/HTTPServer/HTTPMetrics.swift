import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Request counts and server-time histograms by route, method and status, plus open connections
/// and requests in flight, in the Prometheus text format.
///
/// Each event loop records into its own shard (a lock nobody else takes except a scrape), so the
/// request path never contends across threads.
public final class HTTPMetrics: Sendable {
    /// Histogram bucket bounds in seconds: scoring takes microseconds, so the low end is fine-grained.
    public static let buckets: [Double] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                           0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

    struct Key: Hashable, Sendable {
        var route: String
        var method: String
        var status: Int
    }

    struct Series: Sendable {
        var count = 0
        var sum = 0.0
        var buckets = [Int](repeating: 0, count: HTTPMetrics.buckets.count)

        mutating func add(_ seconds: Double, bucket: Int?) {
            count += 1
            sum += seconds
            if let bucket { buckets[bucket] += 1 }
        }
    }

    /// One series, shared by reference between its shard's table and the loop's `RecentSeries`.
    /// `@unchecked Sendable`: read and written only under its shard's lock.
    final class SeriesBox: @unchecked Sendable {
        var series = Series()
    }

    /// The series a loop recorded into last: consecutive requests of the same route, method and
    /// status (the usual case under load) update it without hashing the key again.
    struct RecentSeries {
        fileprivate var key: Key?
        fileprivate var box: SeriesBox?
    }

    final class Shard: Sendable {
        /// Made with room for a few series: the table's storage type is then set up when the server
        /// starts, not by the first request (which paid for it, ~440,000 instructions).
        let series = Mutex<[Key: SeriesBox]>(Dictionary(minimumCapacity: 4))
        let connections = Atomic<Int>(0)
        /// Of `connections`, those speaking HTTP/2.
        let h2Connections = Atomic<Int>(0)
        /// Of `connections`, those over TLS, and of these, those speaking HTTP/2.
        let tlsConnections = Atomic<Int>(0)
        let tlsH2Connections = Atomic<Int>(0)
        let tlsHandshakes = Atomic<Int>(0)
        let tlsHandshakeErrors = Atomic<Int>(0)
        let tlsHandshakeTimeouts = Atomic<Int>(0)
        let inFlight = Atomic<Int>(0)
        let h2FloodCloses = Atomic<Int>(0)
        let h2HeaderLimitCloses = Atomic<Int>(0)
        let h2ServerResetCloses = Atomic<Int>(0)
        let h2SettingsTimeouts = Atomic<Int>(0)
        let h2StreamWriteTimeouts = Atomic<Int>(0)
        let h2RequestTimeouts = Atomic<Int>(0)
    }

    private let shards: [Shard]
    /// Every metric name starts with this and `_`.
    public let prefix: String

    /// `prefix` starts every metric's name (`ServerIdentity.metricPrefix`); `shards` bounds how many
    /// event loops record without sharing a lock.
    public init(prefix: String = ServerIdentity().metricPrefix, shards: Int = 64) {
        self.prefix = prefix
        self.shards = (0..<max(1, shards)).map { _ in Shard() }
    }

    func shard(_ index: Int) -> Shard { shards[index % shards.count] }

    /// Methods outside the registered set are counted as "other", so clients cannot create label values.
    func record(_ shard: Shard, route: String, method: HTTPMethod, status: HTTPStatus, seconds: Double,
                recent: inout RecentSeries) {
        let key = Key(route: route, method: method.label, status: status.code)
        let bucket = HTTPMetrics.buckets.firstIndex(where: { seconds <= $0 })
        let box: SeriesBox
        if let last = recent.box, recent.key == key {
            box = last
        } else {
            box = shard.series.withLock { all in
                if let found = all[key] { return found }
                let made = SeriesBox()
                all[key] = made
                return made
            }
            recent = RecentSeries(key: key, box: box)
        }
        shard.series.withLock { _ in box.series.add(seconds, bucket: bucket) }
    }

    /// Appends the exposition of these metrics.
    public func render(into out: inout String) {
        var merged: [Key: Series] = [:]
        var connections = 0, h2Connections = 0, tlsConnections = 0, tlsH2Connections = 0, inFlight = 0
        for shard in shards {
            connections += shard.connections.load(ordering: .relaxed)
            h2Connections += shard.h2Connections.load(ordering: .relaxed)
            tlsConnections += shard.tlsConnections.load(ordering: .relaxed)
            tlsH2Connections += shard.tlsH2Connections.load(ordering: .relaxed)
            inFlight += shard.inFlight.load(ordering: .relaxed)
            shard.series.withLock { all in
                for (k, box) in all {
                    let s = box.series
                    var m = merged[k] ?? Series()
                    m.count += s.count
                    m.sum += s.sum
                    for i in 0..<m.buckets.count { m.buckets[i] += s.buckets[i] }
                    merged[k] = m
                }
            }
        }
        let keys = merged.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        out += "# HELP \(prefix)_requests_total HTTP requests answered, by route, method and status.\n"
        out += "# TYPE \(prefix)_requests_total counter\n"
        for k in keys {
            out += "\(prefix)_requests_total{route=\"\(k.route)\",method=\"\(k.method)\",status=\"\(k.status)\"} \(merged[k]!.count)\n"
        }
        // The histogram is by route and method: statuses merged.
        var byRoute: [String: (route: String, method: String, series: Series)] = [:]
        for k in keys {
            let id = k.route + " " + k.method
            var entry = byRoute[id] ?? (k.route, k.method, Series())
            let s = merged[k]!
            entry.series.count += s.count
            entry.series.sum += s.sum
            for i in 0..<s.buckets.count { entry.series.buckets[i] += s.buckets[i] }
            byRoute[id] = entry
        }
        out += "# HELP \(prefix)_request_duration_seconds Server time from a request's last byte to its encoded response.\n"
        out += "# TYPE \(prefix)_request_duration_seconds histogram\n"
        for id in byRoute.keys.sorted() {
            let (route, method, s) = byRoute[id]!
            PrometheusText.histogram("\(prefix)_request_duration_seconds", labels: "route=\"\(route)\",method=\"\(method)\"",
                                        bounds: HTTPMetrics.buckets, counts: s.buckets, sum: s.sum, count: s.count, into: &out)
        }
        PrometheusText.family("\(prefix)_connections_open", type: "gauge", help: "Client connections open, by protocol.",
                          samples: [("{protocol=\"http1\"}", connections - tlsConnections - (h2Connections - tlsH2Connections)),
                                    ("{protocol=\"h2c\"}", h2Connections - tlsH2Connections),
                                    ("{protocol=\"http1-tls\"}", tlsConnections - tlsH2Connections),
                                    ("{protocol=\"h2\"}", tlsH2Connections)], into: &out)
        func total(_ counter: (Shard) -> Int) -> Int { shards.reduce(0) { $0 + counter($1) } }
        PrometheusText.family("\(prefix)_tls_handshakes_total", type: "counter", help: "TLS handshakes completed.",
                          samples: [("", total { $0.tlsHandshakes.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_tls_handshake_failures_total", type: "counter",
                          help: "TLS connections closed before their handshake completed: a protocol error (old version, no shared cipher, not TLS) or the handshake deadline.",
                          samples: [("{reason=\"error\"}", total { $0.tlsHandshakeErrors.load(ordering: .relaxed) }),
                                    ("{reason=\"timeout\"}", total { $0.tlsHandshakeTimeouts.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_requests_in_flight", type: "gauge", help: "Requests being handled right now.",
                          samples: [("", inFlight)], into: &out)
        PrometheusText.family("\(prefix)_http2_flood_closes_total", type: "counter",
                          help: "HTTP/2 connections closed with ENHANCE_YOUR_CALM for frames that ask for no response.",
                          samples: [("", shards.reduce(0) { $0 + $1.h2FloodCloses.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_http2_header_limit_closes_total", type: "counter",
                          help: "HTTP/2 connections closed with ENHANCE_YOUR_CALM for a header list over the advertised limit.",
                          samples: [("", shards.reduce(0) { $0 + $1.h2HeaderLimitCloses.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_http2_server_reset_closes_total", type: "counter",
                          help: "HTTP/2 connections closed with ENHANCE_YOUR_CALM for provoking more stream resets than the budget (MadeYouReset).",
                          samples: [("", total { $0.h2ServerResetCloses.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_http2_settings_timeouts_total", type: "counter",
                          help: "HTTP/2 connections closed with SETTINGS_TIMEOUT: the client never acknowledged the server's SETTINGS.",
                          samples: [("", total { $0.h2SettingsTimeouts.load(ordering: .relaxed) })], into: &out)
        PrometheusText.family("\(prefix)_http2_stream_timeouts_total", type: "counter",
                          help: "HTTP/2 streams ended by a deadline: a response that made no progress (reset with CANCEL) or a request not complete in time (408).",
                          samples: [("{reason=\"write\"}", total { $0.h2StreamWriteTimeouts.load(ordering: .relaxed) }),
                                    ("{reason=\"request\"}", total { $0.h2RequestTimeouts.load(ordering: .relaxed) })], into: &out)
    }

}
