/// Why talking to model storage failed. `reason` is the short label used in metrics.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer: DNS, connection refused, TLS, timeout.
    case unreachable(String)
    /// 401/403: the credentials are wrong or lack permission.
    case denied(status: Int, code: String, message: String)
    case notFound(String)
    /// Any other non-2xx answer.
    case failed(status: Int, code: String, message: String)
    /// The answer started but was cut short or was larger than allowed.
    case transfer(String)
    /// The answer was not what the protocol promises (unparseable XML, ...).
    case invalidResponse(String)
    /// Settings that cannot work: an unusable URI, credentials missing.
    case configuration(String)

    /// The error for a non-2xx, non-304 answer.
    static func http(status: Int, code: String, message: String) -> StorageError {
        switch status {
        case 401, 403: .denied(status: status, code: code, message: message)
        case 404: .notFound("\(message): \(code)")
        default: .failed(status: status, code: code, message: message)
        }
    }

    /// The kind of failure: the `reason` label of metrics and `/models`.
    public enum Reason: String, Sendable, CaseIterable {
        case unreachable, denied
        case notFound = "not_found"
        case httpError = "http_error"
        case transfer
        case invalidResponse = "invalid_response"
        case configuration
    }

    public var reason: Reason {
        switch self {
        case .unreachable: .unreachable
        case .denied: .denied
        case .notFound: .notFound
        case .failed: .httpError
        case .transfer: .transfer
        case .invalidResponse: .invalidResponse
        case .configuration: .configuration
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let m): "storage unreachable: \(m)"
        case .denied(let status, let code, let message):
            "storage refused access (\(status) \(code)): \(message) - check the credentials and the bucket policy"
        case .notFound(let m): "not found in storage: \(m)"
        case .failed(let status, let code, let message): "storage answered \(status) \(code): \(message)"
        case .transfer(let m): "download failed: \(m)"
        case .invalidResponse(let m): "storage sent an invalid response: \(m)"
        case .configuration(let m): m
        }
    }
}
