import Synchronization
import CEpoll
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One client connection, owned by a single event loop thread: its buffers, parser and deadlines.
/// It speaks HTTP/1.1, or HTTP/2 once the client preface arrives (h2c with prior knowledge, or h2
/// chosen by ALPN), over the plain socket or TLS. Requests go to the loop's `RequestDispatcher`.
///
/// HTTP/1.1 requests are answered one after the other, in order: while a deferred handler works, the
/// next pipelined request waits in the input buffer (as nginx does). A connection that must close
/// first flushes its output, then half-closes and keeps reading (discarding) until the peer closes
/// or the linger deadline passes, so the peer reads the last response instead of a reset.
final class Connection {
    enum State {
        /// TLS: the handshake has not completed; nothing can be answered yet.
        case handshaking
        /// The first bytes decide: the HTTP/2 preface, or HTTP/1.1. With ALPN h2 only the preface may come.
        case sniffing(requiresH2: Bool)
        case http1
        case http2(HTTP2Session)
        /// Output is flushing; then the write side closes and the connection lingers.
        case closing(CloseReason)
        /// Half-closed: reading and discarding until the peer closes or `untilMs`.
        case lingering(untilMs: UInt64)
        case closed
    }

    enum CloseReason {
        /// The exchange ended normally: `Connection: close`, the peer's end of input, a drain, HTTP/2 GOAWAY.
        case finished
        /// The peer broke the protocol or a budget: it gets just long enough to read our answer.
        case misbehaved
    }

    /// What the connection counts as in the open-connections gauge, fixed once HTTP/2 is spoken.
    private enum Counted { case http1, http2 }

    /// Pending output beyond which the connection stops reading until the peer catches up.
    static let outputHighWater = 64 * 1024
    static let initialBuffer = 16 * 1024

    let fd: Int32
    /// Set on a TLS listener's connections: every read and write goes through it.
    private let tls: TLSStream?
    private let acceptedMs: UInt64
    private(set) var state: State
    private var counted = Counted.http1
    private var parser: HTTP1Parser
    private let config: HTTPServerConfig
    private let router: Router
    private let dispatcher: RequestDispatcher

    private var input: [UInt8]
    private var inStart = 0
    private var inEnd = 0
    private var output: [UInt8] = []
    private var outStart = 0
    private var requestsServed = 0
    /// The HTTP/1.1 request whose deferred handler is working: nothing after it is parsed meanwhile.
    private var awaiting: PendingExchange?
    /// The socket may have unread bytes that were left because of output backpressure.
    private var readPending = false
    /// The peer has half-closed: no more requests will come.
    private var peerClosed = false
    /// When the current request's first byte, or its head's end, arrived.
    private var requestStartedMs: UInt64 = 0
    private var headDoneMs: UInt64 = 0
    private var lastProgressMs: UInt64
    /// Set when the server drains: the next response says `Connection: close`.
    private(set) var draining = false
    private var drainIdleUntilMs: UInt64 = 0

    init(fd: Int32, tls: TLSStream?, config: HTTPServerConfig, router: Router, dispatcher: RequestDispatcher,
         nowMs: UInt64) {
        self.fd = fd
        self.tls = tls
        acceptedMs = nowMs
        dispatcher.shard.connections.add(1, ordering: .relaxed)
        if tls != nil { dispatcher.shard.tlsConnections.add(1, ordering: .relaxed) }
        self.dispatcher = dispatcher
        self.config = config
        self.router = router
        parser = HTTP1Parser(limits: .init(maxHeaderBytes: config.maxHeaderBytes, maxHeaderCount: config.maxHeaderCount,
                                           maxURIBytes: config.maxURIBytes, maxBodyBytes: config.maxBodyBytes))
        state = tls != nil ? .handshaking : config.enableH2C ? .sniffing(requiresH2: false) : .http1
        input = [UInt8](repeating: 0, count: Connection.initialBuffer)
        output.reserveCapacity(4096)
        lastProgressMs = nowMs
    }

    /// Reading and answering requests (not yet closing).
    var isOpen: Bool {
        switch state {
        case .handshaking, .sniffing, .http1, .http2: true
        case .closing, .lingering, .closed: false
        }
    }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    private var shard: HTTPMetrics.Shard { dispatcher.shard }

    // MARK: events

    func onReadable(date: [UInt8], nowMs: UInt64) {
        readPending = true
        drive(date: date, nowMs: nowMs)
    }

    func onWritable(date: [UInt8], nowMs: UInt64) {
        // A TLS read that had to write first (handshake, session tickets) is retried now.
        if let tls, tls.readWantsWritable { readPending = true }
        // Edge-triggered epoll reports EPOLLOUT with every EPOLLIN: with nothing left to read and
        // nothing to write but what waits for the loop's flush, the turn `onReadable` just had
        // has done all there is.
        guard readPending || (pendingOutput > 0 && !deferredOutput) else { return }
        drive(date: date, nowMs: nowMs)
    }

    /// Another turn for a connection that stopped at its read budget.
    func resume(date: [UInt8], nowMs: UInt64) {
        drive(date: date, nowMs: nowMs)
    }

    /// A deferred handler's answer (on the loop's thread): written in its place, then the
    /// connection carries on with what waited behind it.
    func deliver(_ exchange: PendingExchange, _ response: HTTPResponse, date: [UInt8], nowMs: UInt64) {
        if case .http2(let h2) = state {
            h2.answer(exchange, response)
        } else if awaiting === exchange {
            exchange.markAnswered()
            awaiting = nil
            answerHTTP1(response, exchange.record, exchange.framing, date: date)
        } else {
            dispatcher.finishUnsent(exchange)
            return
        }
        // The connection's last answer (Connection: close) leaves it closing: only its output to write.
        if isOpen { drive(date: date, nowMs: nowMs) } else { flush(nowMs: nowMs) }
    }

    private var pendingOutput: Int { output.count - outStart }

    /// Reads one connection may make per turn of its event loop. A socket that still has input
    /// then waits behind the loop's other ready connections (edge-triggered epoll will not report
    /// it again, so the loop keeps it on a list).
    static let readsPerTurn = 16
    /// The last turn ended at the read budget with input possibly left: the loop must resume it.
    private(set) var stoppedAtBudget = false
    /// On the loop's resume list (owned by the loop).
    var queuedForResume = false
    /// Responses are waiting in the output buffer for the loop's flush at the end of its batch.
    private(set) var deferredOutput = false
    /// On the loop's flush list (owned by the loop).
    var queuedForFlush = false

    /// Why `process` stopped.
    private enum Wait {
        /// The input holds no complete request.
        case input
        /// Output is above the high-water mark.
        case output
        /// An HTTP/1.1 request's deferred handler is working.
        case handler
    }

    /// Answers buffered requests, writes, and reads more, until the connection has to wait: for input
    /// (socket drained, request incomplete), for the peer to read (output above the high-water mark,
    /// and the last write hit EAGAIN so EPOLLOUT will resume us), for a handler, or for its next turn.
    private func drive(date: [UInt8], nowMs: UInt64) {
        stoppedAtBudget = false
        if case .lingering = state { discardInput(nowMs: nowMs); return }
        var reads = 0
        while isOpen {
            let wait = process(date: date, nowMs: nowMs)
            if wait != .output && isOpen && pendingOutput > 0 && pendingOutput < Connection.outputHighWater {
                // Written by the loop once every ready connection has had its turn: one write after
                // another wakes a waiting client once, where a write after each request's scoring
                // woke it (a context switch) every time.
                deferredOutput = true
            } else {
                flush(nowMs: nowMs)
            }
            guard isOpen, pendingOutput < Connection.outputHighWater else { return }
            if wait == .output { continue }  // output has drained since
            // While a handler works, reading goes on only to notice the peer leaving, and stops at a
            // buffer's worth of pipelined input.
            guard readPending, wait != .handler || inEnd - inStart < Connection.initialBuffer else { return }
            guard reads < Connection.readsPerTurn else {
                stoppedAtBudget = true
                return
            }
            reads += 1
            readOnce(date: date, nowMs: nowMs)
            if wait == .handler && peerClosed {
                close()  // the client left before its answer: the handler's answer is only counted (499)
            }
        }
    }

    private func readOnce(date: [UInt8], nowMs: UInt64) {
        makeRoom()
        let result: IOResult
        do {
            result = try input.withUnsafeMutableBytes {
                let free = UnsafeMutableRawBufferPointer(rebasing: $0[inEnd...])
                return try tls.map { try $0.read(into: free) } ?? nonBlockingRead(fd, into: free)
            }
        } catch {
            if let tls, !tls.handshakeDone {
                shard.tlsHandshakeErrors.add(1, ordering: .relaxed)
                if tls.sawPlainHTTP { answerPlainHTTPOnTLSPort(date: date) }
            }
            close()
            return
        }
        if let tls, case .handshaking = state, tls.handshakeDone {
            shard.tlsHandshakes.add(1, ordering: .relaxed)
            state = tls.alpn == "http/1.1" ? .http1 : .sniffing(requiresH2: tls.alpn == "h2")
        }
        switch result {
        case .bytes(let n):
            // Edge-triggered epoll: a short read(2) means the socket is drained for now; data that
            // arrives later raises a new event. TLS reads the socket itself and says the same.
            if inEnd + n < input.count && tls?.socketDrained != false { readPending = false }
            if inStart == inEnd && !parser.isInsideRequest { requestStartedMs = nowMs }
            inEnd += n
            lastProgressMs = nowMs
        case .wouldBlock:
            readPending = false
        case .eof:
            // The peer has finished sending: answer what is complete, then close.
            readPending = false
            peerClosed = true
        }
    }

    /// Parses and answers the complete requests in the input buffer.
    private func process(date: [UInt8], nowMs: UInt64) -> Wait {
        if case .sniffing(let requiresH2) = state { sniff(requiresH2: requiresH2, nowMs: nowMs) }
        switch state {
        case .http1:
            return processHTTP1(date: date, nowMs: nowMs)
        case .http2(let h2):
            h2.date = date
            return processHTTP2(h2, nowMs: nowMs)
        default:
            return .input
        }
    }

    /// HTTP/2 with prior knowledge starts with a fixed 24-byte preface; HTTP/1.1 never does. Leaves
    /// the state sniffing while the bytes so far match it.
    private func sniff(requiresH2: Bool, nowMs: UInt64) {
        let preface = HTTP2Session.preface
        let n = min(inEnd - inStart, preface.count)
        let matches = input[inStart..<(inStart + n)].elementsEqual(preface[0..<n])
        if matches && n < preface.count {
            if peerClosed { beginClosing(.finished) }
            return
        }
        guard matches else {
            if requiresH2 || HTTP2Session.startsLikePreface(input[inStart..<inEnd]) {
                // RFC 9113 §3.4: a preface that is not exactly the preface is a connection error. A
                // peer that began with "PRI * HTTP/2.0" speaks HTTP/2 and gets a GOAWAY it can read;
                // after ALPN h2, anything else is closed without one.
                if !requiresH2 { output += HTTP2Session.goawayProtocolError }
                beginClosing(.misbehaved)
            } else {
                state = .http1
            }
            return
        }
        do {
            let h2 = try HTTP2Session(config: config, router: router, dispatcher: dispatcher, connection: self, nowMs: nowMs)
            state = .http2(h2)
            counted = .http2
            shard.h2Connections.add(1, ordering: .relaxed)
            if tls != nil { shard.tlsH2Connections.add(1, ordering: .relaxed) }
        } catch {
            close()
        }
    }

    private func processHTTP1(date: [UInt8], nowMs: UInt64) -> Wait {
        while case .http1 = state {
            if awaiting != nil { return .handler }
            guard pendingOutput < Connection.outputHighWater else { return .output }
            guard inStart < inEnd else {
                // No byte to parse (a request's bytes stay in the input until it is whole).
                if peerClosed { beginClosing(.finished) }
                return .input
            }
            let event = input.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[inStart..<inEnd])) }
            switch event {
            case .needMore(let sendContinue):
                if parser.hasHead && headDoneMs == 0 { headDoneMs = nowMs }
                if sendContinue { ResponseEncoder.append("HTTP/1.1 100 Continue\r\n\r\n", into: &output) }
                if peerClosed { beginClosing(.finished) }
                return .input
            case .request(let clientKeepAlive, let consumed):
                var request = parser.takeRequest()
                defer { parser.recycle(&request) }
                inStart += consumed
                headDoneMs = 0
                requestsServed += 1
                requestStartedMs = inStart < inEnd ? nowMs : 0
                let framing = HTTP1Framing(clientKeepAlive: clientKeepAlive, http10: request.version.minor == 0,
                                           omitBody: request.method == .HEAD)
                var record = dispatcher.begin(&request, wire: framing.http10 ? .http10 : .http11)
                switch dispatcher.dispatch(request, &record, router: router, connection: self, streamID: 0, framing: framing) {
                case .answered(let response):
                    answerHTTP1(response, record, framing, date: date)
                case .waiting(let exchange):
                    awaiting = exchange
                }
            case .error(let status, let message):
                respondAndClose(status, message, date: date)
            }
        }
        return .input
    }

    /// Encodes an answer; the last one a connection may carry, or one during a drain, closes it.
    private func answerHTTP1(_ response: consuming HTTPResponse, _ record: RequestRecord, _ framing: HTTP1Framing, date: [UInt8]) {
        let keepAlive = framing.clientKeepAlive && !draining && requestsServed < config.maxRequestsPerConnection
        let outputBefore = output.count
        ResponseEncoder.encode(response, into: &output, date: date, server: dispatcher.serverLine,
                               keepAlive: keepAlive, http10: framing.http10, omitBody: framing.omitBody, tags: record.tags)
        dispatcher.finish(record, status: response.reportedStatus ?? response.status, bytesOut: output.count - outputBefore)
        if response.bodyIsSpare { SpareBytes.give(&response.body) }
        if !keepAlive, case .http1 = state { beginClosing(.finished) }
    }

    /// HTTP/2: everything read goes to nghttp2, whose frames fill the output up to the high-water mark.
    private func processHTTP2(_ h2: HTTP2Session, nowMs: UInt64) -> Wait {
        if inStart < inEnd {
            let ok = input.withUnsafeBytes { h2.receive(UnsafeRawBufferPointer(rebasing: $0[inStart..<inEnd]), nowMs: nowMs) }
            inStart = inEnd
            if !ok {
                _ = h2.send(into: &output, limit: Int.max)  // its GOAWAY
                beginClosing(.misbehaved)
                return .input
            }
        }
        guard h2.send(into: &output, limit: Connection.outputHighWater) else {
            beginClosing(.finished)
            return .input
        }
        if !h2.isAlive || peerClosed {
            beginClosing(h2.defences.tripped != nil ? .misbehaved : .finished)
        }
        return pendingOutput < Connection.outputHighWater ? .input : .output
    }

    /// A request the parser refused (400, 413, 414, 431, 505…, or a timeout's 408): answered, then closed.
    private func respondAndClose(_ status: HTTPStatus, _ message: String, date: [UInt8]) {
        let record = dispatcher.beginUnparsed()
        let outputBefore = output.count
        ResponseEncoder.encode(.detail(status, message), into: &output, date: date, server: dispatcher.serverLine,
                               keepAlive: false, http10: false, omitBody: false, tags: record.tags)
        dispatcher.finish(record, status: status, bytesOut: output.count - outputBefore)
        beginClosing(.finished)
    }

    /// A plain-HTTP client on the TLS port gets a readable answer instead of a reset (best effort,
    /// straight onto the socket: there is no TLS session to speak through).
    private func answerPlainHTTPOnTLSPort(date: [UInt8]) {
        var out: [UInt8] = []
        ResponseEncoder.encode(.detail(.badRequest, "This port speaks TLS: use https://"), into: &out, date: date,
                               server: dispatcher.serverLine, keepAlive: false, http10: false, omitBody: false)
        _ = out.withUnsafeBytes { try? nonBlockingWrite(fd, $0) }
        Sys.shutdownWrite(fd)
    }

    /// Keeps unparsed bytes at the front and leaves at least a few KiB free to read into.
    private func makeRoom() {
        if inStart == inEnd {
            inStart = 0
            inEnd = 0
        } else if inStart > 0 && input.count - inEnd < 4096 {
            input.withUnsafeMutableBytes { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + inStart, inEnd - inStart)
            }
            inEnd -= inStart
            inStart = 0
        }
        if input.count - inEnd < 4096 {
            // Grow for a large body; the parser has already refused anything over the limits.
            input.append(contentsOf: repeatElement(0, count: input.count))
        }
    }

    // MARK: output

    func flush(nowMs: UInt64) {
        deferredOutput = false
        while outStart < output.count {
            let result: IOResult
            do {
                result = try output.withUnsafeBytes {
                    let pending = UnsafeRawBufferPointer(rebasing: $0[outStart...])
                    return try tls.map { try $0.write(pending) } ?? nonBlockingWrite(fd, pending)
                }
            } catch {
                close()
                return
            }
            guard case .bytes(let n) = result else { break }
            outStart += n
            lastProgressMs = nowMs
        }
        if outStart == output.count {
            if outStart > 0 { output.removeAll(keepingCapacity: output.capacity <= 1 << 20) }
            outStart = 0
            if case .closing(let reason) = state { startLinger(reason, nowMs: nowMs) }
        }
    }

    private func startLinger(_ reason: CloseReason, nowMs: UInt64) {
        tls?.sendCloseNotify()
        Sys.shutdownWrite(fd)
        // A misbehaving peer gets just long enough to read our GOAWAY, not the usual grace.
        let graceMs = reason == .misbehaved ? min(100, config.lingerTimeoutMs) : config.lingerTimeoutMs
        state = .lingering(untilMs: nowMs + UInt64(graceMs))
        discardInput(nowMs: nowMs)
    }

    /// Reads and drops what the peer still sends, in 16 KiB chunks and at most 1 MiB per event, so
    /// a peer that keeps flooding cannot hold the loop; the linger deadline ends it.
    private func discardInput(nowMs: UInt64) {
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 8) { scratch in
            for _ in 0..<64 {
                guard case .lingering = state else { return }
                switch try? nonBlockingRead(fd, into: scratch) {
                case .bytes?: continue
                case .wouldBlock?: return
                case .eof?, nil: close(); return
                }
            }
        }
    }

    /// Closes the socket; a handler still working is told its answer has nowhere to go.
    func close() {
        if isClosed { return }
        if case .http2(let h2) = state { h2.abandonAll() }
        state = .closed
        awaiting?.abandon()
        awaiting = nil
        shard.connections.subtract(1, ordering: .relaxed)
        if counted == .http2 { shard.h2Connections.subtract(1, ordering: .relaxed) }
        if tls != nil {
            shard.tlsConnections.subtract(1, ordering: .relaxed)
            if counted == .http2 { shard.tlsH2Connections.subtract(1, ordering: .relaxed) }
        }
        Sys.close(fd)
    }

    /// From here the connection only flushes what it has, then lingers and closes. HTTP/2 streams
    /// still waiting for a handler are abandoned: their answers cannot be sent any more.
    private func beginClosing(_ reason: CloseReason) {
        if case .http2(let h2) = state { h2.abandonAll() }
        state = .closing(reason)
    }

    // MARK: deadlines and draining

    /// Closes or answers the connection if one of its deadlines has passed.
    func checkDeadlines(nowMs: UInt64, date: [UInt8]) {
        switch state {
        case .closed:
            return
        case .lingering(let untilMs):
            if nowMs >= untilMs { close() }
            return
        case .handshaking:
            // Nothing can be answered before the handshake: a deadline ends a stalled one.
            if nowMs - acceptedMs >= UInt64(config.tlsHandshakeTimeoutMs) {
                shard.tlsHandshakeTimeouts.add(1, ordering: .relaxed)
                close()
            }
            return
        default:
            break
        }
        if pendingOutput > 0 {
            if nowMs - lastProgressMs >= UInt64(config.writeTimeoutMs) { close() }
            return
        }
        switch state {
        case .http2(let h2):
            checkHTTP2Deadlines(h2, nowMs: nowMs)
        case .http1, .sniffing:
            checkHTTP1Deadlines(nowMs: nowMs, date: date)
        default:
            break
        }
    }

    private func checkHTTP1Deadlines(nowMs: UInt64, date: [UInt8]) {
        if awaiting != nil {
            return  // a handler is working: the request is complete, and the next one waits for it
        } else if parser.hasHead {
            if headDoneMs > 0 && nowMs - headDoneMs >= UInt64(config.bodyTimeoutMs) {
                respondAndClose(.requestTimeout, "Request body not received within \(config.bodyTimeoutMs) ms", date: date)
                flush(nowMs: nowMs)
            }
        } else if inStart < inEnd || parser.isInsideRequest {
            // Absolute from the first byte: trickling bytes does not extend it (slowloris).
            if nowMs - requestStartedMs >= UInt64(config.headerTimeoutMs) {
                respondAndClose(.requestTimeout, "Request headers not received within \(config.headerTimeoutMs) ms", date: date)
                flush(nowMs: nowMs)
            }
        } else if draining {
            if nowMs >= drainIdleUntilMs { startLinger(.finished, nowMs: nowMs) }
        } else if nowMs - lastProgressMs >= UInt64(config.idleTimeoutMs) {
            close()
        }
    }

    /// HTTP/2's own deadlines (SETTINGS acknowledgement, stream progress), then the idle timeout:
    /// a connection with no stream and no bytes for `idleTimeoutMs` gets GOAWAY and closes.
    private func checkHTTP2Deadlines(_ h2: HTTP2Session, nowMs: UInt64) {
        if !h2.checkDeadlines(nowMs: nowMs) {
            _ = h2.send(into: &output, limit: Int.max)
            beginClosing(.misbehaved)
        } else {
            if !h2.hasStreams && nowMs - lastProgressMs >= UInt64(config.idleTimeoutMs) { h2.shutdown() }
            if !h2.send(into: &output, limit: Int.max) || !h2.isAlive { beginClosing(.finished) }
        }
        flush(nowMs: nowMs)
    }

    /// From now on every response closes the connection; an idle one closes after `graceMs`
    /// unless a request arrives first.
    func beginDrain(nowMs: UInt64, graceMs: Int) {
        draining = true
        drainIdleUntilMs = nowMs + UInt64(graceMs)
        if case .http2(let h2) = state {
            h2.shutdown()
            _ = h2.send(into: &output, limit: Int.max)
            flush(nowMs: nowMs)
        }
    }
}
