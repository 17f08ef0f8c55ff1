import Support
/// The one way a request becomes an answer, for both protocols: one per event loop. It gives the
/// request its ids, counts it in flight, routes it, and once the answer is written counts it in the
/// metrics and writes its access log line. A deferred route's handler gets a `Responder` and answers
/// later; the connection waits for it (HTTP/1.1, in order) or carries on with its other streams
/// (HTTP/2).
///
/// Touched only by its loop's thread.
final class RequestDispatcher {
    enum Outcome {
        /// Answered now: encode it, then `finish` the record.
        case answered(HTTPResponse)
        /// The handler answers later through its `Responder`; the loop delivers it to the connection.
        case waiting(PendingExchange)
    }

    private let metrics: HTTPMetrics
    let shard: HTTPMetrics.Shard
    private let tagger: RequestTagger
    /// The loop that owns this dispatcher: deferred answers come back through it.
    unowned let loop: EventLoop
    /// The metrics series this loop recorded into last.
    private var recent = HTTPMetrics.RecentSeries()
    /// "Server: name\r\n" for HTTP/1.1 heads, built once (empty: no header).
    let serverLine: [UInt8]

    init(metrics: HTTPMetrics, shard: HTTPMetrics.Shard, accessLog: AccessLog?, identity: ServerIdentity, loop: EventLoop) {
        self.metrics = metrics
        self.shard = shard
        self.tagger = RequestTagger(accessLog: accessLog, logger: identity.accessLogger)
        self.loop = loop
        serverLine = identity.serverHeader.isEmpty ? [] : Array("Server: \(identity.serverHeader)\r\n".utf8)
    }

    /// A request's record: its ids and start, counted in flight from now until `finish`.
    func begin(_ request: inout HTTPRequest, wire: RequestRecord.WireProtocol) -> RequestRecord {
        shard.inFlight.add(1, ordering: .relaxed)
        let tags = tagger.tags(for: request.headers)
        request.generatedID = tags.generatedID
        return RequestRecord(method: request.method, path: request.path, wire: wire, bytesIn: request.body.count,
                             tags: tags, started: Clock.monotonicSeconds())
    }

    /// Routes `request`, or answers it with `limit` (a limit's error: no handler runs). Sets the
    /// record's route. (The record stays with the caller: it is not copied into the outcome.)
    func dispatch(_ request: HTTPRequest, _ record: inout RequestRecord, router: Router, connection: Connection,
                  streamID: Int32, framing: HTTP1Framing, limit: HTTPResponse? = nil) -> Outcome {
        if let limit { return .answered(router.shaped(limit, for: request)) }
        let (target, route) = router.resolve(request.method, request.path)
        record.route = route
        switch target {
        case .response(let response):
            return .answered(response)
        case .handler(let handler):
            return .answered(handler(request))
        case .deferred(let handler):
            let exchange = PendingExchange(record: record, connection: connection, streamID: streamID, framing: framing)
            handler(request, Responder(loop: loop, exchange: exchange))
            exchange.handlerReturned()
            if let response = exchange.immediate {
                exchange.markAnswered()
                return .answered(response)
            }
            return .waiting(exchange)
        }
    }

    /// Counts an answered request: in flight no more, its metrics, its access log line.
    func finish(_ record: RequestRecord, status: HTTPStatus, bytesOut: Int) {
        shard.inFlight.subtract(1, ordering: .relaxed)
        let seconds = Clock.monotonicSeconds() - record.started
        metrics.record(shard, route: record.route, method: record.method, status: status, seconds: seconds,
                       recent: &recent)
        tagger.finished(record, status: status, seconds: seconds, bytesOut: bytesOut)
    }

    /// A deferred answer with nowhere to go (its connection closed, its stream was reset): counted
    /// with status 499, as nginx logs a client that left before its answer.
    func finishUnsent(_ exchange: PendingExchange) {
        exchange.markAnswered()
        finish(exchange.record, status: 499, bytesOut: 0)
    }

    /// A request the HTTP/1.1 parser refused before it had a method and path: counted under route
    /// "none", logged with a fresh id. Returns the record to encode the answer's ids with.
    func beginUnparsed() -> RequestRecord {
        shard.inFlight.add(1, ordering: .relaxed)
        return RequestRecord(method: .other(""), path: "", wire: .http11, bytesIn: 0, tags: tagger.tags(for: nil),
                             started: Clock.monotonicSeconds())
    }
}
