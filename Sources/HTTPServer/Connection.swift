import Synchronization
import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// One client connection, owned by a single event loop thread: its buffers, parser and deadlines.
/// It speaks HTTP/1.1, or HTTP/2 once the client preface arrives (h2c with prior knowledge, or h2
/// chosen by ALPN), over the plain socket or TLS.
///
/// Requests are answered inline and in order, so pipelined responses never reorder. A connection that
/// must close first flushes its output, then half-closes and keeps reading (discarding) until the peer
/// closes or the linger deadline passes, so the peer reads the last response instead of a reset.
final class Connection {
    enum State { case open, closing, lingering, closed }

    /// Pending output beyond which the connection stops reading until the peer catches up.
    static let outputHighWater = 64 * 1024
    static let initialBuffer = 16 * 1024

    let fd: Int32
    /// Set on a TLS listener's connections: every read and write goes through it.
    private let tls: TLSStream?
    private let acceptedMs: UInt64
    private(set) var state = State.open
    private var parser: HTTP1Parser
    private let config: HTTPServerConfig
    private let router: Router

    private var input: [UInt8]
    private var inStart = 0
    private var inEnd = 0
    private var output: [UInt8] = []
    private var outStart = 0
    private var requestsServed = 0
    /// The socket may have unread bytes that were left because of output backpressure.
    private var readPending = false
    /// The peer has half-closed: no more requests will come.
    private var peerClosed = false
    /// When the current request's first byte, or its head's end, arrived.
    private var requestStartedMs: UInt64 = 0
    private var headDoneMs: UInt64 = 0
    private var lastProgressMs: UInt64
    private var lingerUntilMs: UInt64 = 0
    /// Set when the server drains: the next response says `Connection: close`.
    private(set) var draining = false
    private var drainIdleUntilMs: UInt64 = 0

    private let metrics: HTTPMetrics
    private let shard: HTTPMetrics.Shard
    private let tagger: RequestTagger
    /// Set once the connection turned out to be HTTP/2 (the client preface, with prior knowledge).
    private var h2: HTTP2Session?
    /// The first bytes have been looked at for the HTTP/2 preface.
    private var sniffed = false
    /// Whether the first bytes may be the HTTP/2 preface: with --h2c on a plain port; over TLS
    /// unless ALPN chose http/1.1.
    private var allowsH2: Bool
    /// ALPN chose h2: anything but the preface is a connection error (RFC 9113 §3.4), closed
    /// without an HTTP/1.1 answer.
    private var requiresH2 = false
    /// The TLS handshake has completed and been counted.
    private var tlsEstablished = false
    /// Closing because the peer broke the protocol or a budget: a short linger only.
    private var abusive = false

    init(fd: Int32, tls: TLSStream?, config: HTTPServerConfig, router: Router, metrics: HTTPMetrics,
         shard: HTTPMetrics.Shard, tagger: RequestTagger, nowMs: UInt64) {
        self.fd = fd
        self.tls = tls
        acceptedMs = nowMs
        shard.connections.add(1, ordering: .relaxed)
        if tls != nil { shard.tlsConnections.add(1, ordering: .relaxed) }
        self.tagger = tagger
        self.metrics = metrics
        self.shard = shard
        self.config = config
        self.router = router
        parser = HTTP1Parser(limits: .init(maxHeaderBytes: config.maxHeaderBytes, maxHeaderCount: config.maxHeaderCount,
                                           maxURIBytes: config.maxURIBytes, maxBodyBytes: config.maxBodyBytes))
        allowsH2 = tls != nil || config.enableH2C
        input = [UInt8](repeating: 0, count: Connection.initialBuffer)
        output.reserveCapacity(4096)
        lastProgressMs = nowMs
    }

    /// No request is in progress and nothing is waiting to be written.
    var isIdle: Bool { state == .open && inStart == inEnd && !parser.isInsideRequest && outStart == output.count }

    // MARK: events

    func onReadable(date: [UInt8], nowMs: UInt64) {
        readPending = true
        drive(date: date, nowMs: nowMs)
    }

    func onWritable(date: [UInt8], nowMs: UInt64) {
        // A TLS read that had to write first (handshake, session tickets) is retried now.
        if let tls, tls.readWantsWritable { readPending = true }
        drive(date: date, nowMs: nowMs)
    }

    /// Another turn for a connection that stopped at its read budget.
    func resume(date: [UInt8], nowMs: UInt64) {
        drive(date: date, nowMs: nowMs)
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

    /// Answers buffered requests, writes, and reads more, until the connection has to wait: for input
    /// (socket drained, request incomplete), for the peer to read (output above the high-water mark,
    /// and the last write hit EAGAIN so EPOLLOUT will resume us), or for its next turn.
    private func drive(date: [UInt8], nowMs: UInt64) {
        stoppedAtBudget = false
        if state == .lingering { discardInput(nowMs: nowMs); return }
        var reads = 0
        while state == .open {
            let needsInput = process(date: date, nowMs: nowMs)
            if needsInput && state == .open && pendingOutput > 0 && pendingOutput < Connection.outputHighWater {
                // Written by the loop once every ready connection has had its turn: one write after
                // another wakes a waiting client once, where a write after each request's scoring
                // woke it (a context switch) every time.
                deferredOutput = true
            } else {
                flush(nowMs: nowMs)
            }
            guard state == .open, pendingOutput < Connection.outputHighWater else { return }
            if !needsInput { continue }  // stopped at the high-water mark; output has drained since
            guard readPending else { return }
            guard reads < Connection.readsPerTurn else {
                stoppedAtBudget = true
                return
            }
            reads += 1
            readOnce(date: date, nowMs: nowMs)
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
        if let tls, !tlsEstablished, tls.handshakeDone {
            tlsEstablished = true
            shard.tlsHandshakes.add(1, ordering: .relaxed)
            allowsH2 = tls.alpn != "http/1.1"
            requiresH2 = tls.alpn == "h2"
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

    /// Parses and answers the complete requests in the input buffer. Returns true when it stopped
    /// because it needs more input, false when it stopped at the output high-water mark.
    private func process(date: [UInt8], nowMs: UInt64) -> Bool {
        if !sniffed && allowsH2 {
            // HTTP/2 with prior knowledge starts with a fixed 24-byte preface; HTTP/1.1 never does.
            let preface = HTTP2Session.preface
            let n = min(inEnd - inStart, preface.count)
            let matches = input[inStart..<(inStart + n)].elementsEqual(preface[0..<n])
            if matches && n < preface.count {
                if peerClosed { state = .closing }
                return true
            }
            sniffed = true
            if !matches && (requiresH2 || HTTP2Session.startsLikePreface(input[inStart..<inEnd])) {
                // RFC 9113 §3.4: a preface that is not exactly the preface is a connection error. A
                // peer that began with "PRI * HTTP/2.0" speaks HTTP/2 and gets a GOAWAY it can read;
                // after ALPN h2, anything else is closed without one.
                if !requiresH2 { output += HTTP2Session.goawayProtocolError }
                abusive = true
                state = .closing
                return true
            }
            if matches {
                do {
                    h2 = try HTTP2Session(config: config, router: router, metrics: metrics, shard: shard, tagger: tagger,
                                          nowMs: nowMs)
                    shard.h2Connections.add(1, ordering: .relaxed)
                    if tls != nil { shard.tlsH2Connections.add(1, ordering: .relaxed) }
                } catch {
                    close()
                    return true
                }
            }
        }
        if let h2 {
            h2.date = date
            return processHTTP2(h2, nowMs: nowMs)
        }
        while state == .open {
            guard pendingOutput < Connection.outputHighWater else { return false }
            let event = input.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[inStart..<inEnd])) }
            switch event {
            case .needMore(let sendContinue):
                if parser.hasHead && headDoneMs == 0 { headDoneMs = nowMs }
                if sendContinue { ResponseEncoder.append("HTTP/1.1 100 Continue\r\n\r\n", into: &output) }
                if peerClosed { state = .closing }
                return true
            case .request(let clientKeepAlive, let consumed):
                var request = parser.takeRequest()
                defer { parser.recycle(&request) }
                inStart += consumed
                headDoneMs = 0
                requestsServed += 1
                requestStartedMs = inStart < inEnd ? nowMs : 0
                let keepAlive = clientKeepAlive && !draining && requestsServed < config.maxRequestsPerConnection
                let started = HTTPMetrics.now()
                shard.inFlight.add(1, ordering: .relaxed)
                let tags = tagger.tags(for: request.headers)
                let (response, route) = router.route(request)
                let outputBefore = output.count
                ResponseEncoder.encode(response, into: &output, date: date, keepAlive: keepAlive,
                                       http10: request.version.minor == 0, omitBody: request.method == "HEAD",
                                       tags: tags)
                shard.inFlight.subtract(1, ordering: .relaxed)
                let seconds = HTTPMetrics.now() - started
                metrics.record(shard, route: route, method: request.method, status: response.status, seconds: seconds)
                tagger.finished(method: request.method, path: request.path,
                                protocolName: request.version.minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
                                status: response.status, seconds: seconds, bytesIn: request.body.count,
                                bytesOut: output.count - outputBefore, tags: tags)
                if !keepAlive { state = .closing }
            case .error(let status, let message):
                respondAndClose(status, message, date: date)
            }
        }
        return true
    }

    /// HTTP/2: everything read goes to nghttp2, whose frames fill the output up to the high-water mark.
    /// Returns false when it stopped there with more to send.
    private func processHTTP2(_ h2: HTTP2Session, nowMs: UInt64) -> Bool {
        if inStart < inEnd {
            let ok = input.withUnsafeBytes { h2.receive(UnsafeRawBufferPointer(rebasing: $0[inStart..<inEnd]), nowMs: nowMs) }
            inStart = inEnd
            if !ok {
                _ = h2.send(into: &output, limit: Int.max)  // its GOAWAY
                abusive = true
                state = .closing
                return true
            }
        }
        guard h2.send(into: &output, limit: Connection.outputHighWater) else {
            state = .closing
            return true
        }
        if !h2.isAlive || peerClosed {
            abusive = h2.cutOff
            state = .closing
        }
        return pendingOutput < Connection.outputHighWater
    }

    private func respondAndClose(_ status: Int, _ message: String, date: [UInt8]) {
        metrics.record(shard, route: "none", method: "other", status: status, seconds: 0)
        let tags = tagger.tags(for: nil)
        let outputBefore = output.count
        ResponseEncoder.encode(.detail(status, message), into: &output, date: date, keepAlive: false,
                               http10: false, omitBody: false, tags: tags)
        tagger.finished(method: "", path: "", protocolName: "HTTP/1.1", status: status, seconds: 0, bytesIn: 0,
                        bytesOut: output.count - outputBefore, tags: tags)
        state = .closing
    }

    /// A plain-HTTP client on the TLS port gets a readable answer instead of a reset (best effort,
    /// straight onto the socket: there is no TLS session to speak through).
    private func answerPlainHTTPOnTLSPort(date: [UInt8]) {
        var out: [UInt8] = []
        ResponseEncoder.encode(.detail(400, "This port speaks TLS: use https://"), into: &out,
                               date: date, keepAlive: false, http10: false, omitBody: false)
        _ = out.withUnsafeBytes { try? nonBlockingWrite(fd, $0) }
        shutdown(fd, cepoll_shut_wr())
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
            output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
            outStart = 0
            if state == .closing { startLinger(nowMs: nowMs) }
        }
    }

    private func startLinger(nowMs: UInt64) {
        tls?.sendCloseNotify()
        shutdown(fd, cepoll_shut_wr())
        state = .lingering
        // An abusive peer gets just long enough to read our GOAWAY, not the usual grace.
        lingerUntilMs = nowMs + UInt64(abusive ? min(100, config.lingerTimeoutMs) : config.lingerTimeoutMs)
        discardInput(nowMs: nowMs)
    }

    /// Reads and drops what the peer still sends, in 16 KiB chunks and at most 1 MiB per event, so
    /// a peer that keeps flooding cannot hold the loop; the linger deadline ends it.
    private func discardInput(nowMs: UInt64) {
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 8) { scratch in
            for _ in 0..<64 where state == .lingering {
                switch try? nonBlockingRead(fd, into: scratch) {
                case .bytes?: continue
                case .wouldBlock?: return
                case .eof?, nil: close(); return
                }
            }
        }
    }

    func close() {
        guard state != .closed else { return }
        state = .closed
        shard.connections.subtract(1, ordering: .relaxed)
        if h2 != nil { shard.h2Connections.subtract(1, ordering: .relaxed) }
        if tls != nil {
            shard.tlsConnections.subtract(1, ordering: .relaxed)
            if h2 != nil { shard.tlsH2Connections.subtract(1, ordering: .relaxed) }
        }
        Glibc.close(fd)
    }

    // MARK: deadlines and draining

    /// Closes or answers the connection if one of its deadlines has passed.
    func checkDeadlines(nowMs: UInt64, date: [UInt8]) {
        switch state {
        case .closed:
            return
        case .lingering:
            if nowMs >= lingerUntilMs { close() }
            return
        case .open, .closing:
            break
        }
        if tls != nil && !tlsEstablished {
            // Nothing can be answered before the handshake: a deadline ends a stalled one.
            if nowMs - acceptedMs >= UInt64(config.tlsHandshakeTimeoutMs) {
                shard.tlsHandshakeTimeouts.add(1, ordering: .relaxed)
                close()
            }
            return
        }
        if pendingOutput > 0 {
            if nowMs - lastProgressMs >= UInt64(config.writeTimeoutMs) { close() }
            return
        }
        guard state == .open else { return }
        if let h2 {
            checkHTTP2Deadlines(h2, nowMs: nowMs)
        } else if parser.hasHead {
            if headDoneMs > 0 && nowMs - headDoneMs >= UInt64(config.bodyTimeoutMs) {
                respondAndClose(408, "Request body not received within \(config.bodyTimeoutMs) ms", date: date)
                flush(nowMs: nowMs)
            }
        } else if inStart < inEnd || parser.isInsideRequest {
            // Absolute from the first byte: trickling bytes does not extend it (slowloris).
            if nowMs - requestStartedMs >= UInt64(config.headerTimeoutMs) {
                respondAndClose(408, "Request headers not received within \(config.headerTimeoutMs) ms", date: date)
                flush(nowMs: nowMs)
            }
        } else if draining {
            if nowMs >= drainIdleUntilMs { startLinger(nowMs: nowMs) }
        } else if nowMs - lastProgressMs >= UInt64(config.idleTimeoutMs) {
            close()
        }
    }

    /// HTTP/2's own deadlines (SETTINGS acknowledgement, stream progress), then the idle timeout:
    /// a connection with no stream and no bytes for `idleTimeoutMs` gets GOAWAY and closes.
    private func checkHTTP2Deadlines(_ h2: HTTP2Session, nowMs: UInt64) {
        if !h2.checkDeadlines(nowMs: nowMs) {
            abusive = true
            state = .closing
        } else if !h2.hasStreams && nowMs - lastProgressMs >= UInt64(config.idleTimeoutMs) {
            h2.shutdown()
        }
        if !h2.send(into: &output, limit: Int.max) || !h2.isAlive { state = .closing }
        flush(nowMs: nowMs)
    }

    /// From now on every response closes the connection; an idle one closes after `graceMs`
    /// unless a request arrives first.
    func beginDrain(nowMs: UInt64, graceMs: Int) {
        draining = true
        drainIdleUntilMs = nowMs + UInt64(graceMs)
        if let h2, state == .open {
            h2.shutdown()
            _ = h2.send(into: &output, limit: Int.max)
            flush(nowMs: nowMs)
        }
    }
}
