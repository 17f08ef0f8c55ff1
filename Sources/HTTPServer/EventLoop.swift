import Synchronization
import CEpoll
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket and what its connections get: a router, and TLS or plain.
struct Endpoint {
    let socket: ListeningSocket
    let router: Router
    let tls: TLSCertificates?
}

/// One epoll event loop on its own thread: its listeners, its connections, their deadlines.
///
/// `@unchecked Sendable`: the connection table and listeners are touched only by the loop's own
/// thread; other threads only call `wake()`, which writes to an eventfd.
final class EventLoop: @unchecked Sendable {
    private let epfd: Int32
    /// Rung by other threads: a drain has begun, or deferred answers wait in the mailbox.
    private let wakeSignal: WakeSignal
    /// The main port's listener, then the probe port's if any; empty once closed while draining.
    private var endpoints: [Endpoint]
    private var connections: [Connection?] = []
    private var connectionCount = 0
    /// Connections with input left when they reached their read budget, served in turn.
    private var budgeted: [Connection] = []
    /// Connections whose responses wait for the end of the batch (see `Connection.deferredOutput`).
    private var unflushed: [Connection] = []
    /// At most this many connections wait for a flush: a response waits for this many others' work.
    static let flushBatch = 32
    private let config: HTTPServerConfig
    private let shouldDrain: @Sendable () -> Bool
    private let log: @Sendable (String) -> Void
    private var date = HTTPDateCache()
    private var drainDeadlineMs: UInt64? = nil
    /// While draining: when the listener closes (handshakes under way have completed by then).
    private var listenerCloseMs: UInt64 = 0
    private var lastSweepMs: UInt64 = 0

    static let sweepIntervalMs: UInt64 = 50

    private let metrics: HTTPMetrics
    private let shardIndex: Int
    /// Routes, counts and logs every request of this loop's connections (set once `self` exists).
    private var dispatcher: RequestDispatcher!
    /// Deferred answers handed over by other threads, and whether the loop still takes them.
    private let mailbox = Mutex<(open: Bool, answers: [Delivery])>((true, []))
    /// The loop's thread, once `run` has started: answers given on it skip the mailbox.
    private let thread = Atomic<UInt>(0)

    /// A deferred answer crossing to the loop's thread; the exchange is only touched there.
    private struct Delivery: @unchecked Sendable {
        let exchange: PendingExchange
        let response: HTTPResponse
    }

    init(endpoints: [Endpoint], config: HTTPServerConfig, metrics: HTTPMetrics, index: Int,
         shouldDrain: @escaping @Sendable () -> Bool, log: @escaping @Sendable (String) -> Void) throws {
        self.endpoints = endpoints
        self.metrics = metrics
        self.shardIndex = index
        self.config = config
        self.shouldDrain = shouldDrain
        self.log = log
        epfd = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        wakeSignal = try WakeSignal()
        for e in endpoints { try add(e.socket.fd, events: EPOLLIN.rawValue) }
        try add(wakeSignal.fd, events: EPOLLIN.rawValue)
        dispatcher = RequestDispatcher(metrics: metrics, shard: metrics.shard(index), accessLog: config.accessLog,
                                       identity: config.identity, loop: self)
    }

    private func add(_ fd: Int32, events: UInt32) throws {
        var ev = epoll_event()
        ev.events = events
        ev.data.fd = fd
        _ = try syscall("epoll_ctl(ADD)") { epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) }
    }

    /// Asks the loop to look at the server's state and its mailbox (called from any thread).
    func wake() {
        mailbox.withLock { if $0.open { signal() } }
    }

    private func signal() {
        wakeSignal.signal()
    }

    /// A deferred handler's answer, from any thread: delivered now on the loop's own thread, else
    /// through the mailbox and the eventfd. After the loop has stopped it is only counted.
    func deliver(_ exchange: PendingExchange, _ response: HTTPResponse) {
        if thread.load(ordering: .acquiring) == UInt(pthread_self()) {
            complete(exchange, response)
            return
        }
        let taken = mailbox.withLock { box -> Bool in
            guard box.open else { return false }
            box.answers.append(Delivery(exchange: exchange, response: response))
            if box.answers.count == 1 { signal() }
            return true
        }
        if !taken { metrics.shard(shardIndex).inFlight.subtract(1, ordering: .relaxed) }
    }

    /// On the loop's thread: the answer goes to its connection, which writes it and carries on.
    private func complete(_ exchange: PendingExchange, _ response: HTTPResponse) {
        switch exchange.state {
        case .routing:
            exchange.immediate = response  // answered before the handler returned
        case .waiting where exchange.connection != nil:
            let conn = exchange.connection!
            let now = Clock.monotonicMs()
            conn.deliver(exchange, response, date: date.line, nowMs: now)
            afterTurn(conn, nowMs: now)
        case .waiting, .abandoned:
            dispatcher.finishUnsent(exchange)
        case .answered:
            break
        }
    }

    private func takeMail() {
        let answers = mailbox.withLock { box -> [Delivery] in
            defer { box.answers.removeAll() }
            return box.answers
        }
        for a in answers { complete(a.exchange, a.response) }
    }

    /// Runs until the server drains and the last connection has closed.
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        thread.store(UInt(pthread_self()), ordering: .releasing)
        date.refresh()
        while true {
            // Connections that used their read budget still have input: look at the sockets
            // without waiting, then serve them again after whatever else is ready.
            let timeout = budgeted.isEmpty ? Int32(EventLoop.sweepIntervalMs) : 0
            let waited = events.withUnsafeMutableBufferPointer { ready in
                Result { () throws(SystemError) in
                    try syscall("epoll_wait") { epoll_wait(epfd, ready.baseAddress, Int32(ready.count), timeout) }
                }
            }
            guard case .success(let n) = waited else {
                log("\(waited)")
                break
            }
            let now = Clock.monotonicMs()
            date.refresh()
            for k in 0..<max(0, Int(n)) {
                let fd = events[k].data.fd
                let flags = events[k].events
                if fd == wakeSignal.fd {
                    wakeSignal.consume()
                    takeMail()
                    if shouldDrain() && drainDeadlineMs == nil { beginDrain(nowMs: now) }
                } else if let conn = connection(fd) {
                    if flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
                        conn.onReadable(date: date.line, nowMs: now)
                    }
                    if flags & EPOLLOUT.rawValue != 0 && !conn.isClosed {
                        conn.onWritable(date: date.line, nowMs: now)
                    }
                    afterTurn(conn, nowMs: now)
                } else if let e = endpoints.firstIndex(where: { $0.socket.fd == fd }) {
                    acceptAll(endpoints[e], nowMs: now)
                }
            }
            resumeBudgeted(nowMs: now)
            flushAll(nowMs: now)
            if now - lastSweepMs >= EventLoop.sweepIntervalMs {
                lastSweepMs = now
                sweep(nowMs: now)
            }
            if let deadline = drainDeadlineMs {
                if !endpoints.isEmpty && now >= listenerCloseMs { closeListeners(nowMs: now) }
                if connectionCount == 0 && endpoints.isEmpty { break }
                if now >= deadline {
                    closeListeners(nowMs: now)
                    log("drain timeout: closing \(connectionCount) connection(s) still open")
                    for case let conn? in connections { conn.close(); remove(conn) }
                    break
                }
            }
        }
        // Answers that arrive from now on are only counted; those already here go to closed connections.
        mailbox.withLock { $0.open = false }
        thread.store(0, ordering: .releasing)
        takeMail()
        Sys.close(epfd)
    }

    /// After a connection's turn: forget it if it closed, else queue it for more reading or a flush.
    private func afterTurn(_ conn: Connection, nowMs: UInt64) {
        if conn.isClosed {
            remove(conn)
        } else {
            noteBudget(conn)
            noteUnflushed(conn, nowMs: nowMs)
        }
    }

    /// Queues a connection whose responses wait in its buffer (once); a full batch is written at once.
    private func noteUnflushed(_ conn: Connection, nowMs: UInt64) {
        guard conn.deferredOutput && !conn.queuedForFlush else { return }
        conn.queuedForFlush = true
        unflushed.append(conn)
        if unflushed.count >= EventLoop.flushBatch { flushAll(nowMs: nowMs) }
    }

    /// Writes every waiting connection's responses.
    private func flushAll(nowMs: UInt64) {
        guard !unflushed.isEmpty else { return }
        for conn in unflushed {
            conn.queuedForFlush = false
            guard !conn.isClosed, conn.deferredOutput else { continue }
            conn.flush(nowMs: nowMs)
            if conn.isClosed { remove(conn) }
        }
        unflushed.removeAll(keepingCapacity: true)
    }

    /// Queues a connection that stopped at its read budget with input left (once).
    private func noteBudget(_ conn: Connection) {
        guard conn.stoppedAtBudget && !conn.queuedForResume else { return }
        conn.queuedForResume = true
        budgeted.append(conn)
    }

    /// Drives, once more each and in the order they stopped, the connections that stopped at their
    /// read budget; those that stop at it again wait for the next turn. So one busy client (a fast
    /// TLS peer, a pipelining flood) cannot keep the loop from its other connections.
    private func resumeBudgeted(nowMs: UInt64) {
        guard !budgeted.isEmpty else { return }
        let turn = budgeted
        budgeted.removeAll(keepingCapacity: true)
        for conn in turn {
            conn.queuedForResume = false
            guard !conn.isClosed else { continue }
            conn.resume(date: date.line, nowMs: nowMs)
            afterTurn(conn, nowMs: nowMs)
        }
    }

    private func connection(_ fd: Int32) -> Connection? {
        Int(fd) < connections.count ? connections[Int(fd)] : nil
    }

    private func remove(_ conn: Connection) {
        if Int(conn.fd) < connections.count, connections[Int(conn.fd)] === conn {
            connections[Int(conn.fd)] = nil
            connectionCount -= 1
        }
    }

    private func acceptAll(_ endpoint: Endpoint, nowMs: UInt64) {
        while true {
            let fd: Int32
            do {
                guard let c = try endpoint.socket.accept() else { return }
                fd = c
            } catch let error as SystemError {
                // EMFILE and friends: log and retry on the next event rather than spin.
                log("\(error)")
                return
            } catch {
                return
            }
            if connectionCount >= config.maxConnectionsPerLoop {
                // A TLS client could not read a plain 503: it just sees the connection close.
                if endpoint.tls == nil { rejectOverCapacity(fd) } else { Sys.close(fd) }
                continue
            }
            var tls: TLSStream? = nil
            if let certificates = endpoint.tls {
                guard let stream = TLSStream(fd: fd, context: certificates.current) else {
                    log("TLS: cannot create a session for a new connection (out of memory?)")
                    Sys.close(fd)
                    continue
                }
                tls = stream
            }
            let conn = Connection(fd: fd, tls: tls, config: config, router: endpoint.router, dispatcher: dispatcher,
                                  nowMs: nowMs)
            if drainDeadlineMs != nil { conn.beginDrain(nowMs: nowMs, graceMs: config.drainIdleGraceMs) }
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count + 64))
            }
            connections[Int(fd)] = conn
            connectionCount += 1
            do {
                try add(fd, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
            } catch {
                log("\(error)")
                conn.close()
                remove(conn)
            }
        }
    }

    /// Over the connection limit: a best-effort 503 on the fresh socket, then close.
    private func rejectOverCapacity(_ fd: Int32) {
        var out: [UInt8] = []
        ResponseEncoder.encode(.detail(.serviceUnavailable, "Too many connections: the server's limit is "
                                       + "\(config.maxConnectionsPerLoop) per event loop"),
                               into: &out, date: date.line, server: dispatcher.serverLine,
                               keepAlive: false, http10: false, omitBody: false)
        _ = out.withUnsafeBytes { try? nonBlockingWrite(fd, $0) }
        Sys.shutdownWrite(fd)
        Sys.close(fd)
    }

    private func sweep(nowMs: UInt64) {
        for case let conn? in connections {
            conn.checkDeadlines(nowMs: nowMs, date: date.line)
            if conn.isClosed { remove(conn) }
        }
    }

    /// Stops taking new handshakes, lets every connection finish its current request, and closes
    /// the listener once handshakes already under way have had `drainAcceptGraceMs` to complete.
    /// Closing a listener resets every connection still in its accept queue, so the queue must
    /// stop growing first: otherwise a client that connected a moment before close is reset.
    private func beginDrain(nowMs: UInt64) {
        drainDeadlineMs = nowMs + UInt64(config.drainTimeoutMs)
        listenerCloseMs = nowMs + UInt64(config.drainAcceptGraceMs)
        for e in endpoints {
            do {
                try e.socket.refuseNewHandshakes()
            } catch {
                log("\(error): new connections may be reset while draining")
            }
            acceptAll(e, nowMs: nowMs)
        }
        for case let conn? in connections {
            conn.beginDrain(nowMs: nowMs, graceMs: config.drainIdleGraceMs)
        }
    }

    /// Takes what is still queued, then closes the listeners.
    private func closeListeners(nowMs: UInt64) {
        for e in endpoints {
            acceptAll(e, nowMs: nowMs)
            _ = try? syscall("epoll_ctl(DEL)") { epoll_ctl(epfd, EPOLL_CTL_DEL, e.socket.fd, nil) }  // closing removes it anyway
            Sys.close(e.socket.fd)
        }
        endpoints = []
    }
}
