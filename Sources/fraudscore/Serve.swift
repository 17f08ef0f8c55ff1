import ArgumentParser
import FraudScore
import HTTPServer
import Logging
import ModelStore
import Support
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve POST /predict and GET /health on a model.",
        discussion: """
            Every option may also be set by an environment variable, FRAUDSCORE_ and the option's name in \
            upper case with '_' for '-' (FRAUDSCORE_PORT=9000, FRAUDSCORE_ALLOW_MISSING_FEATURES=1), or in a \
            YAML file given by --config (keys are option names: "port: 9000"). Precedence: command line > \
            environment > file > default; `fraudscore config print` shows the result. SIGTERM or SIGINT \
            drains requests in flight and exits 0.
            """)

    @Option(help: "YAML file of options (keys are option names, e.g. port: 9000); also FRAUDSCORE_CONFIG.")
    var config: String?
    @Option(help: "Address to listen on (IPv4 or IPv6 literal).")
    var host = "0.0.0.0"
    @Option(help: "TCP port.")
    var port = 8080
    @Option(help: """
        Model repository: a file or folder, s3://bucket/prefix/, https://…, or models:/NAME@ALIAS \
        (models:/NAME/VERSION) from the MLflow Model Registry at $MLFLOW_TRACKING_URI. Numbered version \
        folders (1/, 2/, …, each with manifest.json) are polled and the highest complete one serves; a \
        single model file or folder is version 1, reloaded when it changes; an alias is followed as it moves.
        """)
    var model = "models/default"
    @Option(help: "The model's name in /health, /v2/models/{name} (Open Inference Protocol) and metrics (default: the manifest's or model_meta.json's name, else the file name); KServe passes the InferenceService's name.")
    var modelName: String?
    @Option(help: "Version reported in responses for an unversioned model (default: manifest.json's or model_meta.json's model_version, else file name + sha256).")
    var modelVersion: String?
    @Option(help: "Seconds between polls of the model repository (an unchanged repository costs one listing).")
    var pollInterval = 10.0
    @Option(help: "Seconds: cap of the exponential backoff (with jitter) after storage errors.")
    var maxBackoff = 300.0
    @Option(help: "Serve this repository version only (admin POST /admin/unpin releases it).")
    var pinVersion: Int?
    @Option(help: "Seconds over which replicas take up a new version: each waits a delay within the window fixed by a hash of --replica-name, so a bad version meets traffic on a few replicas first (0: at once).")
    var rolloutWindow = 0.0
    @Option(help: "This replica's name, which places it in --rollout-window (default: $POD_NAME, else the host name).")
    var replicaName: String?
    @Option(help: "Promotion gate: labeled rows (JSON lines of requests with a label) on which a new version must not score worse than the serving one, by a one-sided paired bootstrap.")
    var gateRows: String?
    @OptionGroup var gate: GateOptions
    @Option(help: "Shadow model (any --model form, e.g. models:/fraud@challenger): also scores requests after the served model answered, off the request path; compared in metrics and --shadow-records.")
    var shadow: String?
    @Option(help: "Share of requests the shadow scores (0 to 1), chosen by a hash of transaction_id.")
    var shadowSampleRate = 1.0
    @Option(help: "Where shadow comparison records go (JSON lines of ids, versions and both probabilities): a file, appended, or s3://bucket/prefix/.")
    var shadowRecords: String?
    @Option(help: "Limit: requests waiting for the shadow; beyond, they are dropped and counted.")
    var shadowQueueCapacity = 10_000
    @Option(help: "Limit: record batches (up to 1000 records each) waiting for a slow sink; beyond, they are dropped and counted.")
    var shadowMaxPendingBatches = 8
    @OptionGroup var canary: CanaryOptions
    @OptionGroup var onlineFeatures: FeatureStoreOptions
    @Option(help: "Column names, comma-separated, for a model file that does not name its inputs (ONNX from skl2onnx), used when neither the manifest, the file's metadata nor a features.json beside it names them.")
    var features: String?
    @Option(help: "Fields clients send besides the Fraud Detection Handbook's, comma-separated; a new model version needing other features is refused.")
    var requestFields = ""
    @Option(help: "Enables POST /admin/{reload,pin,unpin,rollback}, which require it as a Bearer token (prefer FRAUDSCORE_ADMIN_TOKEN or --admin-token-file).")
    var adminToken: String?
    @Option(help: "File holding the admin token (e.g. a mounted Kubernetes Secret).")
    var adminTokenFile: String?
    @OptionGroup(title: "Model storage")
    var storage: StorageOptions
    @Option(help: "Event-loop threads (0 = one per CPU).")
    var threads = 0
    @Option(help: "is_fraud = fraud_probability >= threshold (default: the model's decision_threshold, else 0.5).")
    var threshold: Double?
    @Flag(help: "Score absent features as missing values instead of answering 422.")
    var allowMissingFeatures = false
    @Option(help: "Limit: transactions in one batch request, a JSON array (422).")
    var maxBatchSize = 1000
    @Option(help: "Limit: validation errors listed in a 422 body; beyond, the body gives their number as errors_total.")
    var maxErrorDetails = 100

    @Option(help: "TLS: PEM certificate chain (the server's certificate first, then intermediates). With --tls-key, the port speaks TLS 1.2/1.3 only, HTTP/2 or HTTP/1.1 by ALPN; both files are reloaded when they change (new connections get the new certificate).")
    var tlsCert: String?
    @Option(help: "TLS: PEM private key of --tls-cert (unencrypted; e.g. a mounted Kubernetes Secret).")
    var tlsKey: String?
    @Option(help: "Limit: ms from accept to a completed TLS handshake; a slower connection is closed.")
    var tlsHandshakeTimeoutMs = 10_000
    @Option(help: "A second, plain-HTTP port serving only the health routes and /metrics (kubelet probes, Prometheus) while the main port speaks TLS.")
    var probePort: Int?

    @Flag(help: "Speak HTTP/1.1 only on a plain port: no HTTP/2 cleartext with prior knowledge (h2c), which is otherwise recognised by its connection preface on the same port. TLS ports choose by ALPN either way.")
    var noH2c = false
    @Option(help: "Limit: HTTP/2 frames that ask for no response (empty DATA, PRIORITY, PING, SETTINGS, WINDOW_UPDATE, RST_STREAM, unknown) a connection may send at once; beyond the budget, GOAWAY ENHANCE_YOUR_CALM and close.")
    var http2FloodBurst = 1_000
    @Option(help: "Limit: the rate per second at which that HTTP/2 budget refills.")
    var http2FloodRate = 100
    @Option(help: "Limit: HTTP/2 RST_STREAM frames the server may send on a connection at once, each provoked by a client frame that broke a stream (MadeYouReset); beyond the budget, GOAWAY ENHANCE_YOUR_CALM and close.")
    var http2ServerResetBurst = 100
    @Option(help: "Limit: the rate per second at which that reset budget refills.")
    var http2ServerResetRate = 10
    @Option(help: "Limit: ms for an HTTP/2 client to acknowledge the server's SETTINGS (GOAWAY SETTINGS_TIMEOUT). HTTP/2 streams also obey --write-timeout-ms (a response that cannot move is reset with CANCEL) and --body-timeout-ms (a request not complete in time gets 408).")
    var http2SettingsAckTimeoutMs = 10_000

    @Option(help: "Limit: request line + headers in bytes (431).")
    var maxHeaderBytes = 16 * 1024
    @Option(help: "Limit: header fields per request (431).")
    var maxHeaderCount = 100
    @Option(help: "Limit: request-target bytes (414).")
    var maxUriBytes = 8 * 1024
    @Option(help: "Limit: request body bytes (413, sent before the body is read).")
    var maxBodyBytes = 1024 * 1024
    @Option(help: "Limit: ms from a request's first byte to the end of its headers (408; slowloris).")
    var headerTimeoutMs = 10_000
    @Option(help: "Limit: ms from the end of the headers to the end of the body (408).")
    var bodyTimeoutMs = 30_000
    @Option(help: "Limit: ms an idle keep-alive connection stays open.")
    var idleTimeoutMs = 60_000
    @Option(help: "Limit: ms a response may make no write progress before the connection closes.")
    var writeTimeoutMs = 30_000
    @Option(help: "Limit: open connections per event loop (503 beyond).")
    var maxConnections = 10_000
    @Option(help: "Limit: requests per keep-alive connection before it closes.")
    var maxRequestsPerConnection = 10_000
    @Option(help: "On SIGTERM: ms to keep serving with readiness at 503 (so load balancers stop routing here) before draining.")
    var preStopDelayMs = 0
    @Option(help: "On SIGTERM: ms to let requests in flight finish before exiting.")
    var drainTimeoutMs = 10_000
    @Option(help: "While draining: ms the listener, which no longer answers new handshakes, stays open for those already under way (one network round trip).")
    var drainAcceptGraceMs = 250
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"
    @Option(help: """
        Share of requests logged as JSON lines on stdout, 0 to 1 (1 logs every request; every 5xx is logged \
        regardless). These lines are at level info: with --log-level warning or above, only the 5xx are. Lines carry the request id, traceparent, method, path, status and timing, never a \
        body, query or transaction field.
        """)
    var accessLogSampleRate = 0.01

    func validate() throws {
        var problems: [String] = []
        func check(_ ok: Bool, _ message: @autoclosure () -> String) { if !ok { problems.append(message()) } }
        check(!model.trimming(" ").isEmpty,
              "--model is empty: set the model repository (--model or FRAUDSCORE_MODEL), e.g. s3://bucket/fraud/")
        if let modelName {
            check(!modelName.isEmpty && !modelName.contains("/"), "--model-name must be non-empty and without '/', got '\(modelName)'")
        }
        check((0...65535).contains(port), "--port must be 0-65535, got \(port)")
        if let probePort {
            check((0...65535).contains(probePort), "--probe-port must be 0-65535, got \(probePort)")
            check(probePort != port || port == 0, "--probe-port must differ from --port (\(port))")
        }
        check((tlsCert == nil) == (tlsKey == nil), "--tls-cert and --tls-key go together: give both for TLS, or neither")
        check(threads >= 0, "--threads must be >= 0, got \(threads)")
        check(preStopDelayMs >= 0, "--pre-stop-delay-ms must be >= 0, got \(preStopDelayMs)")
        check(pollInterval > 0 && pollInterval <= 86_400, "--poll-interval must be > 0 and <= 86400 s, got \(pollInterval)")
        check(rolloutWindow >= 0 && rolloutWindow <= 86_400, "--rollout-window must be 0 to 86400 s, got \(rolloutWindow)")
        problems += gate.problems
        check(shadowSampleRate >= 0 && shadowSampleRate <= 1, "--shadow-sample-rate must be 0 to 1, got \(shadowSampleRate)")
        check(shadowQueueCapacity >= 1 && shadowQueueCapacity <= 1_000_000,
              "--shadow-queue-capacity must be 1 to 1000000, got \(shadowQueueCapacity)")
        check(shadowMaxPendingBatches >= 1 && shadowMaxPendingBatches <= 1_000,
              "--shadow-max-pending-batches must be 1 to 1000, got \(shadowMaxPendingBatches)")
        check(shadowRecords == nil || shadow != nil, "--shadow-records needs --shadow")
        problems += canary.problems
        problems += onlineFeatures.problems
        if let gateRows { check(FileSystem.exists(gateRows), "--gate-rows \(gateRows): no such file") }
        check(maxBackoff >= pollInterval, "--max-backoff (\(maxBackoff)) must be >= --poll-interval (\(pollInterval))")
        if let token = adminToken {
            check(token.utf8.count >= 16, "--admin-token must be at least 16 characters; generate one with: openssl rand -hex 32")
        }
        if let threshold {
            check((0...1).contains(threshold), "--threshold must be between 0 and 1, got \(threshold)")
        }
        for (name, value) in [("--max-header-bytes", maxHeaderBytes), ("--max-header-count", maxHeaderCount),
                              ("--max-uri-bytes", maxUriBytes), ("--max-body-bytes", maxBodyBytes),
                              ("--header-timeout-ms", headerTimeoutMs), ("--body-timeout-ms", bodyTimeoutMs),
                              ("--idle-timeout-ms", idleTimeoutMs), ("--write-timeout-ms", writeTimeoutMs),
                              ("--max-connections", maxConnections),
                              ("--max-requests-per-connection", maxRequestsPerConnection),
                              ("--drain-timeout-ms", drainTimeoutMs), ("--max-batch-size", maxBatchSize),
                              ("--max-error-details", maxErrorDetails),
                              ("--drain-accept-grace-ms", drainAcceptGraceMs),
                              ("--tls-handshake-timeout-ms", tlsHandshakeTimeoutMs),
                              ("--http2-flood-burst", http2FloodBurst), ("--http2-flood-rate", http2FloodRate),
                              ("--http2-server-reset-burst", http2ServerResetBurst),
                              ("--http2-server-reset-rate", http2ServerResetRate),
                              ("--http2-settings-ack-timeout-ms", http2SettingsAckTimeoutMs)] {
            check(value > 0, "\(name) must be positive, got \(value)")
        }
        check(maxHeaderBytes <= 1 << 30, "--max-header-bytes must be at most 1073741824 (1 GiB), got \(maxHeaderBytes)")
        check((0...1).contains(accessLogSampleRate),
              "--access-log-sample-rate must be between 0 and 1, got \(accessLogSampleRate)")
        check(Logger.Level(rawValue: logLevel) != nil,
              "--log-level must be one of trace, debug, info, notice, warning, error, critical, got \(logLevel)")
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
    }

    func run() throws {
        let log = Logger(label: "fraudscore")
        let configuration: FraudScoreConfiguration
        do {
            configuration = try serviceConfiguration()
        } catch {
            log.critical("cannot read the admin token", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        do {
            let service = try FraudScoreService(configuration)
            // Signals are taken synchronously by this thread; every thread the service starts
            // inherits the blocked mask.
            let signals = try FraudScoreService.blockTerminationSignals()
            try service.start()
            service.runUntilSignalled(signals)
        } catch {
            log.critical("\(error.what)", metadata: ["model": "\(model)", "error": "\(error.detail)"])
            throw ExitCode(error.exitCode)
        }
    }

    /// The options as the service's one configuration value.
    func serviceConfiguration() throws -> FraudScoreConfiguration {
        var c = FraudScoreConfiguration(model: model, http: httpConfiguration())
        c.adminToken = try adminTokenValue()
        c.scoring = ScoringConfig(threshold: threshold, allowMissingFeatures: allowMissingFeatures,
                                  maxBatchSize: maxBatchSize, maxErrorDetails: maxErrorDetails)
        c.s3 = storage.s3
        c.mlflow = .fromProcessEnvironment()
        c.transfer = storage.transfer
        c.models.pollIntervalMs = max(1, Int(pollInterval * 1000))
        c.models.maxBackoffMs = Int(maxBackoff * 1000)
        c.models.pinnedVersion = pinVersion
        c.models.rolloutWindowMs = Int(rolloutWindow * 1000)
        c.promotion = gate.config(rows: gateRows)
        c.canary = canary.config
        c.features = onlineFeatures.config
        if let shadow {
            var s = ShadowConfig(model: shadow)
            s.sampleRate = shadowSampleRate
            s.records = shadowRecords
            s.queueCapacity = shadowQueueCapacity
            s.maxPendingBatches = shadowMaxPendingBatches
            c.shadow = s
        }
        c.models.replicaName = replicaName ?? environmentValue("POD_NAME") ?? hostName()
        c.models.versionOverride = modelVersion
        c.models.nameOverride = modelName
        c.models.features = features.map(parseFeatureList)
        c.requestFields = requestFields.split(separator: ",").map { String($0).trimming(" ") }
        if let tlsCert, let tlsKey { c.tls = TLSSettings(certificatePath: tlsCert, keyPath: tlsKey) }
        c.preStopDelayMs = preStopDelayMs
        return c
    }

    func httpConfiguration() -> HTTPServerConfig {
        var config = HTTPServerConfig()
        config.host = host
        config.port = port
        config.threads = threads
        config.maxHeaderBytes = maxHeaderBytes
        config.maxHeaderCount = maxHeaderCount
        config.maxURIBytes = maxUriBytes
        config.maxBodyBytes = maxBodyBytes
        config.headerTimeoutMs = headerTimeoutMs
        config.bodyTimeoutMs = bodyTimeoutMs
        config.idleTimeoutMs = idleTimeoutMs
        config.writeTimeoutMs = writeTimeoutMs
        config.maxConnectionsPerLoop = maxConnections
        config.maxRequestsPerConnection = maxRequestsPerConnection
        config.drainTimeoutMs = drainTimeoutMs
        config.drainAcceptGraceMs = drainAcceptGraceMs
        config.accessLog = AccessLog(sampleRate: accessLogSampleRate,
                                     infoShown: (Logger.Level(rawValue: logLevel) ?? .info) <= .info)
        config.enableH2C = !noH2c
        config.tlsHandshakeTimeoutMs = tlsHandshakeTimeoutMs
        config.probePort = probePort
        config.http2.floodBurst = http2FloodBurst
        config.http2.floodRate = http2FloodRate
        config.http2.serverResetBurst = http2ServerResetBurst
        config.http2.serverResetRate = http2ServerResetRate
        config.http2.settingsAckTimeoutMs = http2SettingsAckTimeoutMs
        return config
    }
}

extension Serve {
    /// --admin-token, else the first line of --admin-token-file.
    func adminTokenValue() throws -> String? {
        if let adminToken { return adminToken }
        guard let path = adminTokenFile else { return nil }
        guard let bytes = try? FileSystem.readAll(path, limit: 1 << 16) else {
            throw ValidationError("--admin-token-file \(path) cannot be read")
        }
        let firstLine = bytes.prefix(while: { $0 != UInt8(ascii: "\n") })
        guard !firstLine.isEmpty else { throw ValidationError("--admin-token-file \(path) is empty") }
        let token = String(decoding: firstLine, as: UTF8.self).trimming(" \t\r\n")
        guard token.utf8.count >= 16 else { throw ValidationError("the admin token in \(path) must be at least 16 characters") }
        return token
    }
}

/// The host name (a Kubernetes pod's name), or "" when it cannot be read.
private func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
