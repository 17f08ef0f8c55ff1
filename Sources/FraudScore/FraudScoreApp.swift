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
    /// Scores requests with a second model off the request path; nil = no shadow.
    let shadow: ShadowScorer?
    /// Answers a share of customers with a challenger; nil = no canary.
    let canary: CanaryRouter?
    /// Computes the windowed features from raw transactions; nil = requests carry them.
    let features: OnlineFeaturesService?

    public init(scoring: ScoringConfig, adminToken: String? = nil, shadow: ShadowScorer? = nil,
                canary: CanaryRouter? = nil, features: OnlineFeaturesService? = nil) {
        var scoring = scoring
        scoring.onlineFeatures = features != nil
        self.scoring = scoring
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.shadow = shadow
        self.canary = canary
        self.features = features
        JSONNumber.prepareTables()
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
        let mlflow = MLflowHandlers(app: self)
        let v2 = InferenceProtocolHandlers(app: self)
        if let features {
            let scorer = OnlineScorer(app: self, features: features)
            let online = OnlinePredictHandler(app: self, scorer: scorer)
            router.addDeferred(.POST, "/predict") { online.handle($0, $1) }
            let feedback = FeedbackHandler(app: self, store: features.store, metrics: features.metrics)
            router.addDeferred(.POST, "/feedback") { feedback.handle($0, $1) }
            router.addDeferred(.POST, "/invocations") { mlflow.invocations($0, $1, scorer: scorer) }
            router.addPrefixDeferred("/v2/models/") { v2.models($0, $1, scorer: scorer) }
        } else {
            router.add(.POST, "/predict") { [self] request in
                answer(countingRejections: true) { () throws(APIError) in try predict.handle(request) }
            }
            router.add(.POST, "/feedback") { _ in
                .detail(.notFound, "POST /feedback records labels for the online features: start the server with --feature-store memory")
            }
            router.add(.POST, "/invocations") { [self] request in answer { () throws(APIError) in try mlflow.invocations(request) } }
            router.addPrefix("/v2/models/") { [self] request in answer { () throws(APIError) in try v2.models(request) } }
        }
        router.add(.GET, "/health") { health.health($0) }
        router.add(.GET, "/health/live") { health.live($0) }
        router.add(.GET, "/health/ready") { health.ready($0) }
        let openAPI = OpenAPIHandlers(app: self)
        router.add(.GET, "/openapi.json") { openAPI.document($0) }
        router.add(.GET, "/docs") { openAPI.docs($0) }
        router.add(.GET, "/ping") { mlflow.ping($0) }
        router.add(.GET, "/v2") { v2.server($0) }
        let grpc = GRPCInferenceService(app: self)
        router.addPrefix(GRPCInferenceService.prefix) { GRPCInferenceService.httpGate($0) ?? grpc.handle($0) }
        router.shapeServerAnswers(under: GRPCInferenceService.prefix) { GRPCInferenceService.shapeServerAnswer($0, $1) }
        router.add(.GET, "/v2/health/live") { v2.live($0) }
        router.add(.GET, "/v2/health/ready") { v2.ready($0) }
        let models = ModelAdminHandlers(app: self)
        router.add(.GET, "/models") { [self] request in answer { () throws(APIError) in try models.status(request) } }
        if adminToken != nil {
            router.add(.POST, "/admin/reload") { [self] request in answer { () throws(APIError) in try models.reload(request) } }
            router.add(.POST, "/admin/pin") { [self] request in answer { () throws(APIError) in try models.pin(request) } }
            router.add(.POST, "/admin/unpin") { [self] request in answer { () throws(APIError) in try models.unpin(request) } }
            router.add(.POST, "/admin/rollback") { [self] request in answer { () throws(APIError) in try models.rollback(request) } }
        }
        return router
    }

    /// The one place an `APIError` becomes a response: rendered in its protocol's shape, and on
    /// `/predict` counted in `fraudscore_predict_rejected_total` by status. (A non-escaping closure,
    /// inlined: no extra call or allocation per request.)
    @inline(__always)
    func answer(countingRejections: Bool = false, _ handler: () throws(APIError) -> HTTPResponse) -> HTTPResponse {
        do throws(APIError) {
            return try handler()
        } catch {
            if countingRejections { metrics.rejected(status: error.status) }
            return error.response(maxErrorDetails: scoring.maxErrorDetails)
        }
    }
}
