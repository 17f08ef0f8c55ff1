import Support
#if canImport(Glibc)
import Glibc
#endif

/// How to reach an MLflow tracking server, from the environment an MLflow client reads, so that
/// what lets `mlflow.pyfunc.load_model("models:/fraud@champion")` load a model lets fraudscore load it:
///
/// - `MLFLOW_TRACKING_URI`: the server, `http(s)://host:port` (fraudscore talks to its REST API).
/// - `MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`: Bearer or
///   Basic credentials. Each has a `_FILE` form naming a file that holds it (a mounted Kubernetes
///   Secret), read again before every request so a rotated secret is picked up.
/// - `MLFLOW_TRACKING_INSECURE_TLS=true`: no certificate check; `MLFLOW_TRACKING_SERVER_CERT_PATH`:
///   the CA bundle to check it with.
/// - `MLFLOW_S3_ENDPOINT_URL`: the S3 endpoint of `s3://` artifacts (MinIO, Yandex Object Storage).
public struct MLflowSettings: Sendable {
    public var trackingURI: String?
    public var token: SecretValue?
    public var username: SecretValue?
    public var password: SecretValue?
    public var insecureTLS = false
    public var serverCertPath: String?
    public var s3Endpoint: String?

    public init() {}

    /// Reads the variables above through `environment`.
    public init(environment: (String) -> String?) {
        func value(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        func secret(_ name: String) -> SecretValue? {
            if let v = value(name) { return .value(v) }
            return value(name + "_FILE").map(SecretValue.file)
        }
        trackingURI = value("MLFLOW_TRACKING_URI")
        token = secret("MLFLOW_TRACKING_TOKEN")
        username = secret("MLFLOW_TRACKING_USERNAME")
        password = secret("MLFLOW_TRACKING_PASSWORD")
        insecureTLS = ["true", "1", "yes"].contains(value("MLFLOW_TRACKING_INSECURE_TLS")?.lowercased() ?? "")
        serverCertPath = value("MLFLOW_TRACKING_SERVER_CERT_PATH")
        s3Endpoint = value("MLFLOW_S3_ENDPOINT_URL")
    }

    /// The process's environment.
    public static func fromProcessEnvironment() -> MLflowSettings {
        MLflowSettings { name in getenv(name).map { String(cString: $0) } }
    }

    /// The `Authorization` header for the tracking server, if credentials are set.
    func authorization() throws(StorageError) -> String? {
        if let token { return "Authorization: Bearer \(try token.read())" }
        guard let username else { return nil }
        let user = try username.read(), pass = try password?.read() ?? ""
        return "Authorization: Basic \(Base64.encode(Array("\(user):\(pass)".utf8)))"
    }
}

/// A credential given in the environment, or a file holding it.
public enum SecretValue: Sendable, Equatable {
    case value(String)
    case file(String)

    func read() throws(StorageError) -> String {
        switch self {
        case .value(let v): return v
        case .file(let path):
            guard let bytes = try? FileSystem.readAll(path, limit: 1 << 16) else {
                throw .configuration("cannot read \(path), named by an MLFLOW_TRACKING_*_FILE variable")
            }
            return String(decoding: bytes, as: UTF8.self).trimming(" \n\r\t")
        }
    }
}
