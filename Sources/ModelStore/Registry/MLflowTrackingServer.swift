import JSON

/// A registered model version as the registry describes it.
public struct RegisteredVersion: Sendable, Equatable {
    public var name: String
    public var version: Int
    /// The alias it was found through, if any.
    public var alias: String?
    public var runID: String?
    /// Where its artifacts are: `s3://…`, `mlflow-artifacts:/…` (the server's proxy), a local path.
    public var artifactURI: String
}

/// The REST API of an MLflow tracking server (`MLFLOW_TRACKING_URI`): the Model Registry's
/// aliases and versions, and the artifact proxy (`mlflow server --serve-artifacts`, the default).
/// Used by the model manager's thread only.
final class MLflowTrackingServer {
    let base: String
    private let settings: MLflowSettings
    private let session: CurlSession

    init(settings: MLflowSettings, transfer: TransferOptions) throws(StorageError) {
        guard let uri = settings.trackingURI else {
            throw .configuration("models:/ URIs are read from an MLflow tracking server: set MLFLOW_TRACKING_URI "
                                 + "to its address, e.g. http://mlflow:5000")
        }
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://") else {
            throw .configuration("MLFLOW_TRACKING_URI=\(uri): fraudscore reads the registry through the tracking "
                                 + "server's REST API; set it to the server's http(s):// address")
        }
        var base = uri
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.settings = settings
        var options = transfer
        options.insecureTLS = settings.insecureTLS
        if let ca = settings.serverCertPath { options.caBundle = ca }
        session = CurlSession(options: options)
    }

    /// The version an alias points at now, or a fixed version; refused unless its files are complete.
    func resolve(name: String, selector: RegistrySelector) throws(StorageError) -> RegisteredVersion {
        let described: JSONValue
        switch selector {
        case .alias(let alias):
            described = try call("registered-models/alias", ["name": name, "alias": alias],
                                 missing: "registered model \(name) has no alias \(alias) (deleted, or never set): "
                                    + "set it with MlflowClient().set_registered_model_alias(\"\(name)\", \"\(alias)\", VERSION)")
        case .version(let version):
            described = try call("model-versions/get", ["name": name, "version": "\(version)"],
                                 missing: "registered model \(name) has no version \(version)")
        }
        guard let mv = described["model_version"], let number = mv["version"]?.stringValue.flatMap({ Int($0) }) else {
            throw .invalidResponse("\(base): no model_version in the answer for \(name)")
        }
        let status = mv["status"]?.stringValue ?? "READY"
        guard status == "READY" else {
            throw .notFound("version \(number) of \(name) is \(status) in the registry: its files are not all there yet")
        }
        let location = try call("model-versions/get-download-uri", ["name": name, "version": "\(number)"],
                                missing: "registered model \(name) has no version \(number)")
        guard let artifactURI = location["artifact_uri"]?.stringValue, !artifactURI.isEmpty else {
            throw .invalidResponse("\(base): no artifact_uri for version \(number) of \(name)")
        }
        var alias: String?
        if case .alias(let a) = selector { alias = a }
        return RegisteredVersion(name: name, version: number, alias: alias,
                                 runID: mv["run_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }, artifactURI: artifactURI)
    }

    /// The files under an artifact path, recursively, through the artifact proxy.
    func listArtifacts(_ path: String) throws(StorageError) -> [StoredObject] {
        let answer = try call("mlflow-artifacts/artifacts", ["path": path], api: "/api/2.0/",
                              missing: "no artifacts at \(path) on \(base)")
        var out: [StoredObject] = []
        for file in answer["files"]?.arrayValue ?? [] {
            guard let name = file["path"]?.stringValue else { continue }
            let full = path.isEmpty ? name : path + "/" + name
            if file["is_dir"]?.boolValue == true {
                out += try listArtifacts(full)
            } else {
                let size = file["file_size"]?.intValue ?? 0
                out.append(StoredObject(key: full, size: size, etag: "\(size)"))
            }
        }
        return out
    }

    /// One artifact's bytes, through the artifact proxy.
    func downloadArtifact(_ path: String) throws(StorageError) -> [UInt8] {
        let url = base + "/api/2.0/mlflow-artifacts/artifacts/" + AWSEncoding.uri(path)
        let result = try session.perform(method: "GET", url: url, headers: try headers())
        guard (200..<300).contains(result.status) else { throw Self.error(result, url: url, missing: "no artifact \(path)") }
        return result.body
    }

    private func headers() throws(StorageError) -> [String] {
        try settings.authorization().map { [$0] } ?? []
    }

    /// GET `api` + `endpoint` with the query; the answer's JSON.
    private func call(_ endpoint: String, _ query: [String: String], api: String = "/api/2.0/mlflow/",
                      missing: String) throws(StorageError) -> JSONValue {
        let queryText = query.keys.sorted().map { "\($0)=\(AWSEncoding.uri(query[$0]!, keepSlash: false))" }
            .joined(separator: "&")
        let url = base + api + endpoint + "?" + queryText
        let result = try session.perform(method: "GET", url: url, headers: try headers())
        guard (200..<300).contains(result.status) else { throw Self.error(result, url: url, missing: missing) }
        do {
            return try JSONValue.parse(result.body)
        } catch {
            throw .invalidResponse("\(url): the answer is not JSON (\(error))")
        }
    }

    /// MLflow answers errors as `{"error_code": …, "message": …}`; a missing alias is a 400
    /// INVALID_PARAMETER_VALUE "… not found", a missing model or version a 404 RESOURCE_DOES_NOT_EXIST.
    private static func error(_ result: TransferResult, url: String, missing: String) -> StorageError {
        let body = try? JSONValue.parse(result.body)
        let code = body?["error_code"]?.stringValue ?? "HTTP\(result.status)"
        let message = body?["message"]?.stringValue ?? String(decoding: result.body.prefix(200), as: UTF8.self)
        if result.status == 404 || code == "RESOURCE_DOES_NOT_EXIST"
            || (code == "INVALID_PARAMETER_VALUE" && message.lowercased().contains("not found")) {
            return .notFound("\(missing) (MLflow: \(message))")
        }
        if result.status == 401 || result.status == 403 {
            return .denied(status: result.status, code: code,
                           message: "\(message) - check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/_PASSWORD")
        }
        return .failed(status: result.status, code: code, message: "\(message) (\(url))")
    }
}

/// The artifacts of registered versions, read through the tracking server's artifact proxy
/// (`mlflow-artifacts:/…` URIs). Read-only.
final class MLflowArtifactStore: ObjectStore {
    private let server: MLflowTrackingServer

    init(server: MLflowTrackingServer) { self.server = server }

    var location: String { server.base + "/api/2.0/mlflow-artifacts/artifacts/" }

    func list(prefix: String) throws(StorageError) -> [StoredObject] {
        var folder = prefix
        while folder.hasSuffix("/") { folder.removeLast() }
        return try server.listArtifacts(folder)
    }

    func get(_ key: String, ifNoneMatch: String?) throws(StorageError) -> FetchedObject {
        let bytes = try server.downloadArtifact(key)
        return .object(bytes: bytes, etag: "\(bytes.count)")
    }

    func put(_ key: String, _ bytes: [UInt8]) throws(StorageError) {
        throw .configuration("cannot publish to the MLflow registry: log the model with mlflow.<flavor>.log_model(…, "
                             + "registered_model_name=…) instead")
    }
}
