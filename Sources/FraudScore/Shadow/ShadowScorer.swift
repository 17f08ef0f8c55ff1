import HTTPServer
import JSON
import Logging
import ModelStore
import Support
import Synchronization

/// Scores `/predict` requests with a second model off the request path: the event loop hands over
/// the request's body (a retained buffer, no copy) with the served answer, and this scorer's own
/// thread decodes and scores it with the shadow model, counts what differs, and batches comparison
/// records for the sink. The client's answer and latency do not depend on it: a full queue drops
/// the request (counted) rather than wait.
public final class ShadowScorer: Sendable {
    /// A request for the shadow, with the served model's answer to it.
    struct Job {
        var body: [UInt8]
        var requestID: RequestID
        var transactionID: Int64
        var served: (version: String, probability: Double, isFraud: Bool)
    }

    private struct Queue {
        var jobs: [Job] = []
        var stopping = false
    }

    let config: ShadowConfig
    let metrics = ShadowMetrics()
    private let model = Mutex<ServingModel?>(nil)
    private let queue = Mutex(Queue())
    private let wake: WakeSignal
    private let sink: ShadowRecordSink?
    /// Hash values below this are sampled (`sampleRate` of 2^32).
    private let sampleBelow: UInt64
    private let scoring: ScoringConfig

    public init(_ config: ShadowConfig, scoring: ScoringConfig, sink: ShadowRecordSink?) throws(SystemError) {
        self.config = config
        self.scoring = scoring
        self.sink = sink
        wake = try WakeSignal()
        sampleBelow = UInt64((min(1, max(0, config.sampleRate)) * 4_294_967_296).rounded())
    }

    /// Makes `loaded` the shadow model.
    public func serve(_ loaded: LoadedModel) {
        let serving = ServingModel(loaded, scoring: scoring)
        model.withLock { $0 = serving }
    }

    var currentModel: ServingModel? { model.withLock { $0 } }

    /// From an event loop, after the served model answered: queue the request for the shadow.
    func offer(_ request: HTTPRequest, transactionID: Int64, served: ServingModel, probability: Double) {
        offer(requestID: request.id, transactionID: transactionID, served: served, probability: probability) { request.body }
    }

    /// The same for a body made only when the transaction is sampled (with online features: the
    /// transaction with the features the served model saw, which the shadow reads as sent).
    func offer(requestID: RequestID, transactionID: Int64, served: ServingModel, probability: Double, body: () -> [UInt8]) {
        guard sampled(transactionID) else { return }
        let job = Job(body: body(), requestID: requestID, transactionID: transactionID,
                      served: (served.loaded.info.version, probability, probability >= served.threshold))
        // Never block on the lock: its holder may be the scorer, which runs only on idle CPU time and
        // may be descheduled while holding it. It holds it for a swap, so a few tries nearly always do.
        for _ in 0..<64 {
            if let accepted = queue.withLockIfAvailable({ q -> Bool in
                guard q.jobs.count < config.queueCapacity else { return false }
                q.jobs.append(job)
                return true
            }) {
                if !accepted { break }
                return
            }
        }
        metrics.dropped.add(1, ordering: .relaxed)
    }

    /// A fixed share of transactions, by a hash of the id (its top 32 bits).
    private func sampled(_ transactionID: Int64) -> Bool {
        sampleBelow >= 4_294_967_296 || SplitMix64.mix(UInt64(bitPattern: transactionID)) >> 32 < sampleBelow
    }

    /// The scorer's thread: takes what has queued every few milliseconds (the event loops never
    /// make a system call to wake it), scores it, and hands full record batches to the sink.
    public func run() {
        var batch: [UInt8] = []
        var batchCount = 0
        var batchStartedMs = Clock.monotonicMs()
        var jobs: [Job] = []
        while true {
            // Swapped out, so the lock is held for a moment; the two buffers take turns.
            jobs.removeAll(keepingCapacity: true)
            let stopping = queue.withLock { q -> Bool in
                swap(&jobs, &q.jobs)
                return q.stopping
            }
            if let shadow = currentModel {
                for job in jobs { score(job, shadow, into: &batch, count: &batchCount) }
            }
            let nowMs = Clock.monotonicMs()
            if batchCount > 0, batchCount >= config.recordBatchSize || nowMs - batchStartedMs >= UInt64(config.recordFlushMs)
                || stopping {
                sink?.submit(batch, records: batchCount, metrics: metrics)
                batch = []
                batchCount = 0
            }
            if batchCount == 0 { batchStartedMs = nowMs }
            if stopping {
                // The last batch is queued: the sink writes it and then ends.
                sink?.stop()
                return
            }
            if jobs.isEmpty { wake.wait(timeoutMs: 5) }
        }
    }

    public func stop() {
        queue.withLock { $0.stopping = true }
        wake.signal()
    }

    private func score(_ job: Job, _ shadow: ServingModel, into batch: inout [UInt8], count: inout Int) {
        guard case .probability(let p) = shadow.score(job.body[...]) else {
            metrics.update { $0.errors += 1 }
            return
        }
        let isFraud = p >= shadow.threshold
        let gap = abs(p - job.served.probability)
        metrics.update { c in
            c.scored += 1
            c.scoreBuckets[ShadowMetrics.bucket(p, ShadowMetrics.scoreBounds)] += 1
            c.scoreSum += p
            c.gapBuckets[ShadowMetrics.bucket(gap, ShadowMetrics.gapBounds)] += 1
            c.gapSum += gap
            if job.served.isFraud && !isFraud { c.flipsToLegit += 1 }
            if !job.served.isFraud && isFraud { c.flipsToFraud += 1 }
        }
        guard sink != nil else { return }
        // Ids, versions and scores only: never the transaction's fields.
        var w = JSONWriter(capacity: 200)
        w.member("{\"request_id\":", job.requestID.description)
        w.member(",\"transaction_id\":", Int(job.transactionID))
        w.member(",\"served_version\":", job.served.version)
        w.raw(",\"served_probability\":")
        w.double(job.served.probability)
        w.member(",\"shadow_version\":", shadow.loaded.info.version)
        w.raw(",\"shadow_probability\":")
        w.double(p)
        w.raw("}\n")
        batch += w.bytes
        count += 1
    }
}
