/// A request whose handler answers later: it waits here, on its connection's event loop, until the
/// handler's `Responder` delivers the response. Touched only by that loop's thread.
///
/// The connection holds it while it waits; it holds the connection back only until the connection
/// closes (`abandon()`), so a closed connection is freed even while a handler still works, and the
/// late answer is only counted.
final class PendingExchange {
    enum State {
        /// The handler has not returned yet: an answer given now is the immediate one.
        case routing
        case waiting
        /// The connection closed or the stream was reset: the answer is counted, not sent.
        case abandoned
        case answered
    }

    var record: RequestRecord
    private(set) var state = State.routing
    /// The connection to answer on; nil once abandoned.
    private(set) var connection: Connection?
    /// The HTTP/2 stream (0 for HTTP/1.1).
    let streamID: Int32
    /// How an HTTP/1.1 answer is framed, fixed when the request was read.
    let framing: HTTP1Framing
    /// An answer given while the handler was still being called.
    var immediate: HTTPResponse?

    init(record: RequestRecord, connection: Connection, streamID: Int32, framing: HTTP1Framing) {
        self.record = record
        self.connection = connection
        self.streamID = streamID
        self.framing = framing
    }

    func handlerReturned() {
        if state == .routing { state = .waiting }
    }

    func abandon() {
        if state == .routing || state == .waiting { state = .abandoned }
        connection = nil
    }

    func markAnswered() {
        state = .answered
        connection = nil
    }
}

/// The HTTP/1.1 facts an answer's head depends on, taken from its request.
struct HTTP1Framing {
    var clientKeepAlive: Bool
    var http10: Bool
    /// HEAD: the head says what GET would send, without the body.
    var omitBody: Bool

    static let http2 = HTTP1Framing(clientKeepAlive: true, http10: false, omitBody: false)
}
