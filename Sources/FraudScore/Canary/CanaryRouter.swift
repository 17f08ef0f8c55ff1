import Logging
import ModelStore
import Support
import Synchronization

/// Sends a stable share of customers to the canary model and watches both arms over a sliding
/// window: when the canary's error rate exceeds the served model's by more than the bound, or its
/// score distribution drifts from the served model's (PSI) beyond the bound, it is rolled back: all
/// customers go to the served model again, until the canary's source offers a new version.
public final class CanaryRouter: Sendable {
    public enum Arm: String, Sendable { case served, canary }

    /// Why the canary stopped answering.
    public struct Rollback: Sendable {
        public enum Reason: String, Sendable, CaseIterable { case errors, drift }
        public var reason: Reason
        public var detail: String
        public var version: String
    }

    struct State {
        var model: ServingModel?
        var rollback: Rollback?
        var rollbacks: [Rollback.Reason: Int] = [:]
        var served: ScoreWindow
        var canary: ScoreWindow
        var psi = 0.0
        var answered: [Arm: Int] = [:]
    }

    let config: CanaryConfig
    /// Hash values below this go to the canary (`percent` of 2^32).
    private let threshold: UInt64
    private let scoring: ScoringConfig
    private let state: Mutex<State>
    private let log = Logger(label: "fraudscore.canary")

    public init(_ config: CanaryConfig, scoring: ScoringConfig) {
        self.config = config
        self.scoring = scoring
        threshold = UInt64((min(100, max(0, config.percent)) / 100 * 4_294_967_296).rounded())
        state = Mutex(State(served: ScoreWindow(capacity: config.window), canary: ScoreWindow(capacity: config.window)))
    }

    /// A new canary version: it answers its share again, judged afresh.
    public func serve(_ loaded: LoadedModel) {
        let serving = ServingModel(loaded, scoring: scoring)
        state.withLock { s in
            s.model = serving
            s.rollback = nil
            s.served = ScoreWindow(capacity: config.window)
            s.canary = ScoreWindow(capacity: config.window)
            s.psi = 0
        }
    }

    /// True for the customers in the canary's share: a hash of the id, its top 32 bits.
    func inShare(_ customerID: Int64) -> Bool {
        SplitMix64.mix(UInt64(bitPattern: customerID)) >> 32 < threshold
    }

    /// The canary model when it should answer this customer; nil: the served model answers.
    func route(customerID: Int64) -> ServingModel? {
        guard inShare(customerID) else { return nil }
        return state.withLock { $0.rollback == nil ? $0.model : nil }
    }

    /// Whether the canary is live (answering its share), for the served arm to be recorded.
    var isLive: Bool { state.withLock { $0.model != nil && $0.rollback == nil } }

    /// One answered request of `arm`: its score, or nil when it failed. Judges the canary.
    func record(_ arm: Arm, score: Double?) {
        let rolledBack = state.withLock { s -> Rollback? in
            guard s.rollback == nil, let model = s.model else { return nil }
            s.answered[arm, default: 0] += 1
            if arm == .canary { s.canary.add(score) } else { s.served.add(score) }
            guard s.canary.count >= config.minRequests, s.served.count >= config.minRequests else { return nil }
            s.psi = ScoreWindow.psi(expected: s.served, actual: s.canary)
            let version = model.loaded.info.version
            let increase = s.canary.errorRate - s.served.errorRate
            if increase > config.maxErrorRateIncrease {
                s.rollback = Rollback(reason: .errors, detail: "error rate \(s.canary.errorRate) against the served model's "
                                      + "\(s.served.errorRate) over the last \(s.canary.count) requests "
                                      + "(bound: +\(config.maxErrorRateIncrease))", version: version)
            } else if s.psi > config.maxPSI {
                s.rollback = Rollback(reason: .drift, detail: "score PSI \(s.psi) against the served model over the last "
                                      + "\(s.canary.count) requests (bound: \(config.maxPSI))", version: version)
            }
            if let r = s.rollback { s.rollbacks[r.reason, default: 0] += 1 }
            return s.rollback
        }
        if let r = rolledBack {
            log.error("canary rolled back; the served model answers every customer", metadata: [
                "version": "\(r.version)", "reason": "\(r.reason.rawValue)", "detail": "\(r.detail)",
            ])
        }
    }

    var snapshot: State { state.withLock { $0 } }
}

extension CanaryRouter {
    enum Outcome {
        case probability(Double)
        /// The canary refused the transaction as sent (another feature set): its errors.
        case refused([ValidationError])
        /// It scored, but not a finite probability.
        case failed
    }

    /// The canary's score for a transaction of its share, recorded in its arm: `row` as the served
    /// model decoded it when the canary takes the same features, else `body` decoded with its own.
    /// A refusal or a non-finite score counts as its error.
    func score(_ model: ServingModel, served: ServingModel, row: UnsafeBufferPointer<Double>, body: () -> [UInt8]) -> Outcome {
        let p: Double
        if model.decoder.featureNames == served.decoder.featureNames {
            p = model.loaded.model.predict(row)
        } else {
            switch model.score(body()[...]) {
            case .probability(let probability): p = probability
            case .invalid(let errors):
                record(.canary, score: nil)
                return .refused(errors)
            }
        }
        guard p.isFinite else {
            record(.canary, score: nil)
            return .failed
        }
        record(.canary, score: p)
        return .probability(p)
    }
}
