/// The handbook's engineered features computed from raw transactions, exactly as the repository's
/// offline pipeline (`scripts/train_default_model.py`, `add_features`) defines them, for w in 1, 7
/// and 30 days and a transaction at time t:
///
/// - `customer_id_nb_tx_{w}day_window`: the customer's transactions with time in (t - w days, t],
///   up to this one in (time, transaction id) order; `customer_id_avg_amount_{w}day_window`: their
///   mean amount (summed in whole cents, as the offline pipeline does, so the mean is the same double).
/// - `terminal_id_nb_tx_{w}day_window`: the terminal's transactions with time in
///   (t - (7 + w) days, t - 7 days]; `terminal_id_risk_{w}day_window`: the share of them labeled
///   fraud (labels known now), 0 when there are none.
///
/// The in-memory store: not thread-safe; its owner serialises access.
struct OnlineFeatures {
    static let day: Int64 = 86_400
    static let windows: [Int64] = [1, 7, 30]
    static let delayDays: Int64 = 7
    /// What each entity keeps: the longest window, and for terminals the delay on top.
    static let customerRetention = 30 * day
    static let terminalRetention = (30 + delayDays) * day

    struct Transaction {
        var transactionID: Int64
        var time: Int64
        var customerID: Int64
        var terminalID: Int64
        var amount: Double
    }

    /// In the handbook's column order: customer counts and means for 1/7/30 days, then terminal
    /// counts and risks.
    struct Computed: Equatable {
        var customerCount: [Int] = []
        var customerAverage: [Double] = []
        var terminalCount: [Int] = []
        var terminalRisk: [Double] = []
        /// The transaction is older than what the store held for its customer or terminal.
        var outOfOrder = false
    }

    private var customers: [Int64: EntityHistory] = [:]
    private var terminals: [Int64: EntityHistory] = [:]
    /// transaction id -> (terminal, time), for labels that arrive later.
    private var index: [Int64: (terminal: Int64, time: Int64)] = [:]

    /// Records `tx` and returns its features (this transaction included in its customer windows).
    mutating func record(_ tx: Transaction) -> Computed {
        var out = Computed()
        let cents = Int64((tx.amount * 100).rounded())
        var customer = customers[tx.customerID] ?? EntityHistory()
        out.outOfOrder = customer.insert(.init(time: tx.time, transactionID: tx.transactionID, cents: cents, label: -1))
        let end = customer.index(after: (tx.time, tx.transactionID))
        for w in Self.windows {
            let found = customer.window(after: tx.time - w * Self.day, through: end)
            out.customerCount.append(found.count)
            out.customerAverage.append((Double(found.cents) / 100.0) / Double(found.count))
        }
        customer.forget(atOrBefore: customer.entries.last!.time - Self.customerRetention)
        customers[tx.customerID] = customer

        var terminal = terminals[tx.terminalID] ?? EntityHistory()
        let delayed = tx.time - Self.delayDays * Self.day
        let through = terminal.firstIndex(after: delayed)
        for w in Self.windows {
            let found = terminal.window(after: delayed - w * Self.day, through: through)
            out.terminalCount.append(found.count)
            out.terminalRisk.append(found.count > 0 ? Double(found.frauds) / Double(found.count) : 0)
        }
        if terminal.insert(.init(time: tx.time, transactionID: tx.transactionID, cents: 0, label: -1)) { out.outOfOrder = true }
        for gone in terminal.forget(atOrBefore: terminal.entries.last!.time - Self.terminalRetention) {
            index[gone.transactionID] = nil  // its label can no longer reach any window
        }
        terminals[tx.terminalID] = terminal
        index[tx.transactionID] = (tx.terminalID, tx.time)
        return out
    }

    enum LabelOutcome: Equatable { case recorded, unknown }

    /// A label for a recorded transaction; idempotent (the last one given counts).
    mutating func label(_ transactionID: Int64, fraud: Bool) -> LabelOutcome {
        guard let at = index[transactionID], terminals[at.terminal]?.label(transactionID, time: at.time, fraud: fraud) == true
        else { return .unknown }
        return .recorded
    }
}
