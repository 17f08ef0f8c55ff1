import Logging
import ModelStore

/// A model source beside the served one (the shadow's, the canary's): its own repository and
/// manager, polled and checked like the first, each version it accepts handed to `activate`. Its
/// gate is the API's schema and validation check (requests must feed it), with no promotion gate.
enum SecondaryModel {
    static func manager(_ uri: String, role: String, service: FraudScoreConfiguration, app: FraudScoreApp,
                        activate: @escaping @Sendable (LoadedModel) -> Void) throws(StartupError) -> ModelManager {
        var models = service.models
        models.pinnedVersion = nil
        models.versionOverride = nil
        models.nameOverride = nil
        models.rolloutWindowMs = 0
        do {
            let repository = try ModelRepository(uri: try ModelURI(uri), s3: service.s3, transfer: service.transfer,
                                                 mlflow: service.mlflow)
            return try ModelManager(repository: repository,
                                    gate: CandidateValidator(app: app, extraFields: service.requestFields),
                                    config: models, log: Logger(label: "fraudscore.\(role)"), activate: activate)
        } catch {
            throw StartupError(what: "cannot use the \(role) model \(uri)", detail: "\(error)", exitCode: 2)
        }
    }
}
