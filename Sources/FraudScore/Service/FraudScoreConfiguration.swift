import HTTPServer
import ModelStore

/// Everything the service is started with, in one value: the executable maps its options (command
/// line, environment, `--config` file) onto it, and end-to-end tests build one directly.
public struct FraudScoreConfiguration: Sendable {
    /// Sockets, limits and timeouts of the HTTP server; its `identity` and `probePaths` are the
    /// app's (`FraudScoreApp.identity`, `FraudScoreApp.probePaths`) unless changed.
    public var http: HTTPServerConfig
    public var scoring = ScoringConfig()
    /// Bearer token for /admin/*; nil: the admin routes do not exist.
    public var adminToken: String?
    /// The model repository: a path, `s3://bucket/prefix/`, `https://…` or `models:/NAME@ALIAS`.
    public var model: String
    public var s3 = S3Config()
    public var transfer = TransferOptions()
    /// The MLflow tracking server of `models:/` URIs.
    public var mlflow = MLflowSettings()
    /// Polling, backoff, pin and the model's names.
    public var models = ModelManagerConfig()
    /// Labeled rows a new version must not do worse on than the serving one (`--gate-*`).
    public var promotion = PromotionGateConfig()
    /// A second model scoring requests off the request path (`--shadow*`); nil: none.
    public var shadow: ShadowConfig?
    /// A challenger answering a share of customers, rolled back automatically (`--canary*`); nil: none.
    public var canary: CanaryConfig?
    /// The windowed features computed in the service from raw transactions (`--feature-store`); nil: requests carry them.
    public var features: OnlineFeaturesConfig?
    /// Fields clients send besides the handbook's; a version needing other features is refused.
    public var requestFields: [String] = []
    /// TLS on the main port: certificate and key, reloaded when they change.
    public var tls: TLSSettings?
    /// On shutdown: how long readiness answers 503 before the server stops accepting.
    public var preStopDelayMs = 0

    public init(model: String, http: HTTPServerConfig = HTTPServerConfig()) {
        self.model = model
        var http = http
        http.identity = FraudScoreApp.identity
        http.probePaths = FraudScoreApp.probePaths
        self.http = http
    }
}
