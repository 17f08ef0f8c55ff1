import Support
import Synchronization


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
/// The in-memory store's state, safe to share between threads: customers, terminals and the
/// transaction index are each split into shards with a lock apiece, so event loops rarely wait for
/// one another and a growing dictionary pauses only the requests of its shard. Each entity's
/// update is one step under its shard's lock, as the Redis store's are.
final class OnlineFeatures: Sendable {
    /// Times are Unix microseconds.
    static let second: Int64 = 1_000_000
    static let day: Int64 = 86_400 * second
    static let windows: [Int64] = [1, 7, 30]
    static let delayDays: Int64 = 7
    /// What each entity keeps: the longest window, and for terminals the delay on top.
    static let customerRetention = 30 * day
    static let terminalRetention = (30 + delayDays) * day
    /// How often (in transaction time) entities that went quiet are swept out: a scan of every
    /// customer and terminal, shard by shard (about 5 ms a million), by the request that moves the
    /// clock past the next sweep.
    static let sweepInterval = day
    static let shardCount = 64

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
        /// Its id was already recorded (a retry): the features are those of its place in the
        /// history, and nothing was recorded twice.
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

    /// Where a recorded transaction is held: for labels that arrive later, and for retries.
    private struct Held {
        var terminal: Int64
        var time: Int64
    }

    private let customers = (0..<shardCount).map { _ in LockedBox(CustomerShard()) }
    private let terminals = (0..<shardCount).map { _ in LockedBox(TerminalShard()) }
    private let index = (0..<shardCount).map { _ in LockedBox([Int64: Held]()) }
    /// The newest transaction time recorded, and when quiet entities were last swept out.
    private let clock = Atomic<Int64>(.min)
    private let sweptAt = Atomic<Int64>(.min)

    private static func shard(_ id: Int64) -> Int { Int(truncatingIfNeeded: SplitMix64.mix(UInt64(bitPattern: id)) & UInt64(shardCount - 1)) }

    var counts: Counts {
        Counts(customers: customers.reduce(0) { $0 + $1.withLock { $0.histories.count } },
               terminals: terminals.reduce(0) { $0 + $1.withLock { $0.histories.count } },
               transactions: index.reduce(0) { $0 + $1.withLock { $0.count } })
    }

    /// Records `tx` and returns its features (this transaction included in its customer windows).
    /// A transaction id already held is a retry: it gets the features of its place in the history,
    /// and is not counted twice. The id is claimed first, so a retry racing its original is one.
    func record(_ tx: Transaction) -> Computed {
        var out = Computed()
        let claimed = index[Self.shard(tx.transactionID)].withLock { held -> Held? in
            if let existing = held[tx.transactionID] { return existing }
            held[tx.transactionID] = Held(terminal: tx.terminalID, time: tx.time)
            return nil
        }
        if let existing = claimed {
            out.repeated = true
            customers[Self.shard(tx.customerID)].withLock { $0.windows(tx, time: existing.time, into: &out) }
            terminals[Self.shard(existing.terminal)].withLock { $0.windows(tx, time: existing.time, into: &out) }
            return out
        }
        customers[Self.shard(tx.customerID)].withLock { $0.record(tx, into: &out) }
        let expired = terminals[Self.shard(tx.terminalID)].withLock { $0.record(tx, into: &out) }
        forget(expired)
        advanceClock(to: tx.time)
        return out
    }

    /// Ids whose labels can no longer reach any window.
    private func forget(_ ids: [Int64]) {
        for id in ids { _ = index[Self.shard(id)].withLock { $0.removeValue(forKey: id) } }
    }

    private func advanceClock(to time: Int64) {
        var now = clock.load(ordering: .relaxed)
        while time > now {
            let (exchanged, original) = clock.compareExchange(expected: now, desired: time, ordering: .relaxed)
            if exchanged { now = time } else { now = original }
        }
        let last = sweptAt.load(ordering: .relaxed)
        guard now >= last &+ Self.sweepInterval,
              sweptAt.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        for shard in customers { shard.withLock { $0.sweep(at: now) } }
        for shard in terminals { forget(shard.withLock { $0.sweep(at: now) }) }
    }

    enum LabelOutcome: Equatable, Sendable { case recorded, unknown }

    /// A label for a recorded transaction; idempotent (the last one given counts).
    func label(_ transactionID: Int64, fraud: Bool) -> LabelOutcome {
        guard let at = index[Self.shard(transactionID)].withLock({ $0[transactionID] }),
              terminals[Self.shard(at.terminal)].withLock({ $0.label(transactionID, terminal: at.terminal, time: at.time, fraud: fraud) })
        else { return .unknown }
        return .recorded
    }
}
