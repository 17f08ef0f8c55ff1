import HTTPServer
import JSON

/// An error answer, in the body shape of the protocol its route speaks. Handlers throw it; the
/// app's one wrapper (`FraudScoreApp.endpoint`) renders it and counts it.
struct APIError: Error {
    /// The body shapes of the protocols fraudscore speaks.
    enum Body {
        /// FastAPI's per-field errors: `{"detail": [{"type", "loc", "msg", …}], …}` (/predict).
        case fields([ValidationError])
        /// FastAPI's `{"detail": "…"}`, for errors that are not about a field.
        case detail(String)
        /// MLflow's scoring server: `{"error_code": "BAD_REQUEST", "message": "…"}`.
        case mlflow(String)
        /// The Open Inference Protocol: `{"error": "…"}`.
        case inference(String)
    }

    let status: HTTPStatus
    let body: Body
    var headers: [(String, String)] = []

    static func fields(_ status: HTTPStatus, _ errors: [ValidationError]) -> APIError {
        APIError(status: status, body: .fields(errors))
    }

    static func detail(_ status: HTTPStatus, _ message: String, headers: [(String, String)] = []) -> APIError {
        APIError(status: status, body: .detail(message), headers: headers)
    }

    static func mlflow(_ status: HTTPStatus, _ message: String) -> APIError {
        APIError(status: status, body: .mlflow(message))
    }

    static func inference(_ status: HTTPStatus, _ message: String) -> APIError {
        APIError(status: status, body: .inference(message))
    }

    /// No model serves yet, in each protocol's shape.
    static let noModel = "No model is loaded yet"

    /// The response; a list of field errors is cut at `maxErrorDetails` (then `errors_total` gives their number).
    func response(maxErrorDetails: Int) -> HTTPResponse {
        var w = JSONWriter()
        switch body {
        case .fields(let errors):
            ValidationError.write(errors, limit: maxErrorDetails, into: &w)
        case .detail(let message):
            return .detail(status, message, headers: headers)
        case .mlflow(let message):
            w.member("{\"error_code\":", APIError.mlflowCode(status))
            w.member(",\"message\":", message)
            w.raw("}")
        case .inference(let message):
            w.member("{\"error\":", message)
            w.raw("}")
        }
        return HTTPResponse(status: status, headers: headers, body: w.bytes)
    }

    /// MLflow's `error_code` for a status (mlflow.protos.databricks_pb2's names).
    static func mlflowCode(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: "BAD_REQUEST"
        case 415: "UNSUPPORTED_MEDIA_TYPE"
        default: "TEMPORARILY_UNAVAILABLE"
        }
    }
}
