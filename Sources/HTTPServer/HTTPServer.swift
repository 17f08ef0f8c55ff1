import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server: N epoll event loops, each on its own thread with its own listener.
///
/// `start()` binds and returns once every loop listens; `beginShutdown()` (from any thread)
/// stops accepting and drains; `wait()` returns when every loop has finished.
public final class HTTPServer: Sendable {
    public let config: HTTPServerConfig
    private let router: Router
    private let log: @Sendable (String) -> Void
    /// Request, latency and connection metrics of this server.
    public let metrics: HTTPMetrics
    private let draining = Atomic<Bool>(false)
    private let state = Mutex<(loops: [EventLoop], threads: [OSThread], port: Int)>(([], [], 0))

    public init(config: HTTPServerConfig, router: Router, metrics: HTTPMetrics = HTTPMetrics(),
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.config = config
        self.metrics = metrics
        self.router = router
        self.log = log
    }

    /// The port the server listens on (the chosen one when configured with port 0).
    public var port: Int { state.withLock { $0.port } }

    /// True once shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public func start() throws {
        let count = config.threads > 0 ? config.threads : HTTPServer.defaultThreadCount
        var listeners: [ListeningSocket] = []
        do {
            // The first listener may pick the port; the others join it with SO_REUSEPORT.
            let first = try ListeningSocket.bind(host: config.host, port: config.port, backlog: config.backlog)
            listeners.append(first)
            for _ in 1..<count {
                listeners.append(try ListeningSocket.bind(host: config.host, port: first.port, backlog: config.backlog))
            }
        } catch {
            for l in listeners { close(l.fd) }
            throw error
        }
        let loops = try listeners.enumerated().map { index, listener in
            try EventLoop(listener: listener, config: config, router: router, metrics: metrics, index: index,
                          shouldDrain: { [self] in isDraining }, log: log)
        }
        var threads: [OSThread] = []
        for (i, loop) in loops.enumerated() {
            threads.append(try OSThread(name: "fraudscore-io\(i)") { loop.run() })
        }
        state.withLock { $0 = (loops, threads, listeners[0].port) }
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
