import Support

/// An in-memory store filled with a synthetic stream, for measuring what the store holds per
/// customer (`fraudscore features memory`): `customers` each making `perCustomerDay` transactions a
/// day (spread evenly, at terminals drawn by a hash) over `days` days, labels on every tenth.
public final class SyntheticHistory {
    private let store = OnlineFeatures()
    public private(set) var recorded = 0

    public init() {}

    public func fill(customers: Int, terminals: Int, perCustomerDay: Int, days: Int, progress: (Double) -> Void) {
        let perDay = customers * perCustomerDay
        let total = perDay * days
        let step = OnlineFeatures.day / Int64(max(1, perDay))
        let t0: Int64 = 1_522_540_800 * OnlineFeatures.second
        for i in 0..<total {
            let h = SplitMix64.mix(UInt64(i))
            let tx = OnlineFeatures.Transaction(transactionID: Int64(i), time: t0 + Int64(i) * step,
                                                customerID: Int64(i % customers), terminalID: Int64(h % UInt64(terminals)),
                                                amount: Double((h >> 48) % 20_000) / 100)
            _ = store.record(tx)
            if i % 10 == 0 { _ = store.label(tx.transactionID, fraud: h & 1 == 0) }
            if i % perDay == 0 { progress(Double(i) / Double(total)) }
        }
        recorded += total
    }

    public var customers: Int { store.counts.customers }
    public var terminals: Int { store.counts.terminals }
    public var transactions: Int { store.counts.transactions }
}
