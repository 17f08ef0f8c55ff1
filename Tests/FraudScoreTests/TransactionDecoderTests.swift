@testable import FraudScore
import XCTest

final class TransactionDecoderTests: XCTestCase {
    let features = ["tx_amount", "tx_during_weekend", "tx_during_night", "terminal_id_risk_1day_window"]

    private func decode(_ json: String, allowMissing: Bool = false) -> (row: [Double], id: Int64, errors: [ValidationError]?) {
        let decoder = TransactionDecoder(featureNames: features, allowMissingFeatures: allowMissing)
        var row = [Double](repeating: -999, count: features.count)
        var tx = TransactionDecoder.Transaction()
        let errors = Array(json.utf8).withUnsafeBytes { body in
            row.withUnsafeMutableBufferPointer { decoder.decode(body, into: $0, transaction: &tx) }
        }
        return (row, tx.transactionID, errors)
    }

    func testReadsFeaturesByNameInModelOrder() {
        let r = decode(#"{"terminal_id_risk_1day_window": 0.25, "tx_during_night": 1, "transaction_id": 9223372036854775807,"#
                       + #" "tx_amount": 58.474242424242426, "tx_during_weekend": 0, "customer_id": 4676, "extra": {"x": [1, {}]}}"#)
        XCTAssertNil(r.errors)
        XCTAssertEqual(r.row, [58.474242424242426, 0, 1, 0.25])
        XCTAssertEqual(r.id, Int64.max)
    }

    func testKeyOrderEscapesAndLookalikeKeysDoNotChangeTheRow() {
        // The decoder guesses each next key from the handbook's column order; every way the guess
        // can miss must give the same row: other orders, unknown keys in between, escaped keys,
        // keys that extend a feature name, and the handbook columns the model does not use.
        let canonical = decode(#"{"transaction_id": 7, "tx_datetime": "2018-08-08 00:51:58", "customer_id": 1, "terminal_id": 2,"#
                               + #" "tx_amount": 55.48, "tx_time_seconds": 11148718, "tx_time_days": 129, "tx_during_weekend": 0,"#
                               + #" "tx_during_night": 1, "terminal_id_risk_1day_window": 0.5}"#)
        XCTAssertNil(canonical.errors)
        XCTAssertEqual(canonical.row, [55.48, 0, 1, 0.5])
        let variants = [
            #"{"terminal_id_risk_1day_window": 0.5, "tx_during_night": 1, "tx_during_weekend": 0, "tx_amount": 55.48, "transaction_id": 7}"#,
            #"{"transaction_id": 7, "zzz": [1, 2], "tx_amount": 55.48, "tx_amountx": 99, "tx_during_weekend": 0, "tx_during_night": 1, "terminal_id_risk_1day_window": 0.5}"#,
            #"{"transaction_id": 7, "tx_amount": 55.48, "tx_during_weekend": 0, "tx_during_night": 1, "terminal_id_risk_1day_window": 0.5}"#,
            #"{"transaction_id": 7, "tx_amoun": 1, "tx_amount": 55.48, "tx_time_days": "x", "tx_during_weekend": 0, "tx_during_night": 1, "terminal_id_risk_1day_window": 0.5}"#,
        ]
        for json in variants {
            let r = decode(json)
            XCTAssertNil(r.errors, json)
            XCTAssertEqual(r.row, canonical.row, json)
            XCTAssertEqual(r.id, 7, json)
        }
    }

    func testTranactionIdAliasAndNumericStrings() {
        let r = decode(#"{"tranaction_id": "42", "tx_amount": "1.5", "tx_during_weekend": true, "tx_during_night": false,"#
                       + #" "terminal_id_risk_1day_window": 2}"#)
        XCTAssertNil(r.errors)
        XCTAssertEqual(r.id, 42)
        XCTAssertEqual(r.row, [1.5, 1, 0, 2])
    }

    func testNullIsAMissingValue() {
        let r = decode(#"{"transaction_id": 1, "tx_amount": null, "tx_during_weekend": 0, "tx_during_night": 0, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertNil(r.errors)
        XCTAssertTrue(r.row[0].isNaN)
    }

    func testCalendarFeaturesAreDerivedFromTimestampWhenAbsent() {
        // 2018-08-11 was a Saturday.
        let sat = decode(#"{"transaction_id": 1, "tx_datetime": "2018-08-11 06:59:59", "tx_amount": 1, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertNil(sat.errors)
        XCTAssertEqual(sat.row[1], 1)
        XCTAssertEqual(sat.row[2], 1)
        let wed = decode(#"{"transaction_id": 1, "tx_datetime": "2018-08-08T07:00:00Z", "tx_amount": 1, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertEqual(wed.row[1], 0)
        XCTAssertEqual(wed.row[2], 0)
        let sunday = decode(#"{"transaction_id": 1, "tx_datetime": "2018-08-12", "tx_amount": 1, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertEqual(sunday.row[1], 1)
        // Values that are sent win over the timestamp.
        let sent = decode(#"{"transaction_id": 1, "tx_datetime": "2018-08-11 03:00:00", "tx_during_weekend": 0, "tx_during_night": 0, "tx_amount": 1, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertEqual(sent.row[1], 0)
        XCTAssertEqual(sent.row[2], 0)
    }

    func testMissingFieldsAreListedInFastAPIShape() {
        let r = decode(#"{"tx_amount": 3}"#)
        XCTAssertEqual(r.errors, [
            .missing("transaction_id"),
            ValidationError(type: .missing, loc: .field("tx_during_weekend"), msg: "Field required (or send tx_datetime to derive it)"),
            ValidationError(type: .missing, loc: .field("tx_during_night"), msg: "Field required (or send tx_datetime to derive it)"),
            .missing("terminal_id_risk_1day_window"),
        ])
    }

    func testAllowMissingFeaturesScoresAbsentFeaturesAsMissing() {
        let r = decode(#"{"transaction_id": 7}"#, allowMissing: true)
        XCTAssertNil(r.errors)
        XCTAssertTrue(r.row.allSatisfy(\.isNaN))
    }

    func testWrongTypesAreReportedPerField() {
        let r = decode(#"{"transaction_id": 1.5, "tx_amount": "abc", "tx_during_weekend": [1], "tx_during_night": {},"#
                       + #" "terminal_id_risk_1day_window": 0, "customer_id": "x", "tx_datetime": "yesterday"}"#)
        XCTAssertEqual(r.errors?.map(\.type.rawValue), ["int_from_float", "float_parsing", "float_type", "float_type", "int_parsing",
                                              "datetime_from_date_parsing"])
        XCTAssertEqual(r.errors?.map(\.loc), [.field("transaction_id"), .field("tx_amount"), .field("tx_during_weekend"),
                                             .field("tx_during_night"), .field("customer_id"), .field("tx_datetime")])
        XCTAssertEqual(decode(#"{"transaction_id": null}"#, allowMissing: true).errors?.first?.type.rawValue, "int_type")
        XCTAssertEqual(decode(#"{"transaction_id": 1e30}"#, allowMissing: true).errors?.first?.type.rawValue, "int_parsing_size")
        XCTAssertNil(decode(#"{"transaction_id": 12.0}"#, allowMissing: true).errors)
    }

    func testMalformedJSONAndNonObjects() {
        XCTAssertEqual(decode(#"{"transaction_id": 1,}"#).errors,
                       [ValidationError(type: .jsonInvalid, loc: .offset(21), msg: "JSON decode error",
                                        context: "Expecting property name enclosed in double quotes")])
        XCTAssertEqual(decode("[1, 2]").errors?.first?.type.rawValue, "model_attributes_type")
        XCTAssertEqual(decode("").errors, [ValidationError(type: .missing, loc: .body, msg: "Field required")])
        XCTAssertEqual(decode("{} {}").errors?.first?.context, "Extra data")
    }

    func testRepeatedKeysKeepTheLastValue() {
        let r = decode(#"{"transaction_id": 1, "transaction_id": 2, "tx_amount": 1, "tx_amount": 5, "tx_during_weekend": 0, "tx_during_night": 0, "terminal_id_risk_1day_window": 0}"#)
        XCTAssertEqual(r.id, 2)
        XCTAssertEqual(r.row[0], 5)
    }
}

final class ContentTypeTests: XCTestCase {
    func testJSONMediaTypes() {
        for ok in ["application/json", "Application/JSON", "application/jsoN", "application/json; charset=utf-8", "application/json ;x=y",
                   "application/vnd.api+json", "application/problem+json; q=1"] {
            XCTAssertTrue(PredictHandler.isJSON(ok), ok)
        }
        for bad in ["text/plain", "application/jsonx", "application/x-www-form-urlencoded", "application/", "json",
                    "application/+json", "", "application/jsox", "applicationXjson", "bpplication/json"] {
            XCTAssertFalse(PredictHandler.isJSON(bad), bad)
        }
    }
}
