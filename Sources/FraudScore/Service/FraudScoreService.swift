import HTTPServer
import Logging
import ModelStore
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The whole service, built from one `FraudScoreConfiguration`: the API, the model repository and
/// its manager, the HTTP server, the TLS certificate watcher, and the threads they run on. It owns
/// every thread it starts and joins each one on the way out.
///
/// `start()` loads a local model before the port opens and returns once the server listens;
/// `shutdown()` turns readiness to 503, waits the pre-stop delay, drains and stops the manager;
/// `wait()` returns when every thread has ended.
public final class FraudScoreService: Sendable {
    public let configuration: FraudScoreConfiguration
    public let app: FraudScoreApp
    public let manager: ModelManager
    public let server: HTTPServer
    private let repositoryIsRemote: Bool
    private let certificates: TLSCertificates?
    private let watcher: CertificateWatcher?
    private let threads = Mutex<[OSThread]>([])
    private let log = Logger(label: "fraudscore")

    public init(_ configuration: FraudScoreConfiguration) throws(StartupError) {
        self.configuration = configuration
        let token = configuration.adminToken
        app = FraudScoreApp(scoring: configuration.scoring, adminToken: token)
        let repository: ModelRepository
        do {
            repository = try ModelRepository(uri: try ModelURI(configuration.model), s3: configuration.s3,
                                             transfer: configuration.transfer, mlflow: configuration.mlflow)
        } catch {
            throw StartupError(what: "cannot use the model repository \(configuration.model)", detail: "\(error)", exitCode: 2)
        }
        repositoryIsRemote = repository.uri.isRemote
        let app = app
        do {
            manager = try ModelManager(repository: repository,
                                       gate: CandidateValidator(app: app, extraFields: configuration.requestFields,
                                                                 promotion: configuration.promotion),
                                       config: configuration.models, log: Logger(label: "fraudscore.models")) { app.serve($0) }
        } catch {
            throw StartupError(what: "cannot start the model manager", detail: "\(error)", exitCode: 1)
        }
        app.attach(manager)
        if let settings = configuration.tls {
            do {
                certificates = try TLSCertificates(settings: settings)
                watcher = try CertificateWatcher(certificates!)
            } catch {
                throw StartupError(what: "cannot use the TLS certificate", detail: "\(error)", exitCode: 2)
            }
        } else {
            certificates = nil
            watcher = nil
        }
        let httpMetrics = HTTPMetrics(prefix: configuration.http.identity.metricPrefix)
        let errorLog = Logger(label: "fraudscore.http")
        server = HTTPServer(config: configuration.http, router: app.router(httpMetrics: httpMetrics),
                            certificates: certificates, metrics: httpMetrics) { errorLog.error("\($0)") }
    }

    /// Loads a local model (a typo fails the rollout at once; remote storage may be down at start,
    /// and readiness then answers 503 with the reason), opens the port, starts the threads.
    public func start() throws(StartupError) {
        if !repositoryIsRemote && !manager.pollNow() {
            throw StartupError(what: "cannot load model \(configuration.model)",
                               detail: manager.status().notReadyReason ?? "unknown", exitCode: 2)
        }
        do {
            try server.start()
        } catch {
            let http = configuration.http
            throw StartupError(what: "cannot listen on \(http.host):\(http.port)", detail: "\(error)", exitCode: 1)
        }
        let manager = manager
        let firstPollDelayMs = repositoryIsRemote ? 0 : configuration.models.pollIntervalMs
        do {
            try spawn("fs-models") {
                // Loading and checking a new version is background work: at nice 10 it yields the CPU
                // to the event loops, so a swap under full load does not show in their latency. On
                // Linux the nice value of "process 0" is the calling thread's alone.
                _ = try? syscall("setpriority") { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10) }
                manager.run(initialDelayMs: firstPollDelayMs)
            }
            if let watcher { try spawn("fs-tls-reload") { watcher.run() } }
        } catch {
            server.beginShutdown()
            manager.stop()
            wait()
            throw StartupError(what: "cannot start a thread", detail: "\(error)", exitCode: 1)
        }
        log.info("listening", metadata: listeningMetadata())
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws {
        let thread = try OSThread(name: name, body)
        threads.withLock { $0.append(thread) }
    }

    private func listeningMetadata() -> Logger.Metadata {
        let http = configuration.http
        var metadata: Logger.Metadata = [
            "address": "\(http.host):\(server.port)",
            "threads": "\(http.threads > 0 ? http.threads : HTTPServer.defaultThreadCount)",
            "tls": "\(certificates != nil)",
        ]
        if let probe = server.probePort { metadata["probe_address"] = "\(http.host):\(probe)" }
        if let certificates {
            metadata["certificate_subject"] = "\(certificates.current.subject)"
            metadata["certificate_sha256"] = "\(certificates.current.fingerprint)"
        }
        return metadata
    }

    /// Readiness turns 503 first; the server keeps answering for the pre-stop delay while load
    /// balancers update their endpoints, then stops accepting and drains. Returns at once after.
    public func shutdown(reason: String) {
        app.beginDrain()
        let delayMs = configuration.preStopDelayMs
        log.info("shutting down", metadata: ["signal": "\(reason)", "pre_stop_delay_ms": "\(delayMs)"])
        if delayMs > 0 { Sys.sleep(milliseconds: delayMs) }
        log.info("draining", metadata: ["timeout_ms": "\(configuration.http.drainTimeoutMs)"])
        server.beginShutdown()
        manager.stop()
        watcher?.stop()
    }

    /// Blocks until the event loops, the manager and the certificate watcher have ended.
    public func wait() {
        server.wait()
        for thread in threads.withLock({ $0 }) { thread.join() }
    }

    /// Blocks SIGTERM and SIGINT for the calling thread, for `runUntilSignalled` to take them. Call
    /// before any other thread starts, so that every thread inherits the blocked signals.
    public static func blockTerminationSignals() throws(StartupError) -> BlockedSignals {
        do {
            return try BlockedSignals([SIGTERM, SIGINT])
        } catch {
            throw StartupError(what: "cannot block SIGTERM and SIGINT", detail: "\(error)", exitCode: 1)
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down and waits: the executable's main loop.
    public func runUntilSignalled(_ signals: BlockedSignals) {
        let reason: String
        do {
            reason = try signals.next() == SIGTERM ? "SIGTERM" : "SIGINT"
        } catch {
            reason = "\(error)"
        }
        shutdown(reason: reason)
        wait()
        log.info("stopped")
    }
}
