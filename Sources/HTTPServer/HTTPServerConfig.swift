/// Every limit the server enforces, with the status a client sees when it is exceeded.
public struct HTTPServerConfig: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    /// Event loops (threads), each with its own SO_REUSEPORT listener. 0 = one per CPU.
    public var threads: Int = 0
    public var backlog: Int32 = 1024

    /// Request line plus headers, in bytes (431).
    public var maxHeaderBytes: Int = 16 * 1024
    /// Header fields per request (431).
    public var maxHeaderCount: Int = 100
    /// Request target length (414).
    public var maxURIBytes: Int = 8 * 1024
    /// Request body (413, sent before reading the body; then the connection closes).
    public var maxBodyBytes: Int = 1024 * 1024
    /// From a request's first byte to its last header byte, however slowly it trickles (408).
    public var headerTimeoutMs: Int = 10_000
    /// From the end of the headers to the end of the body (408).
    public var bodyTimeoutMs: Int = 30_000
    /// A keep-alive connection with no request in progress is closed after this.
    public var idleTimeoutMs: Int = 60_000
    /// A response that makes no write progress for this long closes the connection.
    public var writeTimeoutMs: Int = 30_000
    /// Open connections per event loop; beyond it a new connection gets 503 and is closed.
    public var maxConnectionsPerLoop: Int = 10_000
    /// Requests served on one connection before it answers with `Connection: close`.
    public var maxRequestsPerConnection: Int = 10_000
    /// After SIGTERM, how long requests in flight may take before the server stops anyway.
    public var drainTimeoutMs: Int = 10_000
    /// While draining, an idle keep-alive connection stays open this long so a request already on its
    /// way is answered (with `Connection: close`) instead of meeting a closed socket.
    public var drainIdleGraceMs: Int = 1_000
    /// While draining, the listener drops new handshakes but stays open this long, so a client whose
    /// handshake was already under way (one round trip) is accepted and answered rather than reset.
    public var drainAcceptGraceMs: Int = 250
    /// How long a closing connection keeps reading (and discarding) so its last response is not reset.
    public var lingerTimeoutMs: Int = 2_000

    /// With TLS: a connection whose handshake has not completed this long after accept is closed.
    public var tlsHandshakeTimeoutMs: Int = 10_000
    /// A second, plain-HTTP port serving only the health and metrics routes (for probes and
    /// scrapers when the main port speaks TLS); nil: none.
    public var probePort: Int? = nil

    /// HTTP/2 cleartext with prior knowledge on the same port (the connection preface is sniffed).
    public var enableH2C = true
    /// HTTP/2 budgets: flood, server resets, concurrent streams, SETTINGS acknowledgement.
    public var http2 = HTTP2Limits()
    /// What the server calls itself: the `Server` header, metric names, the access log's logger.
    public var identity = ServerIdentity()
    /// The routes a plain probe port serves (`probePort`): liveness, readiness and metrics.
    public var probePaths: Set<String> = ["/health", "/health/live", "/health/ready", "/metrics"]
    /// Per-request log lines (nil: none). Every response carries `X-Request-Id` either way.
    public var accessLog: AccessLog? = nil

    public init() {}
}
