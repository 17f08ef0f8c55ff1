import JSON
import ModelStore
import Support

/// `--gate-*`: labeled rows a new version must not do worse on than the serving one.
public struct PromotionGateConfig: Sendable {
    /// JSON lines: requests as clients send them, each with its label; nil: no gate.
    public var rowsPath: String?
    /// The member holding the label: 1/0, true/false (the handbook's `tx_fraud`).
    public var labelKey = "tx_fraud"
    public var metric = RankingMetric.rocAUC
    public var resamples = 1_000
    public var alpha = 0.05
    public var seed: UInt64 = 0
    /// Larger files are refused, so a wrong path cannot exhaust memory.
    public var maxRowsBytes = 256 << 20

    public init() {}
}

/// Compares a candidate with the serving version on labeled rows before it may replace it: both
/// score every row exactly as `/predict` would, and a one-sided paired bootstrap of the chosen
/// metric decides. Refused only when the candidate is worse with confidence 1 - alpha; the same
/// seed gives the same decision. Runs on the model manager's thread.
public struct PromotionGate: Sendable {
    public let config: PromotionGateConfig

    public init(_ config: PromotionGateConfig) { self.config = config }

    /// The labeled rows of the gate file, or nil without one.
    func rows() throws(CandidateError) -> [UInt8]? {
        guard let path = config.rowsPath else { return nil }
        do {
            return try FileSystem.readAll(path, limit: config.maxRowsBytes)
        } catch {
            throw CandidateError(.evidence, "cannot read the gate's evaluation rows (--gate-rows): \(error)")
        }
    }

    /// The evidence for `candidate` against `serving` on `rows`; throws when the candidate is worse
    /// or the rows cannot be used.
    public func judge(candidate: LoadedModel, serving: LoadedModel, rows: [UInt8], labelKey: String? = nil)
        throws(CandidateError) -> PromotionEvidence {
        let started = Clock.monotonicSeconds()
        let labels = try Self.labels(rows, key: labelKey ?? config.labelKey)
        let servingScores = try Self.scores(serving, rows)
        let candidateScores = try Self.scores(candidate, rows)
        let bootstrap = PairedBootstrap(metric: config.metric, resamples: config.resamples, alpha: config.alpha, seed: config.seed)
        guard let outcome = bootstrap.compare(serving: servingScores, candidate: candidateScores, labels: labels) else {
            throw CandidateError(.evidence, "the gate's evaluation rows need both labels (\(config.labelKey) 1 and 0)")
        }
        let evidence = PromotionEvidence(
            metric: config.metric.rawValue, servingVersion: serving.info.version, candidateVersion: candidate.info.version,
            serving: outcome.serving, candidate: outcome.candidate, deltaLow: outcome.low, deltaHigh: outcome.high,
            rows: labels.count, positives: labels.filter { $0 }.count, resamples: config.resamples, alpha: config.alpha,
            seed: config.seed, accepted: !outcome.worse, elapsedMs: Int((Clock.monotonicSeconds() - started) * 1000))
        if outcome.worse {
            throw CandidateError(.evidence, "model \(candidate.info.version) is worse than the serving \(serving.info.version) "
                                 + "with confidence \(1 - config.alpha): \(evidence.summary)", evidence: evidence)
        }
        return evidence
    }

    private static func lines(_ rows: [UInt8]) -> [ArraySlice<UInt8>] {
        rows.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == 32 || $0 == 13 || $0 == 9 } }
    }

    static func labels(_ rows: [UInt8], key: String) throws(CandidateError) -> [Bool] {
        var labels: [Bool] = []
        for (n, line) in lines(rows).enumerated() {
            let value = (try? JSONValue.parse(Array(line)))?[key]
            switch value {
            case .bool(let b)?: labels.append(b)
            case .number(let x)? where x.double == 0 || x.double == 1: labels.append(x.double == 1)
            default:
                throw CandidateError(.evidence, "gate rows line \(n + 1): \"\(key)\" must be 0, 1, true or false "
                                     + "(--gate-label names the member)")
            }
        }
        return labels
    }

    /// Each row scored as `/predict` scores it, every feature required.
    static func scores(_ model: LoadedModel, _ rows: [UInt8]) throws(CandidateError) -> [Double] {
        let serving = ServingModel(model, scoring: ScoringConfig(threshold: nil, allowMissingFeatures: false))
        var out: [Double] = []
        for (n, line) in lines(rows).enumerated() {
            switch serving.score(line) {
            case .probability(let p): out.append(p)
            case .invalid(let errors):
                throw CandidateError(.evidence, "gate rows line \(n + 1) is not a valid request for model \(model.info.version): "
                                     + errors.map(\.msg).joined(separator: "; "))
            }
        }
        return out
    }
}
