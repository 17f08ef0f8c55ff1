/// One shard of the in-memory store's customers: their histories, and a sweep of those that went
/// quiet. Not thread-safe; `OnlineFeatures` holds each shard behind its own lock.
struct CustomerShard {
    private(set) var histories: [Int64: EntityHistory] = [:]

    /// Records the transaction; its customer windows (up to itself), and whether it was out of order.
    mutating func record(_ tx: OnlineFeatures.Transaction, into out: inout OnlineFeatures.Computed) {
        let cents = Int64((tx.amount * 100).rounded())
        // Mutated in place through the dictionary (a copy out and back would copy its entries).
        histories[tx.customerID, default: EntityHistory()].update { customer in
            out.outOfOrder = customer.insert(time: tx.time, transactionID: tx.transactionID, value: cents)
            CustomerShard.windows(customer, tx.transactionID, time: tx.time, into: &out)
            customer.forget(atOrBefore: customer.newestTime - OnlineFeatures.customerRetention)
        }
    }

    /// A recorded transaction's windows as the history holds them now (a retry).
    func windows(_ tx: OnlineFeatures.Transaction, time: Int64, into out: inout OnlineFeatures.Computed) {
        if let customer = histories[tx.customerID] { CustomerShard.windows(customer, tx.transactionID, time: time, into: &out) }
    }

    private static func windows(_ customer: EntityHistory, _ id: Int64, time: Int64, into out: inout OnlineFeatures.Computed) {
        let end = customer.index(after: (time, id))
        for (lane, w) in OnlineFeatures.windows.enumerated() {
            let found = customer.window(after: time - w * OnlineFeatures.day, through: end)
            out.customerCount[lane] = found.count
            out.customerAverage[lane] = (Double(found.sum) / 100.0) / Double(found.count)
        }
    }

    /// Drops customers whose newest transaction no 30-day window at `clock` reaches.
    mutating func sweep(at clock: Int64) {
        let cutoff = clock - OnlineFeatures.customerRetention
        for id in histories.compactMap({ $0.value.newestTime > cutoff ? nil : $0.key }) { histories[id] = nil }
    }
}

/// One shard of the in-memory store's terminals: their histories with labels.
struct TerminalShard {
    private(set) var histories: [Int64: EntityHistory] = [:]

    /// Records the transaction after reading its delayed windows; returns the ids it forgot, which
    /// no label can bring back into a window.
    mutating func record(_ tx: OnlineFeatures.Transaction, into out: inout OnlineFeatures.Computed) -> [Int64] {
        histories[tx.terminalID, default: EntityHistory()].update { terminal in
            TerminalShard.windows(terminal, time: tx.time, into: &out)
            if terminal.insert(time: tx.time, transactionID: tx.transactionID, value: 0) { out.outOfOrder = true }
            return terminal.forget(atOrBefore: terminal.newestTime - OnlineFeatures.terminalRetention)
        }
    }

    func windows(_ tx: OnlineFeatures.Transaction, time: Int64, into out: inout OnlineFeatures.Computed) {
        if let terminal = histories[tx.terminalID] { TerminalShard.windows(terminal, time: time, into: &out) }
    }

    private static func windows(_ terminal: EntityHistory, time: Int64, into out: inout OnlineFeatures.Computed) {
        let delayed = time - OnlineFeatures.delayDays * OnlineFeatures.day
        let through = terminal.firstIndex(after: delayed)
        for (lane, w) in OnlineFeatures.windows.enumerated() {
            let found = terminal.window(after: delayed - w * OnlineFeatures.day, through: through)
            out.terminalCount[lane] = found.count
            out.terminalRisk[lane] = found.count > 0 ? Double(found.sum) / Double(found.count) : 0
        }
    }

    mutating func label(_ id: Int64, terminal: Int64, time: Int64, fraud: Bool) -> Bool {
        histories[terminal]?.label(id, time: time, fraud: fraud) == true
    }

    /// Drops terminals whose newest transaction no delayed window at `clock` reaches; their ids.
    mutating func sweep(at clock: Int64) -> [Int64] {
        let cutoff = clock - OnlineFeatures.terminalRetention
        var expired: [Int64] = []
        for id in histories.compactMap({ $0.value.newestTime > cutoff ? nil : $0.key }) {
            expired += histories.removeValue(forKey: id)!.transactionIDs
        }
        return expired
    }
}
