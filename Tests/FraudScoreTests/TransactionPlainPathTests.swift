@testable import FraudScore
import Support
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
    /// The plain path passes a separator like the first member's in one compare: bodies whose
    /// separators change from member to member (longer, shorter, other whitespace, none) must
    /// still decode as the general path decodes them, or be refused alike.
    func testSeparatorsThatChangeFromMemberToMember() {
        let members = handbook.dropFirst().dropLast().components(separatedBy: ", ")
        let commas = [",", ", ", ",\n  ", ",\n    ", ",\n", " , ", ",\t", ",\r\n  ", ",\n  \n  ", " ,", ",  "]
        let colons = [":", ": ", " : ", ":  ", ":\t", ":\n"]
        var generator = SplitMix64(seed: 20261208)
        for _ in 0..<400 {
            var json = "{"
            for (k, member) in members.enumerated() {
                let colon = colons[Int(generator.next() % UInt64(colons.count))]
                json += member.replacingOccurrences(of: "\": ", with: "\"" + colon)
                if k + 1 < members.count { json += commas[Int(generator.next() % UInt64(commas.count))] }
            }
            json += generator.next() % 2 == 0 ? "}" : "  }\n"
            assertBothPathsAgree(json)
        }
        // The same separator every time is the plain path's.
        for comma in commas {
            let json = "{" + members.joined(separator: comma) + "}"
            for decoder in decoders() { XCTAssertTrue(plainTakes(json, decoder), json) }
        }
    }

    /// `tx_datetime` is scanned eight bytes at a time: a byte that ends or spoils the string at
    /// any position of a chunk must be found there.
    func testEveryStringByteAtEveryPositionOfAChunk() {
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF, 0x20, 0x7E, 0x21, 0x5B, 0x5D]
        for position in 0..<19 {
            for special in specials {
                var bytes = Array(#"{"transaction_id": 7, "tx_datetime": "2018-08-08 00:51:58", "tx_amount": 3}"#.utf8)
                let start = bytes.firstIndex(of: UInt8(ascii: "2"))!  // the date's first digit
                bytes[start + position] = special
                let json = String(decoding: bytes, as: UTF8.self)
                guard json.utf8.elementsEqual(bytes) else {  // not UTF-8: the general path's alone
                    for decoder in decoders() {
                        let refused = bytes.withUnsafeBytes { body in
                            var row = [Double](repeating: 0, count: features.count)
                            var transaction = TransactionDecoder.Transaction()
                            return row.withUnsafeMutableBufferPointer {
                                decoder.decode(body, into: $0, transaction: &transaction, plainPath: true)
                            }
                        }
                        XCTAssertNotNil(refused, "byte \(special) at \(position)")
                    }
                    continue
                }
                assertBothPathsAgree(json)
            }
        }
    }
}
