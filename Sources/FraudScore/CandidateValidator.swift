import JSON
import Models
import ModelStore

/// The gate a model version passes before it may serve: while a model serves, requests can supply
/// the new version's features (the first model defines what clients send); it reproduces its
/// manifest's validation rows; its outputs are finite (and within [0, 1] when it claims to give
/// probabilities). Runs on the model manager's thread, never on an event loop.
public struct CandidateValidator: CandidateGate {
    let app: FraudScoreApp
    /// Fields requests carry besides the handbook's (`--request-fields`).
    let extraFields: [String]
    /// Labeled rows a new version must not do worse on than the serving one.
    let promotion: PromotionGate

    public init(app: FraudScoreApp, extraFields: [String] = [], promotion: PromotionGateConfig = PromotionGateConfig()) {
        self.app = app
        self.extraFields = extraFields
        self.promotion = PromotionGate(promotion)
    }

    /// What requests can supply while a model serves: the handbook's fields, the configured extras
    /// and the serving model's features (its clients already send them). Nil before any model
    /// serves: then the first model defines the request schema.
    func requestFields() -> Set<String>? {
        guard let current = app.currentModel else { return nil }
        return Set(TransactionSchema.handbookFields + extraFields).union(current.loaded.model.featureNames)
    }

    public func check(_ candidate: Candidate) throws(CandidateError) -> PromotionEvidence? {
        try checkSchemaAndValidation(candidate)
        // Evidence last: the cheaper checks refuse broken versions first.
        guard let serving = app.currentModel else { return nil }
        // The version's own labeled rows first, else the operator's.
        if let own = candidate.evaluation {
            return try promotion.judge(candidate: candidate.loaded, serving: serving.loaded, rows: own.rows,
                                       labelKey: own.labelKey)
        }
        guard let rows = try promotion.rows() else { return nil }
        return try promotion.judge(candidate: candidate.loaded, serving: serving.loaded, rows: rows)
    }

    private func checkSchemaAndValidation(_ candidate: Candidate) throws(CandidateError) {
        let model = candidate.loaded.model
        let unsupplied = requestFields().map { fields in model.featureNames.filter { !fields.contains($0) } } ?? []
        if !unsupplied.isEmpty {
            throw CandidateError(.schema, "model \(candidate.loaded.info.version) needs features requests do not carry: "
                                 + "\(unsupplied.prefix(10).joined(separator: ", "))\(unsupplied.count > 10 ? ", …" : ""); "
                                 + "if clients do send them, list them in --request-fields")
        }
        // Scoring exactly as /predict would, absent features as missing so probes can be sparse.
        let serving = ServingModel(candidate.loaded, scoring: ScoringConfig(threshold: nil, allowMissingFeatures: true))
        if model.metadata.acceptsMissingValues {
            try checkOutput(serving, probe: [UInt8]("{\"transaction_id\":0}".utf8), what: "a transaction with every feature missing")
        }
        guard let rows = candidate.validationRows, let validation = candidate.validation else { return }
        var checked = 0
        for (n, line) in rows.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            let bytes = Array(line)
            guard let expected = (try? JSONValue.parse(bytes))?[validation.expectedKey]?.doubleValue else {
                throw CandidateError(.validation, "\(validation.file) line \(n + 1) has no number \"\(validation.expectedKey)\"")
            }
            let p = try checkOutput(serving, probe: bytes, what: "\(validation.file) line \(n + 1)")
            let diff = abs(p - expected)
            guard diff <= validation.tolerance else {
                throw CandidateError(.validation, "model \(candidate.loaded.info.version) scores \(validation.file) line \(n + 1) "
                                     + "as \(p) but the manifest expects \(expected) (|diff| \(diff) > tolerance \(validation.tolerance)): "
                                     + "the file is not the model that was validated, or it was exported wrongly")
            }
            checked += 1
        }
        guard checked > 0 else { throw CandidateError(.validation, "\(validation.file) has no rows") }
    }

    @discardableResult
    private func checkOutput(_ serving: ServingModel, probe: [UInt8], what: String) throws(CandidateError) -> Double {
        let p: Double
        switch serving.score(probe[...]) {
        case .probability(let probability): p = probability
        case .invalid(let errors):
            throw CandidateError(.validation, "\(what) is not a valid request: \(errors.map(\.msg).joined(separator: "; "))")
        }
        guard p.isFinite, serving.loaded.model.output == .raw || (0...1).contains(p) else {
            throw CandidateError(.output, "model \(serving.loaded.info.version) outputs \(p) for \(what): "
                                 + "not a finite probability in [0, 1]")
        }
        return p
    }
}
