@testable import ModelStore
import XCTest

final class MLflowRegistryTests: XCTestCase {
    func testRegistryURIs() throws {
        XCTAssertEqual(try ModelURI("models:/fraud@champion"), .registry(name: "fraud", selector: .alias("champion")))
        XCTAssertEqual(try ModelURI("models:/fraud/3"), .registry(name: "fraud", selector: .version(3)))
        XCTAssertEqual(try ModelURI("models:/fraud@champion").description, "models:/fraud@champion")
        XCTAssertEqual(try ModelURI("models:/fraud/3").description, "models:/fraud/3")
        for bad in ["models:/fraud", "models:/fraud@", "models:/@champion", "models:/fraud/0", "models:/fraud/x", "models://3"] {
            XCTAssertThrowsError(try ModelURI(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("models:/fraud@champion"), "\(bad): \(error)")
            }
        }
    }

    func testSettingsComeFromTheMLflowEnvironmentAndCredentialsBecomeAnAuthorizationHeader() throws {
        let env = ["MLFLOW_TRACKING_URI": "https://mlflow.example:5000", "MLFLOW_TRACKING_USERNAME": "alice",
                   "MLFLOW_TRACKING_PASSWORD": "s3cret", "MLFLOW_TRACKING_INSECURE_TLS": "true",
                   "MLFLOW_S3_ENDPOINT_URL": "http://minio:9000"]
        let settings = MLflowSettings { env[$0] }
        XCTAssertEqual(settings.trackingURI, "https://mlflow.example:5000")
        XCTAssertTrue(settings.insecureTLS)
        XCTAssertEqual(settings.s3Endpoint, "http://minio:9000")
        // base64("alice:s3cret")
        XCTAssertEqual(try settings.authorization(), "Authorization: Basic YWxpY2U6czNjcmV0")

        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("mlflow-token-\(getpid())")
        try "tok-1\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let withToken = MLflowSettings { ["MLFLOW_TRACKING_TOKEN_FILE": tokenFile.path, "MLFLOW_TRACKING_USERNAME": "bob"][$0] }
        XCTAssertEqual(try withToken.authorization(), "Authorization: Bearer tok-1")
        // Read again on every request: a rotated Secret is used from the next one.
        try "tok-2".write(to: tokenFile, atomically: true, encoding: .utf8)
        XCTAssertEqual(try withToken.authorization(), "Authorization: Bearer tok-2")

        XCTAssertNil(try MLflowSettings { _ in nil }.authorization())
        let missing = MLflowSettings { ["MLFLOW_TRACKING_TOKEN_FILE": "/nonexistent/token"][$0] }
        XCTAssertThrowsError(try missing.authorization()) { XCTAssertTrue("\($0)".contains("/nonexistent/token")) }
    }

    func testTheTrackingServerMustBeAnHTTPAddress() {
        for (uri, expected) in [(nil, "set MLFLOW_TRACKING_URI"), ("sqlite:///mlflow.db", "REST API")] as [(String?, String)] {
            var settings = MLflowSettings()
            settings.trackingURI = uri
            XCTAssertThrowsError(try MLflowTrackingServer(settings: settings, transfer: TransferOptions())) {
                XCTAssertTrue("\($0)".contains(expected), "\($0)")
            }
        }
    }
}
