import Logging
import ModelStore
import Support

/// The shadow's parts: the scorer the event loops hand requests to and the record sink. (Its model's
/// versions come from a `SecondaryModel` manager the service owns.)
final class Shadow: Sendable {
    let scorer: ShadowScorer
    let sink: ShadowRecordSink?

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

    /// The scorer's thread, to start and join. It runs under SCHED_IDLE, only on CPU time the event
    /// loops leave: under full load it drops (and counts) what it cannot keep up with rather than add
    /// to the clients' latency.
    var scorerThread: (name: String, body: @Sendable () -> Void) {
        let scorer = scorer
        return ("fs-shadow", { Sys.runWhenIdle(); scorer.run() })
    }

    /// The sink's thread, which the service waits for only so long (`ShadowRecordSink.waitUntilFinished`).
    var sinkThread: (name: String, body: @Sendable () -> Void)? {
        guard let sink else { return nil }
        return ("fs-shadow-sink", { Sys.runInBackground(); sink.run() })
    }

    /// Stops scoring; the scorer hands the sink its last batch and stops it, and the sink writes
    /// what it holds, then ends.
    func stop() {
        scorer.stop()
    }
}
