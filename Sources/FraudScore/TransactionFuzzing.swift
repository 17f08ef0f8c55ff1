/// The `/predict` body decoder as the request path runs it, for the fuzz target
/// (Fuzz/FuzzTransaction): not API.
@_spi(Fuzzing)
public enum TransactionFuzzing {
    static let features = [
        "tx_amount", "tx_during_weekend", "tx_during_night", "customer_id_nb_tx_1day_window",
        "customer_id_avg_amount_1day_window", "customer_id_nb_tx_7day_window", "customer_id_avg_amount_7day_window",
        "customer_id_nb_tx_30day_window", "customer_id_avg_amount_30day_window", "terminal_id_nb_tx_1day_window",
        "terminal_id_risk_1day_window", "terminal_id_nb_tx_7day_window", "terminal_id_risk_7day_window",
        "terminal_id_nb_tx_30day_window", "terminal_id_risk_30day_window",
    ]
    static let decoders = [false, true].flatMap { missing in
        [false, true].map { TransactionDecoder(featureNames: features, allowMissingFeatures: missing, onlineFeatures: $0) }
    }

    /// Decodes `body` with one of the four decoders (missing features allowed or not, online
    /// features or not), chosen by `variant`. Returns whether it was accepted; traps if an
    /// accepted row holds a non-finite feature value where a number was required.
    public static func decode(_ body: UnsafeRawBufferPointer, variant: Int) -> Bool {
        let decoder = decoders[variant & 3]
        var transaction = TransactionDecoder.Transaction()
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: features.count) { row in
            row.initialize(repeating: 0)
            let errors = decoder.decode(body, into: row, transaction: &transaction)
            if errors == nil {
                for v in row { precondition(!v.isInfinite, "an accepted row holds \(v)") }
            }
            return errors == nil
        }
    }
}
