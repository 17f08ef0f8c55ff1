import HTTPServer
import JSON
import ModelStore
import Synchronization

/// The fraud-scoring API: its routes, the model being served and the decision policy.
public final class FraudScoreApp: Sendable {
    public let scoring: ScoringConfig
    private let model = Mutex<ServingModel?>(nil)
    private let draining = Atomic<Bool>(false)
    let metrics = ScoringMetrics()
    private let loads = Mutex<Int>(0)
    private let manager = Mutex<ModelManager?>(nil)
    /// Required as a Bearer token by /admin/*; nil = the admin endpoints do not exist.
    let adminToken: [UInt8]?

    public init(scoring: ScoringConfig, adminToken: String? = nil) {
        self.scoring = scoring
        self.adminToken = adminToken.map { Array($0.utf8) }
    }

    /// The manager that polls the model repository; /models, /health and /admin report and steer it.
    public func attach(_ modelManager: ModelManager) {
        manager.withLock { $0 = modelManager }
    }

    var modelManager: ModelManager? { manager.withLock { $0 } }

    /// Makes `loaded` the model that new requests use; requests in flight finish on the old one.
    public func serve(_ loaded: LoadedModel) {
        let serving = ServingModel(loaded, scoring: scoring)
        model.withLock { $0 = serving }
        loads.withLock { $0 += 1 }
    }

    /// Models made current (a rollback counts too), and versions the gate refused.
    func modelLoads() -> (success: Int, failure: Int) {
        (loads.withLock { $0 }, modelManager?.status().rejections.values.reduce(0, +) ?? 0)
    }

    var currentModel: ServingModel? { model.withLock { $0 } }

    public var currentModelInfo: ModelInfo? { currentModel?.loaded.info }

    /// Readiness turns 503 from here on, so load balancers stop sending new work.
    public func beginDrain() { draining.store(true, ordering: .releasing) }

    var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// The server's names: `Server: fraudscore`, `fraudscore_…` metrics, the `fraudscore.access` logger.
    public static let identity = ServerIdentity.product("fraudscore")

    /// What a plain probe port serves: liveness, readiness and metrics, as Kubernetes, MLflow
    /// (`/ping`) and the Open Inference Protocol ask for them.
    public static let probePaths: Set<String> = ["/health", "/health/live", "/health/ready", "/metrics", "/ping",
                                                 "/v2/health/live", "/v2/health/ready"]

    /// The API's routes; `/metrics` includes `http`, the server's own request metrics.
    public func router(httpMetrics http: HTTPMetrics) -> Router {
        var router = Router()
        let metricsHandler = MetricsHandler(app: self, http: http)
        router.add(.GET, "/metrics") { metricsHandler.handle($0) }
        let predict = PredictHandler(app: self)
        let health = HealthHandlers(app: self)
        router.add(.POST, "/predict") { predict.handle($0) }
        router.add(.GET, "/health") { health.health($0) }
        router.add(.GET, "/health/live") { health.live($0) }
        router.add(.GET, "/health/ready") { health.ready($0) }
        let openAPI = OpenAPIHandlers(app: self)
        router.add(.GET, "/openapi.json") { openAPI.document($0) }
        router.add(.GET, "/docs") { openAPI.docs($0) }
        let mlflow = MLflowHandlers(app: self)
        router.add(.GET, "/ping") { mlflow.ping($0) }
        router.add(.POST, "/invocations") { mlflow.invocations($0) }
        let v2 = InferenceProtocolHandlers(app: self)
        router.add(.GET, "/v2") { v2.server($0) }
        router.add(.GET, "/v2/health/live") { v2.live($0) }
        router.add(.GET, "/v2/health/ready") { v2.ready($0) }
        router.addPrefix("/v2/models/") { v2.models($0) }
        let models = ModelAdminHandlers(app: self)
        router.add(.GET, "/models") { models.status($0) }
        if adminToken != nil {
            router.add(.POST, "/admin/reload") { models.reload($0) }
            router.add(.POST, "/admin/pin") { models.pin($0) }
            router.add(.POST, "/admin/unpin") { models.unpin($0) }
            router.add(.POST, "/admin/rollback") { models.rollback($0) }
        }
        return router
    }

    func errorResponse(_ status: HTTPStatus, _ errors: [ValidationError]) -> HTTPResponse {
        var w = JSONWriter()
        ValidationError.write(errors, limit: scoring.maxErrorDetails, into: &w)
        return HTTPResponse(status: status, body: w.bytes)
    }
}
