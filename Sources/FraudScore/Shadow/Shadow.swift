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

    /// The manager of the shadow model's versions (a shadow is there to be compared: no promotion gate).
    func attach(app: FraudScoreApp, service: FraudScoreConfiguration) throws(StartupError) {
        let scorer = scorer
        manager = try SecondaryModel.manager(scorer.config.model, role: "shadow", service: service, app: app) {
            scorer.serve($0)
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
