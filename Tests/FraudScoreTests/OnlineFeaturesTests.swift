@testable import FraudScore
import Support
import XCTest

final class OnlineFeaturesTests: XCTestCase {
    typealias Tx = OnlineFeatures.Transaction

    /// A stream over 60 days with same-second ties, few customers and terminals (so windows fill),
    /// and every label fed back right after its transaction.
    private func stream(_ n: Int, seed: UInt64) -> (txs: [Tx], labels: [Bool]) {
        var random = SplitMix64(seed: seed)
        var time: Int64 = 1_525_132_800  // 2018-05-01
        var txs: [Tx] = [], labels: [Bool] = []
        for _ in 0..<n {
            if random.next() % 3 != 0 { time += Int64(random.next() % 3_500) }  // a third tie the previous second
            let cents = Int64(random.next() % 20_000) + 1
            txs.append(Tx(transactionID: 0, time: time, customerID: Int64(random.next() % 25),
                          terminalID: Int64(random.next() % 8), amount: Double(cents) / 100))
            labels.append(random.next() % 10 == 0)
        }
        // Unique ids (7919 is prime to 2n) that do not follow time, so ties at one second are
        // ordered by id, as the pipeline orders them, not by arrival.
        for i in txs.indices { txs[i].transactionID = Int64((i * 7_919) % (n * 2) + 1) * 10 + Int64(i % 10) }
        return (txs, labels)
    }

    /// The definitions, by brute force over the whole stream.
    private func expected(_ txs: [Tx], _ labels: [Bool], _ i: Int) -> OnlineFeatures.Computed {
        let t = txs[i], day = OnlineFeatures.day
        var out = OnlineFeatures.Computed()
        for w in OnlineFeatures.windows {
            let mine = txs.indices.filter { j in
                txs[j].customerID == t.customerID && txs[j].time > t.time - w * day
                    && (txs[j].time, txs[j].transactionID) <= (t.time, t.transactionID)
            }
            let cents = mine.reduce(Int64(0)) { $0 + Int64((txs[$1].amount * 100).rounded()) }
            out.customerCount.append(mine.count)
            out.customerAverage.append((Double(cents) / 100.0) / Double(mine.count))
        }
        for w in OnlineFeatures.windows {
            let delayed = t.time - OnlineFeatures.delayDays * day
            let theirs = txs.indices.filter { j in
                txs[j].terminalID == t.terminalID && txs[j].time > delayed - w * day && txs[j].time <= delayed
            }
            out.terminalCount.append(theirs.count)
            out.terminalRisk.append(theirs.isEmpty ? 0 : Double(theirs.filter { labels[$0] }.count) / Double(theirs.count))
        }
        return out
    }

    func testAStreamInTimeOrderGetsExactlyTheOfflineDefinitions() {
        let (txs, labels) = stream(1_500, seed: 5)
        let order = txs.indices.sorted { (txs[$0].time, txs[$0].transactionID) < (txs[$1].time, txs[$1].transactionID) }
        var store = OnlineFeatures()
        var nonEmptyRisk = 0
        for i in order {
            let got = store.record(txs[i])
            XCTAssertEqual(got, expected(txs, labels, i), "transaction \(i)")
            XCTAssertEqual(store.label(txs[i].transactionID, fraud: labels[i]), .recorded)
            if got.terminalRisk[2] > 0 { nonEmptyRisk += 1 }
        }
        XCTAssertGreaterThan(nonEmptyRisk, 100, "the stream reaches the delayed terminal windows")
    }

    func testWindowBoundariesTiesAndLabels() {
        var store = OnlineFeatures()
        let day = OnlineFeatures.day, t0: Int64 = 1_000_000_000
        _ = store.record(Tx(transactionID: 20, time: t0, customerID: 1, terminalID: 9, amount: 10))
        // Same second, smaller id: ordered before the first, so it sees only itself... and is out of order.
        let tie = store.record(Tx(transactionID: 10, time: t0, customerID: 1, terminalID: 9, amount: 20))
        XCTAssertEqual(tie.customerCount, [1, 1, 1])
        XCTAssertTrue(tie.outOfOrder)
        // Exactly one day later: the 1-day window is (t - 1 day, t], so both earlier ones are out of it.
        let later = store.record(Tx(transactionID: 30, time: t0 + day, customerID: 1, terminalID: 9, amount: 30))
        XCTAssertEqual(later.customerCount, [1, 3, 3])
        XCTAssertEqual(later.customerAverage, [30, 20, 20])
        XCTAssertFalse(later.outOfOrder)
        // Terminal 9, 8 days after t0: the 1-day delayed window is (t0 - 0 days... ] = (t0, t0 + day].
        XCTAssertEqual(store.label(20, fraud: true), .recorded)
        XCTAssertEqual(store.label(20, fraud: true), .recorded)  // idempotent
        XCTAssertEqual(store.label(99, fraud: true), .unknown)
        let week = store.record(Tx(transactionID: 40, time: t0 + 8 * day, customerID: 2, terminalID: 9, amount: 1))
        XCTAssertEqual(week.terminalCount, [1, 3, 3])  // (t0, t0 + day] holds only id 30
        XCTAssertEqual(week.terminalRisk, [0, 1.0 / 3, 1.0 / 3])
        let quiet = store.record(Tx(transactionID: 50, time: t0, customerID: 3, terminalID: 5, amount: 1))
        XCTAssertEqual(quiet.terminalRisk, [0, 0, 0])  // an empty window is 0, not NaN
    }
}
