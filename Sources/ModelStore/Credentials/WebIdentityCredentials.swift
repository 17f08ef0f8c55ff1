import Support
/// STS AssumeRoleWithWebIdentity: the OIDC token a platform mounts and rotates (EKS IRSA, any
/// OIDC provider) traded for temporary credentials of `AWS_ROLE_ARN`. The token file is read anew
/// for every exchange, so a rotated token is used from the next refresh on.
struct WebIdentityCredentials: Sendable {
    var roleARN: String
    var tokenFile: String
    var sessionName: String
    /// STS base URL: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the regional endpoint.
    var endpoint: String

    /// Nil unless `AWS_WEB_IDENTITY_TOKEN_FILE` is set.
    init?(_ env: (String) -> String?) throws(StorageError) {
        guard let file = env("AWS_WEB_IDENTITY_TOKEN_FILE"), !file.isEmpty else { return nil }
        guard let role = env("AWS_ROLE_ARN"), !role.isEmpty else {
            throw .configuration("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume")
        }
        tokenFile = file
        roleARN = role
        sessionName = env("AWS_ROLE_SESSION_NAME").flatMap { $0.isEmpty ? nil : $0 } ?? "fraudscore"
        let region = env("AWS_REGION") ?? env("AWS_DEFAULT_REGION")
        var url = env("AWS_ENDPOINT_URL_STS") ?? env("AWS_ENDPOINT_URL")
            ?? region.map { "https://sts.\($0).amazonaws.com" } ?? "https://sts.amazonaws.com"
        while url.hasSuffix("/") { url.removeLast() }
        endpoint = url
    }

    func fetch(_ session: CurlSession, now: Int) throws(StorageError) -> TemporaryCredentials {
        guard let bytes = try? FileSystem.readAll(tokenFile, limit: 1 << 16) else {
            throw .configuration("AWS_WEB_IDENTITY_TOKEN_FILE names \(tokenFile), which cannot be read")
        }
        let token = String(decoding: bytes, as: UTF8.self).trimming(" \t\r\n")
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
                    ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
            .map { $0.0 + "=" + AWSEncoding.uri($0.1, keepSlash: false) }.joined(separator: "&")
        let result = try session.perform(method: "POST", url: endpoint + "/",
                                         headers: ["Content-Type: application/x-www-form-urlencoded", "Accept: application/xml",
                                                   "Expect:"],  // no 100-continue round trip
                                         body: Array(form.utf8))
        return try Self.parse(result, role: roleARN, now: now)
    }

    /// The `Credentials` of an AssumeRoleWithWebIdentityResponse, or the error STS sent.
    static func parse(_ result: TransferResult, role: String, now: Int) throws(StorageError) -> TemporaryCredentials {
        let xml = result.body[...]
        let what = "STS AssumeRoleWithWebIdentity for \(role)"
        guard (200..<300).contains(result.status) else {
            throw .http(status: result.status, code: S3XML.text("Code", in: xml) ?? "HTTP\(result.status)",
                        message: (S3XML.text("Message", in: xml) ?? "no error document") + " (\(what))")
        }
        guard let credentials = S3XML.elements("Credentials", in: xml).first,
              let key = S3XML.text("AccessKeyId", in: credentials), let secret = S3XML.text("SecretAccessKey", in: credentials),
              let token = S3XML.text("SessionToken", in: credentials),
              let expiration = S3XML.text("Expiration", in: credentials).flatMap({ epochSeconds(iso8601: $0) }) else {
            throw .invalidResponse("\(what): no Credentials with AccessKeyId, SecretAccessKey, SessionToken and Expiration")
        }
        return TemporaryCredentials(credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token),
                                    fetchedAt: now, expiresAt: expiration)
    }
}
