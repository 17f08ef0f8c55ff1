@testable import FraudScore
import XCTest

/// The decoder's one-pass plain path takes the requests clients send and gives exactly what the
/// general path gives; whatever it does not take, the general path decides.
final class TransactionPlainPathTests: XCTestCase {
    private let features = ["tx_amount", "tx_during_weekend", "tx_during_night", "customer_id_avg_amount_30day_window",
                            "terminal_id_risk_1day_window"]
    private let handbook = #"{"transaction_id": 1261346, "tx_datetime": "2018-08-08 00:51:58", "customer_id": 4676,"#
        + #" "terminal_id": 6382, "tx_amount": 55.48, "tx_time_seconds": 11148718, "tx_time_days": 129,"#
        + #" "tx_during_weekend": 0, "tx_during_night": 1, "customer_id_avg_amount_30day_window": 58.474242424242426,"#
        + #" "terminal_id_risk_1day_window": 0.0}"#

    private func decoders() -> [TransactionDecoder] {
        [false, true].flatMap { missing in
            [false, true].map { TransactionDecoder(featureNames: features, allowMissingFeatures: missing, onlineFeatures: $0) }
        }
    }

    private func plainTakes(_ json: String, _ decoder: TransactionDecoder) -> Bool {
        var row = [Double](repeating: 0, count: features.count), seen = [Bool](repeating: false, count: features.count)
        var transaction = TransactionDecoder.Transaction(), found = TransactionDecoder.Found()
        return Array(json.utf8).withUnsafeBytes { body in
            row.withUnsafeMutableBufferPointer { r in
                seen.withUnsafeMutableBufferPointer { decoder.decodePlain(body, into: r, seen: $0, transaction: &transaction, found: &found) }
            }
        }
    }

    private func assertBothPathsAgree(_ json: String, file: StaticString = #filePath, line: UInt = #line) {
        for decoder in decoders() {
            func run(_ plain: Bool) -> ([ValidationError]?, [UInt64], TransactionDecoder.Transaction) {
                var row = [Double](repeating: -7, count: features.count)
                var transaction = TransactionDecoder.Transaction()
                let errors = Array(json.utf8).withUnsafeBytes { body in
                    row.withUnsafeMutableBufferPointer { decoder.decode(body, into: $0, transaction: &transaction, plainPath: plain) }
                }
                return (errors, row.map(\.bitPattern), transaction)
            }
            let (a, b) = (run(true), run(false))
            XCTAssertEqual(a.0, b.0, json, file: file, line: line)
            guard a.0 == nil else { continue }
            XCTAssertEqual(a.1, b.1, json, file: file, line: line)
            XCTAssertEqual([a.2.transactionID, a.2.customerID, a.2.terminalID], [b.2.transactionID, b.2.customerID, b.2.terminalID],
                           json, file: file, line: line)
            XCTAssertEqual(a.2.amount.bitPattern, b.2.amount.bitPattern, json, file: file, line: line)
            XCTAssertEqual(a.2.time, b.2.time, json, file: file, line: line)
        }
    }

    func testThePlainPathTakesWhatClientsSend() {
        let compact = handbook.replacingOccurrences(of: ": ", with: ":").replacingOccurrences(of: ", ", with: ",")
        let pretty = handbook.replacingOccurrences(of: "{", with: "{\n  ").replacingOccurrences(of: ", ", with: ",\n  ")
            .replacingOccurrences(of: "}", with: "\n}\n")
        let reordered = #"{"tx_amount": -5, "transaction_id": 1, "tx_during_night": 1, "tx_during_weekend": 0,"#
            + #" "terminal_id_risk_1day_window": 0.25, "customer_id_avg_amount_30day_window": 1e1}"#
        for json in [handbook, compact, pretty] {
            for decoder in decoders() { XCTAssertTrue(plainTakes(json, decoder), json) }
            assertBothPathsAgree(json)
        }
        // An exponent is the general path's.
        XCTAssertFalse(plainTakes(reordered, decoders()[0]))
        XCTAssertTrue(plainTakes(reordered.replacingOccurrences(of: "1e1", with: "10.0"), decoders()[0]))
        assertBothPathsAgree(reordered)
    }

    func testBothPathsAgreeOnEveryShape() {
        let bodies = [
            "{}", " { } ", "[]", "", "{", "}", "{\"transaction_id\": 1,}", "{\"transaction_id\": 1} x", "{\"transaction_id\": 1}{",
            #"{"transaction_id": 1, "transaction_id": 2, "tx_amount": 1, "tx_amount": "2"}"#,
            #"{"transaction_id": 1, "tx_amount": 01}"#, #"{"transaction_id": 1, "tx_amount": -0}"#,
            #"{"transaction_id": 1, "tx_amount": -0.0, "tx_during_weekend": 0, "tx_during_night": 0}"#,
            #"{"transaction_id": 1, "tx_amount": 1.}"#, #"{"transaction_id": 1, "tx_amount": .5}"#,
            #"{"transaction_id": 1, "tx_amount": 12345678901234567890}"#, #"{"transaction_id": 1, "tx_amount": 1234567890123456789}"#,
            #"{"transaction_id": 1, "tx_amount": 0.1234567890123456789}"#, #"{"transaction_id": 1, "tx_amount": 9007199254740993}"#,
            #"{"transaction_id": 123456789012345678, "customer_id": 1234567890123456789}"#,
            #"{"transaction_id": -1, "customer_id": 1.0, "terminal_id": "3"}"#,
            #"{"transaction_id": 1, "tx_amount": null, "tx_during_weekend": true}"#,
            #"{"transaction_id": 1, "tx_datetime": "2018-02-30 00:00:00"}"#, #"{"transaction_id": 1, "tx_datetime": "2018-08-08T00:51:58"}"#,
            #"{"transaction_id": 1, "tx_datetime": "2018-08-08 00:51:58", "tx_datetime": 1533689518}"#,
            #"{"transaction_id": 1, "tx_datetime": "2018-08-08 00:51:58\u0041"}"#,
            #"{"transaction_id": 1, "tx_am\u006fount": 3, "extra": [1, {"a": null}], "tx_during_night": 1e400}"#,
            "{\"transaction_id\": 1, \"tx_amount\": 3, \"é\": 1}", "{\"transaction_id\": 1, \"tx_amount\": \"\u{1}\"}",
            "{\"transaction_id\": 1,\t\"tx_amount\"\r\n:\n3\t}", #"{"transaction_id": 1, "tx_time_days": 1e3, "tx_time_seconds": -0}"#,
            #"{"transaction_id": 1, "tx_time_days": 12345678901234567890123}"#, #"{"tranaction_id": 5, "tx_amount": 2}"#,
            handbook, handbook.replacingOccurrences(of: "4676", with: "4676.5"),
            handbook.replacingOccurrences(of: "55.48", with: "55.48e0"), handbook.replacingOccurrences(of: "\"tx_amount\"", with: "\"tx_Amount\""),
        ]
        for json in bodies { assertBothPathsAgree(json) }
    }
}
