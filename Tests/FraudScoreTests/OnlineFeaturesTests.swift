@testable import FraudScore
import Support
import XCTest

final class OnlineFeaturesTests: XCTestCase {
    typealias Tx = OnlineFeatures.Transaction

    /// A stream over 60 days with same-second ties, few customers and terminals (so windows fill),
    /// and every label fed back right after its transaction.
    private func stream(_ n: Int, seed: UInt64) -> (txs: [Tx], labels: [Bool]) {
        var random = SplitMix64(seed: seed)
        var time: Int64 = 1_525_132_800 * OnlineFeatures.second  // 2018-05-01
        var txs: [Tx] = [], labels: [Bool] = []
        for _ in 0..<n {
            if random.next() % 3 != 0 { time += Int64(random.next() % 3_500) * OnlineFeatures.second }  // a third tie the previous second
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
        for (lane, w) in OnlineFeatures.windows.enumerated() {
            let mine = txs.indices.filter { j in
                txs[j].customerID == t.customerID && txs[j].time > t.time - w * day
                    && (txs[j].time, txs[j].transactionID) <= (t.time, t.transactionID)
            }
            let cents = mine.reduce(Int64(0)) { $0 + Int64((txs[$1].amount * 100).rounded()) }
            out.customerCount[lane] = mine.count
            out.customerAverage[lane] = (Double(cents) / 100.0) / Double(mine.count)
        }
        for (lane, w) in OnlineFeatures.windows.enumerated() {
            let delayed = t.time - OnlineFeatures.delayDays * day
            let theirs = txs.indices.filter { j in
                txs[j].terminalID == t.terminalID && txs[j].time > delayed - w * day && txs[j].time <= delayed
            }
            out.terminalCount[lane] = theirs.count
            out.terminalRisk[lane] = theirs.isEmpty ? 0 : Double(theirs.filter { labels[$0] }.count) / Double(theirs.count)
        }
        return out
    }

    func testAStreamInTimeOrderGetsExactlyTheOfflineDefinitions() {
        let (txs, labels) = stream(1_500, seed: 5)
        let order = txs.indices.sorted { (txs[$0].time, txs[$0].transactionID) < (txs[$1].time, txs[$1].transactionID) }
        let store = OnlineFeatures()
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
        let store = OnlineFeatures()
        let day = OnlineFeatures.day, t0: Int64 = 1_000_000_000 * OnlineFeatures.second
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

    func testARetriedTransactionGetsItsFeaturesAgainAndIsNotCountedTwice() {
        let store = OnlineFeatures()
        let t0: Int64 = 1_600_000_000 * OnlineFeatures.second
        _ = store.record(Tx(transactionID: 1, time: t0, customerID: 1, terminalID: 2, amount: 10))
        let first = store.record(Tx(transactionID: 2, time: t0 + 60 * OnlineFeatures.second, customerID: 1, terminalID: 2, amount: 30))
        _ = store.record(Tx(transactionID: 3, time: t0 + 120 * OnlineFeatures.second, customerID: 1, terminalID: 2, amount: 50))
        var again = store.record(Tx(transactionID: 2, time: t0 + 60 * OnlineFeatures.second, customerID: 1, terminalID: 2, amount: 30))
        XCTAssertTrue(again.repeated)
        again.repeated = false
        XCTAssertEqual(again, first)
        XCTAssertEqual(first.customerCount, [2, 2, 2])
        XCTAssertEqual(store.counts, OnlineFeatures.Counts(customers: 1, terminals: 1, transactions: 3))
        let next = store.record(Tx(transactionID: 4, time: t0 + 180 * OnlineFeatures.second, customerID: 1, terminalID: 2, amount: 10))
        XCTAssertEqual(next.customerCount, [4, 4, 4])
    }

    func testQuietCustomersAndTerminalsAreSweptOutWithTheirLabels() {
        let store = OnlineFeatures()
        let t0: Int64 = 1_600_000_000 * OnlineFeatures.second, day = OnlineFeatures.day
        for c in 0..<50 {
            _ = store.record(Tx(transactionID: Int64(c), time: t0 + Int64(c), customerID: Int64(c), terminalID: Int64(c), amount: 1))
        }
        XCTAssertEqual(store.counts, OnlineFeatures.Counts(customers: 50, terminals: 50, transactions: 50))
        // 31 days on, the customers' 30-day windows no longer reach them; the terminals stay for 37.
        _ = store.record(Tx(transactionID: 100, time: t0 + 31 * day, customerID: 100, terminalID: 100, amount: 1))
        XCTAssertEqual(store.counts, OnlineFeatures.Counts(customers: 1, terminals: 51, transactions: 51))
        XCTAssertEqual(store.label(7, fraud: true), .recorded)
        _ = store.record(Tx(transactionID: 101, time: t0 + 38 * day, customerID: 100, terminalID: 100, amount: 1))
        XCTAssertEqual(store.counts, OnlineFeatures.Counts(customers: 1, terminals: 1, transactions: 2))
        XCTAssertEqual(store.label(7, fraud: true), .unknown, "expired with its terminal")
    }

    func testTimestampsBecomeInstantsWithTheirOffsetAndFraction() throws {
        func instant(_ text: String) -> Int64? {
            var t = text
            return t.withUTF8 { CivilTime.parse(UnsafeRawBufferPointer($0))?.unixMicroseconds }
        }
        XCTAssertEqual(instant("2018-04-01 00:00:00"), 1_522_540_800_000_000)
        XCTAssertEqual(instant("2018-04-01T02:30:00+02:30"), 1_522_540_800_000_000)
        XCTAssertEqual(instant("2018-03-31T23:00:00-01:00"), 1_522_540_800_000_000)
        XCTAssertEqual(instant("2018-04-01 00:00:01.25"), 1_522_540_801_250_000)
        XCTAssertEqual(instant("2018-04-01 00:00:01.1234567"), 1_522_540_801_123_456)
        XCTAssertEqual(instant("2018-04-01"), 1_522_540_800_000_000)
        let fromNumber = try XCTUnwrap(CivilTime(unixSeconds: 1_522_540_801.5))
        XCTAssertEqual(fromNumber.unixMicroseconds, 1_522_540_801_500_000)
        // The calendar features keep the wall clock as written.
        var t = "2018-04-01T02:30:00+02:30"
        XCTAssertEqual(t.withUTF8 { CivilTime.parse(UnsafeRawBufferPointer($0))?.hour }, 2)
    }

    /// The straight-line reader of `YYYY-MM-DD HH:MM:SS` takes what the general one takes and gives
    /// the same time, and leaves everything else to it.
    func testTheHandbookFormReadsAsEveryFormDoes() {
        var texts = ["2018-04-01 00:00:00", "2020-02-29 23:59:59", "2019-02-29 00:00:00", "2018-04-31 12:00:00",
                     "2018-13-01 00:00:00", "2018-00-10 00:00:00", "2018-04-00 00:00:00", "2018-04-01 24:00:00",
                     "2018-04-01 23:60:00", "2018-04-01 23:59:60", "2018-04-01T00:00:00", "2018/04/01 00:00:00",
                     "2018-04-01 00:00:0a", "0000-01-01 00:00:00", "9999-12-31 23:59:59", "2100-02-29 00:00:00",
                     "2000-02-29 00:00:00", "2018-04-01 00:00:00Z"]
        var g = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            let y = Int.random(in: 1900...2100, using: &g), mo = Int.random(in: 0...13, using: &g)
            let d = Int.random(in: 0...32, using: &g), h = Int.random(in: 0...24, using: &g)
            let mi = Int.random(in: 0...60, using: &g), s = Int.random(in: 0...60, using: &g)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            texts.append("\(y)-\(two(mo))-\(two(d)) \(two(h)):\(two(mi)):\(two(s))")
        }
        var fast = 0
        for text in texts {
            let bytes = Array(text.utf8)
            let (quick, general) = bytes.withUnsafeBytes { (CivilTime.parseHandbookForm($0), CivilTime.parseAnyForm($0)) }
            if let quick {
                XCTAssertEqual(quick, general, text)
                fast += 1
            }
            XCTAssertEqual(bytes.withUnsafeBytes { CivilTime.parse($0) }, general, text)
        }
        XCTAssertGreaterThan(fast, 1_000)
    }

    func testWithOnlineFeaturesTheRawFieldsAreRequiredAndTheWindowsAreNotRead() {
        let names = ["tx_amount", "tx_during_weekend", "tx_during_night"] + OnlineFeatures.columns
        let decoder = TransactionDecoder(featureNames: names, onlineFeatures: true)
        XCTAssertEqual(decoder.storeColumns.map(\.slot), Array(3..<15))
        func decode(_ json: String) -> (TransactionDecoder.Transaction, [Double], [ValidationError]?) {
            var row = [Double](repeating: .nan, count: names.count)
            var tx = TransactionDecoder.Transaction()
            let errors = row.withUnsafeMutableBufferPointer { r in
                Array(json.utf8).withUnsafeBytes { decoder.decode($0, into: r, transaction: &tx) }
            }
            return (tx, row, errors)
        }
        let (tx, row, errors) = decode(#"{"transaction_id":9,"tx_datetime":"2018-04-07 03:00:00","customer_id":4,"terminal_id":8,"tx_amount":12.5,"customer_id_nb_tx_1day_window":77}"#)
        XCTAssertNil(errors)
        XCTAssertEqual(tx.online, OnlineFeatures.Transaction(transactionID: 9, time: 1_523_070_000_000_000, customerID: 4,
                                                             terminalID: 8, amount: 12.5))
        XCTAssertEqual(Array(row[0..<3]), [12.5, 1, 1])  // a Saturday night
        XCTAssertEqual(row[3], 77, "a sent window value stays in the row until the store overwrites it")
        let (_, _, missing) = decode(#"{"transaction_id":9,"customer_id":4}"#)
        XCTAssertEqual(missing?.map(\.loc), [.field("tx_datetime"), .field("terminal_id"), .field("tx_amount")])
    }

    /// Arrivals a little out of time order and labels that come late and change: each transaction
    /// gets the windows of what was recorded before it (up to itself in (time, id) order) and the
    /// labels known when it arrives, however the running totals were patched.
    func testLateArrivalsAndChangedLabelsKeepTheTotalsExact() {
        let (txs, _) = stream(1_200, seed: 11)
        var random = SplitMix64(seed: 3)
        var arrival = txs.indices.sorted { (txs[$0].time, txs[$0].transactionID) < (txs[$1].time, txs[$1].transactionID) }
        for k in stride(from: 0, to: arrival.count - 3, by: 3) where random.next() % 2 == 0 { arrival.swapAt(k, k + 2) }
        let store = OnlineFeatures()
        var recorded: [Int] = [], labels: [Int: Bool] = [:]
        let day = OnlineFeatures.day
        for i in arrival {
            recorded.append(i)
            let t = txs[i]
            var want = OnlineFeatures.Computed()
            for (lane, w) in OnlineFeatures.windows.enumerated() {
                let mine = recorded.filter { j in
                    txs[j].customerID == t.customerID && txs[j].time > t.time - w * day
                        && (txs[j].time, txs[j].transactionID) <= (t.time, t.transactionID)
                }
                let cents = mine.reduce(Int64(0)) { $0 + Int64((txs[$1].amount * 100).rounded()) }
                want.customerCount[lane] = mine.count
                want.customerAverage[lane] = (Double(cents) / 100.0) / Double(mine.count)
                let delayed = t.time - OnlineFeatures.delayDays * day
                let theirs = recorded.filter { j in
                    j != i && txs[j].terminalID == t.terminalID && txs[j].time > delayed - w * day && txs[j].time <= delayed
                }
                want.terminalCount[lane] = theirs.count
                want.terminalRisk[lane] = theirs.isEmpty ? 0 : Double(theirs.filter { labels[$0] == true }.count) / Double(theirs.count)
            }
            let got = store.record(t)
            XCTAssertEqual(got.customerCount, want.customerCount, "transaction \(i)")
            XCTAssertEqual(got.customerAverage, want.customerAverage, "transaction \(i)")
            XCTAssertEqual(got.terminalCount, want.terminalCount, "transaction \(i)")
            XCTAssertEqual(got.terminalRisk, want.terminalRisk, "transaction \(i)")
            // A label for some earlier transaction, now and then changing one given before.
            let j = recorded[Int(random.next() % UInt64(recorded.count))]
            let fraud = random.next() % 4 == 0
            XCTAssertEqual(store.label(txs[j].transactionID, fraud: fraud), .recorded)
            labels[j] = fraud
        }
        XCTAssertGreaterThan(labels.values.filter { $0 }.count, 100)
    }
}
