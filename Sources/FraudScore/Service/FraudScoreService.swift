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
    private let shadow: Shadow?
    /// The shadow's and the canary's models, each polled from its own source.
    private let shadowManager: ModelManager?
    private let canaryManager: ModelManager?
    /// The shadow record sink's thread: waited for up to the drain timeout, then left behind.
    private let sinkThread = Mutex<OSThread?>(nil)
    private let log = Logger(label: "fraudscore")

    public init(_ configuration: FraudScoreConfiguration) throws(StartupError) {
        self.configuration = configuration
        let token = configuration.adminToken
        shadow = try configuration.shadow.map { config throws(StartupError) in try Shadow(config, service: configuration) }
        let canary = configuration.canary.map { CanaryRouter($0, scoring: configuration.scoring) }
        let features = try configuration.features.map { config throws(StartupError) in
            do throws(FeatureStoreError) {
                return OnlineFeaturesService(store: try config.makeStore(), policy: config.onStoreError)
            } catch {
                throw StartupError(what: "cannot use the feature store \(config.store)", detail: error.reason, exitCode: 2)
            }
        }
        app = FraudScoreApp(scoring: configuration.scoring, adminToken: token, shadow: shadow?.scorer, canary: canary,
                            features: features)
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
        if let scorer = shadow?.scorer {
            shadowManager = try SecondaryModel.manager(scorer.config.model, role: "shadow", service: configuration,
                                                       app: app) { scorer.serve($0) }
        } else {
            shadowManager = nil
        }
        if let canary {
            canaryManager = try SecondaryModel.manager(canary.config.model, role: "canary", service: configuration,
                                                       app: app) { canary.serve($0) }
        } else {
            canaryManager = nil
        }
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
        if let (name, body) = app.features?.store.workerThread {
            do {
                try spawn(name, body)
            } catch {
                throw StartupError(what: "cannot start the feature store's thread", detail: "\(error)", exitCode: 1)
            }
        }
        do {
            try server.start()
        } catch {
            app.features?.store.stop()
            for thread in threads.withLock({ $0 }) { thread.join() }
            let http = configuration.http
            throw StartupError(what: "cannot listen on \(http.host):\(http.port)", detail: "\(error)", exitCode: 1)
        }
        let manager = manager
        let firstPollDelayMs = repositoryIsRemote ? 0 : configuration.models.pollIntervalMs
        do {
            try spawn("fs-models") {
                // Loading and checking a new version is background work: at nice 10 it yields the CPU
                // to the event loops, so a swap under full load does not show in their latency.
                Sys.runInBackground()
                manager.run(initialDelayMs: firstPollDelayMs)
            }
            if let watcher { try spawn("fs-tls-reload") { watcher.run() } }
            if let shadowManager { try spawn("fs-shadow-models") { Sys.runInBackground(); shadowManager.run() } }
            if let (name, body) = shadow?.scorerThread { try spawn(name, body) }
            if let canaryManager { try spawn("fs-canary-models") { Sys.runInBackground(); canaryManager.run() } }
            if let (name, body) = shadow?.sinkThread {
                let thread = try OSThread(name: name, body)
                sinkThread.withLock { $0 = thread }
            }
        } catch {
            server.beginShutdown()
            manager.stop()
            shadowManager?.stop()
            shadow?.stop()
            canaryManager?.stop()
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
        shadowManager?.stop()
        shadow?.stop()
        canaryManager?.stop()
    }

    /// Blocks until the event loops, the manager and the certificate watcher have ended.
    public func wait() {
        server.wait()
        app.features?.store.stop()  // requests that waited for it are answered: the server drained
        for thread in threads.withLock({ $0 }) { thread.join() }
        guard let sink = shadow?.sink, let thread = sinkThread.withLock({ t -> OSThread? in
            defer { t = nil }
            return t
        }) else { return }
        if sink.waitUntilFinished(timeoutMs: configuration.http.drainTimeoutMs) {
            thread.join()
        } else {
            log.warning("shadow records not all written: the record sink is stuck; exiting without it",
                        metadata: ["records": "\(shadow?.scorer.config.records ?? "")"])
            thread.detach()
        }
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
