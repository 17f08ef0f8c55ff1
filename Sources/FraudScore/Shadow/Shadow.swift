import Logging
import ModelStore
import Support

/// The shadow's parts: the scorer the event loops hand requests to, the manager that polls the
/// shadow model's own source (any `--model` form) and swaps it in, and the record sink.
final class Shadow: Sendable {
    let scorer: ShadowScorer
    let sink: ShadowRecordSink?
    private(set) nonisolated(unsafe) var manager: ModelManager!

    init(_ config: ShadowConfig, service: FraudScoreConfiguration) throws(StartupError) {
        let log = Logger(label: "fraudscore.shadow")
        do {
            sink = try config.records.map { records throws(StorageError) in
                try ShadowRecordSink(records, maxPendingBatches: config.maxPendingBatches, s3: service.s3, log: log)
            }
            scorer = try ShadowScorer(config, scoring: service.scoring, sink: sink)
        } catch {
            throw StartupError(what: "cannot set up the shadow model", detail: "\(error)", exitCode: 2)
        }
    }

    /// The manager of the shadow model's versions; its gate is the API's (the shadow must be fed by
    /// the requests clients send), with no promotion gate: a shadow is there to be compared.
    func attach(app: FraudScoreApp, service: FraudScoreConfiguration) throws(StartupError) {
        var models = service.models
        models.pinnedVersion = nil
        models.versionOverride = nil
        models.nameOverride = nil
        models.rolloutWindowMs = 0
        let scorer = scorer
        do {
            let repository = try ModelRepository(uri: try ModelURI(scorer.config.model), s3: service.s3,
                                                 transfer: service.transfer, mlflow: service.mlflow)
            manager = try ModelManager(repository: repository,
                                       gate: CandidateValidator(app: app, extraFields: service.requestFields),
                                       config: models, log: Logger(label: "fraudscore.shadow")) { scorer.serve($0) }
        } catch {
            throw StartupError(what: "cannot use the shadow model \(scorer.config.model)", detail: "\(error)", exitCode: 2)
        }
    }

    /// Its threads to start and join: the manager's and the scorer's. The scorer runs under
    /// SCHED_IDLE, only on CPU time the event loops leave: under full load it drops (and counts) what
    /// it cannot keep up with rather than add to the clients' latency.
    var threads: [(name: String, body: @Sendable () -> Void)] {
        let manager = manager!, scorer = scorer
        return [("fs-shadow-models", { Sys.runInBackground(); manager.run() }),
                ("fs-shadow", { Sys.runWhenIdle(); scorer.run() })]
    }

    /// The sink's thread, which the service waits for only so long (`ShadowRecordSink.waitUntilFinished`).
    var sinkThread: (name: String, body: @Sendable () -> Void)? {
        guard let sink else { return nil }
        return ("fs-shadow-sink", { Sys.runInBackground(); sink.run() })
    }

    /// Stops polling and scoring; the scorer hands the sink its last batch and stops it, and the
    /// sink writes what it holds, then ends.
    func stop() {
        manager?.stop()
        scorer.stop()
    }
}
