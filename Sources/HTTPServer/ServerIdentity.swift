/// The product's names where the server shows them: the `Server` response header, the prefix of
/// its Prometheus metrics, the access log's logger and its threads' names.
public struct ServerIdentity: Sendable {
    /// The `Server` header's value (empty: no header).
    public var serverHeader: String
    /// Metric names start with this and `_` (e.g. `http_requests_total`).
    public var metricPrefix: String
    /// The `logger` field of access log lines.
    public var accessLogger: String
    /// Event-loop threads are named this plus their index (at most 15 bytes in all).
    public var threadPrefix: String

    public init(serverHeader: String = "", metricPrefix: String = "http", accessLogger: String = "http.access",
                threadPrefix: String = "http-io") {
        self.serverHeader = serverHeader
        self.metricPrefix = metricPrefix
        self.accessLogger = accessLogger
        self.threadPrefix = threadPrefix
    }

    /// A product's names: `Server: name`, `name_…` metrics, `name.access`, threads `name-io0`….
    public static func product(_ name: String) -> ServerIdentity {
        ServerIdentity(serverHeader: name, metricPrefix: name, accessLogger: name + ".access", threadPrefix: name + "-io")
    }
}
