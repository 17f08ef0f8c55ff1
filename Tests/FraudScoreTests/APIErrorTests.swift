@testable import FraudScore
import HTTPServer
import TestSupport
import XCTest

/// Every error answer goes through one wrapper: rendered in its protocol's shape, and on /predict
/// counted by status (including 503 before any model has loaded).
final class APIErrorTests: XCTestCase {
    func testEachProtocolGetsItsShapeAndPredictCountsEveryRejection() throws {
        let app = FraudScoreApp(scoring: ScoringConfig())  // no model loaded
        let router = app.router(httpMetrics: HTTPMetrics(prefix: "fraudscore"))
        var config = HTTPServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.threads = 1
        let server = HTTPServer(config: config, router: router)
        try server.start()
        defer { server.beginShutdown(); server.wait() }
        let c = try RawClient(port: server.port)

        let predict = try XCTUnwrap(c.request("POST", "/predict", body: "{}", headers: ["Content-Type: application/json"]))
        XCTAssertEqual(predict.status, 503)
        XCTAssertEqual(predict.bodyText, #"{"detail":"No model is loaded yet"}"#)
        let media = try XCTUnwrap(c.request("POST", "/predict", body: "{}", headers: ["Content-Type: text/csv"]))
        XCTAssertEqual(media.status, 415)
        XCTAssertTrue(media.bodyText.hasPrefix(#"{"detail":[{"type":"unsupported_media_type","loc":["header","content-type"]"#),
                      media.bodyText)
        let mlflow = try XCTUnwrap(c.request("POST", "/invocations", body: "{}", headers: ["Content-Type: application/json"]))
        XCTAssertEqual(mlflow.status, 503)
        XCTAssertEqual(mlflow.bodyText, #"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"No model is loaded yet"}"#)
        let v2 = try XCTUnwrap(c.request("GET", "/v2/models/any"))
        XCTAssertEqual(v2.status, 503)
        XCTAssertEqual(v2.bodyText, #"{"error":"No model is loaded yet"}"#)

        let metrics = try XCTUnwrap(c.request("GET", "/metrics")).bodyText
        XCTAssertTrue(metrics.contains("fraudscore_predict_rejected_total{status=\"503\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("fraudscore_predict_rejected_total{status=\"415\"} 1\n"), metrics)
    }

    func testFieldErrorsAreCutAtTheConfiguredNumber() {
        let errors = (0..<5).map { ValidationError(type: .missing, loc: .field("f\($0)"), msg: "Field required") }
        let body = String(decoding: APIError.fields(422, errors).response(maxErrorDetails: 2).body, as: UTF8.self)
        XCTAssertEqual(body.components(separatedBy: "\"type\":\"missing\"").count - 1, 2, body)
        XCTAssertTrue(body.contains("\"errors_total\":5"), body)
    }
}
