/// The `/predict` body decoder as the request path runs it, and its general path alone, for the
/// fuzz target (Fuzz/FuzzTransaction): not API.
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
    /// features or not), chosen by `variant`, once as the request path does and once on the general
    /// path alone. Returns whether it was accepted; traps if the two disagree in any way (errors,
    /// row bits, transaction), or if an accepted row holds an infinite feature value.
    public static func decode(_ body: UnsafeRawBufferPointer, variant: Int) -> Bool {
        let decoder = decoders[variant & 3]
        func run(plain: Bool) -> (errors: [ValidationError]?, row: [UInt64], transaction: TransactionDecoder.Transaction) {
            var transaction = TransactionDecoder.Transaction()
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: features.count) { row in
                row.initialize(repeating: 0)
                let errors = decoder.decode(body, into: row, transaction: &transaction, plainPath: plain)
                return (errors, row.map(\.bitPattern), transaction)
            }
        }
        let fast = run(plain: true), general = run(plain: false)
        precondition(fast.errors == general.errors, "the plain path answers \(String(describing: fast.errors)), "
                     + "the general path \(String(describing: general.errors))")
        if fast.errors == nil {
            precondition(fast.row == general.row, "the plain path's row \(fast.row) differs from \(general.row)")
            let (a, b) = (fast.transaction, general.transaction)
            precondition(a.transactionID == b.transactionID && a.customerID == b.customerID && a.terminalID == b.terminalID
                         && a.amount.bitPattern == b.amount.bitPattern && a.time == b.time, "the transactions differ")
            for v in fast.row { precondition(!Double(bitPattern: v).isInfinite, "an accepted row holds \(Double(bitPattern: v))") }
        }
        return fast.errors == nil
    }
}
