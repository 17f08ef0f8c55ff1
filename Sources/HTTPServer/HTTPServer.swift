import CEpoll
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 and HTTP/2 server: N epoll event loops, each on its own thread with its own
/// listener (and probe-port listener). With `certificates` the main port speaks TLS only.
///
/// `start()` binds and returns once every loop listens; `beginShutdown()` (from any thread)
/// stops accepting and drains; `wait()` returns when every loop has finished.
public final class HTTPServer: Sendable {
    public let config: HTTPServerConfig
    private let router: Router
    private let probeRouter: Router
    private let certificates: TLSCertificates?
    private let log: @Sendable (String) -> Void
    /// Request, latency and connection metrics of this server.
    public let metrics: HTTPMetrics
    private let draining = Atomic<Bool>(false)
    private let state = Mutex<(loops: [EventLoop], threads: [OSThread], port: Int, probePort: Int?)>(([], [], 0, nil))

    /// The plain probe port (`config.probePort`) serves `router`'s routes for `config.probePaths`;
    /// `metrics` defaults to a fresh set named by `config.identity`.
    public init(config: HTTPServerConfig, router: Router, certificates: TLSCertificates? = nil,
                metrics: HTTPMetrics? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.config = config
        self.metrics = metrics ?? HTTPMetrics(prefix: config.identity.metricPrefix)
        self.router = router
        self.probeRouter = router.only(paths: config.probePaths)
        self.certificates = certificates
        self.log = log
    }

    /// The port the server listens on (the chosen one when configured with port 0).
    public var port: Int { state.withLock { $0.port } }
    /// The plain probe port, if configured (the chosen one when configured with 0).
    public var probePort: Int? { state.withLock { $0.probePort } }

    /// True once shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public func start() throws {
        let count = config.threads > 0 ? config.threads : HTTPServer.defaultThreadCount
        // A write to a pipe or FIFO whose reader has gone (a shadow record sink on a FIFO, a TLS
        // write inside libssl) must fail with EPIPE, not end the process.
        cepoll_ignore_sigpipe()
        var listeners: [ListeningSocket] = []
        var probeListeners: [ListeningSocket] = []
        do {
            listeners = try HTTPServer.bind(count, host: config.host, port: config.port, backlog: config.backlog)
            if let probe = config.probePort {
                probeListeners = try HTTPServer.bind(count, host: config.host, port: probe, backlog: config.backlog)
            }
        } catch {
            for l in listeners + probeListeners { Sys.close(l.fd) }
            throw error
        }
        let loops = try listeners.indices.map { index in
            var endpoints = [Endpoint(socket: listeners[index], router: router, tls: certificates)]
            if !probeListeners.isEmpty {
                endpoints.append(Endpoint(socket: probeListeners[index], router: probeRouter, tls: nil))
            }
            return try EventLoop(endpoints: endpoints, config: config, metrics: metrics, index: index,
                                 shouldDrain: { [self] in isDraining }, log: log)
        }
        var threads: [OSThread] = []
        for (i, loop) in loops.enumerated() {
            threads.append(try OSThread(name: "\(config.identity.threadPrefix)\(i)") { loop.run() })
        }
        state.withLock { $0 = (loops, threads, listeners[0].port, probeListeners.first?.port) }
    }

    /// `count` listeners on one address: the first may pick the port, the others join it with
    /// SO_REUSEPORT so the kernel spreads connections across the loops.
    private static func bind(_ count: Int, host: String, port: Int, backlog: Int32) throws -> [ListeningSocket] {
        try ListeningSocket.ensureFree(host: host, port: port)
        var listeners: [ListeningSocket] = []
        do {
            let first = try ListeningSocket.bind(host: host, port: port, backlog: backlog)
            listeners.append(first)
            for _ in 1..<count {
                listeners.append(try ListeningSocket.bind(host: host, port: first.port, backlog: backlog))
            }
        } catch {
            for l in listeners { Sys.close(l.fd) }
            throw error
        }
        return listeners
    }

    /// Stops accepting new connections and lets requests in flight finish (bounded by the drain timeout).
    public func beginShutdown() {
        draining.store(true, ordering: .releasing)
        for loop in state.withLock({ $0.loops }) { loop.wake() }
    }

    /// Blocks until every event loop has exited.
    public func wait() {
        for t in state.withLock({ $0.threads }) { t.join() }
    }
}
