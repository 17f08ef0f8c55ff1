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
/// The in-memory store's state: not thread-safe; `MemoryFeatureStore` serialises access.
struct OnlineFeatures {
    /// Times are Unix microseconds.
    static let second: Int64 = 1_000_000
    static let day: Int64 = 86_400 * second
    static let windows: [Int64] = [1, 7, 30]
    static let delayDays: Int64 = 7
    /// What each entity keeps: the longest window, and for terminals the delay on top.
    static let customerRetention = 30 * day
    static let terminalRetention = (30 + delayDays) * day
    /// How often (in transaction time) entities that went quiet are swept out: a scan of every
    /// customer and terminal (about 5 ms a million), so once a day.
    static let sweepInterval = day

    /// The computed columns, as `Computed.value(_:)` numbers them (the handbook's order).
    static let columns = TransactionSchema.windowedFeatures

    struct Transaction: Sendable, Equatable {
        var transactionID: Int64
        /// Unix microseconds.
        var time: Int64
        var customerID: Int64
        var terminalID: Int64
        var amount: Double
    }

    /// One transaction's features, allocation-free: lane i is window `windows[i]`.
    struct Computed: Equatable, Sendable {
        var customerCount = SIMD3<Int>()
        var customerAverage = SIMD3<Double>()
        var terminalCount = SIMD3<Int>()
        var terminalRisk = SIMD3<Double>()
        /// The transaction is older than what the store held for its customer or terminal.
        var outOfOrder = false
        /// Its id was already recorded (a retry): the features are those it had, and nothing changed.
        var repeated = false

        /// Column `i` of `OnlineFeatures.columns`.
        func value(_ i: Int) -> Double {
            let w = i / 2 % 3
            switch (i / 6, i % 2) {
            case (0, 0): return Double(customerCount[w])
            case (0, _): return customerAverage[w]
            case (_, 0): return Double(terminalCount[w])
            default: return terminalRisk[w]
            }
        }
    }

    /// Sizes, for metrics and the memory benchmark.
    struct Counts: Sendable, Equatable {
        var customers = 0
        var terminals = 0
        var transactions = 0
    }

    private var customers: [Int64: EntityHistory] = [:]
    private var terminals: [Int64: EntityHistory] = [:]
    /// transaction id -> where it is held, for labels that arrive later and for retries.
    private var index: [Int64: Held] = [:]
    private struct Held {
        var terminal: Int64
        var time: Int64
    }
    /// The newest transaction time seen, and when quiet entities were last swept out.
    private var clock = Int64.min
    private var sweptAt = Int64.min

    var counts: Counts { Counts(customers: customers.count, terminals: terminals.count, transactions: index.count) }

    /// Records `tx` and returns its features (this transaction included in its customer windows).
    /// A transaction id already held is a retry: it gets the features it had, and is not counted twice.
    mutating func record(_ tx: Transaction) -> Computed {
        if let held = index[tx.transactionID] {
            return repeatedFeatures(tx, held)
        }
        var out = Computed()
        let cents = Int64((tx.amount * 100).rounded())
        // Mutated in place through the dictionary (a copy out and back would copy its entries).
        customers[tx.customerID, default: EntityHistory()].update { customer in
            out.outOfOrder = customer.insert(.customer(time: tx.time, transactionID: tx.transactionID, cents: cents))
            Self.customerWindows(customer, through: customer.index(after: (tx.time, tx.transactionID)), time: tx.time, into: &out)
            customer.forget(atOrBefore: customer.entries.last!.time - Self.customerRetention)
        }
        let expired = terminals[tx.terminalID, default: EntityHistory()].update { terminal in
            Self.terminalWindows(terminal, time: tx.time, into: &out)
            if terminal.insert(.terminal(time: tx.time, transactionID: tx.transactionID)) { out.outOfOrder = true }
            return terminal.forget(atOrBefore: terminal.entries.last!.time - Self.terminalRetention)
        }
        for gone in expired { index[gone.transactionID] = nil }  // its label can no longer reach any window
        index[tx.transactionID] = Held(terminal: tx.terminalID, time: tx.time)
        clock = max(clock, tx.time)
        if clock >= sweptAt &+ Self.sweepInterval { sweep() }
        return out
    }

    private static func customerWindows(_ customer: EntityHistory, through end: Int, time: Int64, into out: inout Computed) {
        for (lane, w) in Self.windows.enumerated() {
            let found = customer.window(after: time - w * Self.day, through: end)
            out.customerCount[lane] = found.count
            out.customerAverage[lane] = (Double(found.sum) / 100.0) / Double(found.count)
        }
    }

    private static func terminalWindows(_ terminal: EntityHistory, time: Int64, into out: inout Computed) {
        let delayed = time - Self.delayDays * Self.day
        let through = terminal.firstIndex(after: delayed)
        for (lane, w) in Self.windows.enumerated() {
            let found = terminal.window(after: delayed - w * Self.day, through: through)
            out.terminalCount[lane] = found.count
            out.terminalRisk[lane] = found.count > 0 ? Double(found.ones) / Double(found.count) : 0
        }
    }

    /// A retry's features: its customer's windows up to itself (the customer as the retry names
    /// it), its terminal's windows as they are now.
    private func repeatedFeatures(_ tx: Transaction, _ held: Held) -> Computed {
        var out = Computed()
        out.repeated = true
        if let customer = customers[tx.customerID] {
            Self.customerWindows(customer, through: customer.index(after: (held.time, tx.transactionID)), time: held.time,
                                 into: &out)
        }
        if let terminal = terminals[held.terminal] { Self.terminalWindows(terminal, time: held.time, into: &out) }
        return out
    }

    /// Drops customers and terminals with nothing left inside any window of a transaction at the
    /// clock, so entities that went quiet do not hold memory forever.
    private mutating func sweep() {
        sweptAt = clock
        let quietCustomers = customers.compactMap { $0.value.entries.last!.time > clock - Self.customerRetention ? nil : $0.key }
        for id in quietCustomers { customers[id] = nil }
        let quietTerminals = terminals.compactMap { $0.value.entries.last!.time > clock - Self.terminalRetention ? nil : $0.key }
        for id in quietTerminals {
            for gone in terminals.removeValue(forKey: id)!.entries { index[gone.transactionID] = nil }
        }
    }

    enum LabelOutcome: Equatable, Sendable { case recorded, unknown }

    /// A label for a recorded transaction; idempotent (the last one given counts).
    mutating func label(_ transactionID: Int64, fraud: Bool) -> LabelOutcome {
        guard let at = index[transactionID],
              terminals[at.terminal]?.label(transactionID, time: at.time, fraud: fraud) == true
        else { return .unknown }
        return .recorded
    }
}
