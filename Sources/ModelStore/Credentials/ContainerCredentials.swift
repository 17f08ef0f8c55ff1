import JSON
import Support

/// Container credentials: an HTTP endpoint beside the pod hands out temporary credentials (EKS Pod
/// Identity: `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`;
/// ECS: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`). The authorization token file is read anew for
/// every fetch, since the platform rotates it.
struct ContainerCredentials: Sendable {
    var url: String
    var authorization: String?
    var authorizationFile: String?

    /// The addresses besides loopback that the AWS SDKs accept plain HTTP from: ECS, EKS Pod Identity.
    static let linkLocalHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]

    /// Nil unless one of the two URI variables is set.
    init?(_ env: (String) -> String?) throws(StorageError) {
        if let relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), !relative.isEmpty {
            url = "http://169.254.170.2" + relative
        } else if let full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI"), !full.isEmpty {
            guard Self.allowed(full) else {
                throw .configuration("AWS_CONTAINER_CREDENTIALS_FULL_URI \(full) must be https://, or http:// to a loopback "
                                     + "address or 169.254.170.2 / 169.254.170.23 / [fd00:ec2::23]")
            }
            url = full
        } else {
            return nil
        }
        authorization = env("AWS_CONTAINER_AUTHORIZATION_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        authorizationFile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").flatMap { $0.isEmpty ? nil : $0 }
    }

    static func allowed(_ url: String) -> Bool {
        if url.hasPrefix("https://") { return true }
        guard url.hasPrefix("http://") else { return false }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]"
                                            : String(authority.prefix { $0 != ":" })
        return ["127.0.0.1", "localhost", "[::1]"].contains(host) || linkLocalHosts.contains(host)
    }

    func fetch(_ session: CurlSession, now: Int) throws(StorageError) -> TemporaryCredentials {
        var headers = ["Accept: application/json"]
        if let file = authorizationFile {
            guard let bytes = try? FileSystem.readAll(file, limit: 1 << 16) else {
                throw .configuration("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names \(file), which cannot be read")
            }
            headers.append("Authorization: " + String(decoding: bytes, as: UTF8.self).trimming(" \t\r\n"))
        } else if let authorization {
            headers.append("Authorization: " + authorization)
        }
        return try Self.parse(try session.perform(method: "GET", url: url, headers: headers), url: url, now: now)
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, or the error the endpoint sent.
    static func parse(_ result: TransferResult, url: String, now: Int) throws(StorageError) -> TemporaryCredentials {
        let document = try? JSONValue.parse(result.body)
        guard (200..<300).contains(result.status) else {
            let message = document?["message"]?.stringValue ?? document?["Message"]?.stringValue ?? "no error document"
            throw .http(status: result.status, code: document?["code"]?.stringValue ?? "HTTP\(result.status)",
                        message: "\(message) (container credentials from \(url))")
        }
        guard let document, let key = document["AccessKeyId"]?.stringValue,
              let secret = document["SecretAccessKey"]?.stringValue,
              let expiration = document["Expiration"]?.stringValue.flatMap({ epochSeconds(iso8601: $0) }) else {
            throw .invalidResponse("container credentials from \(url): no AccessKeyId, SecretAccessKey and Expiration")
        }
        return TemporaryCredentials(credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret,
                                                                sessionToken: document["Token"]?.stringValue),
                                    fetchedAt: now, expiresAt: expiration)
    }
}
