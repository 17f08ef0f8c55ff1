/// What a `/predict` transaction is, in one place: the decoder reads requests by it, the candidate
/// gate checks new model versions against it, and the OpenAPI document describes it.
///
/// A transaction carries the Fraud Detection Handbook's identity fields, and a model's features by
/// name. The calendar features `tx_during_weekend` and `tx_during_night` may be left out when
/// `tx_datetime` is there to derive them from.
struct TransactionSchema: Sendable {
    /// How a field's value is read.
    enum Kind: Sendable {
        /// A 64-bit integer (pydantic's lax mode: also an integer string or a boolean).
        case int64
        /// `YYYY-MM-DD HH:MM:SS` (ISO 8601 accepted), or Unix time.
        case datetime
        /// A finite number, a numeric string, a boolean, or null for a missing value.
        case feature
        /// The same without null: what online features compute the customer's means from.
        case amount
    }

    /// A field that is not a model feature. Its position in `identity` is its key code in the decoder.
    struct IdentityField: Sendable {
        let name: String
        let kind: Kind
        /// Other names clients send it under.
        let aliases: [String]
    }

    /// The transaction's own fields, in the decoder's key-code order.
    static let identity = [
        IdentityField(name: "transaction_id", kind: .int64, aliases: ["tranaction_id"]),  // the course data's historical typo
        IdentityField(name: "tx_datetime", kind: .datetime, aliases: []),
        IdentityField(name: "customer_id", kind: .int64, aliases: []),
        IdentityField(name: "terminal_id", kind: .int64, aliases: []),
    ]

    /// The one field every request must carry, whatever the model.
    static let requiredIdentity = "transaction_id"

    /// The handbook's columns in the order clients send them, which the decoder tries first.
    static let handbookFields = [
        "transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount", "tx_time_seconds", "tx_time_days",
        "tx_during_weekend", "tx_during_night",
    ] + windowedFeatures

    /// The handbook's features over the customer's and the terminal's history, in its column order:
    /// what a feature store computes (`OnlineFeatures`).
    static let windowedFeatures = [
        "customer_id_nb_tx_1day_window", "customer_id_avg_amount_1day_window",
        "customer_id_nb_tx_7day_window", "customer_id_avg_amount_7day_window",
        "customer_id_nb_tx_30day_window", "customer_id_avg_amount_30day_window",
        "terminal_id_nb_tx_1day_window", "terminal_id_risk_1day_window",
        "terminal_id_nb_tx_7day_window", "terminal_id_risk_7day_window",
        "terminal_id_nb_tx_30day_window", "terminal_id_risk_30day_window",
    ]

    /// Features derived from `tx_datetime` when a request leaves them out, as the handbook does.
    static let weekendFeature = "tx_during_weekend"
    static let nightFeature = "tx_during_night"
    static let derivedFromDatetime: Set<String> = [weekendFeature, nightFeature]
    /// What the customer's average amounts are computed from when the service computes features.
    static let amountField = "tx_amount"

    /// The served model's feature names, in its column order.
    let features: [String]
    /// Absent features are missing values rather than errors (`--allow-missing-features`).
    let allowMissingFeatures: Bool
    /// The windowed features come from a feature store: the raw fields they are computed from are
    /// required instead.
    var onlineFeatures = false

    /// With a feature store: the largest |tx_amount| (its cents are summed exactly in 64 bits).
    static let maxOnlineAmount = 1e11

    /// With a feature store: what every transaction must carry.
    static let onlineRequired = ["transaction_id", "tx_datetime", "customer_id", "terminal_id", amountField]

    init(features: [String], allowMissingFeatures: Bool, onlineFeatures: Bool = false) {
        self.features = features
        self.allowMissingFeatures = allowMissingFeatures
        self.onlineFeatures = onlineFeatures
    }

    /// Every field a request may carry: the identity fields, then the features not among them.
    var properties: [(name: String, kind: Kind)] {
        var out = Self.identity.map { ($0.name, $0.kind) }
        for f in features where !out.contains(where: { $0.0 == f }) {
            out.append((f, onlineFeatures && f == Self.amountField ? .amount : .feature))
        }
        if onlineFeatures && !features.contains(Self.amountField) { out.append((Self.amountField, .amount)) }
        return out
    }

    /// Fields a request must carry; the calendar features are in `derivable` instead.
    var required: [String] {
        guard onlineFeatures else {
            return [Self.requiredIdentity] + (allowMissingFeatures ? [] : features.filter { !Self.derivedFromDatetime.contains($0) })
        }
        let computed = Set(Self.windowedFeatures).union(Self.derivedFromDatetime).union(Self.onlineRequired)
        return Self.onlineRequired + (allowMissingFeatures ? [] : features.filter { !computed.contains($0) })
    }

    /// Required features that `tx_datetime` can stand in for.
    var derivable: [String] {
        allowMissingFeatures || onlineFeatures ? [] : features.filter { Self.derivedFromDatetime.contains($0) }
    }
}
