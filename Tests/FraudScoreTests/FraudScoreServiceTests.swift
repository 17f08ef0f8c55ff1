import FraudScore
import HTTPServer
import TestSupport
import XCTest

/// The whole service in-process, as the executable runs it: built from one configuration value,
/// answering over a real socket, and stopping with every thread joined.
final class FraudScoreServiceTests: XCTestCase {
    private func configuration(model: String) -> FraudScoreConfiguration {
        var http = HTTPServerConfig()
        http.host = "127.0.0.1"
        http.port = 0
        http.threads = 1
        http.drainIdleGraceMs = 50
        return FraudScoreConfiguration(model: model, http: http)
    }

    func testServesTheBundledModelThenStopsAndJoinsEveryThread() throws {
        let service = try FraudScoreService(configuration(model: RepoFiles.root + "/models/default"))
        try service.start()
        let port = service.server.port
        let c = try RawClient(port: port)
        XCTAssertEqual(c.request("GET", "/health/ready")?.status, 200)
        let body = try String(contentsOfFile: RepoFiles.root + "/examples/sample_request.json", encoding: .utf8)
        let predict = try XCTUnwrap(c.request("POST", "/predict", body: body, headers: ["Content-Type: application/json"]))
        XCTAssertEqual(predict.status, 200, predict.bodyText)
        XCTAssertTrue(predict.bodyText.contains("\"fraud_probability\":"), predict.bodyText)
        XCTAssertEqual(predict.header("Server"), "fraudscore", "the app's identity reaches the server")
        let metrics = try XCTUnwrap(c.request("GET", "/metrics"))
        XCTAssertTrue(metrics.bodyText.contains("fraudscore_requests_total{route=\"/predict\",method=\"POST\",status=\"200\"} 1"),
                      metrics.bodyText)

        service.shutdown(reason: "test")
        XCTAssertEqual(c.request("GET", "/health/ready")?.status, 503, "readiness turns 503 when shutdown begins")
        service.wait()  // returns only once the event loop, the model manager and any watcher have ended
        XCTAssertThrowsError(try RawClient(port: port), "nothing listens after wait()")
    }

    func testAModelThatCannotLoadStopsTheStartWithExitCode2() throws {
        let service = try FraudScoreService(configuration(model: "/nonexistent/model.json"))
        XCTAssertThrowsError(try service.start()) { error in
            let startup = error as? StartupError
            XCTAssertEqual(startup?.exitCode, 2)
            XCTAssertTrue(startup?.description.contains("cannot load model /nonexistent/model.json") == true, "\(error)")
        }
    }
}
