import Foundation
@testable import FraudScore
import HTTPServer
import JSON
import ModelStore
import TestSupport
import XCTest

/// /predict and /health over real sockets, on the bundled default model.
final class PredictAPITests: XCTestCase {
    var app: FraudScoreApp!
    var server: HTTPServer!

    override func setUpWithError() throws {
        app = FraudScoreApp(scoring: ScoringConfig(threshold: 0.5))
        app.serve(try ModelLoader.load(path: RepoFiles.root + "/models/default"))
        var config = HTTPServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.threads = 1
        let metrics = HTTPMetrics()
        server = HTTPServer(config: config, router: app.router(httpMetrics: metrics), metrics: metrics)
        try server.start()
    }

    override func tearDown() {
        server.beginShutdown()
        server.wait()
    }

    private func post(_ body: String, contentType: String? = "application/json") throws -> RawClient.Response {
        let c = try RawClient(port: server.port)
        return try XCTUnwrap(c.request("POST", "/predict", body: body, headers: contentType.map { ["Content-Type: \($0)"] } ?? []))
    }

    /// The validation rows shipped with the model: response numbers equal XGBoost's, as Python prints them.
    func testPredictionsEqualXGBoostsOwnForTheValidationRows() throws {
        let text = try String(contentsOfFile: RepoFiles.root + "/models/default/validation.jsonl", encoding: .utf8)
        var frauds = 0
        for line in text.split(separator: "\n") {
            let row = try JSONValue.parse(Array(line.utf8))
            let expected = try XCTUnwrap(row["expected_prob"]?.doubleValue)
            let r = try post(String(line))
            XCTAssertEqual(r.status, 200, r.bodyText)
            var w = JSONWriter()
            w.double(expected)
            let id = try XCTUnwrap(row["transaction_id"]?.intValue)
            XCTAssertEqual(r.bodyText, #"{"transaction_id":\#(id),"fraud_probability":\#(String(decoding: w.bytes, as: UTF8.self)),"#
                           + #""is_fraud":\#(expected >= 0.5),"model_version":"xgb-default-1.0.0"}"#)
            if expected >= 0.5 { frauds += 1 }
        }
        XCTAssertGreaterThan(frauds, 0, "the rows should exercise is_fraud = true too")
    }

    func testMissingFieldIs422WithFastAPIBody() throws {
        let r = try post(#"{"transaction_id": 1, "tx_datetime": "2018-08-08 00:51:58"}"#)
        XCTAssertEqual(r.status, 422)
        let detail = try XCTUnwrap(JSONValue.parse(r.body)["detail"]?.arrayValue)
        XCTAssertEqual(detail.count, 13)
        XCTAssertEqual(detail.first, try JSONValue.parse(Array(#"{"type":"missing","loc":["body","tx_amount"],"msg":"Field required"}"#.utf8)))
    }

    func testWrongTypeIs422NamingTheField() throws {
        let sample = try String(contentsOfFile: RepoFiles.root + "/examples/sample_request.json", encoding: .utf8)
        let r = try post(sample.replacingOccurrences(of: #""tx_amount": 55.48"#, with: #""tx_amount": "lots""#))
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.bodyText, #"{"detail":[{"type":"float_parsing","loc":["body","tx_amount"],"msg":"Input should be a valid number, unable to parse string as a number"}]}"#)
    }

    func testMalformedJSONIs422() throws {
        let r = try post(#"{"transaction_id": 1"#)
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.bodyText, #"{"detail":[{"type":"json_invalid","loc":["body",20],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting ',' delimiter"}}]}"#)
    }

    func testEmptyBodyIs422() throws {
        let r = try post("")
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.bodyText, #"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required"}]}"#)
    }

    func testNonObjectBodyIs422() throws {
        let r = try post("[1]")
        XCTAssertEqual(r.status, 422)
        XCTAssertTrue(r.bodyText.contains("model_attributes_type"), r.bodyText)
    }

    func testWrongContentTypeIs415() throws {
        let r = try post("{}", contentType: "text/plain")
        XCTAssertEqual(r.status, 415)
        XCTAssertEqual(r.bodyText, #"{"detail":[{"type":"unsupported_media_type","loc":["header","content-type"],"msg":"Content-Type must be application/json, got text/plain"}]}"#)
        XCTAssertEqual(try post("{}", contentType: "application/json; charset=utf-8").status, 422)
        XCTAssertEqual(try post("{}", contentType: nil).status, 422)
    }

    func testGetOnPredictIs405() throws {
        let c = try RawClient(port: server.port)
        let r = try XCTUnwrap(c.request("GET", "/predict"))
        XCTAssertEqual(r.status, 405)
        XCTAssertEqual(r.header("Allow"), "POST")
    }

    func testHealthDescribesTheModel() throws {
        let c = try RawClient(port: server.port)
        let r = try XCTUnwrap(c.request("GET", "/health"))
        XCTAssertEqual(r.status, 200)
        let v = try JSONValue.parse(r.body)
        XCTAssertEqual(v["status"]?.stringValue, "ok")
        XCTAssertEqual(v["model"]?["name"]?.stringValue, "fraud-default")
        XCTAssertEqual(v["model"]?["version"]?.stringValue, "xgb-default-1.0.0")
        XCTAssertEqual(v["model"]?["format"]?.stringValue, "xgboost-json")
        let meta = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: RepoFiles.root + "/models/default/model_meta.json"))))
        XCTAssertEqual(v["model"]?["sha256"]?.stringValue, meta["sha256"]?.stringValue)
        XCTAssertEqual(v["model"]?["loaded_at"]?.stringValue?.count, 20)
    }

    func testLivenessAndReadinessFollowDrain() throws {
        let c = try RawClient(port: server.port)
        XCTAssertEqual(c.request("GET", "/health/live")?.status, 200)
        XCTAssertEqual(c.request("GET", "/health/ready")?.bodyText, #"{"status":"ready"}"#)
        app.beginDrain()
        let r = try XCTUnwrap(c.request("GET", "/health/ready"))
        XCTAssertEqual(r.status, 503)
        XCTAssertEqual(r.bodyText, #"{"status":"not_ready","reason":"shutting down"}"#)
        XCTAssertEqual(c.request("GET", "/health/live")?.status, 200)
    }

    // MARK: batches

    private func validationLines() throws -> [String] {
        try String(contentsOfFile: RepoFiles.root + "/models/default/validation.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    func testBatchAnswersEveryItemInOrderLikeSingleRequests() throws {
        let lines = try validationLines()
        let r = try post("[" + lines.joined(separator: ",") + "]")
        XCTAssertEqual(r.status, 200)
        let results = try XCTUnwrap(JSONValue.parse(r.body).arrayValue)
        XCTAssertEqual(results.count, lines.count)
        for (line, result) in zip(lines, results) {
            let single = try post(line)
            XCTAssertEqual(result, try JSONValue.parse(single.body))
        }
        XCTAssertEqual(try post("[]").bodyText, "[]")
    }

    func testBatchErrorsCarryTheItemIndex() throws {
        let lines = try validationLines()
        var items = Array(lines.prefix(5))
        items[3] = items[3].replacingOccurrences(of: #""tx_amount": "#, with: #""tx_amount": "x", "ignored": "#)
        items[1] = #"{"transaction_id": 1}"#
        let r = try post("[" + items.joined(separator: ",") + "]")
        XCTAssertEqual(r.status, 422)
        let detail = try XCTUnwrap(JSONValue.parse(r.body)["detail"]?.arrayValue)
        XCTAssertEqual(detail.first?["loc"], try JSONValue.parse(Array(#"["body", 1, "tx_amount"]"#.utf8)))
        XCTAssertEqual(detail.last?["loc"], try JSONValue.parse(Array(#"["body", 3, "tx_amount"]"#.utf8)))
        XCTAssertEqual(detail.last?["type"]?.stringValue, "float_parsing")
        XCTAssertEqual(try post("[1, 2]").bodyText.contains(#""loc":["body",0]"#), true)
    }

    func testBatchOverTheLimitAndMalformedArrayAre422() throws {
        let line = try validationLines()[0]
        let r = try post("[" + Array(repeating: line, count: 1001).joined(separator: ",") + "]")
        XCTAssertEqual(r.status, 422)
        XCTAssertTrue(r.bodyText.contains(#""type":"too_long""#) && r.bodyText.contains("at most 1000 items"), r.bodyText)
        let bad = try post("[" + line + ",]")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.bodyText.contains("json_invalid"), bad.bodyText)
    }
}
